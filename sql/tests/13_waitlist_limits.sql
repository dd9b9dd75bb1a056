-- Waitlist limits: per guest one entry a slot, a few a night, a few open in all; the occasion
-- bonus only for an occasion of the fixed list.
begin;
\ir helpers/test_helpers.psql
select plan(10);
set constraints all immediate;

-- Every table of both slots is blocked, so entries keep waiting.
select public.block_tables(tests.venue(), d, array(select tests.tbl(n) from generate_series(1, 16) n))
from (values (tests.night()), (tests.night(2)), (tests.night(3))) x(d);

insert into ids values ('spam', tests.create_user('spam'));
select tests.authenticate_as((select id from ids where name = 'spam'));
select is(public.join_waitlist(tests.venue(), tests.night(), 'slot_21_00', 2) ->> 'waitlist_entry_id',
          public.join_waitlist(tests.venue(), tests.night(), 'slot_21_00', 2) ->> 'waitlist_entry_id',
  'a cap per guest per slot: joining a slot twice is one entry');
select lives_ok($$select public.join_waitlist(tests.venue(), tests.night(), 'slot_23_30', 2)$$, 'a second slot that night');
select lives_ok($$select public.join_waitlist(tests.venue(), tests.night(2), 'slot_21_00', 2)$$, 'another night');
select lives_ok($$select public.join_waitlist(tests.venue(), tests.night(2), 'slot_23_30', 2)$$, 'its second slot');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'spam'));
select throws_ok($$select public.join_waitlist(tests.venue(), tests.night(3), 'slot_21_00', 2)$$, 'PT409', 'MAX_TABLES_EXCEEDED',
  'a cap per guest on open entries in all (4 by default)');
select tests.clear_authentication();
update venues set max_waitlist_entries_per_night = 1, max_open_waitlist_entries = 10 where id = tests.venue();
select tests.authenticate_as((select id from ids where name = 'spam'));
select lives_ok($$select public.join_waitlist(tests.venue(), tests.night(3), 'slot_21_00', 2)$$, 'a night''s first entry');
select throws_ok($$select public.join_waitlist(tests.venue(), tests.night(3), 'slot_23_30', 2)$$, 'PT409', 'MAX_TABLES_EXCEEDED',
  'a cap per guest per night');
select tests.clear_authentication();

insert into ids values ('fake', tests.create_user('fake'));
select tests.authenticate_as((select id from ids where name = 'fake'));
select throws_ok($$select public.join_waitlist(tests.venue(), tests.night(), 'slot_21_00', 2, 'x')$$, 'PT422', 'INVALID_INPUT',
  'occasions come from a fixed list: "x" is refused');
select is((public.join_waitlist(tests.venue(), tests.night(), 'slot_21_00', 2, 'birthday') ->> 'priority_score')::int,
  least(1000, 100 + least(100, (tests.night() - current_date) * 10)), 'a real occasion earns the +100');
select tests.clear_authentication();

-- No setting a caller can set changes behaviour: a guest's own clubbooking.offers_paused
-- does not keep the table their cancel frees from the guest waiting for it.
update venues set max_waitlist_entries_per_night = 2, max_open_waitlist_entries = 4 where id = tests.venue();
select public.block_tables(tests.venue(), tests.night(4), array(select tests.tbl(n) from generate_series(2, 16) n));
insert into ids values ('leaver', tests.create_user('leaver')), ('waiter', tests.create_user('waiter'));
insert into ids values ('leaving', tests.hold_for((select id from ids where name = 'leaver'), 1, 2, 'slot_21_00', tests.night(4)));
select tests.authenticate_as((select id from ids where name = 'waiter'));
select public.join_waitlist(tests.venue(), tests.night(4), 'slot_21_00', 2);
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'leaver'));
select set_config('clubbooking.offers_paused', 'on', true);
select public.cancel_booking((select id from ids where name = 'leaving'));
select set_config('clubbooking.offers_paused', '', true);
select tests.clear_authentication();
select is((select w.status from waitlist_entries w join customers c on c.id = w.customer_id
           where c.user_id = (select id from ids where name = 'waiter')), 'offered',
  'a caller-set clubbooking.offers_paused changes nothing: the freed table is offered to the waiting guest');

select * from finish();
rollback;
