-- No double booking from any path: the exclusion constraint refuses a direct INSERT as
-- postgres. And time: nights cross midnight, DST changes keep slots honest.
begin;
\ir helpers/test_helpers.psql
select plan(14);

insert into ids values ('ola', tests.create_user('ola')), ('pia', tests.create_user('pia'));
insert into ids values ('b1', tests.hold_for((select id from ids where name = 'ola'), 5, 6));

-- ---------- the exclusion constraint, bypassing the RPCs ----------
insert into bookings (venue_id, customer_id, reference, booking_date, period, party_size)
select venue_id, (select id from customers limit 1), 'BR-000000-DIRECT', booking_date, period, 6
from bookings where id = (select id from ids where name = 'b1');
insert into ids select 'direct', id from bookings where reference = 'BR-000000-DIRECT';

select throws_ok(format($$insert into booking_tables (venue_id, table_id, booking_id, booking_date, period)
  select venue_id, table_id, %L, booking_date, period from booking_tables where booking_id = %L$$,
  (select id from ids where name = 'direct'), (select id from ids where name = 'b1')),
  '23P01', null, 'a direct INSERT of an overlapping claim as postgres is refused by the exclusion constraint');
select throws_ok(format($$insert into booking_tables (venue_id, table_id, booking_id, booking_date, period)
  select venue_id, table_id, %L, booking_date, tstzrange(lower(period) + interval '1 hour', upper(period) + interval '1 hour')
  from booking_tables where booking_id = %L$$,
  (select id from ids where name = 'direct'), (select id from ids where name = 'b1')),
  '23P01', null, 'a partly overlapping claim is refused too');
select throws_ok(format($$with blk as (insert into table_blocks (venue_id, table_id, booking_date, period)
    select venue_id, table_id, booking_date, period from booking_tables where booking_id = %1$L returning *)
  insert into booking_tables (venue_id, table_id, block_id, booking_date, period)
  select venue_id, table_id, id, booking_date, period from blk$$, (select id from ids where name = 'b1')),
  '23P01', null, 'a block over a booking, written directly, is refused as well');
select lives_ok(format($$insert into booking_tables (venue_id, table_id, booking_id, booking_date, period)
  select venue_id, table_id, %L, booking_date, tstzrange(upper(period), upper(period) + interval '1 hour')
  from booking_tables where booking_id = %L$$,
  (select id from ids where name = 'direct'), (select id from ids where name = 'b1')),
  'a claim that starts when the other ends does not overlap (ranges are half-open)');
update bookings set status = 'cancelled', status_reason = 'booking_cancelled' where id = (select id from ids where name = 'direct');
select lives_ok(format($$insert into booking_tables (venue_id, table_id, booking_id, booking_date, period, is_active)
  select venue_id, table_id, %L, booking_date, period, false from booking_tables where booking_id = %L$$,
  (select id from ids where name = 'direct'), (select id from ids where name = 'b1')),
  'an inactive claim (a cancelled booking''s) never conflicts');

-- ---------- a night across midnight ----------
select is(
  (select private.slot_range(tests.venue(), tests.night(), 'slot_23_30')),
  tstzrange((tests.night() + time '23:30')::timestamp at time zone 'Europe/London',
            (tests.night() + 1 + time '04:00')::timestamp at time zone 'Europe/London'),
  'the late slot runs from 23:30 to 04:00 the next morning');
select tests.authenticate_as((select id from ids where name = 'pia'));
select is((public.hold_tables(tests.venue(), tests.night(), 'slot_23_30', array[tests.tbl(9)], 2) ->> 'ends_at')::timestamptz,
  (tests.night() + 1 + time '04:00')::timestamp at time zone 'Europe/London', 'a late hold ends the next morning');
select tests.clear_authentication();
select ok(public.check_table_availability(tests.tbl(10), tests.night(), '23:30', '02:00'),
  'the seed check reads an end before the start as the next morning');
select ok(not public.check_table_availability(tests.tbl(9), tests.night(), '01:00', '03:00'),
  'a table held 23:30-04:00 is not free at 01:00-03:00 the next morning');

-- ---------- DST: the clocks go back (last Sunday of October 2027) ----------
select tests.freeze_time('2027-10-01 12:00 Europe/London');
select is(private.slot_range(tests.venue(), '2027-10-30', 'slot_23_30'),
  tstzrange('2027-10-30 22:30+00', '2027-10-31 03:00+00'),
  'on the night the clocks go back, the 4h30 late slot lasts 4h30 (23:30 BST to 03:00 GMT)');
select is(upper(private.night_range(tests.venue(), '2027-10-30')) - lower(private.night_range(tests.venue(), '2027-10-30')),
  interval '8 hours', 'that night the club is open 8 real hours (21:00 BST to 04:00 GMT)');
select tests.authenticate_as((select id from ids where name = 'pia'));
select is(public.hold_tables(tests.venue(), '2027-10-30', 'slot_23_30', array[tests.tbl(11)], 4) ->> 'status', 'held',
  'a table can be held across the October change');
select tests.clear_authentication();

-- ---------- DST: the clocks go forward (last Sunday of March 2027) ----------
select tests.freeze_time('2027-03-01 12:00 Europe/London');
select is(private.slot_range(tests.venue(), '2027-03-27', 'slot_23_30'),
  tstzrange('2027-03-27 23:30+00', '2027-03-28 03:00+00'),
  'on the night the clocks go forward, the late slot ends at closing (04:00 BST), 3h30 later');
select tests.authenticate_as((select id from ids where name = 'pia'));
select is(public.hold_tables(tests.venue(), '2027-03-27', 'slot_23_30', array[tests.tbl(12)], 4) ->> 'status', 'held',
  'a table can be held across the March change');
select tests.clear_authentication();

select * from finish();
rollback;
