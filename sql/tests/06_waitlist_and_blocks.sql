-- The waitlist in priority order: a freed table is offered in the same transaction, an
-- unanswered offer moves on; forced blocks put displaced guests at the head; VIP blocks with
-- release_at open to the public by themselves.
begin;
\ir helpers/test_helpers.psql
select plan(23);
set constraints all immediate;

insert into ids values ('ann', tests.create_user('ann')), ('wes', tests.create_user('wes')), ('wil', tests.create_user('wil')),
  ('pub', tests.create_user('pub'));

-- Only table 1 is sellable tonight: the host blocks the other 15.
select tests.authenticate_as_staff('host');
select lives_ok(format($$select public.block_tables(%L, %L, %L::uuid[], null, 'private_event', 'launch')$$,
  tests.venue(), tests.night(), array(select tests.tbl(n) from generate_series(2, 16) n)), 'a host blocks 15 tables for the night');
select tests.clear_authentication();
insert into ids values ('ann_b', tests.hold_for((select id from ids where name = 'ann'), 1, 2));

select tests.authenticate_as((select id from ids where name = 'wes'));
select is((public.join_waitlist(tests.venue(), tests.night(), 'slot_21_00', 2) ->> 'position')::int, 1, 'wes is first in line');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'wil'));
select is((public.join_waitlist(tests.venue(), tests.night(), 'slot_21_00', 2, 'birthday') ->> 'position')::int, 1,
  'wil''s birthday (+100) puts him ahead of wes');
select tests.clear_authentication();

-- Ann cancels: table 1 goes to wil, in the same transaction.
select tests.authenticate_as((select id from ids where name = 'ann'));
select is(public.cancel_booking((select id from ids where name = 'ann_b')) ->> 'status', 'cancelled', 'ann cancels');
select tests.clear_authentication();
select is((select status from waitlist_entries where customer_id = (select id from customers where user_id = (select id from ids where name = 'wil'))),
  'offered', 'the best entry (wil) is offered the freed table');
select is((select status from waitlist_entries where customer_id = (select id from customers where user_id = (select id from ids where name = 'wes'))),
  'waiting', 'the next entry (wes) keeps waiting');
insert into ids select 'offer', offered_booking_id from waitlist_entries
  where customer_id = (select id from customers where user_id = (select id from ids where name = 'wil'));
select is((select status || ' ' || status_reason from bookings where id = (select id from ids where name = 'offer')),
  'held waitlist_offer', 'the offer is an automatic hold');
select ok((select hold_expires_at > now() + interval '9 minutes' from bookings where id = (select id from ids where name = 'offer')),
  'with the waitlist offer''s own TTL (10 minutes)');
select is((select kind from notifications where payload ->> 'booking_id' = (select id from ids where name = 'offer')::text),
  'waitlist_offer', 'and a notification row for wil');

-- Wil does not answer: past the offer's TTL the sweeper expires it and table 1 moves to wes.
select tests.freeze_time(now() + interval '11 minutes');
select tests.authenticate_as_service_role();
select ok(public.expire_holds() >= 1, 'the sweeper expires the unanswered offer');
select tests.clear_authentication();
select is((select status from waitlist_entries where customer_id = (select id from customers where user_id = (select id from ids where name = 'wil'))),
  'expired', 'wil''s entry is expired');
select is((select status from waitlist_entries where customer_id = (select id from customers where user_id = (select id from ids where name = 'wes'))),
  'offered', 'and the table is offered to wes, next in line');
select tests.freeze_time(null);

-- A manager forces a block over wes's offer: he goes to the head of the waitlist, and is told.
insert into ids select 'wes_offer', offered_booking_id from waitlist_entries
  where customer_id = (select id from customers where user_id = (select id from ids where name = 'wes'));
select tests.authenticate_as_staff('manager', 'aal2');
select is(jsonb_array_length(public.block_tables(tests.venue(), tests.night(), array[tests.tbl(1)], 'slot_21_00', 'vip_override', 'band',
  null, true) -> 'cancelled_booking_ids'), 1, 'a forced block cancels the booking underneath');
select tests.clear_authentication();
select is((select max(priority_score) from waitlist_entries where status = 'waiting'
           and customer_id = (select id from customers where user_id = (select id from ids where name = 'wes'))),
  1000, 'the displaced guest is at the head of the waitlist for that night');
select is((select count(*)::int from notifications where kind = 'booking_cancelled_by_venue'
           and payload ->> 'booking_id' = (select id from ids where name = 'wes_offer')::text),
  1, 'and is told');
select is((select array_agg(action order by id) from audit_log where entity_id = (select id from ids where name = 'wes_offer')),
  array['hold_created', 'status_changed'], 'the cancellation is audited');
select is(
  (select array_agg(staff_payload ->> 'newState' order by version) from availability_events
   where table_id = tests.tbl(1) and slot_id = 'slot_21_00' and booking_date = tests.night()),
  array['held', 'available', 'held', 'available', 'held', 'available', 'blocked'],
  'table 1''s events: ann, cancel, wil''s offer, expiry, wes''s offer, forced cancel, block');

-- A VIP table blocked until 23:00 opens to the public by itself at release_at.
select tests.authenticate_as_staff('host');
select lives_ok(format($$select public.unblock_tables(array(select id from table_blocks where table_id = %L and is_active))$$, tests.tbl(5)),
  'the host lifts table 5''s night block');
select lives_ok(format($$select public.block_tables(%L, %L, array[%L]::uuid[], null, 'vip_override', 'VIP until 23:00', %L)$$,
  tests.venue(), tests.night(), tests.tbl(5), (tests.night() + time '23:00')::timestamp at time zone 'Europe/London'),
  'and blocks it for VIPs until 23:00');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'pub'));
select throws_ok(format($$select public.hold_tables(%L, %L, 'slot_21_00', array[%L]::uuid[], 6)$$, tests.venue(), tests.night(), tests.tbl(5)),
  'PT409', 'SECTION_NOT_AVAILABLE', 'before 23:00 the VIP table is not for sale');
select tests.clear_authentication();
select tests.freeze_time((tests.night() + time '23:01')::timestamp at time zone 'Europe/London');
select tests.authenticate_as_anon();
select is((select t ->> 'state' from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(), 'slot_23_30') -> 'tables') t
           where t ->> 'table_number' = '5'), 'available', 'after 23:00 the public sees it available, sweeper or not');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'pub'));
select is(public.hold_tables(tests.venue(), tests.night(), 'slot_23_30', array[tests.tbl(5)], 6) ->> 'status', 'held',
  'and a guest can hold it (the block is lifted under the table lock)');
select tests.clear_authentication();
select is((select is_active from table_blocks where table_id = tests.tbl(5) and kind = 'vip_override'), false,
  'the released block is recorded as lifted');

select * from finish();
rollback;
