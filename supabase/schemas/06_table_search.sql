-- =============================================================================================
-- Table search: what is free, and the best alternatives
-- =============================================================================================
-- Free table sets for a party (single tables, combinations, neighbouring pairs), ranked; the
-- alternatives a refusal carries; each table's state in a slot.

-- The table sets free for each of some time ranges that fit a party, ranked per range, best
-- first: fewest wasted seats, then lowest minimum spend, singles before combinations, lower
-- floor first. Sets are single tables (or shared sections with room left), predefined
-- combinations, and pairs of neighbouring tables on one floor. One statement for all the
-- ranges: the night's claims, the tables and the sets are read once, however many ranges.
create function private.free_options_in_periods(p_venue_id uuid, p_night date, p_periods tstzrange[],
                                                p_party_size int)
returns table (period_no int, rank int, table_ids uuid[], table_numbers int[], table_names text[],
               total_capacity int, total_min_spend numeric, total_deposit numeric, floor_name text,
               combination_type text)
language plpgsql stable
rows 20  -- a floor's options, not the default 1000 rows (which would JIT-compile callers)
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with live as materialized (
    -- the night's live claims over any of the ranges, read once
    select bt.table_id, bt.period, bt.is_exclusive, bt.party_size
    from public.booking_tables bt
    where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.is_active
      and coalesce(bt.expires_at > (select private.now()), true) and bt.period && any (p_periods)
  ), tables as materialized (
    select t.id, t.floor_id, t.table_number, t.name, t.capacity_min, t.capacity_max, t.is_shared,
           t.minimum_spend, t.deposit, t.adjacent_numbers, f.name as floor_name, f.level
    from public.venue_tables t
    join public.floors f on f.id = t.floor_id
    where t.venue_id = p_venue_id and t.is_active
  ), sets as (
    select array[t.id] as table_ids, array[t.table_number] as table_numbers, array[t.name] as table_names,
           case when t.is_shared then 1 else t.capacity_min end as cap_min, t.capacity_max as cap_max, t.is_shared,
           t.minimum_spend as spend, t.deposit, t.floor_name, t.level, 'single' as kind, 0 as kind_rank
    from tables t
    union all
    select tc.table_ids, array_agg(t.table_number order by t.table_number), array_agg(t.name order by t.table_number),
           tc.capacity_min, tc.capacity_max, false, sum(t.minimum_spend), sum(t.deposit), min(t.floor_name),
           min(t.level), 'combination', 1
    from public.table_combinations tc
    join tables t on t.id = any (tc.table_ids)
    where tc.venue_id = p_venue_id
    group by tc.id
    having count(*) = cardinality(tc.table_ids)
    union all
    select array[a.id, b.id], array[a.table_number, b.table_number], array[a.name, b.name],
           a.capacity_min + b.capacity_min, a.capacity_max + b.capacity_max, false,
           a.minimum_spend + b.minimum_spend, a.deposit + b.deposit, a.floor_name, a.level, 'adjacent', 2
    from tables a
    join tables b on b.floor_id = a.floor_id and b.table_number > a.table_number
               and b.table_number = any (a.adjacent_numbers)
    where not a.is_shared and not b.is_shared
      and not exists (select 1 from public.table_combinations tc
                      where tc.venue_id = p_venue_id and tc.table_ids @> array[a.id, b.id]
                        and tc.table_ids <@ array[a.id, b.id])
  ), fits as (
    -- a set is free in a range when no exclusive live claim on its tables overlaps it; a shared
    -- section's seats are what its guests in that range leave
    select p.n, s.*,
           case when s.is_shared
                then s.cap_max - coalesce((select sum(l.party_size) from live l
                                           where l.table_id = s.table_ids[1] and not l.is_exclusive
                                             and l.period && p.period), 0)
                else s.cap_max end as seats
    from unnest(p_periods) with ordinality p (period, n)
    cross join sets s
    where p_party_size >= s.cap_min
      and not exists (select 1 from live l
                      where l.table_id = any (s.table_ids) and l.is_exclusive and l.period && p.period)
  )
  select f.n::int, (row_number() over w)::int, f.table_ids, f.table_numbers, f.table_names, f.seats::int,
         f.spend::numeric, f.deposit::numeric, f.floor_name::text, f.kind::text
  from fits f
  where p_party_size <= f.seats
  window w as (partition by f.n order by f.seats - p_party_size, f.spend, f.kind_rank, f.level, f.table_numbers)
  order by 1, 2;
