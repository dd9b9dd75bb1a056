-- The snapshot's reads: the night's claims in one index scan, however many tables the floor has;
-- and the live snapshot, which ranks the claims itself, shows every table as
-- private.table_slot_states does (the states the events announce), claim kind by claim kind.
begin;
\ir helpers/test_helpers.psql
select plan(6);

set constraints all immediate;

insert into ids values ('ana', tests.create_user('ana'));
select tests.hold_for((select id from ids where name = 'ana'), 1, 2, 'slot_23_30');
select tests.authenticate_as_staff('manager');
select public.block_tables(tests.venue(), tests.night(), array[tests.tbl(2)], 'slot_23_30', 'maintenance', 'a wobbly leg');
select tests.clear_authentication();

-- Scans of the claims table (index or sequential) in this transaction so far.
create function tests.claim_scans() returns bigint
language sql
as $$ select coalesce(s.idx_scan, 0) + s.seq_scan from pg_catalog.pg_stat_xact_user_tables s
      where s.schemaname = 'public' and s.relname = 'booking_tables' $$;

create temp table before as select tests.claim_scans() as n;
select tests.authenticate_as_anon();
create temp table public_view as
  select public.get_availability(tests.venue(), tests.night(), 'slot_23_30') as s;
select tests.clear_authentication();
create temp table after as select tests.claim_scans() as n;

select is((select jsonb_array_length(s -> 'tables') from public_view), 16, 'the public snapshot shows the 16 tables');
select is((select array_agg(t ->> 'state' order by (t ->> 'table_number')::int) from public_view,
                  jsonb_array_elements(s -> 'tables') t where (t ->> 'table_number')::int <= 3),
  array['unavailable', 'blocked', 'available'], 'a held table is unavailable to the public, a blocked one blocked');
select is((select a.n - b.n from before b, after a), 1::bigint,
  'the snapshot reads the night''s claims in one scan, not one per table');

-- Every kind of claim on one slot: held (1), blocked (2), pending_approval (3), confirmed (4),
-- checked_in (5), and two split-capacity sections, one full (6: 'held') and one not (7).
update public.venue_tables set is_shared = true, capacity_min = 1, capacity_max = 4 where id = tests.tbl(6);
update public.venue_tables set is_shared = true, capacity_min = 1, capacity_max = 30 where id = tests.tbl(7);
insert into ids
select n, tests.hold_for(tests.create_user(n), t, p, 'slot_23_30')
from (values ('bo', 3, 4), ('cy', 4, 4), ('di', 5, 6), ('ed', 6, 2), ('fay', 6, 2), ('gus', 7, 2)) v(n, t, p);
select tests.pay(id, 'pi_' || name) from ids where name in ('bo', 'cy', 'di');
select tests.authenticate_as_staff('manager');
select public.approve_booking(id) from ids where name in ('cy', 'di');
select tests.clear_authentication();
select tests.freeze_time(lower(private.slot_range(tests.venue(), tests.night(), 'slot_23_30')));  -- check-in opens
select tests.authenticate_as_staff('manager');
select public.check_in_booking(id) from ids where name = 'di';
select tests.clear_authentication();
select tests.freeze_time(null);

-- A staff snapshot's tables against table_slot_states: state, holder, guests (the mismatches).
create function tests.snapshot_disagreements(p_snapshot jsonb) returns jsonb
language sql
as $$
  with snap as (select t.value as card from jsonb_array_elements(p_snapshot -> 'tables') t),
  truth as (
    select s.* from private.table_slot_states(tests.venue(), tests.night(),
                                              private.slot_range(tests.venue(), tests.night(), 'slot_23_30')) s
    join public.venue_tables vt on vt.id = s.table_id and vt.is_active)
  select coalesce(jsonb_agg(jsonb_build_object('snapshot', snap.card, 'states', to_jsonb(truth))), '[]'::jsonb)
  from snap full join truth on truth.table_id = (snap.card ->> 'table_id')::uuid
  left join public.venue_tables vt on vt.id = truth.table_id
  where snap.card is null or truth.table_id is null
     or snap.card ->> 'state' is distinct from truth.state
     or (snap.card ->> 'booking_id')::uuid is distinct from truth.booking_id
     or (snap.card ->> 'block_id')::uuid is distinct from truth.block_id
     or (vt.is_shared and (snap.card ->> 'remaining_capacity')::int is distinct from vt.capacity_max - truth.guests)
$$;

select tests.authenticate_as_staff('manager');
create temp table staff_now as select public.get_availability(tests.venue(), tests.night(), 'slot_23_30') as s;
select tests.clear_authentication();
select is((select array_agg(distinct t ->> 'state' order by t ->> 'state') from staff_now, jsonb_array_elements(s -> 'tables') t),
  array['available', 'blocked', 'checked_in', 'confirmed', 'held', 'pending_approval'],
  'the slot has every state a claim gives');
select is(tests.snapshot_disagreements((select s from staff_now)), '[]'::jsonb,
  'the live snapshot shows every kind of claim as table_slot_states does');

-- ten minutes on, the holds are dead (the sweeper has not run)
select tests.freeze_time(now() + interval '10 minutes');
select tests.authenticate_as_staff('manager');
create temp table staff_later as select public.get_availability(tests.venue(), tests.night(), 'slot_23_30') as s;
select tests.clear_authentication();
select is(tests.snapshot_disagreements((select s from staff_later)), '[]'::jsonb,
  'the live snapshot and table_slot_states agree once the holds have expired');
select tests.freeze_time(null);

select * from finish();
rollback;
