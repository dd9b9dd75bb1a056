-- Escalation attempts: what a customer, a forged token, an aal1 session or another venue's
-- staff try in order to get more than their role gives them, each refused with the
-- contract's code; plus PII by role and the per-guest hold limit that stops a script from
-- holding the whole floor.
begin;
\ir helpers/test_helpers.psql
\ir helpers/security_fixtures.psql
select plan(39);

-- A token for a user with made-up claims, as PostgREST would pass it on.
create function tests.authenticate_with_claims(p_role text, p_claims jsonb) returns void
language sql
as $$ select set_config('role', p_role, true), set_config('request.jwt.claims', p_claims::text, true) $$;

-- ---------- a customer going around the RPCs ----------
select tests.act_as('customer');
select throws_ok($$ update public.bookings set status = 'confirmed' where id = tests.fx('ann_pending') $$,
  '42501', null, 'a customer cannot confirm their own booking by updating its status');
select throws_ok($$ insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period)
                    select venue_id, tests.tbl(2), id, booking_date, period from public.bookings where id = tests.fx('ann_held') $$,
  '42501', null, 'a customer cannot claim a table by inserting into booking_tables');
select throws_ok($$ delete from public.audit_log $$, '42501', null, 'a customer cannot delete audit rows');
select throws_ok($$ select public.approve_booking(tests.fx('ann_pending')) $$, 'PT403', 'NOT_AUTHORIZED',
  'a customer cannot approve their own booking');
select throws_ok($$ select public.block_tables(tests.venue(), tests.night(), array[tests.tbl(12)], 'slot_23_30') $$,
  'PT403', 'NOT_AUTHORIZED', 'a customer cannot block tables');
select throws_ok($$ select public.cancel_booking(tests.fx('bob_held')) $$, 'PT404', 'INVALID_INPUT',
  'a customer cannot cancel another guest''s booking');
select throws_ok($$ select public.expire_holds() $$, '42501', null, 'a customer cannot run the sweeper');
select is((select array(select jsonb_object_keys(existing_lock) order by 1)
           from public.acquire_table_lock(tests.tbl(7), tests.fx('ann'))),
          array['expires_at', 'period'], 'acquire_table_lock tells a guest a table is held, not by which booking');
select tests.act_as('host');
select is((select existing_lock ->> 'booking_id' from public.acquire_table_lock(tests.tbl(7), tests.staff('host'))),
          tests.fx('bob_held')::text, 'while the venue''s staff see the booking');

-- ---------- forged claims ----------
select tests.clear_authentication();
insert into fx values ('mallory', tests.create_user('mallory'));
select tests.authenticate_with_claims('authenticated', jsonb_build_object(
  'sub', tests.fx('mallory'), 'role', 'authenticated', 'aal', 'aal2', 'user_role', 'admin',
  'app_metadata', jsonb_build_object('role', 'manager', 'venue_id', tests.venue()),
  'user_metadata', jsonb_build_object('role', 'admin')));
select is(public.get_user_role(), 'customer', 'staff claims in a token without a staff_members row make no one staff');
select throws_ok($$ select public.approve_booking(tests.fx('ann_pending')) $$, 'PT404', 'INVALID_INPUT',
  'a forged manager claim cannot approve bookings (to them it does not exist)');
select throws_ok($$ select public.update_venue_settings(tests.venue(), '{"min_age": 16}') $$, 'PT403', 'NOT_AUTHORIZED',
  'a forged admin claim with aal2 cannot change venue settings');
select is(public.get_availability(tests.venue(), tests.night(), 'slot_21_00') ->> 'view', 'public',
  'a forged staff claim sees the public availability view');

select tests.clear_authentication();
select tests.authenticate_with_claims('authenticated', jsonb_build_object(
  'sub', tests.fx('mallory'), 'role', 'service_role', 'aal', 'aal2'));
select throws_ok($$ select public.refund_deposit(tests.fx('ann_pending'), 'forged') $$, 'PT404', 'INVALID_INPUT',
  'role = service_role in the claims of an authenticated session trusts no one (to them it does not exist)');
select throws_ok($$ select public.expire_holds() $$, '42501', null, 'nor grants service_role''s functions');

select tests.clear_authentication();
select tests.authenticate_with_claims('anon', jsonb_build_object('sub', tests.staff('admin'), 'role', 'anon'));
select is(public.get_availability(tests.venue(), tests.night(), 'slot_21_00') ->> 'view', 'public',
  'an anon session carrying a staff member''s sub is still anon');

-- ---------- aal1 trying an override ----------
select tests.act_as('manager');
select throws_ok($$ select public.block_tables(tests.venue(), tests.night(), array[tests.tbl(5)], 'slot_21_00', 'vip_override', 'aal1', null, true) $$,
  'PT403', 'MFA_REQUIRED', 'a forced block at aal1 needs MFA');
select throws_ok($$ select public.approve_booking_over_capacity(tests.fx('ann_pending'), 9, 'aal1') $$,
  'PT403', 'MFA_REQUIRED', 'approving beyond capacity at aal1 needs MFA');
select throws_ok($$ select public.refund_deposit(tests.fx('ann_pending'), 'aal1') $$,
  'PT403', 'MFA_REQUIRED', 'a refund at aal1 needs MFA');
