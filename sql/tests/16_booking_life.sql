-- A booking's life after it is made: changed in one atomic step under a hold's rules
-- (modify_booking), requests that lapse unanswered, and the door (seat_walk_in, idempotent
-- check-in with arrivals, undo of a check-in or a no-show within the venue's window).
begin;
\ir helpers/test_helpers.psql
select plan(73);

-- Two days before the night, at noon: every slot of the night is far ahead.
create function tests.at(p_night_offset int, p_local time) returns timestamptz language sql stable
as $$ select ((tests.night() + p_night_offset + p_local)::timestamp at time zone 'Europe/London') $$;
select tests.freeze_time(tests.at(-2, '12:00'));
insert into ids values ('ann', tests.create_user('ann')), ('bob', tests.create_user('bob')),
                       ('carl', tests.create_user('carl')), ('dora', tests.create_user('dora'));
create function tests.uid(p_name text) returns uuid language sql stable as $$ select id from ids where name = p_name $$;
grant execute on function tests.uid(text), tests.at(int, time) to authenticated, service_role;

-- The error a statement raises as 'CODE: detail', or 'ok'.
create function tests.outcome(p_sql text) returns text language plpgsql
as $$
declare
  v_detail text;
begin
  execute p_sql;
  return 'ok';
exception when others then
  get stacked diagnostics v_detail = pg_exception_detail;
  return sqlerrm || ': ' || v_detail;
end;
$$;
grant execute on function tests.outcome(text) to authenticated, service_role;

-- A confirmed booking for a guest (held, paid, approved), as the back office.
create function tests.confirmed_for(p_user uuid, p_tables int[], p_party int, p_slot text default 'slot_23_30')
returns uuid language plpgsql
as $$
declare
  v_id uuid;
begin
  perform tests.authenticate_as(p_user);
  v_id := (public.hold_tables(tests.venue(), tests.night(), p_slot,
                              array(select tests.tbl(t) from unnest(p_tables) t), p_party) ->> 'booking_id')::uuid;
  perform tests.pay(v_id, 'pi_' || replace(v_id::text, '-', ''));
  perform public.approve_booking(v_id);
  return v_id;
end;
$$;

create function tests.tables_of(p_booking uuid) returns int[] language sql stable
as $$ select array_agg(t.table_number order by t.table_number) from public.booking_tables bt
      join public.venue_tables t on t.id = bt.table_id where bt.booking_id = p_booking and bt.is_active $$;
create function tests.state(p_table int, p_slot text default 'slot_23_30') returns text language sql stable
as $$ select t ->> 'state' from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(), p_slot) -> 'tables') t
      where (t ->> 'table_number')::int = p_table $$;
grant execute on all functions in schema tests to authenticated, service_role;

-- ---------- modify_booking ----------
insert into ids values ('ann_booking', tests.confirmed_for(tests.uid('ann'), array[1], 3));

select tests.clear_authentication();
select tests.authenticate_as(tests.uid('ann'));
select is(public.modify_booking(tests.uid('ann_booking'), 4) ->> 'party_size', '4',
  'modify_booking: a guest changes the party size of their own booking before the cutoff');
select is(public.modify_booking(tests.uid('ann_booking'), 5, array[tests.tbl(3)]) -> 'table_ids',
  jsonb_build_array(tests.tbl(3)), 'modify_booking: a guest moves to another table that fits the party');
select tests.clear_authentication();
select is(tests.tables_of(tests.uid('ann_booking')), array[3], 'modify_booking: the new claim is taken and the old one let go');
select is((select released_at is not null and not is_active from public.booking_tables
           where booking_id = tests.uid('ann_booking') and table_id = tests.tbl(1)), true,
  'modify_booking: the table it left stays in the ledger, released');
select is(tests.state(1), 'available', 'modify_booking: the table it left is free for others');
select is((select status::text from public.bookings where id = tests.uid('ann_booking')), 'confirmed',
  'modify_booking: the booking keeps its status');
select is((select count(*)::int from public.audit_log where entity_id = tests.uid('ann_booking') and action = 'booking_modified'), 2,
  'modify_booking: one audit row per change');
select is((select (detail -> 'before' -> 'table_ids') || (detail -> 'after' -> 'table_ids') from public.audit_log
           where entity_id = tests.uid('ann_booking') and action = 'booking_modified' order by created_at desc, id desc limit 1),
  jsonb_build_array(tests.tbl(1), tests.tbl(3)), 'modify_booking: the audit row holds before and after');

