-- =====================================================================================
-- The booking core: one implementation of holding tables, and the status transitions
-- =====================================================================================
-- Concurrency: a booking first takes a transaction advisory lock per (table, night), in
-- table-id order, so two requests for one table queue instead of racing, and requests for
-- different tables never wait on each other. Under the lock it expires dead holds (lazily:
-- an expired hold never blocks anyone, sweeper or not), checks, then inserts. The exclusion
-- constraint on booking_tables is the backstop for every other path. Locks are always taken
-- in the order customer -> tables -> booking rows -> venue-night (at commit); waitlist offers,
-- made at commit under the venue-night lock, only try-lock guests, tables and entries.

-- The advisory lock keys: a 32-bit hash of the thing, and the night as days since 2000.
create function private.lock_key(p_id uuid) returns int
language sql immutable
set search_path = ''
as $$ select pg_catalog.hashtext(p_id::text) $$;

create function private.night_key(p_night date) returns int
language sql immutable
set search_path = ''
as $$ select (p_night - date '2000-01-01')::int $$;

-- Lock tables for a night, in a fixed order (sorted ids) so that lockers never deadlock.
create function private.lock_tables(p_table_ids uuid[], p_night date) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
begin
  foreach v_id in array (select array_agg(t order by t) from unnest(p_table_ids) t) loop
    perform pg_catalog.pg_advisory_xact_lock(private.lock_key(v_id), private.night_key(p_night));
  end loop;
end;
$$;

-- A claim is live while it is active and, for a hold, not yet past its expiry: every query
-- spells that out as `bt.is_active and coalesce(bt.expires_at > (select private.now()), true)`
-- (inline, so the planner sees is_active and uses the partial indexes, and the clock is read
-- once per statement).

-- Expire the dead holds, and lift the blocks past their release_at, on some tables that
-- overlap a range (the caller holds the table locks): what is dead must not block a booking.
create function private.expire_dead_holds(p_venue_id uuid, p_night date, p_table_ids uuid[], p_period tstzrange)
returns void
language plpgsql
set search_path = ''
as $$
begin
  -- `= any (array(...))`: the dead claims are found first (usually none) and their rows by
  -- primary key; an `in (subquery)` lets the planner scan every held booking instead.
  update public.bookings b
     set status = 'expired', status_reason = 'hold_expired'
   where b.status = 'held'
     and b.id = any (array(select bt.booking_id from public.booking_tables bt
                           where bt.venue_id = p_venue_id and bt.booking_date = p_night
                             and bt.table_id = any (p_table_ids) and bt.booking_id is not null and bt.is_active
                             and bt.expires_at <= private.now() and bt.period && p_period));
  update public.table_blocks blk
     set is_active = false, released_at = private.now()
   where blk.is_active
     and blk.id = any (array(select bt.block_id from public.booking_tables bt
                             where bt.venue_id = p_venue_id and bt.booking_date = p_night
                               and bt.table_id = any (p_table_ids) and bt.block_id is not null and bt.is_active
                               and bt.expires_at <= private.now() and bt.period && p_period));
end;
$$;

-- The customer a request is for: p_customer_id when staff (host+) or a trusted caller books
-- for a guest; else the caller's own customer row, created from the JWT on first use, or the
-- guest record staff made for the caller's email (their walk-in history) when Supabase Auth
-- has confirmed that the address is theirs (auth.users.email_confirmed_at).
create function private.resolve_customer(p_venue_id uuid, p_customer_id uuid) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_claims jsonb := coalesce((select auth.jwt()), '{}'::jsonb);
  v_id uuid;
begin
  if p_customer_id is not null then
    perform private.require_staff(p_venue_id, 'host');
    if not exists (select 1 from public.customers c where c.id = p_customer_id) then
      perform private.raise_error('INVALID_INPUT', 'unknown customer', 'PT404');
    end if;
    return p_customer_id;
  end if;
  if v_uid is null or private.api_role() not in ('authenticated', 'service_role') and not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'sign in to book', 'PT401');
  end if;
  select c.id into v_id from public.customers c where c.user_id = v_uid;
  if v_id is not null then
    return v_id;
  end if;
  update public.customers c set user_id = v_uid
   where lower(c.email) = lower(v_claims ->> 'email') and c.user_id is null
     and exists (select 1 from auth.users u
                 where u.id = v_uid and u.email_confirmed_at is not null and lower(u.email) = lower(c.email))
  returning c.id into v_id;
  if v_id is null then
    insert into public.customers (user_id, email, phone, full_name, date_of_birth)
    values (v_uid,
            case when not exists (select 1 from public.customers c where lower(c.email) = lower(v_claims ->> 'email'))
                 then v_claims ->> 'email' end,
            v_claims ->> 'phone',
            v_claims -> 'user_metadata' ->> 'full_name',
            (v_claims -> 'user_metadata' ->> 'date_of_birth')::date)
    on conflict (user_id) do nothing
    returning id into v_id;
    if v_id is null then
      select c.id into v_id from public.customers c where c.user_id = v_uid;
    end if;
  end if;
  return v_id;
