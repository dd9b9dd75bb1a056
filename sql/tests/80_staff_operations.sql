-- Operations (issue 17): a night's bookings and search for staff, shaped by role; transitions by
-- reference; walk-in guests that belong to the club; staff invitations applied at sign-up or
-- sign-in; the catalogue; venue setup that can't strand a live booking; the delivery ledger.
begin;
\ir helpers/test_helpers.psql
select plan(61);

-- The night's 21:30 on a frozen clock: holds are live, check-in is open, the early slot has started.
select tests.freeze_time(((tests.night() + time '21:30')::timestamp at time zone 'Europe/London'));
insert into ids values ('ann', tests.create_user('ann')), ('bob', tests.create_user('bob'));

-- The DETAIL of the error a statement raises (what staff read), or null.
create function tests.error_detail(p_sql text) returns text language plpgsql
as $$
declare
  v_detail text;
begin
  execute p_sql;
  return null;
exception when others then
  get stacked diagnostics v_detail = pg_exception_detail;
  return v_detail;
end;
$$;
grant execute on function tests.error_detail(text) to authenticated, service_role;

-- Ann: a confirmed booking on tables 15+16; Bob: a hold on table 3.
select tests.authenticate_as((select id from ids where name = 'ann'));
insert into ids select 'ann_booking', (public.hold_tables(tests.venue(), tests.night(), 'slot_21_00',
  array[tests.tbl(15), tests.tbl(16)], 8) ->> 'booking_id')::uuid;
select tests.clear_authentication();
update public.customers set phone = '+44 7700 900111'
 where user_id = (select id from ids where name = 'ann');
select tests.authenticate_as_staff('host');
select public.record_payment((select id from ids where name = 'ann_booking'), 'cash', 'paid at the door');
select tests.clear_authentication();
select public.approve_booking((select id from ids where name = 'ann_booking'));
insert into ids values ('bob_hold', tests.hold_for((select id from ids where name = 'bob'), 3, 4));
create temp table refs as
  select b.id, b.reference from public.bookings b where b.id in (select id from ids);
grant select on refs to authenticated, service_role;
create function tests.ref(p_name text) returns text language sql stable
as $$ select r.reference from refs r join ids i on i.id = r.id where i.name = p_name $$;
grant execute on function tests.ref(text) to authenticated, service_role;

-- ---------- get_night_bookings ----------
select tests.authenticate_as_staff('door');
select is(jsonb_array_length(public.get_night_bookings(tests.venue(), tests.night())), 2,
  'night bookings: the door sees the night''s bookings, one row per booking');
select is(public.get_night_bookings(tests.venue(), tests.night(), array['confirmed']) -> 0 -> 'table_numbers',
  '[15, 16]'::jsonb, 'night bookings: a multi-table booking lists its table numbers once');
select is(public.get_night_bookings(tests.venue(), tests.night(), array['confirmed']) -> 0 ->> 'slot_id',
  'slot_21_00', 'night bookings: each booking names its slot');
select is(public.get_night_bookings(tests.venue(), tests.night(), array['confirmed']) -> 0 ->> 'starts_local',
  '21:00', 'night bookings: times are in the venue''s zone');
select is(public.get_night_bookings(tests.venue(), tests.night(), array['confirmed']) -> 0 ->> 'guest_name',
  'Ann', 'night bookings: the door sees the guest''s name');
select ok(not (public.get_night_bookings(tests.venue(), tests.night()) -> 0 ? 'guest_phone'),
  'night bookings: the door does not see phone numbers');
select throws_ok(format($$select public.get_night_bookings(%L, %L, array['seated'])$$, tests.venue(), tests.night()),
  'PT422', 'INVALID_INPUT', 'night bookings: an unknown status is refused');
select matches(tests.error_detail(format($$select public.get_night_bookings(%L, %L, array['seated'])$$, tests.venue(), tests.night())),
  'unknown status seated; choose from held, pending_approval, confirmed', 'night bookings: the refusal lists the valid statuses');
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select is(public.get_night_bookings(tests.venue(), tests.night(), array['confirmed']) -> 0 ->> 'guest_phone',
  '+44 7700 900111', 'night bookings: a host sees the guest''s phone');
