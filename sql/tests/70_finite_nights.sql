-- A night outside the calendar (infinity, -infinity, past the year 9999) is DATE_OUT_OF_RANGE
-- on every RPC that takes a night, never an internal error and never a change.
begin;
\ir helpers/test_helpers.psql
select plan(9);

select tests.authenticate_as(tests.create_user('ivy'));
select throws_ok($$ select public.hold_tables(tests.venue(), 'infinity', 'slot_21_00', array[tests.tbl(1)], 2) $$,
  'PT422', 'DATE_OUT_OF_RANGE', 'a hold for the night of infinity is out of range');
select throws_ok($$ select public.join_waitlist(tests.venue(), '-infinity', 'slot_21_00', 2) $$,
  'PT422', 'DATE_OUT_OF_RANGE', 'the waitlist for the night of -infinity is out of range');
select throws_ok($$ select public.get_availability(tests.venue(), '20000-01-01', 'slot_23_30') $$,
  'PT422', 'DATE_OUT_OF_RANGE', 'a snapshot of a night past the year 9999 is out of range');
select throws_ok($$ select public.check_table_availability(tests.tbl(1), 'infinity', '21:00', '23:30') $$,
  'PT422', 'DATE_OUT_OF_RANGE', 'checking a table on the night of infinity is out of range');
select is((select (r).success from public.create_booking_atomic(tests.venue(), 'ivy@guests.example', null, 'Ivy',
             array[tests.tbl(2)], '-infinity', '21:00', '23:30', 2) r), false,
  'the seed''s one-call booking reports an infinite night as a failure');

select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select throws_ok($$ select public.block_tables(tests.venue(), '-infinity', array[tests.tbl(3)], 'slot_21_00') $$,
  'PT422', 'DATE_OUT_OF_RANGE', 'a block on the night of -infinity is out of range');

select tests.clear_authentication();
select is((select count(*) from public.bookings where not private.is_calendar_night(booking_date)), 0::bigint,
  'no booking was written for a night off the calendar');
select is(private.night_key(date '2000-01-02'), 1, 'a calendar night keeps its lock key');

select tests.clear_authentication();
select tests.authenticate_as_staff('manager');
select throws_ok($$ select public.get_venue_metrics(tests.venue(), '-infinity', tests.night()) $$,
  'PT422', 'DATE_OUT_OF_RANGE', 'metrics from -infinity are out of range (found by the 300-example property run)');

select * from finish();
rollback;
