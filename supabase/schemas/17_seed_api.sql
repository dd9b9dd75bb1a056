-- =============================================================================================
-- The seeds' API: the operations the original design named, on the same core
-- =============================================================================================

-- Is a table free for a local time range of a night (an end before the start means the next
-- morning)? Ignores dead holds and, optionally, one booking (when changing it).
create function private.check_table_availability(p_table_id uuid, p_booking_date date, p_start_time time,
                                                 p_end_time time, p_exclude_booking_id uuid default null)
returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_period tstzrange := private.local_period(
    (select t.venue_id from public.venue_tables t where t.id = p_table_id), p_booking_date, p_start_time, p_end_time);
begin
  return not exists (
    select 1 from public.booking_tables bt
    where bt.table_id = p_table_id and bt.booking_date = p_booking_date and bt.is_exclusive
      and bt.is_active and coalesce(bt.expires_at > (select private.now()), true) and bt.period && v_period
      and bt.booking_id is distinct from p_exclude_booking_id);
end;
$$;

grant execute on function private.check_table_availability(uuid, date, time, time, uuid) to anon, authenticated, service_role;

-- The seed's create_booking_atomic: a hold through the booking core, submitted at once when no
-- deposit is due (pending approval, or confirmed where the venue auto-confirms); with a
-- deposit, a PaymentIntent id only waits for the payment, as submit_booking says. Staff and
-- trusted callers book for a guest named by email: their own club's record of that email
-- (made if new, belonging to the club), never another club's guest or an account holder's
-- profile; p_customer_id only a guest the club knows. A signed-in guest books for themselves.
-- Domain errors come back as success = false with error_message 'CODE: detail'.
create function private.create_booking_atomic(
  p_venue_id uuid, p_customer_email text, p_customer_phone text, p_customer_name text, p_table_ids uuid[],
  p_booking_date date, p_start_time time, p_end_time time, p_party_size int, p_customer_id uuid default null,
  p_special_requests text default null, p_occasion text default null, p_stripe_payment_intent_id text default null)
returns table (booking_id uuid, booking_reference text, total_deposit numeric, success boolean, error_message text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_customer_id uuid := p_customer_id;
  v_hold jsonb;
  v_booking jsonb;
  v_detail text;
begin
  if v_customer_id is null and p_customer_email is not null
     and (private.is_trusted() or private.is_venue_staff(p_venue_id, 'host')) then
    insert into public.customers (club_id, email, phone, full_name)
    select v.club_id, lower(private.text_arg('customer_email', p_customer_email, 254)),
           private.text_arg('customer_phone', p_customer_phone, 40), private.text_arg('customer_name', p_customer_name, 200)
    from public.venues v where v.id = p_venue_id
    on conflict (club_id, lower(email)) where email is not null and club_id is not null
      do update set email = excluded.email
    returning id into v_customer_id;
  end if;
  v_hold := private.hold_tables(p_venue_id, p_booking_date, null, p_table_ids, p_party_size,
              null, p_special_requests, p_occasion, null, v_customer_id,
              private.local_period(p_venue_id, p_booking_date, p_start_time, p_end_time));
  v_booking := v_hold;
  if (v_hold ->> 'deposit')::numeric = 0 or p_stripe_payment_intent_id is not null then
    v_booking := private.submit_booking((v_hold ->> 'booking_id')::uuid, p_stripe_payment_intent_id);
  end if;
  return query select (v_booking ->> 'booking_id')::uuid, v_booking ->> 'reference',
                      (v_booking ->> 'deposit')::numeric, true, null::text;
exception
  when sqlstate 'PT401' or sqlstate 'PT403' or sqlstate 'PT404' or sqlstate 'PT409' or sqlstate 'PT422' then
    get stacked diagnostics v_detail = pg_exception_detail;
    return query select null::uuid, null::text, null::numeric, false,
                        sqlerrm || coalesce(': ' || nullif(v_detail, ''), '');
end;
$$;

grant execute on function private.create_booking_atomic(uuid, text, text, text, uuid[], date, time, time, int, uuid, text, text, text) to authenticated, service_role;

-- The seed's get_optimal_table_combinations: table sets free for the whole range that fit the
-- party, best first (fewest wasted seats, lowest minimum spend, singles first, lower floor).
create function private.get_optimal_table_combinations(p_venue_id uuid, p_booking_date date, p_start_time time,
                                                       p_end_time time, p_party_size int)
returns table (combination_id int, table_ids uuid[], table_names text[], total_capacity int,
               total_min_spend numeric, total_deposit numeric, is_optimal boolean, combination_type text)
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  if p_party_size is null or p_party_size not between 1 and 50 then
    perform private.raise_error('INVALID_PARTY_SIZE', 'party size must be 1-50');
  end if;
  if not exists (select 1 from public.venues v where v.id = p_venue_id) then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  return query
    select o.rank, o.table_ids, o.table_names, o.total_capacity, o.total_min_spend, o.total_deposit,
           o.rank = 1, o.combination_type
    from private.free_options(p_venue_id, p_booking_date,
                              private.local_period(p_venue_id, p_booking_date, p_start_time, p_end_time),
                              p_party_size) o
    order by o.rank;
end;
$$;

grant execute on function private.get_optimal_table_combinations(uuid, date, time, time, int) to anon, authenticated, service_role;

-- The seed's advisory lock pair, on the same (table, night) key the booking core locks, so a
-- script holding it keeps bookings of that table that night waiting. Session-level, as the
-- seed documents (released by release_booking_lock or when the connection drops): for
-- trusted back-office sessions only, never through a pooled API connection. The lock covers
-- the whole night; p_start_time is the time of the booking it is taken for, and must be a
-- time the venue is open that night (OUTSIDE_OPERATING_HOURS, as a booking would be refused).
-- Security definer to read the venue's hours with the time helpers no API role may call.
create function private.acquire_booking_lock(p_table_id uuid, p_booking_date date, p_start_time time)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_venue public.venues;
begin
  if not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'session locks are for trusted back-office sessions');
  end if;
  if p_table_id is null or p_booking_date is null or p_start_time is null then
    perform private.raise_error('INVALID_INPUT', 'table, date and start time are required');
  end if;
  select v.* into v_venue from public.venues v join public.venue_tables t on t.venue_id = v.id where t.id = p_table_id;
  if not found then
    perform private.raise_error('TABLE_NOT_FOUND', 'unknown table');
  end if;
  if not coalesce(private.local_instant(v_venue.timezone, p_booking_date, v_venue.opens_at, p_start_time)
                  <@ private.night_range(v_venue.id, p_booking_date), false) then
    perform private.raise_error('OUTSIDE_OPERATING_HOURS', 'the venue is not open at that time that night');
  end if;
  return pg_catalog.pg_try_advisory_lock(private.lock_key(p_table_id), private.night_key(p_booking_date));
