-- Events, audit rows and claims as set-based statements: a statement's changes are queued by
-- statement-level triggers and emitted at commit in one go, under the venue-night locks; a
-- sweep of many holds is one claim update and one audit insert; the queues are the owner's
-- alone, and no caller's setting changes the lock order.
begin;
\ir helpers/test_helpers.psql
select plan(12);
set constraints all immediate;

insert into ids select n, tests.create_user(n) from unnest(array['ann', 'bob', 'cat', 'dan', 'eve']) n;
create function tests.uid(p_name text) returns uuid language sql stable as $$ select id from ids where name = p_name $$;
grant execute on all functions in schema tests to anon, authenticated, service_role;

-- ---------- a caller's settings ----------
-- The venue-night bookkeeping was two settings a caller could set: garbage made the commit
-- fail with an internal cast error, 'on' skipped the ordered locking.
select set_config('clubbooking.nights', 'not-a-venue/never,', true), set_config('clubbooking.nights_locked', 'on', true);
select lives_ok(format('select tests.hold_for(%L, 1)', tests.uid('ann')),
  'a caller''s clubbooking.nights settings change nothing: the hold commits');
select is((select count(*)::int from availability_events where table_id = tests.tbl(1)), 1, 'and is announced');

-- ---------- a sweep ----------
insert into ids values ('b_bob', tests.hold_for(tests.uid('bob'), 2)),
                       ('b_cat', tests.hold_for(tests.uid('cat'), 3, 4, 'slot_23_30')),
                       ('b_dan', tests.hold_for(tests.uid('dan'), 4, 4, 'slot_21_00', tests.night(2))),
                       ('b_eve', tests.hold_for(tests.uid('eve'), 5, 6, 'slot_21_00', tests.night(2)));
create temp table swept as select id from bookings where status = 'held';
select tests.freeze_time(now() + interval '6 minutes');
select is(private.expire_holds(), 5, 'the sweeper expires five holds on two nights in one statement');
select tests.freeze_time(null);
select is((select count(*)::int from audit_log a join swept s on s.id = a.entity_id
           where a.action = 'status_changed' and a.old_status = 'held' and a.new_status = 'expired' and a.reason = 'hold_expired'),
  5, 'a batch of expired holds writes one audit row per hold');
select is((select count(*)::int from booking_tables bt join swept s on s.id = bt.booking_id where bt.is_active), 0,
  'and frees every claim of the batch');
select is((select array_agg(x.n order by x.n) from (
             select count(*)::int as n from availability_events e
             where e.table_id in (select bt.table_id from booking_tables bt join swept s on s.id = bt.booking_id)
               and e.staff_payload ->> 'reason' = 'hold_expired'
             group by e.channel, e.table_id) x),
  array[1, 1, 1, 1, 1], 'a batch of expired holds writes one event per table and channel');
select is((select count(*)::int from availability_events e
           where e.staff_payload ->> 'reason' = 'hold_expired'
             and not (e.staff_payload ->> 'previousState' = 'held' and e.staff_payload ->> 'newState' = 'available')), 0,
  'each announces held to available');
select is((select count(*)::int from (
    select e.version, row_number() over (partition by e.channel order by e.version) as n from availability_events e) x
  where x.version <> x.n), 0, 'every channel''s versions still run 1..N without a gap');
select is((select count(*)::int from private.pending_changes) + (select count(*)::int from private.pending_nights), 0,
  'the commit-time queues are empty once the events are out');

-- ---------- an update that changes no status ----------
create temp table before_update as
  select (select count(*) from audit_log) as audits, (select count(*) from availability_events) as events;
update bookings set special_requests = 'a quiet corner' where id in (select id from swept);
select is((select count(*) from audit_log) - (select audits from before_update), 0::bigint,
  'an update of bookings that changes no status writes no audit row');
select is((select count(*) from availability_events) - (select events from before_update), 0::bigint,
  'and no event');

-- ---------- the queues are the owner's ----------
select is((select count(*)::int from unnest(array['anon', 'authenticated', 'service_role']) r
           cross join unnest(array['private.pending_changes', 'private.pending_nights']) t
           cross join unnest(array['select', 'insert', 'update', 'delete']) p
           where has_table_privilege(r, t, p)), 0,
  'no API role may read or write the commit-time queues (an event cannot be forged or skipped)');

select * from finish();
rollback;