end;
$$;

-- The table sets free for a whole time range that fit a party, best first (as above).
create function private.free_options(p_venue_id uuid, p_night date, p_period tstzrange, p_party_size int)
returns table (rank int, table_ids uuid[], table_numbers int[], table_names text[], total_capacity int,
               total_min_spend numeric, total_deposit numeric, floor_name text, combination_type text)
language plpgsql stable
rows 20
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  select o.rank, o.table_ids, o.table_numbers, o.table_names, o.total_capacity, o.total_min_spend,
         o.total_deposit, o.floor_name, o.combination_type
  from private.free_options_in_periods(p_venue_id, p_night, array[p_period], p_party_size) o
  order by o.rank;
end;
$$;

-- Alternatives for a request that can't be met: free single tables and combinations that fit
-- the party in the same slot (fewest wasted seats, lowest minimum spend, same floor first),
-- then in the neighbouring slots, nearest first; at most p_limit. JSON, carried in
-- SECTION_NOT_AVAILABLE's DETAIL. One statement: most of a rush is refusals, and each pays it.
create function private.alternatives(p_venue_id uuid, p_night date, p_slot_id text, p_period tstzrange,
                                     p_party_size int, p_limit int default 5)
returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  with slots as materialized (
    select s.slot_id, s.slot_period,
           row_number() over (order by case when p_slot_id is not null and s.slot_id = p_slot_id then 0
                                            when p_slot_id is null and s.slot_period && p_period then 0 else 1 end,
                                       abs(extract(epoch from lower(s.slot_period) - lower(p_period))), s.slot_id) as n
    from private.slots_overlapping(p_venue_id, p_night,
           tstzrange(lower(p_period) - interval '6 hours', upper(p_period) + interval '6 hours')) s
  ), best as (
    select o.*
    from private.free_options_in_periods(p_venue_id, p_night,
           (select array_agg(s.slot_period order by s.n) from slots s), p_party_size) o
    order by o.period_no, o.rank
    limit p_limit
  )
  select jsonb_build_object('reason', 'taken', 'alternatives', coalesce(jsonb_agg(jsonb_build_object(
           'slot_id', s.slot_id, 'table_ids', b.table_ids, 'table_numbers', b.table_numbers,
           'capacity_max', b.total_capacity, 'minimum_spend', b.total_min_spend, 'deposit', b.total_deposit,
           'combination_type', b.combination_type) order by b.period_no, b.rank), '[]'::jsonb))
  from best b
  join slots s on s.n = b.period_no);
end;
$$;

-- Are these tables free for a range (caller holds their locks)? Exclusive tables: no live
-- claim overlaps. Shared sections: the party fits in what live claims leave of capacity_max.
-- p_except_booking's own claims don't count (a booking that changes makes way for itself).
create function private.tables_free(p_venue_id uuid, p_night date, p_table_ids uuid[], p_period tstzrange,
                                    p_party_size int, p_except_booking uuid default null)
returns boolean
language plpgsql stable
set search_path = ''
set plan_cache_mode = force_generic_plan  -- else re-planned on every call (see emit_slot_events)
as $$
begin
  return (
  select not exists (select 1 from public.booking_tables bt
                     where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = any (p_table_ids)
                       and bt.is_exclusive and bt.is_active and coalesce(bt.expires_at > (select private.now()), true) and bt.period && p_period
                       and (p_except_booking is null or bt.booking_id is distinct from p_except_booking))
     and not exists (select 1 from public.venue_tables t
                     where t.id = any (p_table_ids) and t.is_shared
                       and p_party_size + coalesce((select sum(bt.party_size) from public.booking_tables bt
                             where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = t.id
                               and not bt.is_exclusive
                               and bt.is_active and coalesce(bt.expires_at > (select private.now()), true) and bt.period && p_period
                               and (p_except_booking is null or bt.booking_id is distinct from p_except_booking)), 0)
                           > t.capacity_max));
end;
$$;