end;
$$;

grant execute on function private.acquire_booking_lock(uuid, date, time) to service_role;

-- Releases acquire_booking_lock's lock; false if this session did not hold it. Takes the same
-- arguments (the seed's pair) and requires them all: the key is the table and the night.
create function private.release_booking_lock(p_table_id uuid, p_booking_date date, p_start_time time)
returns boolean
language plpgsql
set search_path = ''
as $$
begin
  if not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'session locks are for trusted back-office sessions');
  end if;
  if p_table_id is null or p_booking_date is null or p_start_time is null then
    perform private.raise_error('INVALID_INPUT', 'table, date and start time are required');
  end if;
  return pg_catalog.pg_advisory_unlock(private.lock_key(p_table_id), private.night_key(p_booking_date));
end;
$$;

grant execute on function private.release_booking_lock(uuid, date, time) to service_role;

-- The seed's acquire_table_lock: may p_user_id take this table now, for the next p_duration_ms
-- (1 ms to 1 hour)? Reports the live claim on the table in that window, if any, and tries the
-- (table, tonight) lock without waiting for the rest of the caller's transaction. It reserves
-- nothing: holds are what reserve a table. A guest asks for themselves only; the venue's staff
-- and trusted callers for anyone (NOT_AUTHORIZED otherwise).
create function private.acquire_table_lock(p_table_id uuid, p_user_id uuid, p_duration_ms int default 30000)
returns table (acquired boolean, lock_id uuid, version int, existing_lock jsonb)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_table public.venue_tables;
  v_night date;
  v_window tstzrange;
  v_claim jsonb;
begin
  if p_duration_ms is null or p_duration_ms not between 1 and 3600000 then
    perform private.raise_error('INVALID_INPUT', 'p_duration_ms must be between 1 and 3600000');
  end if;
  select * into v_table from public.venue_tables t where t.id = p_table_id;
  if not found then
    perform private.raise_error('TABLE_NOT_FOUND', 'unknown table');
  end if;
  if p_user_id is distinct from (select auth.uid()) and not private.is_trusted()
     and not private.is_venue_staff(v_table.venue_id, 'door') then
    perform private.raise_error('NOT_AUTHORIZED', 'a guest may only ask for themselves');
  end if;
  v_window := tstzrange(private.now(), private.now() + p_duration_ms * interval '1 millisecond', '[)');
  -- Tonight: after midnight but before closing, the night that started yesterday.
  select ((private.now() at time zone v.timezone)
          - case when v.closes_at < v.opens_at then v.closes_at::interval else interval '0' end)::date
    into v_night from public.venues v where v.id = v_table.venue_id;
  select to_jsonb(x) into v_claim from (
    select bt.booking_id, bt.block_id, bt.period::text as period, bt.expires_at
    from public.booking_tables bt
    where bt.table_id = p_table_id and bt.is_exclusive and bt.is_active and coalesce(bt.expires_at > (select private.now()), true)
      and bt.period && v_window
    order by lower(bt.period)
    limit 1) x;
  if v_claim is null and pg_catalog.pg_try_advisory_xact_lock(private.lock_key(p_table_id), private.night_key(v_night)) then
    return query select true, extensions.gen_random_uuid(), 1, null::jsonb;
  else
    return query select false, null::uuid, null::int, coalesce(v_claim, jsonb_build_object('reason', 'ADVISORY_LOCK_FAILED'));
  end if;
