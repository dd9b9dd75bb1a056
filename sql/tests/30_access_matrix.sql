-- The access matrix, generated from the catalogue: every persona x every table in public x
-- select/insert/update/delete, and every persona x every RPC in public, each compared with
-- the expectation written in the tables below. A table or RPC added without a row here fails
-- the coverage tests, so the matrix can't silently fall behind the schema.
--
-- Personas (see helpers/security_fixtures.sql): anon; customer (Ann, with bookings, a
-- waitlist entry and a notification at venue A); stranger (Bob, another customer); door,
-- host, manager, admin of venue A at aal1, and manager_mfa, admin_mfa at aal2; other_admin
-- (admin of venue B, aal2); service_role; promoter (Pia, promoter at venue A, no bookings).
--
-- Select outcomes: all rows, the persona's own rows, its venue's rows, none (RLS hides every
-- row), deny (no privilege: 42501). Write outcomes: allow (privilege and RLS let the statement
-- through; constraints may still refuse the row), none, deny (42501, or a trigger refusing).
-- RPC outcomes: allow (the call succeeds), deny (42501 or NOT_AUTHORIZED, or, for a booking the
-- persona may not name, the 404 an invented booking gets), mfa (MFA_REQUIRED).
begin;
\ir helpers/test_helpers.psql
\ir helpers/security_fixtures.psql
select set_config('t.ann_held_reference', (select reference from public.bookings where id = tests.fx('ann_held')), true);
insert into fx select 'invitation', i.id from public.staff_invitations i where i.email = 'invited.door@test.example';
insert into public.staff_invitations (venue_id, email, role, token_hash, expires_at)
values (tests.venue_b(), 'ann@test.example', 'door', private.invitation_token_hash('inv_matrix_token_for_ann'),
        private.now() + interval '7 days');

create temp table expected_table_access (
  tbl text, command text, anon text, customer text, stranger text, door text, host text, manager text,
  manager_mfa text, admin text, admin_mfa text, other_admin text, service_role text, promoter text,
  primary key (tbl, command));
insert into expected_table_access values
-- table               command   anon    customer stranger door    host    manager manager_mfa admin admin_mfa other_admin service_role promoter
  ('clubs',              'select', 'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all', 'all'),
  ('venues',             'select', 'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all', 'all'),
  ('floors',             'select', 'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all', 'all'),
  ('venue_tables',       'select', 'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all', 'all'),
  ('table_combinations', 'select', 'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all', 'all'),
  ('venue_slots',        'select', 'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all', 'all'),
  ('customers',          'select', 'deny', 'own',  'own',  'none', 'venue','venue','venue','venue','venue','venue','all', 'none'),
  ('staff_members',      'select', 'deny', 'none', 'none', 'own',  'own',  'venue','venue','venue','venue','venue','all', 'none'),
  ('bookings',           'select', 'deny', 'own',  'own',  'none', 'venue','venue','venue','venue','venue','venue','all', 'none'),
  ('booking_tables',     'select', 'deny', 'own',  'own',  'venue','venue','venue','venue','venue','venue','venue','all', 'none'),
  ('table_blocks',       'select', 'deny', 'none', 'none', 'venue','venue','venue','venue','venue','venue','venue','all', 'none'),
  ('waitlist_entries',   'select', 'deny', 'own',  'none', 'none', 'venue','venue','venue','venue','venue','venue','all', 'none'),
  ('audit_log',          'select', 'deny', 'none', 'none', 'none', 'none', 'venue','venue','venue','venue','venue','all', 'none'),
  ('availability_events','select', 'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all',  'all', 'all'),
  ('notifications',      'select', 'deny', 'own',  'none', 'none', 'venue','venue','venue','venue','venue','venue','all', 'none'),
  ('promoters',          'select', 'deny', 'none', 'none', 'none', 'none', 'venue','venue','venue','venue','venue','all', 'own'),
  ('staff_invitations',  'select', 'deny', 'none', 'none', 'none', 'none', 'venue','venue','venue','venue','venue','all', 'none'),