-- events: the old and the new table on the slot's channel, versions one step each, in one go
set constraints all immediate;
create temp table version_before as
  select coalesce(max(version), 0) as v from public.availability_events
  where channel = public.get_availability(tests.venue(), tests.night(), 'slot_23_30') ->> 'channel';
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select public.modify_booking(tests.uid('ann_booking'), p_table_ids => array[tests.tbl(4)]);
select tests.clear_authentication();
set constraints all immediate;
select is((select array_agg((e.payload ->> 'sectionId') || ' ' || (e.payload ->> 'newState') order by e.version)
           from public.availability_events e, version_before b
           where e.channel = public.get_availability(tests.venue(), tests.night(), 'slot_23_30') ->> 'channel'
             and e.version > b.v),
  array[tests.tbl(4) || ' confirmed', tests.tbl(3) || ' available'],
  'modify_booking: events for the new table and the old one, the new one first');
select is((select max(e.version) - b.v from public.availability_events e, version_before b
           where e.channel = public.get_availability(tests.venue(), tests.night(), 'slot_23_30') ->> 'channel'
           group by b.v), 2::bigint, 'modify_booking: one version step per event on the channel, no gap');
select is((select e.payload ->> 'reason' from public.availability_events e
           where e.table_id = tests.tbl(4) order by e.id desc limit 1), 'booking_modified',
  'modify_booking: the events say booking_modified');

-- money: a paid deposit that grows leaves the difference due; one that shrinks, refundable
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select is(public.modify_booking(tests.uid('ann_booking'), 6, array[tests.tbl(5)]) ->> 'deposit_due', '50.00',
  'modify_booking: a larger deposit leaves the booking in place with the difference due');
select is((select status::text from public.bookings where id = tests.uid('ann_booking')), 'confirmed',
  'modify_booking: a deposit difference due does not unconfirm the booking');
select is(public.modify_booking(tests.uid('ann_booking'), 4, array[tests.tbl(3)]) ->> 'deposit_refundable', '0.00',
  'modify_booking: back to the deposit paid, nothing is owed either way');
select tests.clear_authentication();
insert into ids values ('bob_booking', tests.confirmed_for(tests.uid('bob'), array[13], 8));
select tests.clear_authentication();
select tests.authenticate_as(tests.uid('bob'));
select is(public.modify_booking(tests.uid('bob_booking'), 4, array[tests.tbl(11)]) ->> 'deposit_refundable', '100.00',
  'modify_booking: a smaller deposit makes the difference refundable');

-- refused like a hold: taken tables (with alternatives), capacity, combinations, limits
select tests.clear_authentication();
insert into ids values ('carl_hold', tests.hold_for(tests.uid('carl'), 7, 2, 'slot_23_30'));
select tests.clear_authentication();
select tests.authenticate_as(tests.uid('ann'));
select is(split_part(tests.outcome(format('select public.modify_booking(%L, 3, array[%L::uuid])', tests.uid('ann_booking'), tests.tbl(7))), ':', 1),
  'SECTION_NOT_AVAILABLE', 'modify_booking: a taken table is refused like a hold');
select ok(jsonb_array_length((substr(tests.outcome(format('select public.modify_booking(%L, 3, array[%L::uuid])',
            tests.uid('ann_booking'), tests.tbl(7))), length('SECTION_NOT_AVAILABLE: ') + 1))::jsonb -> 'alternatives') > 0,
  'modify_booking: the refusal carries alternatives');
select is(tests.tables_of(tests.uid('ann_booking')), array[3], 'modify_booking: a refused change changes nothing');
select is(split_part(tests.outcome(format('select public.modify_booking(%L, 9)', tests.uid('ann_booking'))), ':', 1),
  'CAPACITY_MISMATCH', 'modify_booking: a party the tables cannot seat is refused');
select is(split_part(tests.outcome(format('select public.modify_booking(%L, 3, array[%L::uuid, %L::uuid])',
            tests.uid('ann_booking'), tests.tbl(1), tests.tbl(12))), ':', 1),
  'INVALID_INPUT', 'modify_booking: tables that cannot be combined are refused');
