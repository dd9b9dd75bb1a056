-- The floor at any past instant: a scripted night (holds, a hold that expires with nothing
-- written, a payment, an approval, a block and its lifting, a hold cancelled in the instant it
-- was made, the sweeper, a check-in), the staff snapshot get_availability served recorded at
-- many instants on the database clock, then each instant replayed with get_availability_at:
-- identical, but for the version (a replay is at no point of the channel's stream: 0) and as_of.
begin;
\ir helpers/test_helpers.psql
select plan(45);

insert into ids values ('ana', tests.create_user('ana')), ('ben', tests.create_user('ben')),
                       ('cat', tests.create_user('cat')), ('dan', tests.create_user('dan'));

-- The clock of the script: minutes after 20:05 on the night, Leeds time.
create function tests.replay_clock(p_minutes numeric) returns timestamptz
language sql stable as $$
  select (tests.night() + time '20:05') at time zone 'Europe/London' + p_minutes * interval '1 minute' $$;

-- What get_availability served staff (a manager: every field) at an instant, for both slots.
create temp table served (at timestamptz, slot_id text, snapshot jsonb);
grant all on served to authenticated;
create function tests.serve(p_minutes numeric) returns void
language plpgsql as $$
begin
  perform tests.clear_authentication();
  perform tests.freeze_time(tests.replay_clock(p_minutes));
  perform tests.authenticate_as_staff('manager');
  insert into served
  select tests.replay_clock(p_minutes), s, public.get_availability(tests.venue(), tests.night(), s)
  from unnest(array['slot_21_00', 'slot_23_30']) s;
  perform tests.clear_authentication();
end;
$$;

grant execute on all functions in schema tests to authenticated;

select tests.serve(0);
select tests.freeze_time(tests.replay_clock(1));
insert into ids values ('a1', tests.hold_for((select id from ids where name = 'ana'), 1, 3));
select tests.serve(1);
select tests.freeze_time(tests.replay_clock(2));
insert into ids values ('b2', tests.hold_for((select id from ids where name = 'ben'), 2, 3));
select tests.serve(2);
select tests.serve(5.9);
select tests.serve(6);     -- ana's hold has expired, lazily: nothing was written at 6
select tests.serve(6.4);
select tests.freeze_time(tests.replay_clock(6.5));
select tests.pay((select id from ids where name = 'b2'));
select tests.serve(6.5);   -- ben's deposit paid in the same instant: the request
select tests.freeze_time(tests.replay_clock(8));
select tests.authenticate_as_staff('manager');
select public.approve_booking((select id from ids where name = 'b2'));
select tests.serve(8);
select tests.freeze_time(tests.replay_clock(9));
select tests.authenticate_as_staff('host');
insert into ids select 'blk', (public.block_tables(tests.venue(), tests.night(), array[tests.tbl(3)], 'slot_23_30',
                                                  'maintenance', 'a wobbly leg') -> 'block_ids' ->> 0)::uuid;
select tests.serve(9);
select tests.serve(10);
select tests.freeze_time(tests.replay_clock(11));
select tests.authenticate_as_staff('host');
select public.unblock_tables(array[(select id from ids where name = 'blk')], 'fixed');  -- rewrites the block's reason
select tests.serve(11);
select tests.freeze_time(tests.replay_clock(12));
insert into ids values ('c4', tests.hold_for((select id from ids where name = 'cat'), 4, 4, 'slot_23_30'));
select tests.authenticate_as_staff('host');
select public.cancel_booking((select id from ids where name = 'c4'), 'changed plans');
select tests.serve(12);    -- held and cancelled in one instant
select tests.freeze_time(tests.replay_clock(13));
insert into ids values ('d5', tests.hold_for((select id from ids where name = 'dan'), 5, 6, 'slot_23_30'));
select tests.serve(13);
select tests.freeze_time(tests.replay_clock(20));
select tests.clear_authentication();
select private.expire_holds();  -- the sweeper writes ana's and dan's expiries at 20
select tests.serve(20);
select tests.freeze_time(tests.replay_clock(60));
select tests.authenticate_as_staff('door');
select public.check_in_booking((select id from ids where name = 'b2'));
select tests.serve(60);

-- The script did what it says.
select is((select array_agg(t ->> 'state' order by t ->> 'table_number')
           from served, jsonb_array_elements(snapshot -> 'tables') t
           where at = tests.replay_clock(1) and slot_id = 'slot_21_00' and (t ->> 'table_number')::int = 1),
  array['held'], 'at 1 ana holds table 1');
select is((select t ->> 'state' from served, jsonb_array_elements(snapshot -> 'tables') t
           where at = tests.replay_clock(6) and slot_id = 'slot_21_00' and (t ->> 'table_number')::int = 1),
  'available', 'at 6 her hold has expired though nothing was written');
select is((select array_agg(distinct t ->> 'state')
           from served, jsonb_array_elements(snapshot -> 'tables') t
           where slot_id = 'slot_21_00' and (t ->> 'table_number')::int = 2),
  array['available', 'checked_in', 'confirmed', 'held', 'pending_approval'], 'ben''s table went through every state');
select is((select t ->> 'block_reason' from served, jsonb_array_elements(snapshot -> 'tables') t
           where at = tests.replay_clock(10) and slot_id = 'slot_23_30' and (t ->> 'table_number')::int = 3),
  'a wobbly leg', 'at 10 table 3 is blocked for a wobbly leg');
select is((select reason from public.table_blocks where id = (select id from ids where name = 'blk')), 'fixed',
  'lifting the block rewrote its reason');

-- The newest version of every claim and booking is the row as it is.
select is((select count(*)::int from public.booking_tables bt
           join private.claim_versions cv on cv.claim_id = bt.id and upper_inf(cv.valid)
           where (cv.table_id, cv.booking_id, cv.block_id, cv.period, cv.party_size, cv.is_exclusive, cv.is_active,
                  cv.expires_at) is not distinct from
                 (bt.table_id, bt.booking_id, bt.block_id, bt.period, bt.party_size, bt.is_exclusive, bt.is_active,
                  bt.expires_at)),
          (select count(*)::int from public.booking_tables), 'every claim''s open version is the claim');
select is((select count(*)::int from public.bookings b
           join private.booking_versions bv on bv.booking_id = b.id and upper_inf(bv.valid)
           where (bv.status, bv.party_size, bv.customer_id, bv.hold_expires_at, bv.deposit_paid_at,
                  bv.payment_reference, bv.updated_by) is not distinct from
                 (b.status, b.party_size, b.customer_id, b.hold_expires_at, b.deposit_paid_at, b.payment_reference,
                  b.updated_by)),
          (select count(*)::int from public.bookings), 'every booking''s open version is the booking');

-- Each instant replayed (after the night, at 03:00).
select tests.freeze_time(tests.replay_clock(7 * 60));
select tests.authenticate_as_staff('manager');
create temp table replayed as
  select s.at, s.slot_id, s.snapshot, public.get_availability_at(tests.venue(), tests.night(), s.slot_id, s.at) as replay
  from served s;
select tests.clear_authentication();

select is(r.replay - 'version' - 'as_of', r.snapshot - 'version',
          format('%s %s: the replay is what was served', to_char(r.at at time zone 'Europe/London', 'HH24:MI:SS'), r.slot_id))
from replayed r order by r.at, r.slot_id, ctid limit 30;

select is((select count(*)::int from replayed), 30, 'fifteen instants, two slots each');
select ok((select bool_and((replay ->> 'version')::int = 0 and (replay ->> 'as_of')::timestamptz = at) from replayed),
  'a replay says when it is of, and stands at no version');

-- Between two writes: the instant before ben paid, the instant his hold would have run out.
select tests.authenticate_as_staff('door');
select is((select t ->> 'state' from jsonb_array_elements(public.get_availability_at(tests.venue(), tests.night(),
             'slot_21_00', tests.replay_clock(3)) -> 'tables') t where (t ->> 'table_number')::int = 1),
  'held', 'at 3 ana''s hold still stands');
select is((select t ->> 'state' from jsonb_array_elements(public.get_availability_at(tests.venue(), tests.night(),
             'slot_21_00', tests.replay_clock(6)) -> 'tables') t where (t ->> 'table_number')::int = 1),
  'available', 'at 6, the instant it expires, it is dead (the door sees it too)');
select ok((select t ? 'phone' or t ? 'deposit_paid' from jsonb_array_elements(public.get_availability_at(tests.venue(),
             tests.night(), 'slot_21_00', tests.replay_clock(8)) -> 'tables') t where (t ->> 'table_number')::int = 2) is false,
  'the door''s replay shows what the door sees: no phone, no payment');

-- Bad input and callers who are not the venue's staff.
select throws_ok(format('select public.get_availability_at(%L, %L, %L, %L)', tests.venue(), tests.night(), 'slot_21_00',
                        tests.replay_clock(7 * 60 + 1)), 'PT422', 'INVALID_INPUT', 'an instant still to come is refused');
select throws_ok(format('select public.get_availability_at(%L, %L, %L, null)', tests.venue(), tests.night(), 'slot_21_00'),
                 'PT422', 'INVALID_INPUT', 'an instant is required');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'ana'));
select throws_ok(format('select public.get_availability_at(%L, %L, %L, %L)', tests.venue(), tests.night(), 'slot_21_00',
                        tests.replay_clock(8)), 'PT403', 'NOT_AUTHORIZED', 'a guest cannot replay the floor');
select tests.clear_authentication();

select * from finish();
rollback;