end;
$$;

grant execute on function private.acquire_table_lock(uuid, uuid, int) to authenticated, service_role;

-- The seed's cleanup_expired_locks: the hold sweeper under its old name.
create function private.cleanup_expired_locks() returns void
language sql
security definer
set search_path = ''
as $$ select private.expire_holds(); $$;

grant execute on function private.cleanup_expired_locks() to service_role;

-- The seed's get_user_role: the caller's role from the JWT and staff_members ('admin',
-- 'manager', 'host', 'door', 'customer', 'anon' or 'service_role'); at one venue when given,
-- else the highest. Only trusted callers may ask about another user.
create function private.get_user_role(p_user_id uuid default null, p_venue_id uuid default null)
returns text
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := coalesce(p_user_id, (select auth.uid()));
  v_role text;
begin
  if p_user_id is not null and p_user_id is distinct from (select auth.uid()) and not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'you may only ask for your own role');
  end if;
  if p_user_id is null and private.is_trusted() then
    return 'service_role';
  end if;
  if v_uid is null then
    return 'anon';
  end if;
  select sm.role into v_role from public.staff_members sm
  where sm.user_id = v_uid and (p_venue_id is null or sm.venue_id = p_venue_id)
  order by private.staff_rank(sm.role::text) desc limit 1;
  return coalesce(v_role, 'customer');
end;
$$;

grant execute on function private.get_user_role(uuid, uuid) to anon, authenticated, service_role;

-- The seed's booking_system_health, for managers and trusted callers. A manager sees the
-- figures of the venues they manage (a club's managers never see another club's); trusted
-- callers (pg_cron, Studio, service_role) see every venue, and the server's connections.
-- client_monitoring: get_venue_metrics' nights (yesterday and today) of those venues.
create function private.booking_system_health() returns json
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_venues uuid[];  -- null: every venue
begin
  if not private.is_trusted() then
    v_venues := private.staff_venue_ids('manager');
    if cardinality(v_venues) = 0 then
      perform private.raise_error('NOT_AUTHORIZED', 'managers only');
    end if;
  end if;
  return json_build_object(
    'venue_ids', v_venues,
    'active_connections', case when v_venues is null then
                            (select count(*) from pg_catalog.pg_stat_activity a where a.state = 'active') end,
    'pending_bookings', (select count(*) from public.bookings b
                         where b.status = 'pending_approval' and (v_venues is null or b.venue_id = any (v_venues))),
    'held_bookings', (select count(*) from public.bookings b
                      where b.status = 'held' and (v_venues is null or b.venue_id = any (v_venues))),
    'expired_holds_unswept', (select count(*) from public.bookings b
                              where b.status = 'held' and b.hold_expires_at <= private.now()
                                and (v_venues is null or b.venue_id = any (v_venues))),
    'waitlist_waiting', (select count(*) from public.waitlist_entries w
                         where w.status = 'waiting' and (v_venues is null or w.venue_id = any (v_venues))),
    'waitlist_slots_to_retry', (select count(*) from private.waitlist_retries r
                                where v_venues is null or r.venue_id = any (v_venues)),
    'realtime_channels', (select count(*) from private.channel_versions cv
                          where cv.updated_at > now() - interval '1 day'
                            and (v_venues is null or cv.venue_id = any (v_venues))),
    'events_last_hour', (select count(*) from public.availability_events e
                         where e.created_at > now() - interval '1 hour'
                           and (v_venues is null or e.venue_id = any (v_venues))),
    -- seed 003's monitoring for last night and tonight, next to hold conversion
    'client_monitoring', (select coalesce(jsonb_agg(jsonb_build_object('venue_id', v.id) || m.night_figures), '[]')
                          from public.venues v
                          cross join lateral jsonb_array_elements(
                            private.get_venue_metrics(v.id, current_date - 1, current_date)) m(night_figures)
                          where v_venues is null or v.id = any (v_venues)),
    'checked_at', now());
end;
$$;

grant execute on function private.booking_system_health() to authenticated, service_role;