select is(split_part(tests.outcome(format('select public.modify_booking(%L, 8, array[%L::uuid, %L::uuid, %L::uuid])',
            tests.uid('ann_booking'), tests.tbl(15), tests.tbl(16), tests.tbl(9))), ':', 1),
  'MAX_TABLES_EXCEEDED', 'modify_booking: more tables than a guest may have in a night are refused');
select is(split_part(tests.outcome(format('select public.modify_booking(%L, 0)', tests.uid('ann_booking'))), ':', 1),
  'INVALID_PARTY_SIZE', 'modify_booking: a party size outside 1-50 is refused');
select is(split_part(tests.outcome(format('select public.modify_booking(%L, p_slot_id => %L)', tests.uid('ann_booking'), 'slot_99')), ':', 1),
  'INVALID_INPUT', 'modify_booking: an unknown slot is refused');
select is(split_part(tests.outcome(format('select public.modify_booking(%L)', tests.uid('ann_booking'))), ':', 1),
  'INVALID_INPUT', 'modify_booking: a change that names nothing to change is refused');
select is(split_part(tests.outcome(format('select public.modify_booking(%L, 3, array[%L::uuid])',
            tests.uid('ann_booking'), '00000000-0000-4000-8000-000000000000')), ':', 1),
  'TABLE_NOT_FOUND', 'modify_booking: a table of no venue is refused');
select tests.clear_authentication();
select tests.authenticate_as(tests.uid('bob'));
select is(split_part(tests.outcome(format('select public.modify_booking(%L, 5)', tests.uid('ann_booking'))), ':', 1),
  'NOT_AUTHORIZED', 'modify_booking: another guest cannot change it');
select tests.clear_authentication();

-- beyond the rules: a manager's override with aal2 and a reason
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select is(split_part(tests.outcome(format('select public.modify_booking(%L, 8, p_reason => %L)', tests.uid('ann_booking'), 'friends')), ':', 1),
  'CAPACITY_MISMATCH', 'modify_booking: a host cannot seat a party beyond capacity');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager');
select is(split_part(tests.outcome(format('select public.modify_booking(%L, 8, p_reason => %L)', tests.uid('ann_booking'), 'friends')), ':', 1),
  'MFA_REQUIRED', 'modify_booking: a capacity override needs aal2');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager', 'aal2');
select is(public.modify_booking(tests.uid('ann_booking'), 8, p_reason => 'two friends joined') ->> 'party_size', '8',
  'modify_booking: a manager with aal2 and a reason overrides capacity');
select is((select action from public.audit_log where entity_id = tests.uid('ann_booking') order by created_at desc, id desc limit 1),
  'booking_modified_override', 'modify_booking: the override is audited as one');
select tests.clear_authentication();

