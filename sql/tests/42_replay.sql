-- Replay: get_availability_at gives a slot's staff snapshot as its channel's events had it at a
-- time, for the venue's staff only.
begin;
\ir helpers/test_helpers.psql
\ir helpers/security_fixtures.psql
select plan(7);

create function tests.replay_state(p_at timestamptz, p_table int) returns text language sql
as $$ select t ->> 'state' from jsonb_array_elements(
         private.get_availability_at(tests.venue(), tests.night(), 'slot_21_00', p_at) -> 'tables') t
       where (t ->> 'table_number')::int = p_table $$;

select is(tests.replay_state(now() - interval '1 second', 1), 'available',
  'before a table''s first event, the replay shows it available');
select is(tests.replay_state(now(), 1), 'held', 'after its hold, the replay shows it held');
select is((private.get_availability_at(tests.venue(), tests.night(), 'slot_21_00', now() - interval '1 second')
           ->> 'version')::int, 0, 'and the channel''s version as it was then');
select is((select t ->> 'reference' from jsonb_array_elements(
             private.get_availability_at(tests.venue(), tests.night(), 'slot_21_00', now()) -> 'tables') t
           where (t ->> 'table_number')::int = 1),
          (select reference from public.bookings where id = tests.fx('ann_held')),
  'a taken table names the booking that took it');
select tests.act_as('customer');
select throws_ok($$ select public.get_availability_at(tests.venue(), tests.night(), 'slot_21_00', now()) $$,
  'PT403', 'NOT_AUTHORIZED', 'replay is for the venue''s staff');
select tests.act_as('door');
select throws_ok($$ select public.get_availability_at(tests.venue(), tests.night(), 'slot_21_00', null) $$,
  'PT422', 'INVALID_INPUT', 'the time to replay is required');
select throws_ok($$ select public.get_availability_at(tests.venue(), tests.night(), 'slot_99', now()) $$,
  'PT404', 'INVALID_INPUT', 'an unknown slot is 404');
select tests.clear_authentication();

select * from finish();
rollback;
