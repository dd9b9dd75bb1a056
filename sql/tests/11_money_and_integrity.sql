-- Issue 13's holes, each closed by the rule its test is named after: deposits are paid only
-- by money, payment references reach only those who may see them, public payloads carry
-- codes, and hand edits (Studio as postgres, service_role) go through the same rules.
begin;
\ir helpers/test_helpers.psql
select plan(42);
set constraints all immediate;

insert into ids values ('mal', tests.create_user('mal')), ('nia', tests.create_user('nia')), ('oz', tests.create_user('oz'));

-- ---------- 1. a deposit is paid only when money arrives ----------
insert into ids values ('vip', tests.hold_for((select id from ids where name = 'mal'), 5, 6));
select tests.authenticate_as((select id from ids where name = 'mal'));
create temp table self_certified as
  select public.submit_booking((select id from ids where name = 'vip'), 'pi_i_never_paid') as r;
select is((select r ->> 'status' || ' ' || (r ->> 'awaiting_payment') from self_certified), 'held true',
  'a guest''s PaymentIntent id never pays a deposit: the hold waits for the payment');
select tests.clear_authentication();
select is((select num_nonnulls(deposit_paid_at, payment_reference) || ' ' || payment_intent_id from bookings
           where id = (select id from ids where name = 'vip')), '0 pi_i_never_paid',
  'a guest''s PaymentIntent id never sets deposit_paid_at or the payment reference');
select tests.authenticate_as((select id from ids where name = 'mal'));
select throws_ok(format('select public.submit_booking(%L, %L)', (select id from ids where name = 'vip'), 'not a payment intent'),
  'PT422', 'INVALID_INPUT', 'a payment reference a guest attaches must be a PaymentIntent id');
select tests.clear_authentication();
select is(tests.pay((select id from ids where name = 'vip'), 'pi_real_money') ->> 'status', 'pending_approval',
  'the webhook''s payment pays the deposit and submits the request');
select is((select payment_reference || ' ' || coalesce(refund_status, 'no refund') from bookings
           where id = (select id from ids where name = 'vip')), 'pi_real_money no refund',
  'the real payment is the booking''s reference, not flagged for refund');

select tests.authenticate_as((select id from ids where name = 'nia'));
create temp table atomic as
  select * from public.create_booking_atomic(tests.venue(), null, null, null, array[tests.tbl(6)], tests.night(),
                                             '21:00', '23:00', 6, null, null, null, 'pi_fake');
select tests.clear_authentication();
select is((select status || ' ' || (deposit_paid_at is null) from bookings where id = (select booking_id from atomic)),
  'held true', 'create_booking_atomic''s PaymentIntent id never pays a deposit');
select tests.authenticate_as((select id from ids where name = 'nia'));
select is((public.cancel_booking((select booking_id from atomic)) ->> 'refund_eligible')::boolean, false,
  'an unpaid request cancelled is never refund_eligible');
select tests.clear_authentication();

select throws_ok(format($$update bookings set deposit_paid_at = now() where id = %L$$, (select booking_id from atomic)),
  'PT403', 'NOT_AUTHORIZED', 'a deposit marked paid by hand (Studio as postgres) is refused');
select tests.authenticate_as_service_role();
select throws_ok(format($$update public.bookings set payment_reference = 'pi_x' where id = %L$$, (select id from ids where name = 'vip')),
  'PT403', 'NOT_AUTHORIZED', 'service_role cannot write a payment reference either');
select tests.clear_authentication();

-- Staff record a payment taken in person: host and above, with a method and a reason, audited.
insert into ids values ('walkin', tests.hold_for((select id from ids where name = 'oz'), 7, 2));
select tests.authenticate_as_staff('door');
select throws_ok(format($$select public.record_payment(%L, 'cash', 'paid at the bar')$$, (select id from ids where name = 'walkin')),
  'PT403', 'NOT_AUTHORIZED', 'staff record a payment taken in person: not door staff');
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select throws_ok(format($$select public.record_payment(%L, 'cash', '')$$, (select id from ids where name = 'walkin')),
  'PT422', 'INVALID_INPUT', 'staff record a payment taken in person: only with a reason');
select throws_ok(format($$select public.record_payment(%L, 'iou', 'paid later')$$, (select id from ids where name = 'walkin')),
  'PT422', 'INVALID_INPUT', 'staff record a payment taken in person: only with a known method');
select is(public.record_payment((select id from ids where name = 'walkin'), 'card_terminal', 'paid at the bar') ->> 'status',
  'pending_approval', 'staff record a payment taken in person: the hold is submitted');
