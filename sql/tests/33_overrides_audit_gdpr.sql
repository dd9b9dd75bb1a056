-- Manager overrides and admin configuration (aal2), the audit log (append-only, with who,
-- role, what, old, new, reason, when and request id), and GDPR erasure and export.
begin;
\ir helpers/test_helpers.psql
\ir helpers/security_fixtures.psql
select plan(45);

create temp view ann_audit as
  select a.* from public.audit_log a
  where a.entity_id in (select b.id from public.bookings b where b.customer_id = tests.fx('ann_customer'));
grant select on ann_audit to authenticated;

-- ---------- approving beyond capacity ----------
select tests.act_as('manager_mfa');
select throws_ok($$ select public.approve_booking_over_capacity(tests.fx('ann_pending'), 9, '  ') $$,
  'PT422', 'INVALID_INPUT', 'an override needs a reason');
select throws_ok($$ select public.approve_booking_over_capacity(tests.fx('ann_pending'), 51, 'too many') $$,
  'PT422', 'INVALID_PARTY_SIZE', 'an override still keeps parties to 1-50');
select throws_ok($$ select public.approve_booking_over_capacity(tests.fx('ann_held'), 9, 'not submitted') $$,
  'PT409', 'INVALID_TRANSITION', 'only a submitted or confirmed booking can be approved');
select is(public.approve_booking_over_capacity(tests.fx('ann_pending'), 9, 'birthday group grew') ->> 'status', 'confirmed',
  'a manager with aal2 approves a party of 9 on a table for 4-6');
select tests.clear_authentication();
select is((select party_size from public.booking_tables where booking_id = tests.fx('ann_pending')), 9,
  'the booking''s claims carry the new party size');
select is((select (actor_id, actor_role, old_status, new_status, reason, detail) from public.audit_log
           where entity_id = tests.fx('ann_pending') and action = 'capacity_override'),
          (tests.staff('manager'), 'manager'::text, 'pending_approval'::text, 'pending_approval'::text, 'birthday group grew'::text,
           '{"party_size_before": 4, "party_size_after": 9}'::jsonb),
  'the override is audited: who, role, old and new, the reason, and the sizes');

-- ---------- refunds follow the venue's cancellation policy ----------
select tests.act_as('manager_mfa');
select throws_ok($$ select public.refund_deposit(tests.fx('ann_held'), 'nothing paid') $$,
  'PT409', 'INVALID_TRANSITION', 'a deposit that was never paid cannot be refunded');
select throws_ok($$ select public.refund_deposit(tests.fx('ann_pending'), 'still booked') $$,
  'PT409', 'INVALID_TRANSITION', 'refund_follows_cancellation_policy: an open booking keeps its deposit');
select is(public.cancel_booking(tests.fx('ann_pending'), 'venue closed early') ->> 'status', 'cancelled',
  'the venue cancels the booking');
select is(public.refund_deposit(tests.fx('ann_pending'), 'venue closed early') ->> 'refund_status', 'refund_pending',
  'a manager with aal2 refunds a deposit the venue cancelled: asked of Stripe');
select lives_ok($$ select public.refund_deposit(tests.fx('ann_pending'), 'again') $$, 'repeating the refund is harmless');
select tests.clear_authentication();
select is((select count(*)::int from public.audit_log where entity_id = tests.fx('ann_pending') and action = 'deposit_refund_requested'), 1,
  'and is audited once');
select is((select (payment_intent_id, amount, currency, status) from private.deposit_refunds where booking_id = tests.fx('ann_pending')),
          ('pi_ann_pending'::text, 5000::bigint, 'gbp'::text, 'queued'::text),
  'refund_queued_for_stripe: the PaymentIntent, the deposit in pence and the currency, queued for the worker');

-- ---------- admin configuration ----------
select tests.act_as('admin_mfa');
select throws_ok($$ select public.update_venue_settings(tests.venue(), '{"club_id": "11111111-1111-4111-8111-111111111111"}') $$,
  'PT422', 'INVALID_INPUT', 'read-only and unknown settings are refused');
