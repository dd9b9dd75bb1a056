-- Every validation rule answers with its contract code and changes nothing, on the RPC path
-- and on a direct INSERT (Studio, plain SQL) alike.
begin;
\ir helpers/test_helpers.psql
select plan(22);

insert into ids values ('eve', tests.create_user('eve')), ('kid', tests.create_user('kid', (current_date - interval '17 years')::date));

select tests.authenticate_as((select id from ids where name = 'eve'));
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(1)], 0) $$,
  'PT422', 'INVALID_PARTY_SIZE', 'a party of 0 is refused');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(13)], 51) $$,
  'PT422', 'INVALID_PARTY_SIZE', 'a party of 51 is refused');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(1)], 9) $$,
  'PT422', 'CAPACITY_MISMATCH', 'a party of 9 does not fit a table for 2-4');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array['00000000-0000-4000-8000-000000000000'::uuid], 2) $$,
  'PT404', 'TABLE_NOT_FOUND', 'an unknown table is not found');
select throws_ok($$ select public.hold_tables(tests.venue(), current_date - 7, 'slot_21_00', array[tests.tbl(1)], 2) $$,
  'PT422', 'DATE_OUT_OF_RANGE', 'a night in the past is refused');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(30), 'slot_21_00', array[tests.tbl(1)], 2) $$,
  'PT422', 'DATE_OUT_OF_RANGE', 'a night more than 6 months ahead is refused');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night() - 2, 'slot_21_00', array[tests.tbl(1)], 2) $$,
  'PT422', 'OUTSIDE_OPERATING_HOURS', 'a Wednesday (closed) is outside operating hours');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_99_00', array[tests.tbl(1)], 2) $$,
  'PT404', 'INVALID_INPUT', 'an unknown slot is invalid input (404)');
select throws_ok($$ select public.hold_tables('00000000-0000-4000-8000-000000000000', tests.night(), 'slot_21_00', array[tests.tbl(1)], 2) $$,
  'PT404', 'INVALID_INPUT', 'an unknown venue is invalid input (404)');
select throws_ok($$ select public.hold_tables(tests.venue(), null, 'slot_21_00', array[tests.tbl(1)], 2) $$,
  'PT422', 'INVALID_INPUT', 'a missing date is invalid input');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(1), tests.tbl(1)], 2) $$,
  'PT422', 'INVALID_INPUT', 'a table named twice is invalid input');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(1), tests.tbl(16)], 6) $$,
  'PT422', 'INVALID_INPUT', 'tables on different floors that are no combination cannot be held together');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(1), tests.tbl(2), tests.tbl(3)], 10) $$,
  'PT409', 'MAX_TABLES_EXCEEDED', 'three tables at once exceed the 2 per guest per night');
select lives_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(15), tests.tbl(16)], 10) $$,
  'the predefined combination 15+16 takes a party of 10');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_23_30', array[tests.tbl(1)], 2) $$,
  'PT409', 'MAX_TABLES_EXCEEDED', 'a third table the same night exceeds the 2 per guest per night');
select tests.clear_authentication();

select tests.authenticate_as((select id from ids where name = 'kid'));
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(1)], 2) $$,
  'PT422', 'UNDERAGE', 'a 17-year-old cannot book');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$ select private.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(1)], 2) $$,
  '42501', null, 'anon cannot even call the private implementation');
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select throws_ok($$ select public.block_tables(tests.venue(), tests.night(), array[tests.tbl(15)], 'slot_21_00', 'maintenance', 'x', null, true) $$,
  'PT403', 'NOT_AUTHORIZED', 'a host cannot force a block');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager');
select throws_ok($$ select public.block_tables(tests.venue(), tests.night(), array[tests.tbl(15)], 'slot_21_00', 'maintenance', 'x', null, true) $$,
  'PT403', 'MFA_REQUIRED', 'a manager without aal2 cannot force a block');
select tests.clear_authentication();

-- The same rules hold for a direct INSERT (Studio), through the validation trigger.
select throws_ok(format($$insert into bookings (venue_id, customer_id, reference, booking_date, period, party_size)
  values (%L, (select id from customers limit 1), 'BR-000000-AAAAAA', %L, tstzrange(now() - interval '2 days', now() - interval '1 day'), 2)$$,
  tests.venue(), current_date - 2), 'PT422', 'DATE_OUT_OF_RANGE', 'a direct insert for a past night is refused');
select throws_ok(format($$insert into bookings (venue_id, customer_id, reference, booking_date, period, party_size)
  values (%L, (select id from customers limit 1), 'BR-000000-AAAAAA', %L, tstzrange(%L::timestamptz, %L::timestamptz), 2)$$,
  tests.venue(), tests.night(), tests.night() + time '12:00', tests.night() + time '13:00'),
  'PT422', 'OUTSIDE_OPERATING_HOURS', 'a direct insert at noon is outside operating hours');
select is((select count(*)::int from bookings where status = 'held' and party_size = 2), 0, 'no refused request left a booking behind');

select * from finish();
rollback;
