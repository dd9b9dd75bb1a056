-- Money online: one PaymentIntent per booking (the payment-intent route's inputs and binding,
-- the webhook refusing a PaymentIntent for any other booking), the venue's cancellation
-- policy that every refund follows, and refunds settled by Stripe's refund webhook.
begin;
\ir helpers/test_helpers.psql
select plan(32);

insert into ids values ('pam', tests.create_user('pam')), ('quin', tests.create_user('quin'));
insert into ids values ('p1', tests.hold_for((select id from ids where name = 'pam'), 3, 4)),
                       ('q1', tests.hold_for((select id from ids where name = 'quin'), 5, 6));
create function pg_temp.b(p_name text) returns uuid language sql as $$ select id from ids where name = p_name $$;
create function pg_temp.event(p_type text, p_object jsonb) returns jsonb language sql as $$
  select private.handle_stripe_event(jsonb_build_object('id', 'evt_' || replace(gen_random_uuid()::text, '-', ''),
                                                        'type', p_type, 'data', jsonb_build_object('object', p_object)))
$$;
grant execute on all functions in schema pg_temp to authenticated, service_role;

-- ---------- the payment-intent route's inputs ----------
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'pam'));
create temp table request as select private.payment_intent_request(pg_temp.b('p1')) as r;
select is((select (r ->> 'amount')::bigint from request), 5000::bigint,
  'payment_intent_amount_from_database: the deposit in the venue currency''s minor units');
select is((select r ->> 'currency' from request), 'gbp', 'in the venue''s currency');
select is((select r ->> 'idempotency_key' from request), 'clubbooking-payment-intent-' || pg_temp.b('p1'),
  'payment_intent_idempotency_key_per_booking: one key per booking');
select throws_ok(format('select private.payment_intent_request(%L)', pg_temp.b('q1')), 'PT404', 'INVALID_INPUT',
  'another guest''s booking: the answer an unknown one gets');

-- ---------- one PaymentIntent, one booking ----------
select is(private.bind_payment_intent(pg_temp.b('p1'), 'pi_pam_1') ->> 'booking_id', pg_temp.b('p1')::text,
  'the guest binds the PaymentIntent created for their booking');
select lives_ok(format('select private.bind_payment_intent(%L, %L)', pg_temp.b('p1'), 'pi_pam_1'),
  'binding it again is harmless');
select throws_ok(format('select private.bind_payment_intent(%L, %L)', pg_temp.b('p1'), 'pi_pam_2'), 'PT409',
  'INVALID_TRANSITION', 'payment_intent_bound_once: a second PaymentIntent for the booking is refused');
select throws_ok(format('select private.bind_payment_intent(%L, %L)', pg_temp.b('p1'), 'not-an-intent'), 'PT422',
  'INVALID_INPUT', 'a malformed PaymentIntent id is INVALID_INPUT');
select is((select r ->> 'payment_intent_id' from (select private.payment_intent_request(pg_temp.b('p1')) r) x), 'pi_pam_1',
  'the route finds the bound PaymentIntent to return');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'quin'));
select throws_ok(format('select private.bind_payment_intent(%L, %L)', pg_temp.b('q1'), 'pi_pam_1'), 'PT409',
  'INVALID_TRANSITION', 'payment_intent_one_booking: another booking cannot bind it');
select throws_ok(format('select public.submit_booking(%L, %L)', pg_temp.b('q1'), 'pi_pam_1'), 'PT409',
  'INVALID_TRANSITION', 'nor attach it on submit');
select tests.clear_authentication();

select is(pg_temp.event('payment_intent.succeeded', jsonb_build_object('id', 'pi_pam_1', 'object', 'payment_intent',
            'amount', 6000, 'currency', 'gbp', 'metadata', jsonb_build_object('booking_id', pg_temp.b('q1')))) -> 'outcome' ->> 'status',
  'rejected', 'webhook_refuses_payment_intent_for_other_booking: Pam''s PaymentIntent cannot pay Quin''s booking');
select is((select status::text from public.bookings where id = pg_temp.b('q1')), 'held', 'which stays held');
select is(pg_temp.event('payment_intent.succeeded', jsonb_build_object('id', 'pi_pam_1', 'object', 'payment_intent',
            'amount', 5000, 'currency', 'gbp', 'metadata', jsonb_build_object('booking_id', pg_temp.b('p1')))) -> 'outcome' -> 'result' ->> 'outcome',
  'submitted', 'the bound PaymentIntent pays its own booking');