-- the slot, the same night: the claim moves with the booking
select tests.clear_authentication();
select tests.authenticate_as(tests.uid('bob'));
select is(public.modify_booking(tests.uid('bob_booking'), p_slot_id => 'slot_21_00') ->> 'starts_at',
  to_jsonb(tests.at(0, '21:00')) #>> '{}', 'modify_booking: a guest moves to another slot the same night');
select is(tests.state(11, 'slot_21_00') || ' ' || tests.state(11, 'slot_23_30'), 'confirmed available',
  'modify_booking: the claim moved to the new slot and left the old one');
select tests.clear_authentication();

-- the guest's cutoff: the venue's modify_cutoff before the start (staff any time)
select tests.freeze_time(tests.at(0, '22:00'));
select tests.clear_authentication();
select tests.authenticate_as(tests.uid('ann'));
select is(split_part(tests.outcome(format('select public.modify_booking(%L, 7)', tests.uid('ann_booking'))), ':', 1),
  'INVALID_TRANSITION', 'modify_booking: a guest cannot change it within the cutoff before it starts');
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select is(public.modify_booking(p_reference => (select reference from public.bookings where id = tests.uid('ann_booking')),
                                p_party_size => 6) ->> 'party_size', '6',
  'modify_booking: staff change it at any time, by reference too');
select tests.clear_authentication();
select tests.freeze_time(tests.at(-2, '12:00'));

-- ---------- requests that lapse ----------
select tests.clear_authentication();
select tests.authenticate_as(tests.uid('carl'));
insert into ids select 'carl_request', (public.hold_tables(tests.venue(), tests.night(), 'slot_23_30', array[tests.tbl(10)], 2) ->> 'booking_id')::uuid;
select tests.clear_authentication();
select tests.pay(tests.uid('carl_request'), 'pi_carl_request');
select is((select approval_expires_at from public.bookings where id = tests.uid('carl_request')), tests.at(-2, '12:15'),
  'request deadline: a request waits the venue''s approval_ttl (15 minutes by default)');
select tests.freeze_time(tests.at(-2, '12:16'));
select is(tests.state(10), 'available', 'request deadline: a lapsed request blocks nobody, swept or not');
select is(split_part(tests.outcome(format('select public.approve_booking(%L)', tests.uid('carl_request'))), ':', 1),
  'INVALID_TRANSITION', 'request deadline: a lapsed request can no longer be approved');
select reference as carl_ref from public.bookings where id = tests.uid('carl_request') \gset
select tests.clear_authentication();
select tests.authenticate_as_staff('door');
select is(public.find_bookings(tests.venue(), :'carl_ref') -> 0 ->> 'status',
  'expired', 'request deadline: staff see a lapsed request as expired before the sweeper runs');
select tests.clear_authentication();
insert into ids values ('dora_hold', tests.hold_for(tests.uid('dora'), 10, 2, 'slot_23_30'));
select is((select status::text || ' ' || status_reason from public.bookings where id = tests.uid('carl_request')),
  'expired request_expired', 'request deadline: the next hold on its table expires it (lazily, under the table''s lock)');
select is((select count(*)::int from public.notifications where customer_id = (select customer_id from public.bookings where id = tests.uid('carl_request'))
             and kind = 'booking_request_expired' and payload ->> 'booking_id' = tests.uid('carl_request')::text), 1,
  'request deadline: the guest is told their request lapsed');
select is((select count(*)::int from public.audit_log where entity_id = tests.uid('carl_request')
             and old_status = 'pending_approval' and new_status = 'expired'), 1,
  'request deadline: the lapse is audited');
-- the sweeper expires the rest
select tests.pay(tests.uid('dora_hold'), 'pi_dora_hold');
select tests.freeze_time(tests.at(-2, '12:40'));
select ok(public.expire_holds() >= 1, 'request deadline: the sweeper expires lapsed requests');
select is((select status_reason from public.bookings where id = tests.uid('dora_hold')), 'request_expired',
  'request deadline: the sweeper says request_expired');
-- never past the slot's start
select tests.freeze_time(tests.at(0, '23:20'));
select tests.clear_authentication();
select tests.authenticate_as(tests.uid('dora'));
insert into ids select 'dora_late', (public.hold_tables(tests.venue(), tests.night(), 'slot_23_30', array[tests.tbl(12)], 4) ->> 'booking_id')::uuid;
select tests.clear_authentication();
select tests.pay(tests.uid('dora_late'), 'pi_dora_late');
select is((select approval_expires_at from public.bookings where id = tests.uid('dora_late')), tests.at(0, '23:30'),
  'request deadline: never past the booking''s start');
select is(public.update_venue_settings(tests.venue(), '{"approval_ttl": "30 minutes"}') ->> 'approval_ttl', '00:30:00',
  'request deadline: approval_ttl is a venue setting');

-- only nights not yet over count toward a guest's limits
select tests.freeze_time(tests.at(-2, '12:00'));
update public.venues set max_held_tables_per_customer = 1, approval_ttl = interval '7 days' where id = tests.venue();
select tests.clear_authentication();
select tests.authenticate_as(tests.uid('carl'));
insert into ids select 'carl_old', (public.hold_tables(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(9)], 2) ->> 'booking_id')::uuid;
select tests.clear_authentication();
select tests.pay(tests.uid('carl_old'), 'pi_carl_old');
select tests.freeze_time(tests.at(1, '12:00'));
select tests.clear_authentication();
select tests.authenticate_as(tests.uid('carl'));
select is(public.hold_tables(tests.venue(), tests.night(7), 'slot_21_00', array[tests.tbl(9)], 2) ->> 'status', 'held',
  'guest limits: a request on a night that is over counts for nothing');