select throws_ok($$ select public.update_venue_settings(tests.venue(), '{"hold_ttl": "3 parsecs"}') $$,
  'PT422', 'INVALID_INPUT', 'a malformed value is INVALID_INPUT');
select throws_ok($$ select public.update_venue_settings(tests.venue(), '{"hold_ttl": "2 hours"}') $$,
  'PT422', 'INVALID_INPUT', 'a value the table''s checks refuse is INVALID_INPUT');
select throws_ok($$ select public.update_venue_settings(tests.venue(), '{"timezone": "Europe/Leeds"}') $$,
  'PT422', 'INVALID_INPUT', 'an unknown timezone is INVALID_INPUT');
select throws_ok($$ select public.update_venue_settings(tests.venue(), '{"open_days": [5, 9]}') $$,
  'PT422', 'INVALID_INPUT', 'days outside 1-7 are INVALID_INPUT');
select throws_ok($$ select public.update_venue_settings(tests.venue(), '{"min_age": null}') $$,
  'PT422', 'INVALID_INPUT', 'a null setting is INVALID_INPUT');
select throws_ok($$ select public.update_venue_settings(tests.venue(), '[1]') $$,
  'PT422', 'INVALID_INPUT', 'settings must be a JSON object');
select throws_ok($$ select public.update_venue_settings('99999999-9999-4999-8999-999999999999', '{"min_age": 21}') $$,
  'PT404', 'INVALID_INPUT', 'an unknown venue is INVALID_INPUT with 404');
select is(public.update_venue_settings(tests.venue(), '{"min_age": 21, "hold_ttl": "3 minutes"}') ->> 'min_age', '21',
  'an admin with aal2 changes venue settings');
select tests.clear_authentication();
select is((select (hold_ttl, min_age) from public.venues where id = tests.venue()), (interval '3 minutes', 21),
  'the settings changed, and only in the last, valid call');
select is((select detail from public.audit_log where entity = 'venue' and action = 'settings_updated'),
  '{"before": {"min_age": 18, "hold_ttl": "00:05:00"}, "after": {"min_age": 21, "hold_ttl": "00:03:00"}}'::jsonb,
  'the change is audited with the old and new values');

-- ---------- the audit log ----------
select is((select count(*)::int from public.audit_log where request_id is null), 0, 'every audit row has a request id');
select set_config('request.headers', '{"x-request-id": "req-7f3a"}', true);
select tests.act_as('host');
select public.cancel_booking(tests.fx('bob_held'), 'guest phoned');
select tests.clear_authentication();
select is((select (request_id, actor_id, actor_role, old_status, new_status, reason) from public.audit_log
           where entity_id = tests.fx('bob_held') and new_status = 'cancelled'),
          ('req-7f3a'::text, tests.staff('host'), 'host'::text, 'held'::text, 'cancelled'::text, 'guest phoned'::text),
  'a transition''s audit row has the request''s x-request-id, who, role, old, new and reason');
select set_config('request.headers', '', true);

select tests.act_as('service_role');
select throws_ok($$ update public.audit_log set reason = 'tidied' $$, '42501', null, 'service_role cannot update audit rows');
select throws_ok($$ delete from public.audit_log $$, '42501', null, 'service_role cannot delete audit rows');
select throws_ok($$ insert into public.audit_log (venue_id, entity, entity_id, action, actor_role)
                    values (tests.venue(), 'booking', tests.fx('ann_held'), 'forged', 'manager') $$,
  '42501', null, 'service_role cannot forge audit rows');
select set_config('clubbooking.gdpr_redaction', 'on', true);
select throws_ok($$ update public.audit_log set detail = '{}' $$, '42501', null,
  'the GDPR flag gives service_role nothing');
select tests.clear_authentication();
select throws_ok($$ update public.audit_log set new_status = 'confirmed' where entity_id = tests.fx('bob_held') $$,
  'PT403', 'NOT_AUTHORIZED', 'even the table owner with the GDPR flag on can only redact detail and reason');