select tests.clear_authentication();
select tests.authenticate_with_claims('authenticated', jsonb_build_object('sub', tests.staff('admin'), 'role', 'authenticated'));
select throws_ok($$ select public.update_venue_settings(tests.venue(), '{"min_age": 21}') $$,
  'PT403', 'MFA_REQUIRED', 'admin configuration with no aal claim at all needs MFA');
select tests.clear_authentication();
select is((select min_age from public.venues where id = tests.venue()), 18, 'and nothing changed');

-- ---------- another venue's staff ----------
select tests.act_as('other_admin');
select throws_ok($$ select public.approve_booking(tests.fx('ann_pending')) $$, 'PT404', 'INVALID_INPUT',
  'an admin of venue B cannot approve venue A''s bookings (to them it does not exist)');
select is((select count(*)::int from public.get_availability_events(
             format('availability:%s:%s:%s:slot_21_00', (select club_id from public.venues where id = tests.venue()),
                    tests.venue(), tests.night()), 0) e where e.payload ? 'actor'), 0,
  'venue B''s admin replays venue A''s channel in the public shape, without actors');
select set_config('realtime.topic', format('availability:%s:%s:%s:slot_21_00',
  (select club_id from public.venues where id = tests.venue()), tests.venue(), tests.night()), true);
select is((select count(*)::int from realtime.messages where private), 0,
  'venue B''s admin cannot read venue A''s private realtime channel');
select tests.act_as('door');
select set_config('realtime.topic', format('availability:%s:%s:%s:slot_21_00',
  (select club_id from public.venues where id = tests.venue()), tests.venue(), tests.night()), true);
select cmp_ok((select count(*)::int from realtime.messages where private), '>', 0,
  'while venue A''s door staff can');
select throws_ok($$ insert into realtime.messages (topic, extension, payload, event, private)
                    values (current_setting('realtime.topic'), 'broadcast', '{"newState": "available"}', 'availability.updated', false) $$,
  '42501', null, 'staff cannot forge a broadcast on a channel');
select tests.act_as('customer');
select throws_ok($$ select * from public.get_availability_events('availability:------------------------------------:x:2026-01-01:a', 0) $$,
  'PT422', 'INVALID_INPUT', 'a malformed channel name is INVALID_INPUT, not an internal error');

-- ---------- PII by role ----------
select tests.act_as('door');
select is(
  (select jsonb_agg(t - array['table_id', 'table_number', 'name', 'floor', 'capacity_min', 'capacity_max', 'is_vip',
                              'minimum_spend', 'deposit', 'is_shared', 'state', 'booking_id', 'reference',
                              'hold_expires_at', 'changed_by', 'changed_by_name', 'changed_by_role', 'block_id', 'block_kind', 'block_reason', 'release_at'])
   from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(), 'slot_21_00') -> 'tables') t
   where t ->> 'table_number' = '5'),
  '[{"party_size": 6, "customer_name": "Ann"}]'::jsonb,
  'door staff see a guest''s name and party size, not phone, email or payment');
select is((select count(*)::int from public.customers), 0, 'door staff read no customer rows');
select tests.act_as('host');
select throws_ok($$ select payment_reference from public.bookings $$, '42501', null,
  'hosts cannot read payment references from the bookings table');
select throws_ok($$ select reconciliation from public.bookings $$, '42501', null,
  'nor the reconciliation record that repeats them');
select throws_ok($$ select payment_intent_id from public.bookings $$, '42501', null,
  'nor a PaymentIntent id a guest attached');
select tests.act_as('customer');
select throws_ok($$ select date_of_birth from public.customers $$, '42501', null,
  'dates of birth are not readable from the customers table');

-- ---------- health figures: a manager sees their own venues' ----------
select tests.act_as('other_admin');
select is(public.booking_system_health() ->> 'venue_ids', json_build_array(tests.venue_b())::text,
  'venue B''s admin reads the health figures of venue B only');
select is((public.booking_system_health() ->> 'held_bookings')::int, 1, 'its one held booking (Carol''s), not venue A''s');
select is(public.booking_system_health() ->> 'active_connections', null, 'and not the server''s connections');
select tests.clear_authentication();

-- ---------- rate limit: one script cannot hold the whole floor ----------
select tests.act_as('admin_mfa');
select public.update_venue_settings(tests.venue(), '{"max_held_tables_per_customer": 3}');
select tests.act_as('stranger');
select public.hold_tables(tests.venue(), tests.night(), 'slot_23_30', array[tests.tbl(9)], 2);
select lives_ok($$ select public.hold_tables(tests.venue(), tests.night(), 'slot_23_30', array[tests.tbl(10)], 2) $$,
  'a guest may hold up to the venue''s limit (3, with the one they already hold)');
select throws_ok($$ select public.hold_tables(tests.venue(), tests.night(2), 'slot_23_30', array[tests.tbl(11)], 4) $$,
  'PT409', 'MAX_TABLES_EXCEEDED', 'the next hold, on any night, is refused with MAX_TABLES_EXCEEDED');
select tests.clear_authentication();
select is((select count(*)::int from public.bookings b join public.customers c on c.id = b.customer_id
           where c.user_id = tests.fx('bob') and b.status = 'held'), 3, 'and the guest still holds exactly 3 tables');

select * from finish();
rollback;
