-- =====================================================================================
-- The API: thin security-invoker RPCs in public over the private implementations
-- =====================================================================================
-- PostgREST exposes public, so nothing here is security definer; each wrapper only names the
-- arguments the API accepts (the seeds' functions keep their documented argument names).

create function public.get_availability(p_venue_id uuid, p_date date, p_slot_id text) returns jsonb
language plpgsql stable set search_path = ''  -- plpgsql: see public.hold_tables
as $$ begin return private.get_availability(p_venue_id, p_date, p_slot_id); end; $$;
comment on function public.get_availability is 'Snapshot of a slot: {venue_id, date, slot_id, channel, version, tables:[...]}, shaped by role.';

create function public.get_availability_events(p_channel text, p_after_version bigint default 0)
returns table (version bigint, payload jsonb)
language sql stable set search_path = ''
as $$ select * from private.get_availability_events(p_channel, p_after_version) $$;
comment on function public.get_availability_events is 'Events of a channel after a version, oldest first: replay for a client that saw a gap.';

create function public.hold_tables(p_venue_id uuid, p_date date, p_slot_id text, p_table_ids uuid[], p_party_size int,
                                   p_idempotency_key text default null, p_special_requests text default null,
                                   p_occasion text default null, p_promoter_code text default null,
                                   p_customer_id uuid default null)
returns jsonb
-- plpgsql, not sql: a SQL function with a SET clause is never inlined and is planned again on
-- every call (the hot path's largest fixed cost); a plpgsql body keeps its plan for the session.
language plpgsql set search_path = ''
as $$
begin
  return private.hold_tables(p_venue_id, p_date, p_slot_id, p_table_ids, p_party_size, p_idempotency_key,
                             p_special_requests, p_occasion, p_promoter_code, p_customer_id);
end;
$$;
comment on function public.hold_tables is 'Hold tables for a slot: a held booking {booking_id, reference, hold_expires_at, deposit, ...}.';

create function public.submit_booking(p_booking_id uuid, p_payment_reference text default null) returns jsonb
language plpgsql set search_path = ''  -- plpgsql: see public.hold_tables
as $$ begin return private.submit_booking(p_booking_id, p_payment_reference); end; $$;
comment on function public.submit_booking is 'held -> pending_approval (or confirmed where the venue auto-confirms).';

create function public.approve_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql set search_path = ''
as $$ select private.approve_booking(p_booking_id, p_reason) $$;
comment on function public.approve_booking is 'pending_approval -> confirmed (manager).';

create function public.reject_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql set search_path = ''
as $$ select private.reject_booking(p_booking_id, p_reason) $$;
comment on function public.reject_booking is 'pending_approval -> rejected (manager).';

-- The door's transitions name a booking by id or by the reference the guest reads out
-- (p_reference, e.g. BR-261204-S5F7EY); private.booking_id_for resolves it.
create function public.cancel_booking(p_booking_id uuid default null, p_reason text default null,
                                      p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.cancel_booking(private.booking_id_for(p_booking_id, p_reference), p_reason) $$;
comment on function public.cancel_booking is 'Open booking (by id or reference) -> cancelled (its guest, or host+); says whether a paid deposit is refundable.';

create function public.check_in_booking(p_booking_id uuid default null, p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.check_in_booking(private.booking_id_for(p_booking_id, p_reference)) $$;
comment on function public.check_in_booking is 'confirmed -> checked_in (door+), by id or reference.';

create function public.mark_no_show(p_booking_id uuid default null, p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.mark_no_show(private.booking_id_for(p_booking_id, p_reference)) $$;
comment on function public.mark_no_show is 'confirmed -> no_show (host+), once the booking has started; by id or reference.';

create function public.block_tables(p_venue_id uuid, p_date date, p_table_ids uuid[], p_slot_id text default null,
                                    p_kind text default 'maintenance', p_reason text default null,
                                    p_release_at timestamptz default null, p_force boolean default false)
returns jsonb
language sql set search_path = ''
as $$ select private.block_tables(p_venue_id, p_date, p_table_ids, p_slot_id, p_kind, p_reason, p_release_at, p_force) $$;
comment on function public.block_tables is 'Staff block tables for a slot or a night; p_force (manager, aal2) cancels live bookings.';

create function public.unblock_tables(p_block_ids uuid[], p_reason text default null) returns jsonb
language sql set search_path = ''
as $$ select private.unblock_tables(p_block_ids, p_reason) $$;
comment on function public.unblock_tables is 'Lift staff blocks (host+).';

create function public.join_waitlist(p_venue_id uuid, p_date date, p_slot_id text, p_party_size int,
                                     p_occasion text default null)
returns jsonb
language sql set search_path = ''
as $$ select private.join_waitlist(p_venue_id, p_date, p_slot_id, p_party_size, p_occasion) $$;
comment on function public.join_waitlist is 'Join a slot''s waitlist: {waitlist_entry_id, priority_score, position}.';

create function public.expire_holds() returns int
language sql set search_path = ''
as $$ select private.expire_holds() $$;
comment on function public.expire_holds is 'The hold sweeper pg_cron runs; returns how many holds it expired.';

create function public.check_table_availability(table_id uuid, booking_date date, start_time time, end_time time,
                                                exclude_booking_id uuid default null)
returns boolean
language sql stable set search_path = ''
as $$ select private.check_table_availability(table_id, booking_date, start_time, end_time, exclude_booking_id) $$;
comment on function public.check_table_availability is 'Seed API: is the table free for that local time range of the night?';

create function public.acquire_booking_lock(table_id uuid, booking_date date, start_time time) returns boolean
language sql set search_path = ''
as $$ select private.acquire_booking_lock(table_id, booking_date, start_time) $$;
comment on function public.acquire_booking_lock is 'Seed API: session advisory lock on (table, night), the key the booking core locks.';

create function public.release_booking_lock(table_id uuid, booking_date date, start_time time) returns boolean
language sql set search_path = ''
as $$ select private.release_booking_lock(table_id, booking_date, start_time) $$;
comment on function public.release_booking_lock is 'Seed API: release acquire_booking_lock''s lock.';

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

create function public.get_optimal_table_combinations(venue_id uuid, booking_date date, start_time time,
                                                      end_time time, party_size int)
returns table (combination_id int, table_ids uuid[], table_names text[], total_capacity int,
               total_min_spend numeric, total_deposit numeric, is_optimal boolean, combination_type text)
language sql stable set search_path = ''
as $$ select * from private.get_optimal_table_combinations(venue_id, booking_date, start_time, end_time, party_size) $$;
comment on function public.get_optimal_table_combinations is 'Seed API: free table sets that fit a party, best first.';

create function public.acquire_table_lock(p_table_id uuid, p_user_id uuid, p_duration_ms int default 30000)
returns table (acquired boolean, lock_id uuid, version int, existing_lock jsonb)
language sql set search_path = ''
as $$ select * from private.acquire_table_lock(p_table_id, p_user_id, p_duration_ms) $$;
comment on function public.acquire_table_lock is 'Seed API: can the table be taken now? Reports the live claim if not.';

create function public.cleanup_expired_locks() returns void
language sql set search_path = ''
as $$ select private.cleanup_expired_locks() $$;
comment on function public.cleanup_expired_locks is 'Seed API: the hold sweeper.';

create function public.get_user_role(user_id uuid default null, venue_id uuid default null) returns text
language sql stable set search_path = ''
as $$ select private.get_user_role(user_id, venue_id) $$;
comment on function public.get_user_role is 'Seed API: admin, manager, host, door, customer, anon or service_role.';

create function public.booking_system_health() returns json
language sql stable set search_path = ''
as $$ select private.booking_system_health() $$;
comment on function public.booking_system_health is 'Seed API: health figures for managers.';