-- writes: only the back office, and nobody rewrites audit rows or events
  ('clubs',              'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('clubs',              'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('clubs',              'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('venues',             'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('venues',             'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('venues',             'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('floors',             'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('floors',             'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('floors',             'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('venue_tables',       'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('venue_tables',       'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('venue_tables',       'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('table_combinations', 'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('table_combinations', 'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('table_combinations', 'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('venue_slots',        'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('venue_slots',        'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('venue_slots',        'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('customers',          'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('customers',          'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('customers',          'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('staff_members',      'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('staff_members',      'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('staff_members',      'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('bookings',           'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('bookings',           'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('bookings',           'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('booking_tables',     'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('booking_tables',     'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  -- claims are never deleted, by anyone (a trigger): a booking frees its tables through its status
  ('booking_tables',     'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny'),
  ('table_blocks',       'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('table_blocks',       'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('table_blocks',       'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('waitlist_entries',   'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('waitlist_entries',   'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('waitlist_entries',   'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('audit_log',          'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny'),
  ('audit_log',          'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny'),
  ('audit_log',          'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny'),
  ('availability_events','insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny'),
  ('availability_events','update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny'),
  ('availability_events','delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny'),
  ('notifications',      'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('notifications',      'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('notifications',      'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('promoters',          'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('promoters',          'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('promoters',          'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('staff_invitations',  'insert', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('staff_invitations',  'update', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('staff_invitations',  'delete', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny');

-- A booking's life after it is made: Ann's late booking (inside her change cutoff), and Bob's
-- bookings checked in and marked a no-show a moment ago (inside the undo window).
update public.venues set modify_cutoff = interval '1 hour' where id = tests.venue();
insert into fx values
  ('ann_late', tests.fixture_booking('ann', tests.venue(), tests.tbl(2), 3, 'slot_23_30')),
  ('bob_seated', tests.fixture_booking('bob', tests.venue(), tests.tbl(4), 4)),
  ('bob_no_show', tests.fixture_booking('bob', tests.venue(), tests.tbl(6), 6));
select tests.pay(tests.fx('bob_seated'), 'pi_bob_seated'), tests.pay(tests.fx('bob_no_show'), 'pi_bob_no_show');
select public.approve_booking(tests.fx('bob_seated')), public.approve_booking(tests.fx('bob_no_show'));
select public.check_in_booking(tests.fx('bob_seated')), public.mark_no_show(tests.fx('bob_no_show'));

-- Each RPC with one call that succeeds for a caller who may make it (fixture ids by name).
create temp table expected_rpc_access (
  rpc text, call text, anon text, customer text, stranger text, door text, host text, manager text,
  manager_mfa text, admin text, admin_mfa text, other_admin text, service_role text, promoter text,
  primary key (rpc, call));
insert into expected_rpc_access values
-- rpc                        anon    customer stranger door  host    manager manager_mfa admin admin_mfa other_admin service_role promoter
  ('get_availability', $$select public.get_availability(tests.venue(), tests.night(), 'slot_21_00')$$,
                               'allow','allow','allow','allow','allow','allow','allow','allow','allow','allow','allow', 'allow'),
  -- the floor at a past instant: the venue's staff only
  ('get_availability_at', $$select public.get_availability_at(tests.venue(), tests.night(), 'slot_21_00', now() - interval '1 minute')$$,
                               'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('get_availability_events', $$select public.get_availability_events(format('availability:%s:%s:%s:slot_21_00', (select club_id from public.venues where id = tests.venue()), tests.venue(), tests.night()), 0)$$,
                               'allow','allow','allow','allow','allow','allow','allow','allow','allow','allow','allow', 'allow'),
  ('check_table_availability', $$select public.check_table_availability(tests.tbl(9), tests.night(), '21:00', '23:00')$$,
                               'allow','allow','allow','allow','allow','allow','allow','allow','allow','allow','allow', 'allow'),
  ('get_optimal_table_combinations', $$select public.get_optimal_table_combinations(tests.venue(), tests.night(), '21:00', '23:30', 4)$$,
                               'allow','allow','allow','allow','allow','allow','allow','allow','allow','allow','allow', 'allow'),
  ('get_user_role', $$select public.get_user_role()$$,
                               'allow','allow','allow','allow','allow','allow','allow','allow','allow','allow','allow', 'allow'),
  -- a guest holds for themselves (service_role has no guest of its own: it must name one)
  ('hold_tables', $$select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(10)], 3)$$,
                               'deny', 'allow','allow','allow','allow','allow','allow','allow','allow','allow','deny', 'allow'),
  -- booking for a named guest is for host+ at the venue
  ('hold_tables', $$select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(10)], 3, p_customer_id => tests.fx('ann_customer'))$$,
                               'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('submit_booking', $$select public.submit_booking(tests.fx('ann_held'), 'pi_matrix')$$,
                               'deny', 'allow','deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  -- a deposit taken in person is recorded by host+ at the venue (and the back office)
  ('record_payment', $$select public.record_payment(tests.fx('ann_held'), 'cash', 'paid at the bar')$$,
                               'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('approve_booking', $$select public.approve_booking(tests.fx('ann_pending'))$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('reject_booking', $$select public.reject_booking(tests.fx('ann_pending'))$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('cancel_booking', $$select public.cancel_booking(tests.fx('ann_pending'))$$,
                               'deny', 'allow','deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('check_in_booking', $$select public.check_in_booking(tests.fx('ann_confirmed'))$$,
                               'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('mark_no_show', $$select public.mark_no_show(tests.fx('ann_confirmed'))$$,
                               'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('block_tables', $$select public.block_tables(tests.venue(), tests.night(), array[tests.tbl(12)], 'slot_23_30')$$,
                               'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  -- forcing a block over a live booking is a manager override: aal2
  ('block_tables', $$select public.block_tables(tests.venue(), tests.night(), array[tests.tbl(5)], 'slot_21_00', 'vip_override', 'matrix', null, true)$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','mfa',  'allow','deny', 'allow', 'deny'),
  ('unblock_tables', $$select public.unblock_tables(array[tests.fx('block_a')])$$,
                               'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('join_waitlist', $$select public.join_waitlist(tests.venue(), tests.night(), 'slot_21_00', 4)$$,
                               'deny', 'allow','allow','allow','allow','allow','allow','allow','allow','allow','deny', 'allow'),
  ('expire_holds', $$select public.expire_holds()$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('cleanup_expired_locks', $$select public.cleanup_expired_locks()$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('acquire_booking_lock', $$select public.acquire_booking_lock(tests.tbl(16), tests.night(), '21:00')$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  ('release_booking_lock', $$select public.release_booking_lock(tests.tbl(16), tests.night(), '21:00')$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  -- for Ann: she and her venue's staff may ask, another guest or venue may not
  ('acquire_table_lock', $$select public.acquire_table_lock(tests.tbl(9), tests.fx('ann'))$$,
                               'deny', 'allow','deny', 'allow','allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('create_booking_atomic', $$select tests.raise_error_message(error_message) from public.create_booking_atomic(tests.venue(), 'walkin@test.example', null, 'Walk In', array[tests.tbl(11)], tests.night(), '21:00', '23:00', 4, stripe_payment_intent_id => 'pi_matrix')$$,
                               'deny', 'allow','allow','allow','allow','allow','allow','allow','allow','allow','allow', 'allow'),
  ('booking_system_health', $$select public.booking_system_health()$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','allow', 'deny'),
  ('approve_booking_over_capacity', $$select public.approve_booking_over_capacity(tests.fx('ann_pending'), 9, 'matrix')$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','mfa',  'allow','deny', 'allow', 'deny'),
  ('refund_deposit', $$select public.refund_deposit(tests.fx('ann_pending'), 'matrix')$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','mfa',  'allow','deny', 'allow', 'deny'),
  ('update_venue_settings', $$select public.update_venue_settings(tests.venue(), '{"hold_ttl": "4 minutes"}')$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','deny', 'allow', 'deny'),
  ('forget_customer', $$select public.forget_customer(tests.fx('ann_customer'))$$,
                               'deny', 'allow','deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','deny', 'allow', 'deny'),
  -- a promoter's own attributed bookings; the back office has no promoter identity
  ('get_promoter_bookings', $$select public.get_promoter_bookings(tests.venue())$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow'),
  ('get_venue_metrics', $$select public.get_venue_metrics(tests.venue(), tests.night() - 7, tests.night())$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','deny', 'allow', 'deny'),
  -- any signed-in client reports its monitoring figures (anon viewers are not collected)
  -- monitoring comes from the venue's staff and that night's guests (Ann and Bob have bookings there)
  ('report_client_metrics', $$select public.report_client_metrics(tests.venue(), tests.night(), 'typescript', array[120, 340], 1, 0, 0)$$,
                               'deny', 'allow','allow','allow','allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('export_customer_data', $$select public.export_customer_data(tests.fx('ann_customer'))$$,
                               'deny', 'allow','deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  -- operations (issue 17): the door's views, walk-ins, invitations, the catalogue, venue setup
  ('get_night_bookings', $$select public.get_night_bookings(tests.venue(), tests.night())$$,
                               'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('find_bookings', $$select public.find_bookings(tests.venue(), 'Ann')$$,
                               'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('create_guest', $$select public.create_guest(tests.venue(), 'Walk In', '+44 7700 900123')$$,
                               'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('invite_staff', $$select public.invite_staff(tests.venue(), 'new.host@test.example', 'host')$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','deny', 'allow', 'deny'),
  ('get_catalogue', $$select public.get_catalogue(tests.venue())$$,
                               'allow','allow','allow','allow','allow','allow','allow','allow','allow','allow','allow', 'allow'),
  ('setup_venue', $$select public.setup_venue(tests.venue(), '{"hold_ttl": "4 minutes"}')$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','deny', 'allow', 'deny'),
  -- the audit chain: managers and above verify their venue's and export its anchors; the back office anchors
  ('verify_audit_chain', $$select public.verify_audit_chain(tests.venue())$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('get_audit_anchors', $$select public.get_audit_anchors(tests.venue())$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('anchor_audit_chains', $$select public.anchor_audit_chains()$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'allow', 'deny'),
  -- staff management (issue 24): only the invited person accepts (an invitation to Ann at venue B, its token known here)
  ('accept_invitation', $$select public.accept_invitation('inv_matrix_token_for_ann')$$,
                               'deny', 'allow','deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny'),
  -- a booking a club made for an address: only that address's account claims it (no fixture booking is one)
  ('claim_booking', $$select public.claim_booking(current_setting('t.ann_held_reference'))$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny'),
  ('list_invitations', $$select public.list_invitations(tests.venue())$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','deny', 'allow', 'deny'),
  ('revoke_invitation', $$select public.revoke_invitation(tests.fx('invitation'))$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','deny', 'allow', 'deny'),
  ('list_staff', $$select public.list_staff(tests.venue())$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('remove_staff', $$select public.remove_staff(tests.venue(), tests.staff('door'))$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','deny', 'allow', 'deny'),
  ('set_staff_role', $$select public.set_staff_role(tests.venue(), tests.staff('door'), 'host')$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','deny', 'allow', 'deny'),
  -- a booking's guest (until the venue's cutoff) and host+ change it; the door seats walk-ins
  -- with host+, a waived deposit is a manager's override; door+ undo a check-in, host+ a no-show
  ('modify_booking', $$select public.modify_booking(tests.fx('ann_late'), 4)$$,
                               'deny', 'allow','deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('seat_walk_in', $$select public.seat_walk_in(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(9)], 3, 'Walk In', null, 'cash')$$,
                               'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('seat_walk_in', $$select public.seat_walk_in(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(9)], 3, 'Walk In', null, 'waived', 'a regular')$$,
                               'deny', 'deny', 'deny', 'deny', 'deny', 'mfa',  'allow','mfa',  'allow','deny', 'allow', 'deny'),
  ('undo_check_in', $$select public.undo_check_in(tests.fx('bob_seated'), 'wrong guest')$$,
                               'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','allow','deny', 'allow', 'deny'),
  ('undo_no_show', $$select public.undo_no_show(tests.fx('bob_no_show'), 'they were at the bar')$$,
                               'deny', 'deny', 'deny', 'deny', 'allow','allow','allow','allow','allow','deny', 'allow', 'deny');

-- The matrices' cells: one row per (persona, table, command) and per (persona, RPC call).
create temp view expected_cells as
  select 'table' as kind, e.tbl as subject, e.command as detail, p.name as persona, p.ord,
         to_jsonb(e) ->> p.name as expected
  from expected_table_access e cross join personas p
  union all
  select 'rpc', e.rpc, e.call, p.name, p.ord, to_jsonb(e) ->> p.name
  from expected_rpc_access e cross join personas p;

select plan((select count(*)::int from expected_cells) + 4);

-- ---------- coverage: the matrices name exactly the catalogue's tables and RPCs ----------
create temp view catalogue_tables as
  select c.relname::text as tbl from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f');
create temp view catalogue_rpcs as
  select distinct p.proname::text as rpc from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  left join pg_depend d on d.objid = p.oid and d.deptype = 'e'
  where n.nspname = 'public' and d.objid is null;

select is(array(select tbl from catalogue_tables except select tbl from expected_table_access order by 1),
          '{}'::text[], 'every table in public has rows in the table matrix');
select is(array(select tbl from catalogue_tables cross join (values ('select'), ('insert'), ('update'), ('delete')) c(command)
                except select tbl from expected_table_access order by 1)::text[],
          '{}'::text[], 'every table in public has a row for each of select, insert, update and delete');
select is(array(select rpc from catalogue_rpcs except select rpc from expected_rpc_access order by 1),
          '{}'::text[], 'every function in public has a row in the RPC matrix');
select is(array(select rpc from expected_rpc_access except select rpc from catalogue_rpcs order by 1),
          '{}'::text[], 'the RPC matrix names no function that does not exist');

-- ---------- the table matrix ----------
-- Which rows a persona should see, as predicates over the row t: its own (%1$L = its user)
-- and its venue's (%2$L = the venue it is staff of). Tables with a venue_id column are
-- scoped by it unless listed here.
create temp table row_scopes (tbl text primary key, own_rows text, venue_rows text);
insert into row_scopes values
  ('customers', 't.user_id = %1$L', 't.id in (select b.customer_id from public.bookings b where b.venue_id = %2$L)'),
  ('staff_members', 't.user_id = %1$L', null),
  ('bookings', 't.customer_id in (select c.id from public.customers c where c.user_id = %1$L)', null),
  ('booking_tables', 't.booking_id in (select b.id from public.bookings b join public.customers c on c.id = b.customer_id where c.user_id = %1$L)', null),
  ('waitlist_entries', 't.customer_id in (select c.id from public.customers c where c.user_id = %1$L)', null),
  ('notifications', 't.customer_id in (select c.id from public.customers c where c.user_id = %1$L)', null),
  ('promoters', 't.user_id = %1$L', null),
  ('staff_invitations', 'false', null);

create function tests.row_ids(p_table text, p_predicate text) returns text[]
language plpgsql
as $$
declare
  v_ids text[];
begin
  if p_predicate is null then
    return null;
  end if;
  execute format('select coalesce(array_agg(t.id::text order by t.id::text), ''{}'') from public.%I t where %s',
                 p_table, p_predicate) into v_ids;
  return v_ids;
end;
$$;

-- What a persona's select of a table returned, named against the rows it could have seen.
create function tests.select_outcome(p_persona text, p_table text) returns text
language plpgsql
as $$
declare
  v_try record;
  v_persona record;
  v_scope record;
  v_all text[] := tests.row_ids(p_table, 'true');
  v_venue_predicate text;
begin
  select * into v_persona from personas p where p.name = p_persona;
  select * into v_scope from row_scopes s where s.tbl = p_table;
  v_venue_predicate := coalesce(v_scope.venue_rows,
    case when exists (select 1 from information_schema.columns c
                      where c.table_schema = 'public' and c.table_name = p_table and c.column_name = 'venue_id')
         then 't.venue_id = %2$L' end);
  v_try := tests.attempt(p_persona,
    format('select coalesce(array_agg(t.id::text order by t.id::text), ''{}'') from public.%I t', p_table), true);
  return case
    when v_try.err_state = '42501' then 'deny'
    when v_try.err_state is not null then 'error ' || v_try.err_state || ': ' || v_try.err_message
    when cardinality(v_all) = 0 then 'no fixture rows'
    when v_try.result = v_all then 'all'
    when cardinality(v_try.result) = 0 then 'none'
    when v_try.result = tests.row_ids(p_table, format(v_venue_predicate, v_persona.user_id, v_persona.home_venue)) then 'venue'
    when v_try.result = tests.row_ids(p_table, format(v_scope.own_rows, v_persona.user_id, v_persona.home_venue)) then 'own'
    else format('%s of %s rows', cardinality(v_try.result), cardinality(v_all)) end;
end;
$$;

-- What a persona's insert, update or delete of a table did: an insert of default values, an
-- update setting a column to itself, a delete of every row (all rolled back).
create function tests.write_outcome(p_persona text, p_table text, p_command text) returns text
language plpgsql
as $$
declare
  v_column text := (select a.attname from pg_attribute a
                    where a.attrelid = format('public.%I', p_table)::regclass and a.attnum > 0 and not a.attisdropped
                      and a.attidentity = '' and a.attgenerated = '' and a.attname <> 'id'
                    order by a.attnum limit 1);
  v_try record;
begin
  v_try := tests.attempt(p_persona, case p_command
    when 'insert' then format('insert into public.%I default values', p_table)
    when 'update' then format('update public.%I set %I = %2$I', p_table, v_column)
    when 'delete' then format('delete from public.%I', p_table) end);
  return case
    when v_try.err_state = '42501' or v_try.err_message = 'NOT_AUTHORIZED' then 'deny'
    when v_try.err_state is null and v_try.affected = 0 then 'none'
    else 'allow' end;
end;
$$;

select is(case when c.detail = 'select' then tests.select_outcome(c.persona, c.subject)
               else tests.write_outcome(c.persona, c.subject, c.detail) end,
          c.expected, format('%s: %s %s', c.persona, c.detail, c.subject))
from expected_cells c where c.kind = 'table'
order by c.subject, c.detail, c.ord;

-- ---------- the RPC matrix ----------
create function tests.rpc_outcome(p_persona text, p_call text) returns text
language plpgsql
as $$
declare
  v_try record := tests.attempt(p_persona, p_call);
begin
  return case
    when v_try.err_state is null then 'allow'
    when v_try.err_state = '42501' or v_try.err_message = 'NOT_AUTHORIZED' then 'deny'
    -- every fixture exists: a 404 for one is the answer to a persona who may not name it
    when v_try.err_state = 'PT404' and v_try.err_message = 'INVALID_INPUT' then 'deny'
    when v_try.err_message = 'MFA_REQUIRED' then 'mfa'
    else 'error ' || v_try.err_state || ': ' || v_try.err_message end;
end;
$$;

select is(tests.rpc_outcome(c.persona, c.detail), c.expected, format('%s: %s', c.persona, c.subject))
from expected_cells c where c.kind = 'rpc'
order by c.subject, c.detail, c.ord;

select pg_advisory_unlock_all();
select * from finish();
rollback;
