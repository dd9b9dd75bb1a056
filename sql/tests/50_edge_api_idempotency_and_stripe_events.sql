-- The Edge Functions' SQL: Idempotency-Keys replay the first answer per caller and refuse a
-- reused key; Stripe events apply once per event id; neither ledger is open to API roles.
begin;
\ir helpers/test_helpers.psql
select plan(20);

-- ---------- privileges ----------
select table_privs_are('private', 'api_idempotency_keys', 'authenticated', array[]::text[],
  'signed-in users cannot touch the idempotency ledger directly');
select table_privs_are('private', 'stripe_events', 'service_role', array[]::text[],
  'not even service_role can touch the Stripe ledger directly');
select function_privs_are('private', 'handle_stripe_event', array['jsonb'], 'authenticated', array[]::text[],
  'a signed-in user cannot feed Stripe events');
select function_privs_are('private', 'handle_stripe_event', array['jsonb'], 'service_role', array['EXECUTE'],
  'service_role (the webhook) may');

-- ---------- idempotency keys ----------
insert into ids values ('wes', tests.create_user('wes')), ('xan', tests.create_user('xan'));
select tests.authenticate_as((select id from ids where name = 'wes'));
select is(private.idempotency_begin('k1', 'hold', '{"party_size": 2}'), null, 'a new key lets the request through');
select private.idempotency_finish('k1', 201, '{"booking_id": "b1"}');
select is(private.idempotency_begin('k1', 'hold', '{"party_size": 2}'), '{"status": 201, "body": {"booking_id": "b1"}}',
  'the same key and request replay the first answer');
select throws_ok($$select private.idempotency_begin('k1', 'hold', '{"party_size": 3}')$$, 'PT422', 'INVALID_INPUT',
  'the same key for another body is INVALID_INPUT');
select throws_ok($$select private.idempotency_begin('k1', 'cancel x', '{"party_size": 2}')$$, 'PT422', 'INVALID_INPUT',
  'the same key for another route is INVALID_INPUT');
select throws_ok($$select private.idempotency_begin(repeat('k', 256), 'hold', '{}')$$, 'PT422', 'INVALID_INPUT',
  'a key longer than 255 characters is INVALID_INPUT');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'xan'));
select is(private.idempotency_begin('k1', 'hold', '{"party_size": 2}'), null, 'keys are per caller: another guest''s k1 is new');
select tests.authenticate_as_anon();
select throws_ok($$select private.idempotency_begin('k1', 'hold', '{}')$$, '42501', null, 'anon has no key space');
select tests.clear_authentication();

-- ---------- Stripe events ----------
insert into ids values ('yas', tests.create_user('yas'));
insert into ids values ('paid', tests.hold_for((select id from ids where name = 'yas'), 2, 3));
create temp table event as
select jsonb_build_object('id', 'evt_test_1', 'type', 'payment_intent.succeeded', 'created', 1700000000,
  'data', jsonb_build_object('object', jsonb_build_object('id', 'pi_test_1', 'object', 'payment_intent',
    'amount', 5000, 'currency', 'gbp', 'metadata', jsonb_build_object('booking_id', (select id from ids where name = 'paid'))))) as e;
grant select on event to service_role;
select tests.authenticate_as_service_role();
select is(private.handle_stripe_event((select e from event)) -> 'outcome' -> 'result' ->> 'outcome', 'submitted',
  'a succeeded payment submits the held booking');
select is(private.handle_stripe_event((select e from event)) ->> 'duplicate', 'true', 'the same event id again is a duplicate');
select throws_ok($$select private.handle_stripe_event('{"id": "evt_2", "type": "x"}')$$, 'PT422', 'INVALID_INPUT',
  'an event without data.object is INVALID_INPUT');
select tests.clear_authentication();
select is((select count(*)::int from audit_log where entity_id = (select id from ids where name = 'paid')
           and new_status = 'pending_approval'), 1, 'the booking moved on once');
select is((select payment_intent_id || ' ' || amount || ' ' || currency from private.stripe_events where event_id = 'evt_test_1'),
  'pi_test_1 5000 gbp', 'the ledger keeps the payment intent, amount and currency');

-- A payment short of the deposit (table 7: 50.00 GBP), or in another currency, moves nothing.
insert into ids values ('short', tests.hold_for((select id from ids where name = 'yas'), 7, 3));
select tests.authenticate_as_service_role();
select is(private.handle_stripe_event(jsonb_build_object('id', 'evt_short', 'type', 'payment_intent.succeeded',
  'data', jsonb_build_object('object', jsonb_build_object('id', 'pi_short', 'object', 'payment_intent',
    'amount', 4999, 'currency', 'gbp', 'metadata', jsonb_build_object('booking_id', (select id from ids where name = 'short'))))))
  -> 'outcome' ->> 'code', 'INVALID_INPUT', 'a payment a penny short of the deposit is rejected (for staff to refund)');
select is(private.handle_stripe_event(jsonb_build_object('id', 'evt_euro', 'type', 'payment_intent.succeeded',
  'data', jsonb_build_object('object', jsonb_build_object('id', 'pi_euro', 'object', 'payment_intent',
    'amount', 9000, 'currency', 'eur', 'metadata', jsonb_build_object('booking_id', (select id from ids where name = 'short'))))))
  -> 'outcome' -> 'detail', to_jsonb('{"paid": "9000", "reason": "deposit_not_covered", "currency": "gbp", "deposit_due": 5000, "paid_currency": "eur"}'::text),
  'so is one in another currency, and the outcome says why');
select tests.clear_authentication();
select is((select status from bookings where id = (select id from ids where name = 'short')), 'held', 'the booking stays held');
update venues set currency = 'jpy' where id = tests.venue();
select is(private.payment_shortfall((select id from ids where name = 'short'),
  '{"amount": 50, "currency": "jpy"}'), null, 'a zero-decimal currency is compared in whole units (50 yen pays 50.00)');

select * from finish();
rollback;