select set_config('clubbooking.gdpr_redaction', 'off', true);
select throws_ok($$ update public.audit_log set reason = 'tidied' $$, 'PT403', 'NOT_AUTHORIZED',
  'the table owner cannot update audit rows');
select throws_ok($$ delete from public.audit_log $$, 'PT403', 'NOT_AUTHORIZED', 'nor delete them');
select throws_ok($$ truncate public.audit_log $$, 'PT403', 'NOT_AUTHORIZED', 'nor truncate the log');

-- ---------- GDPR: export ----------
-- Something personal in audit detail, as a later writer might put there.
select private.write_audit(tests.venue(), 'booking', tests.fx('ann_held'), 'note_added', null, null,
                           'Ann asked for a quiet table', '{"phone": "+44 7700 900001", "table_id": "t1"}');
update public.bookings set special_requests = 'nut allergy', occasion = 'birthday' where id = tests.fx('ann_confirmed');
insert into fx select 'bob_customer', customer_id from public.bookings where id = tests.fx('bob_held');

select tests.act_as('customer');
create temp table export_before as select public.export_customer_data() as doc;
select is((select doc -> 'customer' ->> 'email' from export_before), 'ann@test.example',
  'a customer exports their own profile');
select is((select array_agg(b ->> 'booking_id' order by b ->> 'booking_id') from export_before, jsonb_array_elements(doc -> 'bookings') b),
          (select array_agg(id::text order by id::text) from public.bookings where customer_id = tests.fx('ann_customer')),
  'with all their bookings and no one else''s');
select is((select (jsonb_array_length(doc -> 'waitlist_entries'), jsonb_array_length(doc -> 'notifications'),
                   jsonb_array_length(doc -> 'history') > 0) from export_before),
          (1, (select count(*)::int from public.notifications where customer_id = tests.fx('ann_customer')), true),
  'their waitlist entry, their notifications and the history of each');
select throws_ok($$ select public.export_customer_data(tests.fx('bob_customer')) $$,
  'PT403', 'NOT_AUTHORIZED', 'a customer cannot export another guest''s data');

-- ---------- GDPR: erasure ----------
select tests.act_as('admin');
select throws_ok($$ select public.forget_customer(tests.fx('ann_customer')) $$, 'PT403', 'MFA_REQUIRED',
  'an admin erasing a guest needs aal2');
select tests.clear_authentication();
create temp table stats_before as
  select count(*) as bookings, sum(party_size) as guests, sum(deposit_total) as deposits,
         (select count(*) from public.waitlist_entries) as waitlist, (select count(*) from public.audit_log) as audit
  from public.bookings;
select tests.act_as('customer');
select is((public.forget_customer(tests.fx('ann_customer')) ->> 'bookings_kept')::int, 3,
  'a customer can erase themselves; their bookings are kept, anonymised');
select tests.clear_authentication();
select is((select (email, phone, full_name, date_of_birth, user_id) from public.customers where id = tests.fx('ann_customer')),
          (null::text, null::text, null::text, null::date, null::uuid), 'the customer''s PII and account link are gone');
select is((select count(*)::int from public.bookings where customer_id = tests.fx('ann_customer')
           and (special_requests is not null or occasion is not null)), 0, 'and what they typed into bookings');
select is((select (a.detail, a.reason) from public.audit_log a where a.action = 'note_added'),
          ('{"table_id": "t1", "redacted": true}'::jsonb, '[redacted]'::text),
  'audit detail loses its personal keys and free-text reasons, keeping the rest');
select is((select payload from public.notifications where customer_id = tests.fx('ann_customer')
                                                      and payload ->> 'reference' = 'BR-000000-AAAAAA'),
          '{"reference": "BR-000000-AAAAAA", "reason": "forced_block"}'::jsonb,
  'and so do their notifications (the note goes, the reason code stays)');
select is((select (count(*), sum(party_size), sum(deposit_total), (select count(*) from public.waitlist_entries),
                   (select count(*) from public.audit_log) - 1) from public.bookings),
          (select (bookings, guests, deposits, waitlist, audit) from stats_before),
  'counts and statistics are unchanged (plus one audit row for the erasure)');

select * from finish();
rollback;
