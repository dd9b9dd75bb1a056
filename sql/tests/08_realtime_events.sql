-- Realtime events: every transition type emits exactly the expected availability.updated
-- events, with the committed state, a gap-free version per channel, both Broadcast rows, and
-- a snapshot version that agrees with the events.
begin;
\ir helpers/test_helpers.psql
select plan(35);
set constraints all immediate;

create function tests.channel(p_slot text) returns text language sql stable
as $$ select private.channel_name('11111111-1111-4111-8111-111111111111', tests.venue(), tests.night(), p_slot) $$;

-- A table's events on a slot's channel, oldest first, as staff see them: 'previous>new reason'.
create function tests.events_of(p_table int, p_slot text default 'slot_21_00') returns text[] language sql stable
as $$
  select coalesce(array_agg((e.staff_payload ->> 'previousState') || '>' || (e.staff_payload ->> 'newState')
                            || ' ' || (e.staff_payload ->> 'reason') order by e.version), '{}')
  from availability_events e where e.channel = tests.channel(p_slot) and e.table_id = tests.tbl(p_table)
$$;

-- The newest event of a table on a slot's channel.
create function tests.last_event(p_table int, p_slot text default 'slot_21_00') returns availability_events
language sql stable
as $$
  select e.* from availability_events e where e.channel = tests.channel(p_slot) and e.table_id = tests.tbl(p_table)
  order by e.version desc limit 1
$$;

-- The night's slot start, local time, as an instant (to open the door for check-in).
create function tests.at_night(p_local time) returns timestamptz language sql stable
as $$ select (tests.night() + p_local) at time zone 'Europe/London' $$;

create function tests.staff_act(p_role text, p_sql text, p_aal text default 'aal1') returns jsonb language plpgsql
as $$
declare v jsonb;
begin
  perform tests.authenticate_as_staff(p_role, p_aal);
  execute p_sql into v;
  perform tests.clear_authentication();
  return v;
end;
$$;

insert into ids select n, tests.create_user(n) from unnest(array['ann', 'bob', 'cat', 'dan', 'eve', 'fay']) n;
create function tests.uid(p_name text) returns uuid language sql stable as $$ select id from ids where name = p_name $$;
grant execute on all functions in schema tests to anon, authenticated, service_role;

-- ---------- hold ----------
insert into ids values ('b_ann', tests.hold_for(tests.uid('ann'), 1));
select is(tests.events_of(1), array['available>held hold_created'], 'a hold emits one event: available to held');
select is((tests.last_event(1)).payload - 'updatedAt' - 'updated_at', jsonb_build_object(
    'eventType', 'availability.updated', 'sectionId', tests.tbl(1), 'slotId', 'slot_21_00',
    'date', to_char(tests.night(), 'YYYY-MM-DD'), 'previousState', 'available', 'newState', 'unavailable',
    'reason', 'hold_created', 'version', 1,
    'event_type', 'availability.updated', 'table_id', tests.tbl(1), 'slot_id', 'slot_21_00',
    'previous_state', 'available', 'new_state', 'unavailable'),
  'the public payload is the seed''s shape, a hold shown as unavailable, with the snapshot''s snake_case keys beside it');
select matches((tests.last_event(1)).payload ->> 'updatedAt', '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$',
  'updatedAt is an ISO UTC instant');
select is((tests.last_event(1)).staff_payload -> 'actor',
  jsonb_build_object('id', tests.uid('ann'), 'role', 'customer'),
  'the staff payload says who caused it by id and role (no name: the staff snapshot names them when read)');
select is(tests.events_of(1, 'slot_23_30'), '{}'::text[], 'a slot the booking does not touch gets no event');

-- ---------- submit, approve, check-in ----------
select tests.pay(tests.uid('b_ann'), 'pi_ann');
select is((tests.events_of(1))[2], 'held>pending_approval booking_requested', 'submit: held to pending_approval');
select is((tests.last_event(1)).payload ->> 'previousState', 'unavailable',
  'which the public sees as unavailable to unavailable');
select tests.staff_act('manager', format('select public.approve_booking(%L)', tests.uid('b_ann')));
select is((tests.events_of(1))[3], 'pending_approval>confirmed booking_approved', 'approve: pending_approval to confirmed');
select is((tests.last_event(1)).staff_payload -> 'actor' ->> 'role', 'manager', 'the actor is the manager');

