-- The booking core through the RPCs, as the roles that use them: hold, submit, approve,
-- reject, cancel, check in, no-show, expiry; each transition audited and idempotent.
begin;
\ir helpers/test_helpers.psql
select plan(33);

-- Events are emitted by deferred (commit-time) triggers; fire them per statement here.
set constraints all immediate;

insert into ids values ('ana', tests.create_user('ana')), ('ben', tests.create_user('ben')), ('cat', tests.create_user('cat'));

-- ---------- hold ----------
select tests.authenticate_as((select id from ids where name = 'ana'));
create temp table hold as
  select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(1)], 3) as r;
select tests.clear_authentication();

select is((select r ->> 'status' from hold), 'held', 'a guest holds a free table: the booking is held');
select matches((select r ->> 'reference' from hold), '^BR-\d{6}-[A-Z0-9]{6}$', 'the reference looks like BR-YYMMDD-XXXXXX');
select is((select (r ->> 'deposit')::numeric from hold), 50.00::numeric, 'the hold carries the table''s deposit');
select ok((select (r ->> 'hold_expires_at')::timestamptz between now() + interval '4 minutes 59 seconds' and now() + interval '5 minutes 1 second' from hold),
  'a hold lives the venue''s 5 minutes');
insert into ids select 'b1', (r ->> 'booking_id')::uuid from hold;

select is((select count(*)::int from audit_log where entity_id = (select id from ids where name = 'b1')), 1,
  'the hold wrote one audit row');
select is((select actor_role from audit_log where entity_id = (select id from ids where name = 'b1')), 'customer',
  'the audit row names the guest''s role');

-- ---------- the same table again ----------
select tests.authenticate_as((select id from ids where name = 'ben'));
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(1)], 3) $$,
  'PT409', 'SECTION_NOT_AVAILABLE', 'a second guest cannot hold a held table');
select ok(
  (select coalesce(jsonb_array_length(public.get_availability(tests.venue(), tests.night(), 'slot_21_00') -> 'tables'), 0) = 16),
  'the snapshot lists all 16 tables');
select is(
  (select t ->> 'state' from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(), 'slot_21_00') -> 'tables') t
   where t ->> 'table_number' = '1'),
  'unavailable', 'another guest sees a held table as unavailable');
select is(
  (select t ->> 'customer_name' from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(), 'slot_21_00') -> 'tables') t
   where t ->> 'table_number' = '1'),
  null, 'another guest sees no guest details');
select tests.clear_authentication();

select tests.authenticate_as_staff('door');
select is(
  (select t ->> 'state' || '/' || (t ->> 'customer_name') from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(), 'slot_21_00') -> 'tables') t
   where t ->> 'table_number' = '1'),
  'held/Ana', 'door staff see the true state and the guest''s name');
select tests.clear_authentication();

-- ---------- submit ----------
select tests.authenticate_as((select id from ids where name = 'ana'));
select throws_ok(format('select public.submit_booking(%L)', (select id from ids where name = 'b1')),
  'PT409', 'INVALID_TRANSITION', 'a request with a deposit due cannot be submitted unpaid');
select is(public.submit_booking((select id from ids where name = 'b1'), 'pi_test_1') ->> 'status', 'held',
  'a guest''s PaymentIntent id only waits for the payment: still held');
select tests.pay((select id from ids where name = 'b1'), 'pi_test_1');
select tests.authenticate_as((select id from ids where name = 'ana'));
select is(public.submit_booking((select id from ids where name = 'b1'), 'pi_test_1') ->> 'status', 'pending_approval',
  'the payment submitted the request; submitting again is idempotent');
select throws_ok(format('select public.approve_booking(%L)', (select id from ids where name = 'b1')),
  'PT403', 'NOT_AUTHORIZED', 'a guest cannot approve their own request');
select tests.clear_authentication();

-- ---------- approve ----------
select tests.authenticate_as_staff('host');
select throws_ok(format('select public.approve_booking(%L)', (select id from ids where name = 'b1')),
  'PT403', 'NOT_AUTHORIZED', 'a host cannot approve (managers do)');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager');