select ok(not (public.get_night_bookings(tests.venue(), tests.night(), array['confirmed']) -> 0 ? 'payment_reference'),
  'night bookings: a host does not see the payment reference');
select is(public.get_night_bookings(tests.venue(), tests.night(), array['confirmed']) -> 0 ->> 'currency',
  'gbp', 'night bookings: money comes with its currency');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager');
select ok(public.get_night_bookings(tests.venue(), tests.night(), array['confirmed']) -> 0 ? 'payment_reference',
  'night bookings: a manager sees the payment reference');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'ann'));
select throws_ok(format('select public.get_night_bookings(%L, %L)', tests.venue(), tests.night()),
  'PT403', 'NOT_AUTHORIZED', 'night bookings: a guest may not list the night');
select tests.clear_authentication();
-- A hold past its expiry shows as expired before the sweeper runs.
select tests.freeze_time(((tests.night() + time '21:40')::timestamp at time zone 'Europe/London'));
select tests.authenticate_as_staff('door');
select is(public.get_night_bookings(tests.venue(), tests.night(), array['expired']) -> 0 ->> 'reference',
  tests.ref('bob_hold'), 'night bookings: a dead hold shows as expired, swept or not');
select is(jsonb_array_length(public.get_night_bookings(tests.venue(), tests.night(), array['held'])), 0,
  'night bookings: and no longer as held');
select tests.clear_authentication();
select tests.freeze_time(((tests.night() + time '21:30')::timestamp at time zone 'Europe/London'));

-- ---------- find_bookings ----------
select tests.authenticate_as_staff('door');
select is(public.find_bookings(tests.venue(), lower(tests.ref('ann_booking'))) -> 0 ->> 'booking_id',
  (select id from ids where name = 'ann_booking')::text, 'find: by reference, in any case');
select is(jsonb_array_length(public.find_bookings(tests.venue(), 'ann')), 1, 'find: by part of the guest''s name');
select is(jsonb_array_length(public.find_bookings(tests.venue(), '07700 900111')), 0,
  'find: the door cannot search by phone');
select throws_ok(format('select public.find_bookings(%L, %L)', tests.venue(), 'x'),
  'PT422', 'INVALID_INPUT', 'find: a one-character search is refused');
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select is(jsonb_array_length(public.find_bookings(tests.venue(), '07700 900111')), 1,
  'find: a host finds a booking by the phone number''s digits');
select is(jsonb_array_length(public.find_bookings(tests.venue(), 'ann@test.example')), 1,
  'find: a host finds a booking by email');
select tests.clear_authentication();

-- ---------- transitions by reference ----------
select tests.authenticate_as_staff('door');
select is(public.check_in_booking(p_reference => ' ' || lower(tests.ref('ann_booking')) || ' ') ->> 'status',
  'checked_in', 'by reference: the door checks a guest in by the reference they read out');
select throws_ok($$select public.check_in_booking(p_reference => 'BR-000000-NOPE00')$$,
  'PT404', 'INVALID_INPUT', 'by reference: an unknown reference is a 404');
select throws_ok(format($$select public.check_in_booking(%L::uuid, %L)$$,
  (select id from ids where name = 'ann_booking'), tests.ref('ann_booking')),
  'PT422', 'INVALID_INPUT', 'by reference: an id and a reference together are refused');
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select is(public.cancel_booking(p_reference => tests.ref('bob_hold'), p_reason => 'guest left') ->> 'status',
  'cancelled', 'by reference: a host cancels by reference');
select tests.clear_authentication();

-- ---------- walk-in guests belong to the club ----------
select tests.authenticate_as_staff('host');
insert into ids values ('walk_1', public.create_guest(tests.venue(), 'Sam Walker', '+44 7700 900222', 'Sam@Walk.example'));
select is(public.create_guest(tests.venue(), 'Sam W', null, 'sam@walk.example'), (select id from ids where name = 'walk_1'),
  'walk-in: a guest the club knows by email is the same guest');
