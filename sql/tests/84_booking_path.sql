-- The booking path's helpers: nothing on it is a SQL function with a SET clause (never inlined,
-- planned again on every call), and the night checks are one function deep.
begin;
\ir helpers/test_helpers.psql
select plan(3);

select is(array(
  select n.nspname || '.' || p.proname from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  join pg_catalog.pg_language l on l.oid = p.prolang
  where l.lanname = 'sql' and p.proconfig is not null
    and (n.nspname, p.proname) in (
      ('private', 'api_role'), ('private', 'channel_name'), ('private', 'lock_key'), ('private', 'night_key'),
      ('private', 'is_venue_staff'), ('private', 'table_state'), ('private', 'public_state'),
      ('private', 'reason_codes'), ('private', 'public_reason'), ('private', 'has_transaction_flag'),
      ('private', 'staff_rank'), ('private', 'is_valid_transition'), ('private', 'conflict_sequence'),
      ('private', 'count_conflict'), ('private', 'local_instant'),
      ('public', 'hold_tables'), ('public', 'get_availability'), ('public', 'submit_booking'))
  order by 1), '{}'::text[],
  'the booking path''s helpers are plpgsql (their plans kept for the session), none a SQL function with a SET clause');
select hasnt_function('private', 'require_calendar_night',
  'the calendar check is inline in local_instant and night_key, not a chain of calls');
select throws_ok($$ select private.local_instant('Europe/London', 'infinity'::date, '21:00', '23:00') $$,
  'PT422', 'DATE_OUT_OF_RANGE', 'a night off the calendar is still DATE_OUT_OF_RANGE');

select * from finish();
rollback;
