-- The seeds' functions (thin wrappers over the one core), staff blocks, the waitlist, and
-- the events and Broadcast rows every transition writes.
begin;
\ir helpers/test_helpers.psql
select plan(39);
set constraints all immediate;

insert into ids values ('quin', tests.create_user('quin')), ('rae', tests.create_user('rae'));

-- ---------- create_booking_atomic ----------
select tests.authenticate_as_staff('host');
create temp table atomic as
  select * from public.create_booking_atomic(tests.venue(), 'walkin@test.example', '+44 7700 900123', 'Walk In',
    array[tests.tbl(7)], tests.night(), '22:00', '23:30', 3, null, 'window seat', 'birthday', 'pi_atomic_1');
select ok((select success from atomic), 'create_booking_atomic books a guest by email for staff');
select matches((select booking_reference from atomic), '^BR-\d{6}-[A-Z0-9]{6}$', 'and returns the booking reference');
select is((select total_deposit from atomic), 50.00::numeric, 'and the total deposit');
select is((select status || ' ' || (deposit_paid_at is null) from bookings where id = (select booking_id from atomic)),
  'held true', 'with a payment intent it waits for the payment: held, the deposit not paid');
select is(tests.pay((select booking_id from atomic), 'pi_atomic_1') ->> 'status', 'pending_approval',
  'the payment arriving submits it for approval');
select tests.authenticate_as_staff('host');
select is((select count(*)::int from customers where email = 'walkin@test.example'), 1, 'the guest became a customer');
create temp table atomic2 as
  select * from public.create_booking_atomic(tests.venue(), 'other@test.example', null, 'Other',
    array[tests.tbl(7)], tests.night(), '23:00', '01:00', 3);
select is((select success from atomic2), false, 'a conflicting create_booking_atomic reports failure');
select matches((select error_message from atomic2), '^SECTION_NOT_AVAILABLE', 'with the contract code in error_message');
select tests.clear_authentication();

-- ---------- a guest record staff made stays the club's, confirmed email or not ----------
insert into ids values ('walkin', tests.create_user('walkin'));
update auth.users set email_confirmed_at = null where id = (select id from ids where name = 'walkin');
select tests.authenticate_as((select id from ids where name = 'walkin'));
select public.join_waitlist(tests.venue(), tests.night(), 'slot_23_30', 2);
select tests.clear_authentication();
select is((select user_id from customers where email = 'walkin@test.example' and club_id is not null), null,
  'an account whose email is not confirmed does not take over the walk-in''s guest record');
select tests.authenticate_as_staff('host');
select public.create_booking_atomic(tests.venue(), 'later@test.example', null, 'Later', array[tests.tbl(9)],
  tests.night(), '22:00', '23:30', 2);
select tests.clear_authentication();
insert into ids values ('later', tests.create_user('later'));
select tests.authenticate_as((select id from ids where name = 'later'));
select public.join_waitlist(tests.venue(), tests.night(), 'slot_23_30', 2);
select tests.clear_authentication();
select is((select user_id from customers where email = 'later@test.example' and club_id is not null), null,
  'nor does a confirmed one: it gets a profile of its own (its bookings reach it when claimed)');

-- ---------- check_table_availability, combinations ----------
select ok(not public.check_table_availability(tests.tbl(7), tests.night(), '22:30', '23:00'), 'a booked table is not available');
select ok(public.check_table_availability(tests.tbl(7), tests.night(), '22:30', '23:00', (select booking_id from atomic)),
  'unless its own booking is excluded');
select is(
  (select count(*)::int from (
     select (total_capacity - 10, total_min_spend) as k,
            lag((total_capacity - 10, total_min_spend)) over (order by combination_id) as prev
     from public.get_optimal_table_combinations(tests.venue(), tests.night(), '21:00', '23:30', 10)) x
   where x.k < x.prev),
  0, 'options come fewest wasted seats first, then lowest minimum spend');
select is(
  (select table_names from public.get_optimal_table_combinations(tests.venue(), tests.night(), '21:00', '23:30', 12) where combination_type = 'combination'),
  array['Backroom 15', 'Backroom 16'], 'tables 15+16 are offered for a party of 12');
select ok(
  (select bool_and(is_optimal = (combination_id = 1)) from public.get_optimal_table_combinations(tests.venue(), tests.night(), '21:00', '23:30', 4)),
  'exactly the first option is flagged optimal');

-- ---------- locks ----------
select ok(public.acquire_booking_lock(tests.tbl(8), tests.night(), '21:00'), 'a trusted session takes the (table, night) lock');
select ok(public.release_booking_lock(tests.tbl(8), tests.night(), '21:00'), 'and releases it');
select tests.authenticate_as((select id from ids where name = 'quin'));
select throws_ok($$ select public.acquire_booking_lock(tests.tbl(8), tests.night(), '21:00') $$, '42501', null,
  'guests may not take session locks');
select is((select acquired from public.acquire_table_lock(tests.tbl(8), (select id from ids where name = 'quin'))), true,
  'acquire_table_lock reports a free table as acquirable');
select throws_ok($$ select public.acquire_table_lock(tests.tbl(8), (select id from ids where name = 'rae')) $$,
  'PT403', 'NOT_AUTHORIZED', 'acquire_table_lock: a guest may only ask for themselves (p_user_id)');