-- The night's live claims over a range (every table, or only p_table_ids), each with its
-- booking's status: now from the claim ledger, or at p_at from the versions of the claims and
-- bookings valid then (a hold past its expiry at p_at is dead there). Two plain statements, so
-- the one the booking path runs is planned as before and never plans the history.
create function private.slot_claims(p_venue_id uuid, p_night date, p_period tstzrange, p_table_ids uuid[],
                                    p_at timestamptz)
returns table (table_id uuid, booking_id uuid, block_id uuid, is_exclusive boolean, party_size int,
               status public.booking_status)
language plpgsql stable
rows 16
set search_path = ''
as $$
#variable_conflict use_column
begin
  if p_at is null then
    return query
    select bt.table_id, bt.booking_id, bt.block_id, bt.is_exclusive, bt.party_size, bk.status
    from public.booking_tables bt
    left join public.bookings bk on bk.id = bt.booking_id
    where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.is_active
      and coalesce(bt.expires_at > (select private.now()), true) and bt.period && p_period
      and (p_table_ids is null or bt.table_id = any (p_table_ids));
  else
    return query
    select cv.table_id, cv.booking_id, cv.block_id, cv.is_exclusive, cv.party_size, bv.status
    from private.claim_versions cv
    left join private.booking_versions bv
      on bv.venue_id = p_venue_id and bv.booking_date = p_night and bv.booking_id = cv.booking_id and bv.valid @> p_at
    where cv.venue_id = p_venue_id and cv.booking_date = p_night and cv.valid @> p_at
      and cv.is_active and coalesce(cv.expires_at > p_at, true) and cv.period && p_period
      and (p_table_ids is null or cv.table_id = any (p_table_ids));
  end if;
end;
$$;

comment on function private.slot_claims is
  'The live claims of a night over a range with their bookings'' statuses, now or at a past instant p_at.';

-- The tables' states in a time range of a night, as the snapshot shows them to staff: for each
-- table, the strongest live exclusive claim (a block first, then checked_in > confirmed >
-- pending_approval > held), else for a split-capacity section 'held' when full, else
-- 'available'. Every table of the venue, or only p_table_ids: one statement for a whole floor
-- (the snapshot) or the tables an event announces. The night's live claims over the range are
-- read once (one index scan, however many tables), then matched to the tables. With p_at, the
-- states as they were at that past instant, from the claims' and bookings' history (a hold past
-- its expiry at p_at is dead then, as it was whether or not anything changed).
create function private.table_slot_states(p_venue_id uuid, p_night date, p_period tstzrange,
                                          p_table_ids uuid[] default null, p_at timestamptz default null)
returns table (table_id uuid, state text, booking_id uuid, block_id uuid, guests int)
language plpgsql stable
rows 16  -- a floor, not the default 1000 rows that would make callers JIT-compile their plans
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with claims as materialized (
    select l.table_id, l.booking_id, l.block_id, l.is_exclusive, l.party_size,
           case when l.block_id is not null then 'blocked'
                when l.status in ('held', 'pending_approval', 'confirmed', 'checked_in') then l.status::text
                else 'available' end as state,
           case when l.block_id is not null then 0
                else coalesce(array_position(array['checked_in', 'confirmed', 'pending_approval', 'held'],
                                             l.status::text), 5) end as strength
    from private.slot_claims(p_venue_id, p_night, p_period, p_table_ids, p_at) l
  )
  select t.id,
         coalesce(top.state, case when t.is_shared and shared.guests >= t.capacity_max then 'held' else 'available' end),
         top.booking_id, top.block_id, coalesce(shared.guests, 0)
  from public.venue_tables t
  left join (select distinct on (c.table_id) c.table_id, c.state, c.booking_id, c.block_id
             from claims c where c.is_exclusive
             order by c.table_id, c.strength) top on top.table_id = t.id
  left join (select c.table_id, sum(c.party_size)::int as guests
             from claims c where not c.is_exclusive
             group by c.table_id) shared on shared.table_id = t.id
  -- (a plain condition, so that the one generic plan reads the venue's tables by index)
  where t.venue_id = p_venue_id and (p_table_ids is null or t.id = any (p_table_ids));
end;
$$;

comment on function private.table_slot_states is
  'The tables'' true states in a time range of a night (all tables, or the given ones), now or at a past instant p_at; the events and the snapshot''s replay read it, the live snapshot ranks claims by the same rule.';
