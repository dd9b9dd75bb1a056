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
language plpgsql immutable
set search_path = ''
as $$
begin
  return pg_catalog.hashtext(p_id::text);
end;
$$;

-- The advisory lock key of a night (days since 2000); DATE_OUT_OF_RANGE off the calendar (as
-- private.local_instant).
create function private.night_key(p_night date) returns int
language plpgsql immutable
set search_path = ''
as $$
begin
  if not p_night between date '0001-01-01' and date '9999-12-31' then
    perform private.raise_error('DATE_OUT_OF_RANGE', format('%s is not a night the venue can open', p_night));
  end if;
  return p_night - date '2000-01-01';
end;
$$;
comment on function private.night_key is 'The advisory lock key of a night: days since 2000-01-01.';

-- Lock a guest (when given) and tables for a night, in a fixed order (the guest first, then
-- the tables by sorted id) so that lockers never deadlock. One statement: the subquery's order,
-- kept by the scan over it, is the order the locks are taken in.
create function private.lock_tables(p_table_ids uuid[], p_night date, p_customer_id uuid default null)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(k.key, private.night_key(p_night))
  from (select l.key from (select 0 as ord, null::uuid as id, private.lock_key(p_customer_id) as key
                           where p_customer_id is not null
                           union all
                           select 1, t, private.lock_key(t) from unnest(p_table_ids) t) l
        order by l.ord, l.id offset 0) k;
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
declare
  v_dead_bookings uuid[];
  v_dead_blocks uuid[];
begin
  -- One read finds the dead claims (usually none: then nothing else runs); their owners are
  -- then updated by primary key.
  select array_agg(bt.booking_id) filter (where bt.booking_id is not null),
         array_agg(bt.block_id) filter (where bt.block_id is not null)
    into v_dead_bookings, v_dead_blocks
  from public.booking_tables bt
  where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = any (p_table_ids)
    and bt.is_active and bt.expires_at <= (select private.now()) and bt.period && p_period;
  if v_dead_bookings is not null then
    update public.bookings b
       set status = 'expired', status_reason = 'hold_expired'
     where b.status = 'held' and b.id = any (v_dead_bookings);
  end if;
  if v_dead_blocks is not null then
    update public.table_blocks blk
       set is_active = false, released_at = private.now()
     where blk.is_active and blk.id = any (v_dead_blocks);
  end if;
end;
$$;

-- Does a club know a guest: a record its staff made, or a booking or waitlist entry at one of
-- its venues? Clubs are tenants: staff act only for the guests their club knows.
create function private.club_knows_customer(p_club_id uuid, p_customer_id uuid) returns boolean
language sql stable
set search_path = ''
as $$
  select exists (select 1 from public.customers c where c.id = p_customer_id and c.club_id = p_club_id)
      or exists (select 1 from public.bookings b join public.venues v on v.id = b.venue_id
                 where b.customer_id = p_customer_id and v.club_id = p_club_id)
      or exists (select 1 from public.waitlist_entries w join public.venues v on v.id = w.venue_id
                 where w.customer_id = p_customer_id and v.club_id = p_club_id)
$$;

-- The customer a request is for: p_customer_id when staff (host+) or a trusted caller books
-- for a guest their club knows (any other id is "unknown customer", whether it exists or
-- not); else the caller's own customer row, created from the JWT on first use, or a guest
-- record staff made for the caller's email (their walk-in history) when Supabase Auth has
-- confirmed that the address is theirs (auth.users.email_confirmed_at).
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
    if not private.club_knows_customer((select v.club_id from public.venues v where v.id = p_venue_id), p_customer_id) then
      perform private.raise_error('INVALID_INPUT', 'unknown customer', 'PT404');
    end if;
    return p_customer_id;
  end if;
  if v_uid is null or private.api_role() not in ('authenticated', 'service_role') and not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'sign in to book', 'PT401');
  end if;
  select c.id into v_id from public.customers c where c.user_id = v_uid;
  if v_id is null then
    v_id := private.new_account_customer(v_uid, v_claims);
  end if;
  -- The age gate needs a date of birth for a guest booking for themselves (staff and trusted
  -- callers booking for a walk-in check ID at the door instead).
  if not private.is_trusted() and private.staff_role(p_venue_id) is null
     and (select c.date_of_birth from public.customers c where c.id = v_id) is null then
    perform private.raise_error('INVALID_INPUT',
      'a date of birth (user_metadata.date_of_birth, YYYY-MM-DD) is needed to book: the venue checks age');
  end if;
  return v_id;
end;
$$;

-- The customer record of an account on its first request: the guest record staff made for its
-- email (the oldest, once Auth has confirmed the address; it gains the account's date of
-- birth if it had none), else a new profile from the JWT.
create function private.new_account_customer(p_uid uuid, p_claims jsonb) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
  -- The date of birth the guest gave at sign-up: in the token, else in their Auth user.
  v_dob text := coalesce(p_claims -> 'user_metadata' ->> 'date_of_birth',
                         (select u.raw_user_meta_data ->> 'date_of_birth' from auth.users u where u.id = p_uid));
