-- A club's record stays the club's: what a club types about a person (name, phone) never becomes
-- the person's own profile or links their account; their own sign-up makes their own profile; a
-- booking the club made for them reaches their account only when they claim it by its reference
-- (signed in with that address confirmed); other clubs never see it.
begin;
\ir helpers/test_helpers.psql
select plan(12);

-- A Leeds host books for an address that has not signed up, typing a name and phone.
select tests.authenticate_as_staff('host');
insert into ids values ('record', public.create_guest(tests.venue(), 'Typed By Host', '+44 7700 900999', 'planted@test.example'));
select set_config('t.booking', (public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(2)], 2,
                                                   p_customer_id => (select id from ids where name = 'record')) ->> 'booking_id'), true);
select tests.clear_authentication();
select set_config('t.reference', (select reference from bookings where id = current_setting('t.booking')::uuid), true);

-- The person signs up (their own name, no phone) and books for themselves.
insert into ids values ('person', tests.create_user('planted'));
select tests.authenticate_as((select id from ids where name = 'person'));
select public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(9)], 2);
select tests.clear_authentication();
select is((select club_id from customers where user_id = (select id from ids where name = 'person')), null,
  'the person''s sign-up makes a profile of their own, tied to no club');
select is((select (full_name, phone)::text from customers where user_id = (select id from ids where name = 'person')),
  ('Planted', null)::text, 'with what they gave: not the name or phone the club typed');
select is((select (user_id, full_name, phone)::text from customers where id = (select id from ids where name = 'record')),
  (null, 'Typed By Host', '+44 7700 900999')::text, 'the club''s record stays the club''s, linked to no account');
select tests.authenticate_as((select id from ids where name = 'person'));
select is((select count(*)::int from bookings where id = current_setting('t.booking')::uuid), 0,
  'the booking the club made does not reach their account by itself');
select tests.clear_authentication();

-- ---------- claiming it ----------
insert into ids values ('someone', tests.create_user('someone'));
select tests.authenticate_as((select id from ids where name = 'someone'));
select throws_ok(format('select public.claim_booking(%L)', current_setting('t.reference')), 'PT404', 'INVALID_INPUT',
  'another account can''t claim it, reference or not');
select tests.clear_authentication();
update auth.users set email_confirmed_at = null where id = (select id from ids where name = 'person');
select tests.authenticate_as((select id from ids where name = 'person'));
select throws_ok(format('select public.claim_booking(%L)', current_setting('t.reference')), 'PT403', 'NOT_AUTHORIZED',
  'nor the address''s account before it is confirmed');
select tests.clear_authentication();
update auth.users set email_confirmed_at = now() where id = (select id from ids where name = 'person');
select tests.authenticate_as((select id from ids where name = 'person'));
select is(public.claim_booking(lower(current_setting('t.reference'))) ->> 'booking_id', current_setting('t.booking'),
  'signed in with that address confirmed, they claim it by its reference');
select is((select count(*)::int from bookings where id = current_setting('t.booking')::uuid), 1,
  'and it is theirs to see now');
select tests.clear_authentication();
select is((select customer_id from bookings where id = current_setting('t.booking')::uuid),
  (select id from customers where user_id = (select id from ids where name = 'person')), 'in their own profile');
select is((select (user_id, full_name, phone)::text from customers where id = (select id from ids where name = 'record')),
  (null, 'Typed By Host', '+44 7700 900999')::text, 'the club''s record is unchanged');
select is((select count(*)::int from audit_log where entity_id = current_setting('t.booking')::uuid and action = 'booking_claimed'), 1,
  'the claim is audited');

-- ---------- other clubs ----------
insert into public.clubs (id, name, slug) values ('88888888-8888-4888-8888-888888888888', 'Rival', 'rival-records');
insert into public.venues (id, club_id, name) values ('88888888-8888-4888-8888-888888888801', '88888888-8888-4888-8888-888888888888', 'Rival Venue');
insert into ids values ('rival_host', tests.create_user('rival_host'));
insert into public.staff_members (venue_id, user_id, role)
values ('88888888-8888-4888-8888-888888888801', (select id from ids where name = 'rival_host'), 'host');
select tests.authenticate_as((select id from ids where name = 'rival_host'));
select is((select count(*)::int from customers where phone = '+44 7700 900999' or full_name = 'Typed By Host'), 0,
  'another club''s staff never see what the club typed');
select tests.clear_authentication();

select * from finish();
rollback;