-- ---------- the cancellation policy ----------
-- Pam cancels a week ahead, inside the venue's 48 hours of free cancellation; then the venue
-- makes it 30 days (update_venue_settings' cancellation_window) and Quin (paid) cancels.
select tests.pay(pg_temp.b('q1'), 'pi_quin_1');
select tests.authenticate_as((select id from ids where name = 'pam'));
select public.cancel_booking(pg_temp.b('p1'), 'plans changed');
select tests.clear_authentication();
select is(private.deposit_refund_policy((select b from public.bookings b where b.id = pg_temp.b('p1'))) ->> 'reason',
  'cancelled_in_time', 'cancellation_policy_free_until_window: a guest''s cancellation before the window is refunded');
select tests.authenticate_as_staff('manager', 'aal2');
select is(public.refund_deposit(pg_temp.b('p1'), 'in time') ->> 'refund_status', 'refund_pending',
  'an in-time cancellation''s deposit is queued for Stripe');
select tests.clear_authentication();
update public.venues set cancellation_window = interval '30 days' where id = tests.venue();
select tests.authenticate_as((select id from ids where name = 'quin'));
select public.cancel_booking(pg_temp.b('q1'), 'running late');
select tests.clear_authentication();
select is(private.deposit_refund_policy((select b from public.bookings b where b.id = pg_temp.b('q1'))) ->> 'reason',
  'late_cancellation_kept', 'cancellation_policy_late_cancellation_kept: after the window the venue keeps it');
select is(private.deposit_refund_policy(jsonb_populate_record((select b from public.bookings b where b.id = pg_temp.b('p1')),
                                                                '{"status": "no_show", "refund_status": null}')) ->> 'reason',
  'no_show_kept', 'cancellation_policy_no_show_kept: a no-show''s deposit is kept');
select tests.authenticate_as_staff('manager', 'aal2');
select throws_ok(format('select public.refund_deposit(%L, %L)', pg_temp.b('q1'), 'asked nicely'), 'PT409', 'INVALID_TRANSITION',
  'refund_deposit_follows_policy: a late cancellation''s deposit is not refunded');
select tests.clear_authentication();

-- ---------- Stripe settles the refund ----------
select tests.clear_authentication();
select is((select count(*)::int from private.claim_deposit_refunds(10) where payment_intent_id = 'pi_pam_1'
           and idempotency_key = 'clubbooking-refund-' || pg_temp.b('p1') || '-1'), 1,
  'the worker claims the queued refund with its idempotency key');
select private.finish_deposit_refund(pg_temp.b('p1'), '{"id": "re_pam_1", "object": "refund", "status": "pending"}');
select is(pg_temp.event('refund.updated', jsonb_build_object('id', 're_pam_1', 'object', 'refund', 'status', 'succeeded',
            'payment_intent', 'pi_pam_1', 'metadata', jsonb_build_object('booking_id', pg_temp.b('q1')))) -> 'outcome' ->> 'status',
  'rejected', 'refund_webhook_checks_booking: a refund event naming another booking is refused');
select is(pg_temp.event('refund.updated', jsonb_build_object('id', 're_pam_1', 'object', 'refund', 'status', 'succeeded',
            'payment_intent', 'pi_pam_1', 'metadata', jsonb_build_object('booking_id', pg_temp.b('p1')))) -> 'outcome' ->> 'refund',
  'succeeded', 'refund_confirmed_by_webhook: Stripe''s refund.updated settles it');
select is((select refund_status from public.bookings where id = pg_temp.b('p1')), 'refunded', 'the booking is refunded');
select is((select count(*)::int from public.audit_log where entity_id = pg_temp.b('p1') and action = 'deposit_refunded'), 1,
  'and audited once');

-- ---------- a smaller deposit after a change: the difference refunded in part ----------
-- Rae's paid, approved booking on booth 6 (deposit 100) moves to table 11 (deposit 50): the 50
-- is hers while the booking stands, refunded through the Refunds API's amount; the rest follows
-- the policy (the venue's window is 30 days now: her cancellation is late, the 50 kept).
insert into ids values ('rae', tests.create_user('rae'));
insert into ids values ('r1', tests.hold_for((select id from ids where name = 'rae'), 6, 6));
select tests.pay(pg_temp.b('r1'), 'pi_rae_1');
select tests.authenticate_as_staff('manager');
select public.approve_booking(pg_temp.b('r1'));
select is(public.modify_booking(pg_temp.b('r1'), 5, array[tests.tbl(11)]) ->> 'deposit_refundable', '50.00',
  'a change to a smaller deposit leaves the difference refundable');
select tests.clear_authentication();
select is(private.deposit_refund_policy((select b from public.bookings b where b.id = pg_temp.b('r1'))),
  jsonb_build_object('refundable', true, 'reason', 'difference_refundable', 'amount', 50.00,
                     'free_until', (select lower(b.period) - interval '30 days' from public.bookings b where b.id = pg_temp.b('r1'))),
  'refund_difference_policy: while the booking stands, the difference alone is refundable');
select tests.authenticate_as_staff('manager', 'aal2');
select is(public.refund_deposit(pg_temp.b('r1'), 'smaller table') ->> 'refund_status', null,
  'the difference''s refund leaves the deposit unrefunded');
select tests.clear_authentication();
select is((select row(amount, purpose, status)::text from private.deposit_refunds where booking_id = pg_temp.b('r1')),
  '(5000,difference,queued)', 'refund_difference_partial: queued for Stripe with the amount, in pence');
select private.claim_deposit_refunds(10);
select private.finish_deposit_refund(pg_temp.b('r1'), '{"id": "re_rae_1", "object": "refund", "status": "pending"}');
select is(pg_temp.event('refund.updated', jsonb_build_object('id', 're_rae_1', 'object', 'refund', 'status', 'succeeded',
            'amount', 5000, 'payment_intent', 'pi_rae_1', 'metadata', jsonb_build_object('booking_id', pg_temp.b('r1'))))
          -> 'outcome' ->> 'refund', 'succeeded', 'Stripe''s refund.updated settles the difference');
select is((select row(deposit_balance, refund_status, status)::text from public.bookings where id = pg_temp.b('r1')),
  '(0.00,,confirmed)', 'the balance is settled; the booking and its deposit stand');
select tests.authenticate_as((select id from ids where name = 'rae'));
select public.cancel_booking(pg_temp.b('r1'), 'not coming');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager', 'aal2');
select throws_ok(format('select public.refund_deposit(%L, %L)', pg_temp.b('r1'), 'again'), 'PT409', 'INVALID_TRANSITION',
  'after the difference, a late cancellation keeps the deposit');
select tests.clear_authentication();
select is(private.deposit_refund_policy(jsonb_populate_record((select b from public.bookings b where b.id = pg_temp.b('r1')),
                                                                '{"deposit_balance": -20}')) ->> 'amount', '20.00',
  'a late cancellation keeps the deposit, never a difference still owed');

select * from finish();
rollback;