select is(public.approve_booking((select id from ids where name = 'b1')) ->> 'status', 'confirmed', 'a manager approves: confirmed');
select is(public.approve_booking((select id from ids where name = 'b1')) ->> 'status', 'confirmed', 'approving twice is idempotent');
select throws_ok(format('select public.reject_booking(%L)', (select id from ids where name = 'b1')),
  'PT409', 'INVALID_TRANSITION', 'a confirmed booking cannot be rejected');
select tests.clear_authentication();

-- ---------- check in and no-show follow the clock ----------
select tests.authenticate_as_staff('door');
select throws_ok(format('select public.check_in_booking(%L)', (select id from ids where name = 'b1')),
  'PT409', 'INVALID_TRANSITION', 'check-in is closed days before the night');
select tests.clear_authentication();
select tests.freeze_time((select lower(period) + interval '10 minutes' from bookings where id = (select id from ids where name = 'b1')));
select tests.authenticate_as_staff('door');
select is(public.check_in_booking((select id from ids where name = 'b1')) ->> 'status', 'checked_in', 'on the night the door checks the guest in');
select tests.clear_authentication();
select tests.freeze_time(null);

-- ---------- reject and cancel ----------
select tests.authenticate_as((select id from ids where name = 'ben'));
create temp table hold2 as select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(2)], 2) as r;
insert into ids select 'b2', (r ->> 'booking_id')::uuid from hold2;
select is(tests.pay((select id from ids where name = 'b2'), 'pi_test_2') ->> 'status', 'pending_approval', 'ben pays: submitted');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager');
select is(public.reject_booking((select id from ids where name = 'b2'), 'full tonight') ->> 'status', 'rejected', 'a manager rejects a request');
select tests.clear_authentication();
select is((select status_reason || ' ' || status_note from bookings where id = (select id from ids where name = 'b2')),
  'booking_rejected full tonight', 'the reason is kept: a code, and the manager''s words as the note');

select tests.authenticate_as((select id from ids where name = 'cat'));
create temp table hold3 as select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(2)], 2) as r;
select ok((select r ->> 'status' = 'held' from hold3), 'a rejected request frees its table for the next guest');
insert into ids select 'b3', (r ->> 'booking_id')::uuid from hold3;
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'ben'));
select throws_ok(format('select public.cancel_booking(%L)', (select id from ids where name = 'b3')),
  'PT404', 'INVALID_INPUT', 'a guest cannot cancel someone else''s booking (to them it does not exist)');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'cat'));
select is(public.cancel_booking((select id from ids where name = 'b3')) ->> 'status', 'cancelled', 'a guest cancels their own hold');
select is(public.cancel_booking((select id from ids where name = 'b3')) ->> 'status', 'cancelled', 'cancelling twice is idempotent');
select tests.clear_authentication();

-- ---------- expiry ----------
select tests.authenticate_as((select id from ids where name = 'cat'));
create temp table hold4 as select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(3)], 4) as r;
insert into ids select 'b4', (r ->> 'booking_id')::uuid from hold4;
select tests.clear_authentication();
select tests.freeze_time(now() + interval '5 minutes 1 second');
select tests.authenticate_as((select id from ids where name = 'cat'));
select throws_ok(format('select public.submit_booking(%L, %L)', (select id from ids where name = 'b4'), 'pi_late'),
  'PT409', 'HOLD_EXPIRED', 'a hold submitted after its TTL has expired');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is(public.expire_holds(), 1, 'the sweeper expires the dead hold');
select is(public.expire_holds(), 0, 'the sweeper is idempotent');
select tests.clear_authentication();
select is((select status from bookings where id = (select id from ids where name = 'b4')), 'expired', 'the hold is expired');

select is(
  (select array_agg(new_status order by id) from audit_log where entity_id = (select id from ids where name = 'b1')),
  array['held', 'pending_approval', 'confirmed', 'checked_in'], 'every transition wrote exactly one audit row');

select * from finish();
rollback;