begin
  update public.customers c
     set user_id = p_uid,
         date_of_birth = coalesce(c.date_of_birth, private.date_of_birth(v_dob))
   where c.id = (select g.id from public.customers g
                 where lower(g.email) = lower(p_claims ->> 'email') and g.user_id is null
                   and exists (select 1 from auth.users u
                               where u.id = p_uid and u.email_confirmed_at is not null and lower(u.email) = lower(g.email))
                 order by g.created_at limit 1)
  returning c.id into v_id;
  if v_id is null then
    insert into public.customers (user_id, email, phone, full_name, date_of_birth)
    values (p_uid,
            case when not exists (select 1 from public.customers c
                                  where c.club_id is null and lower(c.email) = lower(p_claims ->> 'email'))
                 then p_claims ->> 'email' end,
            p_claims ->> 'phone',
            p_claims -> 'user_metadata' ->> 'full_name',
            private.date_of_birth(v_dob))
    on conflict (user_id) do nothing
    returning id into v_id;
    if v_id is null then
      select c.id into v_id from public.customers c where c.user_id = p_uid;
    end if;
  end if;
  return v_id;
end;
$$;

-- A date of birth from the sign-up metadata: YYYY-MM-DD of a real past date, else
-- INVALID_INPUT (a contract error, never SQLSTATE 22007/22008); none is null. The age gate
-- trusts this date (the guest's own statement at sign-up, or staff's record), nothing more.
create function private.date_of_birth(p_text text) returns date
language plpgsql immutable
set search_path = ''
as $$
declare
  v_date date;
begin
  if p_text is null then
    return null;
  end if;
  if p_text ~ '^\d{4}-\d{2}-\d{2}$' then
    begin
      v_date := p_text::date;
    exception when datetime_field_overflow or invalid_datetime_format then
      v_date := null;  -- e.g. 2001-02-30: refused below like any malformed date
    end;
  end if;
  if v_date is null or v_date < date '1900-01-01' then
    perform private.raise_error('INVALID_INPUT', 'date_of_birth must be a date YYYY-MM-DD');
  end if;
  return v_date;
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

-- The capacity range a set of tables is sold at: one table's own (from 1 for a shared
-- section), else the combination's; no row when the tables can't be sold together.
create function private.tables_capacity(p_venue_id uuid, p_table_ids uuid[])
returns table (capacity_min int, capacity_max int)
language plpgsql stable
set search_path = ''
as $$
#variable_conflict use_column
begin
  if cardinality(p_table_ids) = 1 then
    return query select case when t.is_shared then 1 else t.capacity_min end, t.capacity_max
                 from public.venue_tables t where t.id = p_table_ids[1] and t.venue_id = p_venue_id;
  else
    return query select c.capacity_min, c.capacity_max from private.combination_capacity(p_venue_id, p_table_ids) c;
  end if;
end;
$$;

-- May the caller see a booking's payment reference? Its guest, managers and admins of its
-- venue, and trusted callers (the webhook, the back office); hosts and door staff may not.
create function private.may_see_payment(p_booking public.bookings) returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return private.is_trusted()
      or (private.api_role() = 'authenticated' and p_booking.customer_id = private.my_customer_id())
      or private.is_venue_staff(p_booking.venue_id, 'manager');
end;
$$;

-- A booking as the RPCs return it (the payment reference only to those who may see it).
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
    'currency', (select v.currency from public.venues v where v.id = p_booking.venue_id),
    'deposit_paid', p_booking.deposit_total = 0 or p_booking.deposit_paid_at is not null,
    'awaiting_payment', p_booking.status = 'held' and p_booking.deposit_total > 0
                        and p_booking.deposit_paid_at is null and p_booking.payment_intent_id is not null)
    || case when private.may_see_payment(p_booking)
            then jsonb_build_object('payment_reference', p_booking.payment_reference,
                                    'payment_intent_id', p_booking.payment_intent_id)
            else '{}'::jsonb end);
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
rows 20  -- a floor's options, not the default 1000 rows (which would JIT-compile callers)
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
-- then in the neighbouring slots, nearest first. JSON, carried in SECTION_NOT_AVAILABLE's
-- DETAIL. Slot by slot, stopping at p_limit: a refusal in a rush (the same slot still has free
-- tables) searches one slot, not the whole night.
create function private.alternatives(p_venue_id uuid, p_night date, p_slot_id text, p_period tstzrange,
                                     p_party_size int, p_limit int default 5)
returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
  v_slot record;
  v_found jsonb := '[]'::jsonb;
begin
  for v_slot in
    select s.slot_id, s.slot_period
    from private.slots_overlapping(p_venue_id, p_night,
           tstzrange(lower(p_period) - interval '6 hours', upper(p_period) + interval '6 hours')) s
    order by case when p_slot_id is not null and s.slot_id = p_slot_id then 0
                  when p_slot_id is null and s.slot_period && p_period then 0 else 1 end,
             abs(extract(epoch from lower(s.slot_period) - lower(p_period))), s.slot_id
  loop
    v_found := v_found || coalesce((
      select jsonb_agg(jsonb_build_object(
               'slot_id', v_slot.slot_id, 'table_ids', o.table_ids, 'table_numbers', o.table_numbers,
               'capacity_max', o.total_capacity, 'minimum_spend', o.total_min_spend, 'deposit', o.total_deposit,
               'combination_type', o.combination_type) order by o.rank)
      from (select * from private.free_options(p_venue_id, p_night, v_slot.slot_period, p_party_size) f
            order by f.rank limit p_limit - jsonb_array_length(v_found)) o), '[]'::jsonb);
    exit when jsonb_array_length(v_found) >= p_limit;
  end loop;
  return jsonb_build_object('reason', 'taken', 'alternatives', v_found);
end;
$$;
