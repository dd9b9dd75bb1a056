-- Realtime access: only a venue's staff may join its private Broadcast channel (checked the
-- way Supabase Realtime checks a join: a probe row read back as the user), replay is shaped
-- by role, bad channel names are contract errors, postgres_changes and retention are set up.
begin;
\ir helpers/test_helpers.psql
select plan(17);
set constraints all immediate;

-- A second club and venue with a door member of its own.
insert into clubs (id, name, slug) values ('11111111-1111-4111-8111-1111111111aa', 'Other Club', 'other-club');
insert into venues (id, club_id, name) values ('22222222-2222-4222-8222-2222222222aa', '11111111-1111-4111-8111-1111111111aa', 'Other Venue');
insert into ids values ('guest', tests.create_user('guest')), ('other_door', tests.create_user('otherdoor'));
insert into staff_members (venue_id, user_id, role)
values ('22222222-2222-4222-8222-2222222222aa', (select id from ids where name = 'other_door'), 'door');

-- Supabase Realtime's join check: it inserts a probe row (topic, extension) as the server,
-- then reads it back as the user with realtime.topic set; the join is allowed when the row is
-- visible. The probes are inserted here as the superuser.
create temp table probes (who text, topic text, id uuid default gen_random_uuid());
insert into probes (who, topic) values
  ('own', private.channel_name('11111111-1111-4111-8111-111111111111', tests.venue(), tests.night(), 'slot_21_00')),
  ('other', private.channel_name('11111111-1111-4111-8111-1111111111aa', '22222222-2222-4222-8222-2222222222aa', tests.night(), 'slot_21_00')),
  ('bad', 'availability:------------------------------------:------------------------------------:2026-01-01:x');
insert into realtime.messages (id, topic, extension) select id, topic, 'broadcast' from probes;
grant select on probes to authenticated, anon;
create function tests.channel() returns text language sql stable as $$ select topic from probes where who = 'own' $$;

create function tests.sees_probe(p_who text) returns boolean language plpgsql
as $$
begin
  perform set_config('realtime.topic', (select topic from probes where who = p_who), true);
  return exists (select 1 from realtime.messages m where m.id = (select id from probes where who = p_who));
end;
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

select tests.authenticate_as_staff('door');
select ok(tests.sees_probe('own'), 'venue staff may join their venue''s private channel');
select ok(not tests.sees_probe('other'), 'but not another venue''s');
select ok(not tests.sees_probe('bad'), 'a malformed topic is refused, not an error');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'guest'));
select ok(not tests.sees_probe('own'), 'a customer may not join a venue''s private channel');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'other_door'));
select ok(not tests.sees_probe('own'), 'another venue''s staff may not join it');
select ok(tests.sees_probe('other'), 'while they may join their own');
select tests.clear_authentication();

-- ---------- replay, shaped by role ----------
select tests.hold_for(tests.create_user('holder'), 1);
select tests.authenticate_as((select id from ids where name = 'guest'));
select is((select count(*)::int from public.get_availability_events(tests.channel(), 0) e where e.payload ? 'actor'), 0,
  'a customer replays the public payload: no actor');
select is((select e.payload ->> 'newState' from public.get_availability_events(tests.channel(), 0) e), 'unavailable',
  'and public states');
select throws_ok($$ select staff_payload from availability_events $$, '42501', null,
  'a customer cannot read staff payloads from the table');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'other_door'));
select is((select count(*)::int from public.get_availability_events(tests.channel(), 0) e where e.payload ? 'actor'), 0,
  'another venue''s staff replay the public payload only');
select tests.clear_authentication();
select tests.authenticate_as_staff('door');
select is((select e.payload ->> 'newState' from public.get_availability_events(tests.channel(), 0) e), 'held',
  'the venue''s staff replay the true state');
select ok((select bool_and(e.payload ? 'actor') from public.get_availability_events(tests.channel(), 0) e), 'and the actor');
select throws_ok($$ select * from public.get_availability_events('availability:------------------------------------:------------------------------------:2026-01-01:slot', 0) $$,
  'PT422', 'INVALID_INPUT', 'a malformed channel is INVALID_INPUT, not an internal error');
select tests.clear_authentication();

-- ---------- postgres_changes ----------
select ok(exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime'
                  and schemaname = 'public' and tablename = 'availability_events'),
  'availability_events is in the supabase_realtime publication');

-- ---------- retention ----------
insert into availability_events (channel, venue_id, booking_date, slot_id, version, table_id, payload, staff_payload)
select 'retention:' || d, tests.venue(), current_date + d, 'slot_21_00', 1, tests.tbl(1), '{}', '{}'
from unnest(array[-5, -3, -1, 0, 30]) d;
select is(private.prune_events(interval '2 days'), 2, 'pruning deletes the nights more than two days past');
select is((select array_agg(booking_date - current_date order by booking_date) from availability_events
           where channel like 'retention:%'), array[-1, 0, 30], 'last night''s, tonight''s and future nights'' events stay');
select ok(to_regclass('cron.job') is null
          or (xpath('/row/n/text()', query_to_xml($$select count(*) as n from cron.job
               where jobname = 'clubbooking-prune-events' and command like '%private.prune_events()%'$$, false, true, '')))[1]::text = '1',
  'pg_cron runs the pruning (where pg_cron lives in this database)');

select * from finish();
rollback;