insert into ids values ('walk_2', public.create_guest(tests.venue(), 'Kim Lee'));
insert into ids values ('walk_3', public.create_guest(tests.venue(), 'Jo Park'));
select throws_ok(format($$select public.create_guest(%L, 'Al', 'call me')$$, tests.venue()),
  'PT422', 'INVALID_INPUT', 'walk-in: a phone number that is not one is refused');
select throws_ok(format($$select public.create_guest(%L, '  ')$$, tests.venue()),
  'PT422', 'INVALID_INPUT', 'walk-in: a name is required');
-- Three walk-ins taken by one host: each booked to its guest, none refused as the host's tables.
select is(public.hold_tables(tests.venue(), tests.night(), 'slot_23_30', array[tests.tbl(1)], 2,
  p_customer_id => (select id from ids where name = 'walk_1')) ->> 'status', 'held', 'walk-in: the first walk-in is held');
select lives_ok(format($$select public.hold_tables(%L, %L, 'slot_23_30', array[%L]::uuid[], 2, p_customer_id => %L)$$,
  tests.venue(), tests.night(), tests.tbl(2), (select id from ids where name = 'walk_2')), 'walk-in: the second walk-in is held');
select lives_ok(format($$select public.hold_tables(%L, %L, 'slot_23_30', array[%L]::uuid[], 2, p_customer_id => %L)$$,
  tests.venue(), tests.night(), tests.tbl(7), (select id from ids where name = 'walk_3')),
  'walk-in: the third walk-in of the night is not refused as the host''s own tables');
select tests.clear_authentication();
select is((select count(*)::int from public.bookings b where b.customer_id in (select id from ids where name like 'walk_%')), 3,
  'walk-in: staff holds are booked to the guests, not the staff member');
select is((select count(distinct c.club_id)::int from public.customers c where c.id in (select id from ids where name like 'walk_%')
           and c.club_id = (select v.club_id from public.venues v where v.id = tests.venue())), 1,
  'walk-in: the guests belong to the venue''s club');
-- Another club with the same guest's email gets its own record.
insert into public.clubs (id, name, slug) values ('66666666-6666-4666-8666-666666666666', 'Other Club', 'other-club');
insert into public.venues (id, club_id, name) values ('66666666-6666-4666-8666-6666666666a1', '66666666-6666-4666-8666-666666666666', 'Other');
insert into ids values ('other_host', tests.create_user('otherhost'));
insert into public.staff_members (venue_id, user_id, role)
values ('66666666-6666-4666-8666-6666666666a1', (select id from ids where name = 'other_host'), 'host');
select tests.authenticate_as((select id from ids where name = 'other_host'));
select isnt(public.create_guest('66666666-6666-4666-8666-6666666666a1', 'Sam Walker', null, 'sam@walk.example'),
  (select id from ids where name = 'walk_1'), 'walk-in: another club never gets this club''s guest for the same email');
select is(jsonb_array_length(public.find_bookings('66666666-6666-4666-8666-6666666666a1', tests.ref('ann_booking'))), 0,
  'find: another club''s staff never find this club''s bookings');
select throws_ok(format('select public.find_bookings(%L, %L)', tests.venue(), tests.ref('ann_booking')),
  'PT403', 'NOT_AUTHORIZED', 'find: staff of another venue may not search this one');
select tests.clear_authentication();

-- ---------- staff invitations ----------
select tests.authenticate_as_staff('admin');
select throws_ok(format($$select public.invite_staff(%L, 'newhost@test.example', 'host')$$, tests.venue()),
  'PT403', 'MFA_REQUIRED', 'invite: an admin needs aal2');
select tests.clear_authentication();
select tests.authenticate_as_staff('admin', 'aal2');
select is(tests.error_detail(format($$select public.invite_staff(%L, 'newhost@test.example', 'bouncer')$$, tests.venue())),
  'unknown role bouncer; choose from door, host, manager, admin', 'invite: an unknown role is refused with the valid roles');
select is(public.invite_staff(tests.venue(), 'NewHost@test.example', 'host') ->> 'status', 'pending',
  'invite: an admin with aal2 invites by email');