select tests.clear_authentication();
select throws_ok($$ select public.acquire_booking_lock(tests.tbl(8), tests.night(), '12:00') $$,
  'PT422', 'OUTSIDE_OPERATING_HOURS', 'acquire_booking_lock: the start time must be one the venue is open that night');
select throws_ok($$ select public.release_booking_lock(tests.tbl(8), tests.night(), null) $$,
  'PT422', 'INVALID_INPUT', 'release_booking_lock: table, date and start time are all required');
select throws_ok($$ select public.acquire_table_lock(tests.tbl(8), null, 0) $$,
  'PT422', 'INVALID_INPUT', 'acquire_table_lock: p_duration_ms is between 1 ms and an hour');
-- Table 7 is booked from 22:00 (create_booking_atomic above); at 21:55 it is free for a minute,
-- not for ten.
select tests.freeze_time((tests.night() + time '21:55') at time zone 'Europe/London');
select is((select acquired from public.acquire_table_lock(tests.tbl(7), null, 60000)), true,
  'acquire_table_lock: free for the next p_duration_ms when no claim starts within it');
select is((select existing_lock ->> 'booking_id' from public.acquire_table_lock(tests.tbl(7), null, 600000)),
  (select booking_id from atomic)::text, 'acquire_table_lock: a claim starting within p_duration_ms is reported');
select tests.freeze_time(null);

-- ---------- roles and health ----------
select tests.authenticate_as_staff('manager');
select is(public.get_user_role(), 'manager', 'get_user_role answers from the JWT and staff_members');
select ok((public.booking_system_health() ->> 'pending_bookings')::int >= 1, 'managers read the health figures');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'quin'));
select is(public.get_user_role(), 'customer', 'a signed-in guest is a customer');
select throws_ok($$ select public.booking_system_health() $$, 'PT403', 'NOT_AUTHORIZED', 'guests cannot read health figures');
select tests.clear_authentication();

-- ---------- blocks ----------
insert into ids values ('b_quin', tests.hold_for((select id from ids where name = 'quin'), 13, 8));
select tests.authenticate_as_staff('host');
select throws_ok($$ select public.block_tables(tests.venue(), tests.night(), array[tests.tbl(13)], 'slot_21_00', 'maintenance', 'spill') $$,
  'PT409', 'SECTION_NOT_AVAILABLE', 'a block over a live booking is refused');
create temp table blk as select public.block_tables(tests.venue(), tests.night(), array[tests.tbl(14)], null, 'private_event', 'launch party') as r;
select is(jsonb_array_length((select r -> 'block_ids' from blk)), 1, 'a host blocks a free table for the whole night');
select is(
  (select t ->> 'state' from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(), 'slot_23_30') -> 'tables') t
   where t ->> 'table_number' = '14'), 'blocked', 'the blocked table shows as blocked in every slot of the night');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager', 'aal2');
create temp table forced as select public.block_tables(tests.venue(), tests.night(), array[tests.tbl(13)], 'slot_21_00', 'vip_override', 'artist arrived', null, true) as r;
select is((select status from bookings where id = (select id from ids where name = 'b_quin')), 'cancelled',
  'a manager with aal2 forces the block: the booking underneath is cancelled');
select tests.clear_authentication();
select is((select status_reason || ' ' || status_note from bookings where id = (select id from ids where name = 'b_quin')),
  'forced_block artist arrived', 'with the reason: the code, and the manager''s words as the note');
select tests.authenticate_as_staff('host');
select is(jsonb_array_length(public.unblock_tables(array(select jsonb_array_elements_text(r -> 'block_ids')::uuid from blk)) -> 'unblocked_ids'), 1,
  'a host lifts the block');
select tests.clear_authentication();

-- ---------- waitlist ----------
select tests.authenticate_as((select id from ids where name = 'rae'));
select is((public.join_waitlist(tests.venue(), tests.night(), 'slot_21_00', 4, 'birthday') ->> 'priority_score')::int,
  least(1000, 100 + least(100, (tests.night() - current_date) * 10)), 'the waitlist score adds timing and +100 for an occasion');
select tests.clear_authentication();

-- ---------- events and Broadcast rows ----------
select is(
  (select array_agg(payload ->> 'previousState' || '>' || (payload ->> 'newState') order by version)
   from availability_events where channel like '%' || tests.night() || ':slot_21_00' and table_id = tests.tbl(13)),
  array['available>unavailable', 'unavailable>available', 'available>blocked'],
  'table 13''s public events: held, freed by the forced block''s cancellation, blocked');
select is(
  (select array_agg(version::int order by version) from availability_events where channel like '%' || tests.night() || ':slot_21_00'),
  (select array_agg(v) from generate_series(1, (select count(*)::int from availability_events where channel like '%' || tests.night() || ':slot_21_00')) v),
  'the channel''s versions run 1..N without a gap');
select is(
  (select count(*)::int from realtime.messages where topic like '%' || tests.night() || '%'),
  2 * (select count(*)::int from availability_events where channel like '%' || tests.night() || '%'),
  'every event went to Broadcast twice: the public channel and the private staff channel');

select * from finish();
rollback;
