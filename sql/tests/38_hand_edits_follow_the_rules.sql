-- Hand edits follow the rules: an INSERT into bookings goes through the rules of the update path
-- (confirmed only with the deposit paid, approval where the venue needs it, a reason), and a live
-- booking's money and party size change only through those rules, audited: its deposit and
-- minimum spend are what its tables ask, so zeroing the deposit and then submitting never skips
-- the payment. (Acting as the table owner, as Studio does.)
begin;
\ir helpers/test_helpers.psql
select plan(10);
set constraints all immediate;

insert into ids values ('guest', tests.create_user('handedit'));
insert into ids values ('held', tests.hold_for((select id from ids where name = 'guest'), 1, 2));
insert into ids select 'customer', customer_id from bookings where id = (select id from ids where name = 'held');
select set_config('clubbooking.reason', 'fixing by hand', true);

create function tests.insert_booking(p_status text, p_deposit numeric, p_reason text default 'manual_change') returns uuid
language sql as $$
  insert into public.bookings (venue_id, customer_id, reference, status, booking_date, period, party_size, deposit_total,
                               status_reason)
  values (tests.venue(), (select id from ids where name = 'customer'), private.new_reference(tests.night()), p_status,
          tests.night(), tstzrange((tests.night() + time '23:30') at time zone 'Europe/London',
                                   (tests.night() + time '23:30' + interval '4 hours') at time zone 'Europe/London'),
          2, p_deposit, p_reason)
  returning id
$$;

-- ---------- inserts ----------
select throws_ok($$select tests.insert_booking('confirmed', 50)$$, 'PT409', 'INVALID_TRANSITION',
  'an INSERT of a confirmed booking with an unpaid deposit is refused');
select throws_ok($$select tests.insert_booking('pending_approval', 50)$$, 'PT409', 'INVALID_TRANSITION',
  'so is one awaiting approval');
select throws_ok($$select tests.insert_booking('confirmed', 0)$$, 'PT409', 'INVALID_TRANSITION',
  'a confirmed INSERT at a venue that approves requests is refused even without a deposit');
select throws_ok($$select tests.insert_booking('checked_in', 0)$$, 'PT409', 'INVALID_TRANSITION',
  'nothing is inserted already checked in');
update public.venues set requires_approval = false where id = tests.venue();
insert into ids values ('confirmed_free', tests.insert_booking('confirmed', 0));
select throws_ok(format($$insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size, is_exclusive)
                          select b.venue_id, %L, b.id, b.booking_date, b.period, 2, true from public.bookings b where b.id = %L$$,
                        tests.tbl(3), (select id from ids where name = 'confirmed_free')),
  'PT409', 'INVALID_TRANSITION', 'a table asking a deposit can''t be claimed for a confirmed booking that has not paid it');
update public.venues set requires_approval = true where id = tests.venue();

-- ---------- money on a live booking ----------
select throws_ok(format($$update public.bookings set deposit_total = 0 where id = %L$$, (select id from ids where name = 'held')),
  'PT409', 'INVALID_TRANSITION', 'setting a live booking''s deposit to 0 by hand is refused');
select throws_ok(format($$update public.bookings set minimum_spend_total = 1 where id = %L$$, (select id from ids where name = 'held')),
  'PT409', 'INVALID_TRANSITION', 'and so is changing its minimum spend');
-- a held booking inserted with no deposit, then given a table that asks one
insert into ids values ('held_free', tests.insert_booking('held', 0, 'hold_created'));
update public.bookings set hold_expires_at = now() + interval '5 minutes' where id = (select id from ids where name = 'held_free');
insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size, is_exclusive, expires_at)
select b.venue_id, tests.tbl(4), b.id, b.booking_date, b.period, 2, true, b.hold_expires_at
from public.bookings b where b.id = (select id from ids where name = 'held_free');
select tests.authenticate_as((select id from ids where name = 'guest'));
select throws_ok(format($$select public.submit_booking(%L)$$, (select id from ids where name = 'held_free')),
  'PT409', 'INVALID_TRANSITION', 'submitting a booking whose deposit_total is below what its tables ask still needs the payment');
select tests.clear_authentication();

-- ---------- party size ----------
select set_config('clubbooking.reason', 'one more friend', true);
update public.bookings set party_size = 3 where id = (select id from ids where name = 'held');
select is((select detail -> 'party_size' from audit_log where entity_id = (select id from ids where name = 'held') and action = 'party_changed'),
  '[2, 3]'::jsonb, 'a hand change of party size is audited with the old and new sizes');
select is((select reason from audit_log where entity_id = (select id from ids where name = 'held') and action = 'party_changed'),
  'one more friend', 'and the reason given');

select * from finish();
rollback;