select tests.clear_authentication();
update public.venues set max_held_tables_per_customer = 4, approval_ttl = interval '15 minutes' where id = tests.venue();
-- and waitlist entries for slots that are over don't count toward the open entries' cap
update public.venues set max_open_waitlist_entries = 1 where id = tests.venue();
select tests.freeze_time(tests.at(-2, '12:00'));
select private.set_transaction_flag('offers_paused', true);
select tests.authenticate_as(tests.uid('dora'));
select public.join_waitlist(tests.venue(), tests.night(), 'slot_21_00', 4);
select tests.clear_authentication();
select tests.freeze_time(tests.at(1, '12:00'));
select tests.authenticate_as(tests.uid('dora'));
select is(public.join_waitlist(tests.venue(), tests.night(7), 'slot_21_00', 4) ->> 'status', 'waiting',
  'waitlist caps: an entry for a slot that is over counts for nothing');
select tests.clear_authentication();
select private.set_transaction_flag('offers_paused', false);
update public.venues set max_open_waitlist_entries = 4 where id = tests.venue();

-- ---------- the door ----------
select tests.freeze_time(tests.at(0, '21:30'));
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
insert into ids select 'walk_in', (public.seat_walk_in(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(2)], 3,
                                                       'Wally Walker', '+44 7700 900222', 'cash') ->> 'booking_id')::uuid;
select is((select status::text || ' ' || arrived_count || ' ' || (deposit_paid_at is not null) || ' ' || payment_method
           from public.bookings where id = tests.uid('walk_in')), 'checked_in 3 true cash',
  'seat_walk_in: a guest, the tables and a checked_in booking in one call, the deposit taken at the venue');
select is(tests.state(2, 'slot_21_00'), 'checked_in', 'seat_walk_in: the table shows checked in');
select is((select c.full_name || ' ' || (c.club_id is not null) from public.customers c
           join public.bookings b on b.customer_id = c.id where b.id = tests.uid('walk_in')), 'Wally Walker true',
  'seat_walk_in: the guest record belongs to the club');
select tests.clear_authentication();
select is((select array_agg(action order by id) from public.audit_log where entity_id = tests.uid('walk_in')),
  array['booking_created', 'deposit_paid_in_person'], 'seat_walk_in: the booking and the deposit are audited');
select tests.authenticate_as_staff('host');
select is(split_part(tests.outcome(format('select public.seat_walk_in(%L, %L, %L, array[%L::uuid], 2, %L)',
            tests.venue(), tests.night(), 'slot_21_00', tests.tbl(7), 'No Money')), ':', 1),
  'INVALID_INPUT', 'seat_walk_in: a deposit is taken or waived, never forgotten');
select is(split_part(tests.outcome(format('select public.seat_walk_in(%L, %L, %L, array[%L::uuid], 2, %L, null, %L, %L)',
            tests.venue(), tests.night(), 'slot_21_00', tests.tbl(7), 'Comped', 'waived', 'a regular')), ':', 1),
  'NOT_AUTHORIZED', 'seat_walk_in: a host cannot waive a deposit');
select is(split_part(tests.outcome(format('select public.seat_walk_in(%L, %L, %L, array[%L::uuid], 2, %L, null, %L)',
            tests.venue(), tests.night(), 'slot_21_00', tests.tbl(2), 'Late', 'cash')), ':', 1),
  'SECTION_NOT_AVAILABLE', 'seat_walk_in: a taken table is refused like a hold');
select is(split_part(tests.outcome(format('select public.seat_walk_in(%L, %L, %L, array[%L::uuid], 2, %L, null, %L)',
            tests.venue(), tests.night(), 'slot_23_30', tests.tbl(1), 'Early Bird', 'cash')), ':', 1),
  'INVALID_TRANSITION', 'seat_walk_in: only for a slot the door is open for');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager', 'aal2');
select is(split_part(tests.outcome(format('select public.seat_walk_in(%L, %L, %L, array[%L::uuid], 2, %L, null, %L)',
            tests.venue(), tests.night(), 'slot_21_00', tests.tbl(7), 'Comped', 'waived')), ':', 1),
  'INVALID_INPUT', 'seat_walk_in: a waiver needs a reason');
insert into ids select 'comped', (public.seat_walk_in(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(7)], 2,
                                                      'Comped', null, 'waived', 'a regular') ->> 'booking_id')::uuid;
select is((select deposit_total::text || ' ' || status from public.bookings where id = tests.uid('comped')), '0.00 checked_in',
  'seat_walk_in: a manager with aal2 waives the deposit');
select tests.clear_authentication();
select is((select reason || ' ' || (detail ->> 'amount') from public.audit_log where entity_id = tests.uid('comped') and action = 'deposit_waived'),
  'a regular 50.00', 'seat_walk_in: the waiver is audited with its reason and amount');