-- ---------- reject, cancel ----------
insert into ids values ('b_cat', tests.hold_for(tests.uid('cat'), 3, 4));
select tests.pay(tests.uid('b_cat'), 'pi_cat');
select tests.staff_act('manager', format('select public.reject_booking(%L)', tests.uid('b_cat')));
select is(tests.events_of(3), array['available>held hold_created', 'held>pending_approval booking_requested',
  'pending_approval>available booking_rejected'], 'reject: pending_approval to available');
insert into ids values ('b_dan', tests.hold_for(tests.uid('dan'), 4, 4));
select tests.authenticate_as(tests.uid('dan'));
select public.cancel_booking(tests.uid('b_dan'), 'changed plans');
select tests.clear_authentication();
select is(tests.events_of(4), array['available>held hold_created', 'held>available booking_cancelled'],
  'cancel: held to available, with the reason''s code');
select is((tests.last_event(4)).staff_payload ->> 'note', 'changed plans', 'the guest''s words are in the staff payload');
select is((tests.last_event(4)).payload ->> 'reason', 'booking_cancelled', 'the public payload carries the code only');

-- ---------- expire ----------
insert into ids values ('b_eve', tests.hold_for(tests.uid('eve'), 5, 6));
select tests.freeze_time(now() + interval '6 minutes');
select is(private.expire_holds(), 1, 'the sweeper expires the one dead hold');
select tests.freeze_time(null);
select is(tests.events_of(5), array['available>held hold_created', 'held>available hold_expired'],
  'expire: held to available');
select is((tests.last_event(5)).payload ->> 'previousState', 'unavailable', 'the public sees unavailable to available');

-- ---------- check-in and no-show, on the night ----------
insert into ids values ('b_bob', tests.hold_for(tests.uid('bob'), 2));
select tests.pay(tests.uid('b_bob'), 'pi_bob');
select tests.staff_act('manager', format('select public.approve_booking(%L)', tests.uid('b_bob')));
select tests.freeze_time(tests.at_night('21:30'));
select tests.staff_act('door', format('select public.check_in_booking(%L)', tests.uid('b_ann')));
select is((tests.events_of(1))[4], 'confirmed>checked_in guest_checked_in', 'check-in: confirmed to checked_in');
select is(((tests.last_event(1)).payload ->> 'previousState') || '>' || ((tests.last_event(1)).payload ->> 'newState'),
  'confirmed>confirmed', 'the public sees a checked-in table as confirmed');
select tests.staff_act('host', format('select public.mark_no_show(%L)', tests.uid('b_bob')));
select is((tests.events_of(2))[4], 'confirmed>available guest_no_show', 'no-show: confirmed to available');
select tests.freeze_time(null);

-- ---------- block and unblock: every slot of the night ----------
create temp table blk as
  select tests.staff_act('host', format('select public.block_tables(%L, %L, array[%L]::uuid[], null, %L, %L)',
    tests.venue(), tests.night(), tests.tbl(6), 'maintenance', 'spill')) as r;
select is(tests.events_of(6) || tests.events_of(6, 'slot_23_30'),
  array['available>blocked table_blocked', 'available>blocked table_blocked'], 'a night block: one event in each slot');
select is((tests.last_event(6)).payload ->> 'newState', 'blocked', 'the public sees blocked');
select tests.staff_act('host', format('select public.unblock_tables(%L::uuid[])',
  array(select jsonb_array_elements_text(r -> 'block_ids')::uuid from blk)));
select is((tests.events_of(6))[2:2] || (tests.events_of(6, 'slot_23_30'))[2:2],
  array['blocked>available table_unblocked', 'blocked>available table_unblocked'], 'unblock: blocked to available in each slot');

-- ---------- a booking that spans two slots touches both channels ----------
select tests.authenticate_as_staff('host');
create temp table spanning as
  select * from public.create_booking_atomic(tests.venue(), 'span@test.example', null, 'Span', array[tests.tbl(8)],
    tests.night(), '22:00', '01:00', 4, null, null, null, 'pi_span');
select tests.pay((select booking_id from spanning), 'pi_span');
select is(tests.events_of(8) || tests.events_of(8, 'slot_23_30'),
  array['available>held hold_created', 'held>pending_approval booking_requested',
        'available>held hold_created', 'held>pending_approval booking_requested'],
  'a booking across two slots emits the same events on both channels');

