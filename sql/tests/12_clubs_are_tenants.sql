-- Clubs are tenants: a guest record staff make belongs to their club; no lookup by email or id
-- returns or attaches another club's guest or an account holder's profile.
begin;
\ir helpers/test_helpers.psql
select plan(9);
set constraints all immediate;

-- ---------- another club, with a venue and a host ----------
insert into public.clubs (id, name, slug) values ('66666666-6666-4666-8666-666666666666', 'Elsewhere', 'elsewhere');
insert into public.venues (id, club_id, name)
values ('66666666-6666-4666-8666-666666666601', '66666666-6666-4666-8666-666666666666', 'Elsewhere Manchester');
insert into public.floors (id, venue_id, name) values ('66666666-6666-4666-8666-6666666666f1', '66666666-6666-4666-8666-666666666601', 'main');
insert into public.venue_tables (id, venue_id, floor_id, table_number, name, capacity_min, capacity_max)
values ('66666666-6666-4666-8666-666666666611', '66666666-6666-4666-8666-666666666601', '66666666-6666-4666-8666-6666666666f1', 1, 'M1', 1, 6);
insert into public.venue_slots (venue_id, slot_id, label, starts_at, duration)
values ('66666666-6666-4666-8666-666666666601', 'slot_21_00', 'Early', '21:00', '2 hours 30 minutes');
insert into ids values ('rival_host', tests.create_user('rival_host'));
insert into public.staff_members (venue_id, user_id, role)
values ('66666666-6666-4666-8666-666666666601', (select id from ids where name = 'rival_host'), 'host');

-- A Leeds guest, made by a Leeds host, and a guest with an account of their own.
select tests.authenticate_as_staff('host');
create temp table leeds_guest as
  select * from public.create_booking_atomic(tests.venue(), 'victim@test.example', '+44 7700 900001', 'Vic Tim',
    array[tests.tbl(1)], tests.night(), '21:00', '23:00', 2);
select tests.clear_authentication();
insert into ids select 'victim', customer_id from bookings where id = (select booking_id from leeds_guest);
insert into ids values ('holder', tests.create_user('holder'));
insert into ids values ('holder_booking', tests.hold_for((select id from ids where name = 'holder'), 2, 2));
select is((select club_id from customers where id = (select id from ids where name = 'victim')),
  (select club_id from venues where id = tests.venue()), 'a guest record staff create belongs to their club');

-- ---------- the other club's host tries both ----------
select tests.authenticate_as((select id from ids where name = 'rival_host'));
create temp table rival as
  select * from public.create_booking_atomic('66666666-6666-4666-8666-666666666601', 'victim@test.example', null, 'Whoever',
    array['66666666-6666-4666-8666-666666666611'::uuid], tests.night(), '21:00', '23:00', 2);
select ok((select success from rival), 'the other club books a guest by that email');
select tests.clear_authentication();
select isnt((select customer_id from bookings where id = (select booking_id from rival)), (select id from ids where name = 'victim'),
  'a lookup by email never attaches another club''s guest');
select is((select count(*)::int from bookings where customer_id = (select id from ids where name = 'victim')), 1,
  'so nothing shows in the victim''s bookings, export or per-night limits');
select tests.authenticate_as((select id from ids where name = 'rival_host'));
select throws_ok(format($$select public.hold_tables('66666666-6666-4666-8666-666666666601', %L, 'slot_21_00',
                            array['66666666-6666-4666-8666-666666666611']::uuid[], 2, p_customer_id => %L)$$,
                        tests.night(2), (select id from ids where name = 'victim')),
  'PT404', 'INVALID_INPUT', 'p_customer_id takes only guests the club already knows');
select tests.clear_authentication();

-- ---------- a Leeds host and an account holder's email ----------
select tests.authenticate_as_staff('host');
create temp table by_email as
  select * from public.create_booking_atomic(tests.venue(), 'holder@test.example', null, 'Not The Holder',
    array[tests.tbl(9)], tests.night(), '21:00', '23:00', 2);
select tests.clear_authentication();
select isnt((select customer_id from bookings where id = (select booking_id from by_email)),
  (select customer_id from bookings where id = (select id from ids where name = 'holder_booking')),
  'a lookup by email never attaches an account holder''s profile');
select tests.authenticate_as_staff('host');
select is(public.hold_tables(tests.venue(), tests.night(2), 'slot_21_00', array[tests.tbl(3)], 4,
            p_customer_id => (select customer_id from bookings where id = (select id from ids where name = 'holder_booking'))) ->> 'status',
  'held', 'a guest who booked at the club is one it knows');
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select throws_ok($$select user_id from public.customers$$, '42501', null,
  'staff read a guest''s fields only through a booking at their venue, and never the account behind it');
select tests.clear_authentication();
select is((select count(*)::int from customers where lower(email) = 'victim@test.example'), 2,
  'each club keeps its own record of one email');

select * from finish();
rollback;