select tests.clear_authentication();
select is((select a.reason || ' ' || (a.detail ->> 'method') || ' ' || (a.detail ->> 'amount') from audit_log a
           where a.entity_id = (select id from ids where name = 'walkin') and a.action = 'deposit_paid_in_person'),
  'paid at the bar card_terminal 50.00', 'staff record a payment taken in person: audited with method, amount and reason');

-- Requests waiting for approval count against the guest's limit of tables held at once.
update venues set max_held_tables_per_customer = 1 where id = tests.venue();
select tests.authenticate_as((select id from ids where name = 'oz'));
select throws_ok(format($$select public.hold_tables(%L, %L, 'slot_21_00', array[%L]::uuid[], 2)$$,
                        tests.venue(), tests.night(2), tests.tbl(9)),
  'PT409', 'MAX_TABLES_EXCEEDED', 'requests waiting for approval count against the per-guest limits');
select tests.clear_authentication();
update venues set max_held_tables_per_customer = 4 where id = tests.venue();

-- ---------- 4. payment references reach the guest, managers and above, trusted callers ----------
select tests.authenticate_as_staff('host');
select ok(not (public.submit_booking((select id from ids where name = 'vip')) ? 'payment_reference'),
  'payment references never reach a host in an RPC result');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager');
select is(public.submit_booking((select id from ids where name = 'vip')) ->> 'payment_reference', 'pi_real_money',
  'payment references reach managers');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'mal'));
select is(public.submit_booking((select id from ids where name = 'vip')) ->> 'payment_reference', 'pi_real_money',
  'payment references reach the booking''s guest');
select tests.clear_authentication();

-- ---------- 3. public payloads carry codes, not words ----------
select tests.authenticate_as_staff('manager');
select public.reject_booking((select id from ids where name = 'vip'), '<b>no trainers</b> call 07700 900123');
select tests.clear_authentication();
select is((select count(*)::int from availability_events e where e.payload ->> 'reason' <> all (private.reason_codes())),
  0, 'public event reasons come from the fixed list of codes');
select tests.authenticate_as_anon();
select is((select count(*)::int from availability_events e where e.payload::text like '%trainers%'), 0,
  'a manager''s reject reason is not in any public event');
select tests.clear_authentication();
select is((select count(*)::int from realtime.messages m where m.payload::text like '%trainers%'), 0,
  'nor in any Broadcast message, public or staff (realtime.messages keeps codes only)');
select is((select count(*)::int from availability_events e where e.staff_payload ->> 'note' like '%trainers%'), 1,
  'the reason reaches staff in the staff payload');
select tests.authenticate_as_service_role();
select public.forget_customer((select customer_id from bookings where id = (select id from ids where name = 'vip')));
select tests.clear_authentication();
select is((select count(*)::int from availability_events e where e.staff_payload::text like '%07700%')
          + (select count(*)::int from realtime.messages m where m.payload::text like '%07700%'), 0,
  'forget_customer redacts the guest''s text in availability_events and realtime.messages');

-- ---------- 7. integrity on every path, Studio and service_role included ----------
insert into ids values ('live', tests.hold_for((select id from ids where name = 'nia'), 12, 4));
select tests.authenticate_as_service_role();
select throws_ok(format($$update public.booking_tables set is_active = false where booking_id = %L$$, (select id from ids where name = 'live')),
  'PT409', 'INVALID_TRANSITION', 'a claim is active exactly while its booking holds the table: service_role cannot switch it off');
select tests.clear_authentication();
select throws_ok(format($$update booking_tables set expires_at = null where booking_id = %L$$, (select id from ids where name = 'live')),
  'PT409', 'INVALID_TRANSITION', 'a hold''s claim expires with the hold, also for postgres');
select throws_ok(format($$delete from booking_tables where booking_id = %L$$, (select id from ids where name = 'live')),
  'PT403', 'NOT_AUTHORIZED', 'claims are never deleted, by postgres either');
select throws_ok($$truncate booking_tables cascade$$, 'PT403', 'NOT_AUTHORIZED', 'nor truncated');

select throws_ok(format($$update bookings set status = 'confirmed', status_reason = 'booking_approved' where id = %L$$,
                        (select id from ids where name = 'live')),
  'PT409', 'INVALID_TRANSITION', 'a status changed by hand goes through the deposit rules');