select tests.clear_authentication();
insert into auth.users (id, email, email_confirmed_at) values ('77777777-7777-4777-8777-777777777701', 'newhost@test.example', null);
select is((select count(*)::int from public.staff_members where user_id = '77777777-7777-4777-8777-777777777701'), 0,
  'invite: signing up does not take the role');
update auth.users set email_confirmed_at = now() where id = '77777777-7777-4777-8777-777777777701';
select set_config('t.token', (select n.payload ->> 'token' from public.notifications n
                              where n.kind = 'staff_invitation' and n.payload ->> 'to' = 'newhost@test.example'), true);
select tests.authenticate_as('77777777-7777-4777-8777-777777777701');
select is(public.accept_invitation(current_setting('t.token')) ->> 'role',
  'host', 'invite: the person, address confirmed, accepts with the token sent to that address');
select is(jsonb_array_length(public.get_night_bookings(tests.venue(), tests.night())) > 0, true,
  'invite: the new host works the door at once');
select tests.clear_authentication();

-- ---------- catalogue ----------
select tests.authenticate_as_anon();
select is(jsonb_array_length(public.get_catalogue(tests.venue()) -> 'venues' -> 0 -> 'tables'), 16,
  'catalogue: a venue''s tables, slots and combinations for anyone');
select tests.clear_authentication();

-- ---------- venue setup ----------
create temp table spec as select jsonb_build_object(
  'club_id', (select club_id from public.venues where id = tests.venue()), 'name', 'The Annex', 'timezone', 'Europe/London',
  'floors', jsonb_build_array(jsonb_build_object('name', 'Ground', 'level', 0)),
  'tables', jsonb_build_array(jsonb_build_object('number', 1, 'floor', 'Ground', 'capacity_min', 2, 'capacity_max', 6),
                              jsonb_build_object('number', 2, 'floor', 'Ground', 'capacity_min', 2, 'capacity_max', 6)),
  'slots', jsonb_build_array(jsonb_build_object('slot_id', 'slot_22_00', 'label', 'Main', 'starts_at', '22:00', 'duration', '4 hours'))) as s;
grant select on spec to authenticated;
select tests.authenticate_as_staff('manager', 'aal2');
select throws_ok($$select public.setup_venue(null, (select s from spec))$$, 'PT403', 'NOT_AUTHORIZED',
  'setup: only an admin of the club adds a venue');
select tests.clear_authentication();
select tests.authenticate_as_staff('admin', 'aal2');
insert into ids select 'annex', (public.setup_venue(null, (select s from spec)) ->> 'venue_id')::uuid;
select is(jsonb_array_length(public.get_catalogue((select id from ids where name = 'annex')) -> 'venues' -> 0 -> 'tables'), 2,
  'setup: an admin with aal2 sets up a new venue from a spec');
select is(tests.error_detail(format($$select public.setup_venue(%L, '{"tables": [{"number": 3, "floor": "Attic", "capacity_min": 1, "capacity_max": 2}]}')$$,
  (select id from ids where name = 'annex'))), 'table 3: no floor Attic; the floors are Ground', 'setup: a table on an unknown floor is refused with the floors there are');
select throws_ok(format($$select public.setup_venue(%L, '{"tables": [{"number": 1, "floor": "Ground", "capacity_min": "two", "capacity_max": 2}]}')$$,
  (select id from ids where name = 'annex')), 'PT422', 'INVALID_INPUT', 'setup: a malformed value is INVALID_INPUT, not an internal error');
-- A live booking on the Leeds club's table 1 (walk_1's hold): retiring the table or moving its slot is refused.
select throws_ok(format($$select public.setup_venue(%L, '{"tables": [{"number": 2, "floor": "upstairs", "capacity_min": 2, "capacity_max": 4}]}')$$,
  tests.venue()), 'PT409', 'INVALID_INPUT', 'setup: retiring a table with a live booking is refused');