select tests.clear_authentication();
select tests.authenticate_as_staff('door');
select is(split_part(tests.outcome(format('select public.seat_walk_in(%L, %L, %L, array[%L::uuid], 2, %L, null, %L)',
            tests.venue(), tests.night(), 'slot_21_00', tests.tbl(8), 'Door Only', 'cash')), ':', 1),
  'NOT_AUTHORIZED', 'seat_walk_in: host and up');
select tests.clear_authentication();

-- check-in: partial arrivals, idempotent, and says when and by whom
insert into ids values ('eve_booking', tests.confirmed_for(tests.uid('carl'), array[15, 16], 10, 'slot_21_00'));
select tests.clear_authentication();
select tests.authenticate_as_staff('door');
select is(public.check_in_booking(tests.uid('eve_booking'), p_arrived_count => 6) ->> 'arrived_count', '6',
  'check_in_booking: 6 of 10 arrived');
select tests.freeze_time(tests.at(0, '21:35'));
select is(public.check_in_booking(tests.uid('eve_booking')) ->> 'already_checked_in_at', to_jsonb(tests.at(0, '21:30')) #>> '{}',
  'check_in_booking: a repeat says when it was checked in');
select is(public.check_in_booking(tests.uid('eve_booking')) ->> 'checked_in_by', tests.staff('door')::text,
  'check_in_booking: a repeat says by whom');
select is(public.check_in_booking(tests.uid('eve_booking'), p_arrived_count => 10) ->> 'arrived_count', '10',
  'check_in_booking: the rest of the party arrives later');
select tests.clear_authentication();
select is((select count(*)::int from public.audit_log where entity_id = tests.uid('eve_booking') and new_status = 'checked_in' and old_status = 'confirmed'), 1,
  'check_in_booking: a repeat is no second check-in');
select tests.authenticate_as_staff('door');
select is(split_part(tests.outcome(format('select public.check_in_booking(%L, p_arrived_count => 11)', tests.uid('eve_booking'))), ':', 1),
  'INVALID_INPUT', 'check_in_booking: more arrivals than the party is refused');

-- undo within the window
select is(public.undo_check_in(tests.uid('eve_booking'), 'wrong group') ->> 'status', 'confirmed',
  'undo_check_in: back to confirmed within the undo window');
select tests.clear_authentication();
select is((select reason from public.audit_log where entity_id = tests.uid('eve_booking') and new_status = 'confirmed'
           and old_status = 'checked_in'), 'wrong group', 'undo_check_in: audited with its reason');
select tests.authenticate_as_staff('door');
select is(public.check_in_booking(tests.uid('eve_booking')) ->> 'status', 'checked_in', 'undo_check_in: the guest can be checked in again');
select tests.freeze_time(tests.at(0, '21:51'));
select is(split_part(tests.outcome(format('select public.undo_check_in(%L)', tests.uid('eve_booking'))), ':', 1),
  'INVALID_TRANSITION', 'undo_check_in: not after the venue''s undo window');
select tests.clear_authentication();

insert into ids values ('no_show', tests.confirmed_for(tests.uid('dora'), array[3], 4, 'slot_21_00'));
select public.mark_no_show(tests.uid('no_show'));
select tests.clear_authentication();
select tests.authenticate_as_staff('door');
select is(split_part(tests.outcome(format('select public.undo_no_show(%L)', tests.uid('no_show'))), ':', 1),
  'NOT_AUTHORIZED', 'undo_no_show: host and up');
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select is(public.undo_no_show(tests.uid('no_show'), 'they were at the bar') ->> 'status', 'confirmed',
  'undo_no_show: back to confirmed within the undo window');
select is(tests.state(3, 'slot_21_00'), 'confirmed', 'undo_no_show: the tables are taken again');
select public.mark_no_show(tests.uid('no_show'));
select public.seat_walk_in(tests.venue(), tests.night(), 'slot_21_00', array[tests.tbl(3)], 4, 'Next In Line', null, 'card_terminal');
select is(split_part(tests.outcome(format('select public.undo_no_show(%L)', tests.uid('no_show'))), ':', 1),
  'SECTION_NOT_AVAILABLE', 'undo_no_show: not when its tables went to someone else');
select tests.clear_authentication();

select * from finish();
rollback;
