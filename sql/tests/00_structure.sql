-- The schema's shape: every table of the contract with RLS, the exclusion constraint, the
-- RPCs with their signatures, the error table, security definer functions kept private.
begin;
\ir helpers/test_helpers.psql
select plan(34);

select tables_are('public', array['clubs', 'venues', 'floors', 'venue_tables', 'table_combinations', 'venue_slots',
  'customers', 'staff_members', 'bookings', 'booking_tables', 'table_blocks', 'waitlist_entries', 'audit_log',
  'availability_events', 'notifications', 'promoters', 'staff_invitations'],
  'public has the contract''s tables, plus notifications, promoters and staff invitations');

select is(
  (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname in ('public', 'private') and c.relkind = 'r' and not c.relrowsecurity),
  0, 'every table in public and private has row level security enabled');

select is(
  (select pg_get_constraintdef(oid) from pg_constraint where conname = 'booking_tables_no_overlap'),
  'EXCLUDE USING gist (venue_id WITH =, table_id WITH =, period WITH &&) WHERE ((is_active AND is_exclusive))',
  'claims carry an exclusion constraint on (venue, table, overlapping period) for active exclusive claims');

select has_function('public', 'get_availability', array['uuid', 'date', 'text'], 'get_availability(venue, date, slot)');
select has_function('public', 'hold_tables', array['uuid', 'date', 'text', 'uuid[]', 'integer', 'text', 'text', 'text', 'text', 'uuid', 'boolean'], 'hold_tables');
select has_function('public', 'submit_booking', array['uuid', 'text'], 'submit_booking');
select has_function('public', 'approve_booking', array['uuid', 'text'], 'approve_booking');
select has_function('public', 'reject_booking', array['uuid', 'text'], 'reject_booking');
select has_function('public', 'cancel_booking', array['uuid', 'text', 'text'], 'cancel_booking (by id or reference)');
select has_function('public', 'check_in_booking', array['uuid', 'text', 'integer'], 'check_in_booking (by id or reference, with arrivals)');
select has_function('public', 'mark_no_show', array['uuid', 'text'], 'mark_no_show (by id or reference)');
select has_function('public', 'block_tables', array['uuid', 'date', 'uuid[]', 'text', 'text', 'text', 'timestamp with time zone', 'boolean'], 'block_tables');
select has_function('public', 'unblock_tables', array['uuid[]', 'text'], 'unblock_tables');
select has_function('public', 'join_waitlist', array['uuid', 'date', 'text', 'integer', 'text'], 'join_waitlist');
select has_function('public', 'expire_holds', array[]::text[], 'expire_holds()');
select has_function('public', 'get_availability_events', array['text', 'bigint'], 'get_availability_events(channel, after_version)');
select has_function('public', 'check_table_availability', array['uuid', 'date', 'time without time zone', 'time without time zone', 'uuid'], 'seed: check_table_availability');
select has_function('public', 'acquire_booking_lock', array['uuid', 'date', 'time without time zone'], 'seed: acquire_booking_lock');
select has_function('public', 'release_booking_lock', array['uuid', 'date', 'time without time zone'], 'seed: release_booking_lock');
select has_function('public', 'create_booking_atomic', array['uuid', 'text', 'text', 'text', 'uuid[]', 'date', 'time without time zone', 'time without time zone', 'integer', 'uuid', 'text', 'text', 'text'], 'seed: create_booking_atomic');
select has_function('public', 'get_optimal_table_combinations', array['uuid', 'date', 'time without time zone', 'time without time zone', 'integer'], 'seed: get_optimal_table_combinations');
select has_function('public', 'acquire_table_lock', array['uuid', 'uuid', 'integer'], 'seed: acquire_table_lock');
select has_function('public', 'cleanup_expired_locks', array[]::text[], 'seed: cleanup_expired_locks');
select has_function('public', 'get_user_role', array['uuid', 'uuid'], 'seed: get_user_role');
select has_function('public', 'booking_system_health', array[]::text[], 'seed: booking_system_health');

select is(
  (select array_agg(p.proname::text order by p.proname) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname = 'public' and p.prosecdef),
  null, 'no security definer function lives in the exposed schema public');

select is(
  (select array_agg(n.nspname || '.' || p.proname order by 1) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'private') and p.prokind = 'f'
     and not coalesce(p.proconfig @> array['search_path=""'], false)),
  null, 'every function in public and private runs with search_path fixed to empty');
select is(
  (select array_agg(p.proname::text order by 1) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'private') and p.prokind = 'p'
     and (p.prosecdef or p.prosrc not like '%set_config(''search_path'', '''', false)%')),
  null, 'procedures (which commit, so cannot carry a SET clause) are invoker and pin search_path in their body');

select is(
  (select array_agg(n.nspname || '.' || p.proname order by 1) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'private') and has_function_privilege('public', p.oid, 'execute')),
  null, 'PUBLIC may execute no function in public or private: every grant is explicit');

select is((select count(*)::int from private.error_codes), 13, 'the contract''s 13 error codes are defined');
select is(
  (select array_agg(code order by code) from private.error_codes where sqlstate !~ '^PT(401|403|404|409|422)$'),
  null, 'every error code maps to a PTxyz SQLSTATE PostgREST turns into 401/403/404/409/422');

select has_trigger('public', 'bookings', 'trigger_validate_booking_constraints', 'bookings are validated on every write path');
select has_trigger('public', 'audit_log', 'audit_log_is_append_only', 'the audit log refuses updates and deletes');

select is(
  (select count(*)::int from public.venue_tables where venue_id = tests.venue()), 16,
  'the seed has the Leeds club''s 16 tables');

select * from finish();
rollback;