create function public.check_table_availability(table_id uuid, booking_date date, start_time time, end_time time,
                                                exclude_booking_id uuid default null)
returns boolean
language sql stable set search_path = ''
as $$ select private.check_table_availability(table_id, booking_date, start_time, end_time, exclude_booking_id) $$;

comment on function public.check_table_availability is 'Seed API: is the table free for that local time range of the night?';

grant execute on function public.check_table_availability(uuid, date, time, time, uuid) to anon, authenticated, service_role;

create function public.acquire_booking_lock(table_id uuid, booking_date date, start_time time) returns boolean
language sql set search_path = ''
as $$ select private.acquire_booking_lock(table_id, booking_date, start_time) $$;

comment on function public.acquire_booking_lock is 'Seed API: session advisory lock on (table, night), the key the booking core locks.';

grant execute on function public.acquire_booking_lock(uuid, date, time) to service_role;

create function public.release_booking_lock(table_id uuid, booking_date date, start_time time) returns boolean
language sql set search_path = ''
as $$ select private.release_booking_lock(table_id, booking_date, start_time) $$;

comment on function public.release_booking_lock is 'Seed API: release acquire_booking_lock''s lock.';

grant execute on function public.release_booking_lock(uuid, date, time) to service_role;

create function public.create_booking_atomic(
  venue_id uuid, customer_email text, customer_phone text, customer_name text, table_ids uuid[],
  booking_date date, start_time time, end_time time, party_size int, customer_id uuid default null,
  special_requests text default null, occasion text default null, stripe_payment_intent_id text default null)
returns table (booking_id uuid, booking_reference text, total_deposit numeric, success boolean, error_message text)
language sql set search_path = ''
as $$
  select * from private.create_booking_atomic(venue_id, customer_email, customer_phone, customer_name, table_ids,
    booking_date, start_time, end_time, party_size, customer_id, special_requests, occasion, stripe_payment_intent_id)
$$;

comment on function public.create_booking_atomic is 'Seed API: hold and submit in one call through the booking core.';

grant execute on function public.create_booking_atomic(uuid, text, text, text, uuid[], date, time, time, int, uuid, text, text, text) to authenticated, service_role;

create function public.get_optimal_table_combinations(venue_id uuid, booking_date date, start_time time,
                                                      end_time time, party_size int)
returns table (combination_id int, table_ids uuid[], table_names text[], total_capacity int,
               total_min_spend numeric, total_deposit numeric, is_optimal boolean, combination_type text)
language sql stable set search_path = ''
as $$ select * from private.get_optimal_table_combinations(venue_id, booking_date, start_time, end_time, party_size) $$;

comment on function public.get_optimal_table_combinations is 'Seed API: free table sets that fit a party, best first.';

grant execute on function public.get_optimal_table_combinations(uuid, date, time, time, int) to anon, authenticated, service_role;

-- It reports the live claim holding a table; the claim's booking and block ids are staff
-- information (the public view of a table is only its state), so other callers get the
-- claim without them: no guest learns another guest's booking id.
create function public.acquire_table_lock(p_table_id uuid, p_user_id uuid, p_duration_ms int default 30000)
returns table (acquired boolean, lock_id uuid, version int, existing_lock jsonb)
language sql set search_path = ''
as $$
  select l.acquired, l.lock_id, l.version,
         case when private.is_trusted()
                   or (select t.venue_id from public.venue_tables t where t.id = p_table_id)
                      = any (private.staff_venue_ids('door'))
              then l.existing_lock
              else l.existing_lock - array['booking_id', 'block_id'] end
  from private.acquire_table_lock(p_table_id, p_user_id, p_duration_ms) l
$$;

comment on function public.acquire_table_lock is 'Seed API: can the table be taken now? Reports the live claim if not.';

grant execute on function public.acquire_table_lock(uuid, uuid, int) to authenticated, service_role;

create function public.cleanup_expired_locks() returns void
language sql set search_path = ''
as $$ select private.cleanup_expired_locks() $$;

comment on function public.cleanup_expired_locks is 'Seed API: the hold sweeper.';

grant execute on function public.cleanup_expired_locks() to service_role;

create function public.get_user_role(user_id uuid default null, venue_id uuid default null) returns text
language sql stable set search_path = ''
as $$ select private.get_user_role(user_id, venue_id) $$;

comment on function public.get_user_role is 'Seed API: admin, manager, host, door, customer, anon or service_role.';

grant execute on function public.get_user_role(uuid, uuid) to anon, authenticated, service_role;

create function public.booking_system_health() returns json
language sql stable set search_path = ''
as $$ select private.booking_system_health() $$;

comment on function public.booking_system_health is 'Seed API: health figures for managers.';

grant execute on function public.booking_system_health() to authenticated, service_role;