update venue_tables set deposit = 0 where id = tests.tbl(16);
insert into ids values ('free', tests.hold_for((select id from ids where name = 'mal'), 16, 4));
select throws_ok(format($$update bookings set status = 'confirmed', status_reason = 'booking_confirmed' where id = %L$$,
                        (select id from ids where name = 'free')),
  'PT409', 'INVALID_TRANSITION', 'a status changed by hand goes through approval: held -> confirmed only where the venue auto-confirms');
select throws_ok(format($$update bookings set status = 'cancelled' where id = %L$$, (select id from ids where name = 'free')),
  'PT422', 'INVALID_INPUT', 'a status changed by hand needs a reason');
select set_config('clubbooking.reason', 'guest phoned to cancel', true);
update bookings set status = 'cancelled' where id = (select id from ids where name = 'free');
select set_config('clubbooking.reason', '', true);
select is((select status || ' ' || status_reason || ' ' || status_note from bookings where id = (select id from ids where name = 'free')),
  'cancelled manual_change guest phoned to cancel', 'a status changed by hand takes its reason from clubbooking.reason');
select is((select reason || ' ' || actor_role from audit_log where entity_id = (select id from ids where name = 'free')
           and action = 'status_changed'), 'guest phoned to cancel postgres', 'a status changed by hand writes its audit row');
select is((select e.payload ->> 'newState' || ' ' || (e.payload ->> 'reason') from availability_events e
           where e.table_id = tests.tbl(16) order by e.id desc limit 1), 'available manual_change',
  'a status changed by hand writes its events, with a code');
select is((select count(*)::int from booking_tables bt where bt.booking_id = (select id from ids where name = 'free') and bt.is_active), 0,
  'and its claims follow');

select throws_ok(format($$update bookings set party_size = 50 where id = %L$$, (select id from ids where name = 'live')),
  'PT422', 'CAPACITY_MISMATCH', 'a party size changed by hand is checked against the tables');
update bookings set party_size = 5 where id = (select id from ids where name = 'live');
select is((select party_size from booking_tables where booking_id = (select id from ids where name = 'live')), 5,
  'a party size changed by hand within capacity is kept, and the claim follows');
select throws_ok(format($$update bookings set period = tstzrange(lower(period) + interval '1 hour', upper(period)) where id = %L$$,
                        (select id from ids where name = 'live')),
  'PT409', 'INVALID_TRANSITION', 'a booking keeps its night and time when edited by hand');

-- ---------- 6. inputs: contract errors, never 54000 or 22007; no caller setting changes behaviour ----------
select tests.authenticate_as((select id from ids where name = 'nia'));
select throws_ok(format($$select public.hold_tables(%L, %L, 'slot_21_00', array[%L]::uuid[], 2, %L)$$,
                        tests.venue(), tests.night(3), tests.tbl(9), repeat('k', 9600)),
  'PT422', 'INVALID_INPUT', 'every text argument has a length limit: a 9.6 kB idempotency key is INVALID_INPUT');
select throws_ok(format($$select public.cancel_booking(%L, %L)$$, (select id from ids where name = 'live'), repeat('r', 501)),
  'PT422', 'INVALID_INPUT', 'every text argument has a length limit: a reason too');
select tests.clear_authentication();
insert into ids values ('bad_dob', tests.create_user('bad_dob'));
update auth.users set raw_user_meta_data = raw_user_meta_data || '{"date_of_birth": "1999-02-30"}'
 where id = (select id from ids where name = 'bad_dob');
select tests.authenticate_as((select id from ids where name = 'bad_dob'));
select throws_ok(format($$select public.hold_tables(%L, %L, 'slot_21_00', array[%L]::uuid[], 2)$$,
                        tests.venue(), tests.night(3), tests.tbl(9)),
  'PT422', 'INVALID_INPUT', 'a malformed date of birth is a contract error, not 22007');
select tests.clear_authentication();
insert into ids values ('no_dob', tests.create_user('no_dob', null));
select tests.authenticate_as((select id from ids where name = 'no_dob'));
select throws_ok(format($$select public.hold_tables(%L, %L, 'slot_21_00', array[%L]::uuid[], 2)$$,
                        tests.venue(), tests.night(3), tests.tbl(9)),
  'PT422', 'INVALID_INPUT', 'a missing date of birth is a contract error: the age gate never passes a guest it cannot check');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'nia'));
select set_config('clubbooking.offers_paused', 'on', true);
select tests.clear_authentication();
select ok(not private.has_transaction_flag('offers_paused'), 'a caller-set clubbooking.offers_paused does not pause waitlist offers');
select set_config('clubbooking.offers_paused', '', true);

select * from finish();
rollback;