end;
$$;

-- The caller's customer id, or null (used by RLS policies).
create function private.my_customer_id() returns uuid
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return (select c.id from public.customers c where c.user_id = (select auth.uid()));
end;
$$;

-- Can these tables be sold together? A predefined combination, or one floor whose tables
-- form a chain of neighbours. Returns the capacity range to sell them at, or no row.
create function private.combination_capacity(p_venue_id uuid, p_table_ids uuid[])
returns table (capacity_min int, capacity_max int)
language plpgsql stable
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  select tc.capacity_min, tc.capacity_max
  from public.table_combinations tc
  where tc.venue_id = p_venue_id
    and tc.table_ids @> p_table_ids and tc.table_ids <@ p_table_ids
  union all
  select sum(t.capacity_min)::int, sum(t.capacity_max)::int
  from public.venue_tables t
  where t.venue_id = p_venue_id and t.id = any (p_table_ids)
    and not exists (select 1 from public.table_combinations tc
                    where tc.venue_id = p_venue_id and tc.table_ids @> p_table_ids and tc.table_ids <@ p_table_ids)
  having count(distinct t.floor_id) = 1
     and not bool_or(t.is_shared)
     and count(*) = cardinality(p_table_ids)
     and bool_and(exists (select 1 from public.venue_tables n
                          where n.venue_id = p_venue_id and n.id = any (p_table_ids)
                            and n.table_number = any (t.adjacent_numbers)))
  limit 1;
end;
$$;

-- A booking as the RPCs return it.
create function private.booking_result(p_booking public.bookings) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  select jsonb_build_object(
    'booking_id', p_booking.id,
    'reference', p_booking.reference,
    'status', p_booking.status,
    'venue_id', p_booking.venue_id,
    'booking_date', p_booking.booking_date,
    'starts_at', lower(p_booking.period),
    'ends_at', upper(p_booking.period),
    'party_size', p_booking.party_size,
    'table_ids', (select coalesce(jsonb_agg(bt.table_id order by bt.table_id), '[]'::jsonb)
                  from public.booking_tables bt where bt.booking_id = p_booking.id),
    'hold_expires_at', p_booking.hold_expires_at,
    'deposit', p_booking.deposit_total,
    'minimum_spend', p_booking.minimum_spend_total,
    'payment_reference', p_booking.payment_reference,
    'currency', (select v.currency from public.venues v where v.id = p_booking.venue_id)));
end;
$$;