-- ---------- two bookings in one slot: an event carries the table's state, not the booking's ----------
select tests.authenticate_as_staff('host');
create temp table early as select * from public.create_booking_atomic(tests.venue(), 'early@test.example', null, 'Early',
  array[tests.tbl(9)], tests.night(), '21:00', '22:00', 2, null, null, null, 'pi_early');
create temp table late as select * from public.create_booking_atomic(tests.venue(), 'late@test.example', null, 'Late',
  array[tests.tbl(9)], tests.night(), '22:00', '23:30', 2, null, null, null, 'pi_late');
select tests.pay((select booking_id from early), 'pi_early'), tests.pay((select booking_id from late), 'pi_late');
select tests.authenticate_as_staff('host');
select public.cancel_booking((select booking_id from early));
select tests.clear_authentication();
select is((tests.events_of(9))[5], 'pending_approval>pending_approval booking_cancelled',
  'cancelling one of two bookings in a slot leaves the table pending (the other booking)');
select is((select t ->> 'state' from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(), 'slot_21_00') -> 'tables') t
           where (t ->> 'table_number')::int = 9), 'pending_approval', 'as the snapshot says');

-- ---------- commit semantics: one transaction, two changes of a table ----------
set constraints all deferred;
insert into ids values ('b_fay', tests.hold_for(tests.uid('fay'), 10));
select tests.staff_act('manager', format('select public.block_tables(%L, %L, array[%L]::uuid[], %L, %L, %L, null, true)',
  tests.venue(), tests.night(), tests.tbl(10), 'slot_21_00', 'vip_override', 'artist'), 'aal2');
select is(tests.events_of(10), '{}'::text[], 'nothing is emitted before commit');
set constraints all immediate;  -- fires the deferred triggers as a commit would
select is(tests.events_of(10), array['available>blocked hold_created', 'blocked>blocked forced_block',
  'blocked>blocked table_blocked'],
  'at commit every change of one transaction announces the committed state: the table was never seen held');

-- ---------- the waitlist hook: a held booking's status_reason is its event's reason ----------
set constraints all deferred;
insert into ids values ('b_offer', tests.hold_for(tests.uid('fay'), 11, 4));
update bookings set status_reason = 'waitlist_offer' where id = tests.uid('b_offer');
set constraints all immediate;
select is(tests.events_of(11), array['available>held waitlist_offer'], 'a hold made for a waitlist offer says so');

-- ---------- invariants over everything above ----------
select is((select count(*)::int from (
    select e.staff_payload ->> 'previousState' as prev,
           lag(e.staff_payload ->> 'newState', 1, 'available') over (partition by e.channel, e.table_id order by e.version) as announced
    from availability_events e) x where x.prev <> x.announced), 0,
  'each event''s previousState is what the table''s previous event on the channel announced');
select is((select count(*)::int from (
    select e.version, row_number() over (partition by e.channel order by e.version) as n from availability_events e) x
  where x.version <> x.n), 0, 'every channel''s versions run 1..N without a gap or repeat');
select is((select count(*)::int from availability_events e
           where e.payload - array['previousState', 'newState', 'previous_state', 'new_state']
                 <> e.staff_payload - array['previousState', 'newState', 'previous_state', 'new_state', 'actor', 'bookingId', 'note']
              or e.payload ->> 'newState' <> private.public_state(e.staff_payload ->> 'newState')), 0,
  'the public payload is the staff payload without the actor, booking and note, and with public states');
select is((select count(*)::int from availability_events e
           where (select count(*) from realtime.messages m where m.topic = e.channel and m.event = 'availability.updated'
                    and m.extension = 'broadcast'
                    and ((not m.private and m.payload - 'id' = e.payload)
                         or (m.private and m.payload - 'id' = e.staff_payload - 'note'))) <> 2), 0,
  'each event went to Broadcast twice: public payload on the public channel, staff payload (without the note) on the private one');
select is((select count(*)::int from realtime.messages m
           where m.event = 'availability.updated' and m.payload ->> 'id' is distinct from m.id::text), 0,
  'Broadcast payloads carry the id realtime.send adds (upstream: the message''s own id)');
select is((public.get_availability(tests.venue(), tests.night(), 'slot_21_00') ->> 'version')::bigint,
  (select max(version) from availability_events where channel = tests.channel('slot_21_00')),
  'the snapshot carries the channel''s current version');
select is((public.get_availability(tests.venue(), tests.night(), 'slot_21_00') ->> 'channel'), tests.channel('slot_21_00'),
  'and names its channel');

select * from finish();
rollback;
