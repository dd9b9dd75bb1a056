-- Promoter attribution (each promoter sees only their own bookings) and the per-night
-- metrics managers read: conversion, expiry, no-shows, conflicts rejected.
begin;
\ir helpers/test_helpers.psql
select plan(13);

insert into ids values ('sam', tests.create_user('sam')), ('zoe', tests.create_user('zoe')),
  ('g1', tests.create_user('g1')), ('g2', tests.create_user('g2')), ('g3', tests.create_user('g3'));
insert into promoters (venue_id, user_id, code, name) values
  (tests.venue(), (select id from ids where name = 'sam'), 'DJ_SAM', 'DJ Sam'),
  (tests.venue(), (select id from ids where name = 'zoe'), 'MC_ZOE', 'MC Zoe');

select tests.authenticate_as((select id from ids where name = 'g1'));
select is(public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(1)], 2, null, null, null, 'DJ_SAM') ->> 'status',
  'held', 'a guest books through a promoter''s code');
select throws_ok(format($$select public.hold_tables(%L, %L, 'slot_21_00', array[%L]::uuid[], 2, null, null, null, 'NOBODY')$$,
  tests.venue(), tests.night(), tests.tbl(2)), 'PT422', 'INVALID_INPUT', 'an unknown promoter code is refused');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'g2'));
select lives_ok(format($$select public.hold_tables(%L, %L, 'slot_21_00', array[%L]::uuid[], 2, null, null, null, 'MC_ZOE')$$,
  tests.venue(), tests.night(), tests.tbl(2)), 'another guest books through another promoter');
select tests.clear_authentication();

select tests.authenticate_as((select id from ids where name = 'sam'));
select is(jsonb_array_length(public.get_promoter_bookings(tests.venue())), 1, 'a promoter sees exactly their own bookings');
select is(public.get_promoter_bookings(tests.venue()) -> 0 ->> 'guest', 'G1', 'with the guest''s first name only');
select is((select count(*)::int from promoters), 1, 'and only their own promoter row');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'g1'));
select throws_ok(format('select public.get_promoter_bookings(%L)', tests.venue()), 'PT403', 'NOT_AUTHORIZED',
  'a guest is not a promoter');
select tests.clear_authentication();

-- Conflicts are counted even though the rejected request rolls back.
-- (a sequence's value: last_value once called, else 0; sequences ignore the rollback of earlier files)
create function tests.conflicts_counted() returns bigint language sql as $$
  select case when is_called then last_value else 0 end from private.conflicts_22222222222242228222222222222222 $$;
create temp table before_conflict as select tests.conflicts_counted() as last_value;
select tests.authenticate_as((select id from ids where name = 'g3'));
select throws_ok(format($$select public.hold_tables(%L, %L, 'slot_21_00', array[%L]::uuid[], 2)$$, tests.venue(), tests.night(), tests.tbl(1)),
  'PT409', 'SECTION_NOT_AVAILABLE', 'g3 is rejected: the table is held');
select tests.clear_authentication();
select is(tests.conflicts_counted() - (select last_value from before_conflict), 1::bigint,
  'the rejection was counted outside the rolled-back work');

-- A night: g1 submits, is approved and does not show; g2's hold expires; g3 cancels.
insert into ids select 'b1', id from bookings where promoter_code = 'DJ_SAM';
select tests.authenticate_as_service_role();
select tests.pay((select id from ids where name = 'b1'), 'pi_1');
select tests.authenticate_as_service_role();
select public.approve_booking((select id from ids where name = 'b1'));
select tests.clear_authentication();
insert into ids values ('b3', tests.hold_for((select id from ids where name = 'g3'), 9, 2));
select tests.authenticate_as((select id from ids where name = 'g3'));
select public.cancel_booking((select id from ids where name = 'b3'));
select tests.clear_authentication();
select tests.freeze_time((tests.night() + time '22:00')::timestamp at time zone 'Europe/London');
select tests.authenticate_as_service_role();
select public.expire_holds();
select public.mark_no_show((select id from ids where name = 'b1'));
select tests.clear_authentication();
insert into private.conflict_samples (venue_id, sampled_at, value) values
  (tests.venue(), (tests.night() + time '20:00')::timestamp at time zone 'Europe/London', 10),
  (tests.venue(), (tests.night() + time '23:00')::timestamp at time zone 'Europe/London', 17);

select tests.authenticate_as_staff('manager');
create temp table m as select public.get_venue_metrics(tests.venue(), tests.night(), tests.night()) -> 0 as r;
select tests.clear_authentication();
select is((select (r ->> 'holds')::int || '/' || (r ->> 'submitted') || '/' || (r ->> 'expired') || '/' || (r ->> 'cancelled') from m),
  '3/1/1/1', 'metrics count the night''s holds, requests, expiries and cancellations');
select is((select (r ->> 'hold_to_booking_conversion')::numeric from m), 0.333, 'hold-to-booking conversion is 1 in 3');
select is((select (r ->> 'no_show_rate')::numeric || ' ' || (r ->> 'conflicts_rejected') from m), '1.000 7',
  'the no-show rate, and conflicts rejected over the night from the counter samples');
select tests.authenticate_as_staff('host');
select throws_ok(format('select public.get_venue_metrics(%L, %L, %L)', tests.venue(), tests.night(), tests.night()),
  'PT403', 'NOT_AUTHORIZED', 'metrics are for managers');
select tests.clear_authentication();

select * from finish();
rollback;