-- An unguessable reference BR-YYMMDD-XXXXXX (night's date, 6 random characters A-Z0-9).
create function private.new_reference(p_night date) returns text
language plpgsql volatile
set search_path = ''
as $$
begin
  return (
  select 'BR-' || to_char(p_night, 'YYMMDD') || '-' ||
         string_agg(substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', (get_byte(r.b, i) % 36) + 1, 1), '' order by i)
  from (select extensions.gen_random_bytes(6) as b) r, generate_series(0, 5) i);
end;
$$;

-- The table sets free for a whole time range that fit a party, best first: fewest wasted
-- seats, then lowest minimum spend, singles before combinations, lower floor first. Sets are
-- single tables (or shared sections with room left), predefined combinations, and pairs of
-- neighbouring tables on one floor.
create function private.free_options(p_venue_id uuid, p_night date, p_period tstzrange, p_party_size int)
returns table (rank int, table_ids uuid[], table_numbers int[], table_names text[], total_capacity int,
               total_min_spend numeric, total_deposit numeric, floor_name text, combination_type text)
language plpgsql stable
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with live as materialized (
    -- the night's live claims over the range, read once
    select bt.table_id, bt.is_exclusive, bt.party_size
    from public.booking_tables bt
    where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.is_active
      and coalesce(bt.expires_at > (select private.now()), true) and bt.period && p_period
  ), free as (
    select t.*, f.name as floor_name, f.level,
           t.capacity_max - coalesce((select sum(l.party_size) from live l
                                      where l.table_id = t.id and not l.is_exclusive), 0) as room
    from public.venue_tables t
    join public.floors f on f.id = t.floor_id
    where t.venue_id = p_venue_id and t.is_active
      and not exists (select 1 from live l where l.table_id = t.id and l.is_exclusive)
  ), sets as (
    select array[t.id] as table_ids, array[t.table_number] as table_numbers, array[t.name] as table_names,
           case when t.is_shared then t.room else t.capacity_max end as cap_max,
           case when t.is_shared then 1 else t.capacity_min end as cap_min,
           t.minimum_spend as spend, t.deposit, t.floor_name, t.level, 'single' as kind, 0 as kind_rank
    from free t
    union all
    select tc.table_ids, array_agg(t.table_number order by t.table_number), array_agg(t.name order by t.table_number),
           tc.capacity_max, tc.capacity_min, sum(t.minimum_spend), sum(t.deposit), min(t.floor_name), min(t.level),
           'combination', 1
    from public.table_combinations tc
    join free t on t.id = any (tc.table_ids)
    where tc.venue_id = p_venue_id
    group by tc.id
    having count(*) = cardinality(tc.table_ids)
    union all
    select array[a.id, b.id], array[a.table_number, b.table_number], array[a.name, b.name],
           a.capacity_max + b.capacity_max, a.capacity_min + b.capacity_min,
           a.minimum_spend + b.minimum_spend, a.deposit + b.deposit, a.floor_name, a.level, 'adjacent', 2
    from free a
    join free b on b.floor_id = a.floor_id and b.table_number > a.table_number
               and b.table_number = any (a.adjacent_numbers)
    where not a.is_shared and not b.is_shared
      and not exists (select 1 from public.table_combinations tc
                      where tc.venue_id = p_venue_id and tc.table_ids @> array[a.id, b.id]
                        and tc.table_ids <@ array[a.id, b.id])
  )
  select (row_number() over w)::int, s.table_ids, s.table_numbers, s.table_names, s.cap_max::int,
         s.spend::numeric, s.deposit::numeric, s.floor_name::text, s.kind::text
  from sets s
  where p_party_size between s.cap_min and s.cap_max
  window w as (order by s.cap_max - p_party_size, s.spend, s.kind_rank, s.level, s.table_numbers)
  order by 1;
end;
$$;

-- Alternatives for a request that can't be met: free single tables and combinations that fit
-- the party in the same slot (fewest wasted seats, lowest minimum spend, same floor first),
-- then in the neighbouring slots. JSON, carried in SECTION_NOT_AVAILABLE's DETAIL.
create function private.alternatives(p_venue_id uuid, p_night date, p_slot_id text, p_period tstzrange,
                                     p_party_size int, p_limit int default 5)
returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  with slots as (
    select s.slot_id, s.slot_period,
           case when p_slot_id is not null and s.slot_id = p_slot_id then 0
                when p_slot_id is null and s.slot_period && p_period then 0 else 1 end as distance,
           abs(extract(epoch from lower(s.slot_period) - lower(p_period))) as gap
    from private.slots_overlapping(p_venue_id, p_night,
           tstzrange(lower(p_period) - interval '6 hours', upper(p_period) + interval '6 hours')) s
  ), options as (
    select s.slot_id, s.distance, s.gap, o.*
    from slots s
    cross join lateral private.free_options(p_venue_id, p_night, s.slot_period, p_party_size) o
  )
  select jsonb_build_object(
    'reason', 'taken',
    'alternatives', coalesce(jsonb_agg(jsonb_build_object(
        'slot_id', a.slot_id, 'table_ids', a.table_ids, 'table_numbers', a.table_numbers,
        'capacity_max', a.total_capacity, 'minimum_spend', a.total_min_spend, 'deposit', a.total_deposit,
        'combination_type', a.combination_type)
      order by a.distance, a.gap, a.rank), '[]'::jsonb))
  from (select * from options order by distance, gap, rank limit p_limit) a);
end;
$$;