select throws_ok(format($$select public.setup_venue(%L, '{"slots": [{"slot_id": "slot_21_00", "starts_at": "21:00", "duration": "2 hours 30 minutes"}, {"slot_id": "slot_23_30", "starts_at": "23:45", "duration": "4 hours"}]}')$$,
  tests.venue()), 'PT409', 'INVALID_INPUT', 'setup: moving a slot with live bookings is refused');
select is((select count(*)::int from public.venue_tables where venue_id = tests.venue() and is_active), 16,
  'setup: a refused change changes nothing');
select tests.clear_authentication();

-- ---------- notification deliveries ----------
update private.notification_deliveries set status = 'delivered' where status = 'pending';  -- the invitation's message went
update public.customers set email = 'kim.lee@guests.example' where id = (select id from ids where name = 'walk_2');
select private.claim_notification_deliveries(array['email', 'sms'], 1000);  -- what the night so far queued
insert into public.notifications (venue_id, customer_id, kind, payload)
select tests.venue(), id, 'waitlist_offer', '{}' from ids where name = 'walk_2';
select is((select count(*)::int from private.claim_notification_deliveries(array['email', 'sms'], 10)), 1,
  'deliveries: a new notification is queued and claimed once');
select is((select count(*)::int from private.claim_notification_deliveries(array['email', 'sms'], 10)), 0,
  'deliveries: a claimed delivery is not claimed again while its lease runs');
select is(private.finish_notification_delivery(
  (select delivery_id from private.notification_deliveries order by notification_id desc limit 1), false, 'HTTP 500', '0 seconds', 1),
  'dead', 'deliveries: a delivery that failed its last attempt is dead-lettered');

-- ---------- a past or closed night sells nothing ----------
select tests.authenticate_as_anon();
select is((select count(*)::int from jsonb_array_elements(public.get_availability(tests.venue(), current_date - 7, 'slot_21_00') -> 'tables') t
           where t ->> 'state' = 'available'), 0, 'past night: the public sees no table available');
select is((select count(*)::int from jsonb_array_elements(public.get_availability(tests.venue(), tests.night() + 2, 'slot_21_00') -> 'tables') t
           where t ->> 'state' = 'available'), 0, 'closed night: the public sees no table available');
select tests.clear_authentication();

-- ---------- errors in words staff read ----------
select is(private.interval_text(interval '6 months'), '6 months', 'words: an interval reads 6 months, not 6 mons');
select is(private.interval_text(interval '1 hour 30 minutes'), '1 hour 30 minutes', 'words: and 1 hour 30 minutes');
select tests.authenticate_as_staff('host');
select is(tests.error_detail(format($$select public.hold_tables(%L, %L, 'slot_99', array[%L]::uuid[], 2)$$,
  tests.venue(), tests.night(), tests.tbl(9))), 'unknown slot slot_99; slots here are slot_21_00, slot_23_30',
  'words: an unknown slot lists the venue''s slots');
select is(tests.error_detail(format($$select public.hold_tables(%L, %L, 'slot_21_00', array[%L]::uuid[], 2)$$,
  tests.venue(), current_date + 400, tests.tbl(9))), format('bookings open 6 months ahead; %s is too far', current_date + 400),
  'words: the horizon reads 6 months ahead');
select is(tests.error_detail(format($$select public.hold_tables(%L, %L, 'slot_21_00', array[%L]::uuid[], 2)$$,
  tests.venue(), tests.night() + 2, tests.tbl(9))), 'the venue is closed on Sunday nights; it opens on Friday, Saturday nights',
  'words: a closed night says which nights the venue opens');
select tests.clear_authentication();
insert into ids select 'walk_2_booking', b.id from public.bookings b where b.customer_id = (select id from ids where name = 'walk_2');
select tests.authenticate_as_staff('door');
select is(tests.error_detail(format('select public.check_in_booking(%L::uuid)', (select id from ids where name = 'walk_2_booking'))),
  format('check-in is open from an hour before %s until %s',
    to_char(tests.night(), 'Dy DD Mon') || ' 23:30 Europe/London', to_char(tests.night() + 1, 'Dy DD Mon') || ' 04:00 Europe/London'),
  'words: check-in times are local, with the zone');
select tests.clear_authentication();

select * from finish();
rollback;
