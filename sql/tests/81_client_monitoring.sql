-- Seed 003's monitoring: clients report batches (bounded, rate-limited, no personal data), and
-- get_venue_metrics / booking_system_health show per night the p95 delivery latency, the
-- snapshot mismatch rate and stale-state hold refusals next to hold conversion. Staff views
-- name who changed a table (name and role). Closed sets are enums.
begin;
\ir helpers/test_helpers.psql
select plan(20);

insert into ids values ('kim', tests.create_user('kim')), ('lou', tests.create_user('lou'));
-- reporters are the night's guests: each has a hold at the venue that night
insert into ids values ('b_kim', tests.hold_for((select id from ids where name = 'kim'), 3, 4));
insert into ids values ('b_lou', tests.hold_for((select id from ids where name = 'lou'), 9, 2));

-- ---------- reporting ----------
select tests.authenticate_as((select id from ids where name = 'kim'));
select is(public.report_client_metrics(tests.venue(), tests.night(), 'typescript',
            (select array_agg(n) from generate_series(1, 100) n), 4, 1, 2),
  '{"accepted": true, "samples": 100}'::jsonb, 'a signed-in client reports a batch of its measurements');
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'typescript', (select array_agg(n) from generate_series(1, 501) n), 0, 0, 0)$$,
  tests.venue(), tests.night()), 'PT422', 'INVALID_INPUT', 'a report carries at most 500 latencies');
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'typescript', array[-5], 0, 0, 0)$$,
  tests.venue(), tests.night()), 'PT422', 'INVALID_INPUT', 'a negative latency is refused');
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'typescript', array[5], 1, 2, 0)$$,
  tests.venue(), tests.night()), 'PT422', 'INVALID_INPUT', 'more mismatched resyncs than resyncs is refused');
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'typescript', array[5], 0, 0, 0)$$,
  tests.venue(), current_date + 400), 'PT422', 'DATE_OUT_OF_RANGE', 'a night beyond the horizon is refused');
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'typescript', array[5], 0, 0, 0)$$,
  gen_random_uuid(), tests.night()), 'PT404', 'INVALID_INPUT', 'an unknown venue is refused');
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'ruby', array[5], 0, 0, 0)$$,
  tests.venue(), tests.night()), '22P02', null, 'only the known clients report');
-- the rate limit: 6 a minute per user and venue (the first report above counts)
select public.report_client_metrics(tests.venue(), tests.night(), 'typescript', array[900], 0, 0, 0)
from generate_series(1, 5);
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'typescript', array[5], 0, 0, 0)$$,
  tests.venue(), tests.night()), 'PT429', 'INVALID_INPUT', 'a seventh report in a minute is rate limited (HTTP 429)');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'lou'));
select lives_ok(format($$select public.report_client_metrics(%L, %L, 'python', array[2000], 3, 0, 1)$$,
  tests.venue(), tests.night()), 'the rate limit is per user: another client still reports');
select tests.clear_authentication();
set local role anon;
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'typescript', array[5], 0, 0, 0)$$,
  tests.venue(), tests.night()), '42501', null, 'anonymous viewers do not report');
reset role;

select is((select array_agg(column_name::text order by column_name) from information_schema.columns
           where table_schema = 'private' and table_name = 'client_reports'),
  array['client', 'id', 'latencies_ms', 'mismatched_resyncs', 'night', 'reported_at', 'reporter_key', 'resyncs',
        'stale_hold_refusals', 'venue_id'],
  'a report stores figures only: no user id, name or contact (the reporter is a hash for the rate limit)');

-- ---------- the figures per night ----------
select tests.authenticate_as(tests.staff('manager'));
create temp table night_metrics as
  select n from jsonb_array_elements(public.get_venue_metrics(tests.venue(), tests.night(), tests.night())) n;
select is((select (n ->> 'delivery_samples')::int from night_metrics), 106, 'every latency sample of the night counts');
select is((select (n ->> 'delivery_p95_ms')::numeric from night_metrics),
  (select round(percentile_cont(0.95) within group (order by l)::numeric, 1)
   from unnest((select array_agg(n) from generate_series(1, 100) n) || array[900, 900, 900, 900, 900]) l),
  'the night''s p95 delivery latency is the lower median of the reporters'' own p95s');
select is((select (n ->> 'snapshot_mismatch_rate')::numeric from night_metrics), 0.143,
  'the mismatch rate is mismatched resyncs over resyncs (1 of 7)');
select is((select (n ->> 'stale_hold_refusals')::int from night_metrics), 3, 'stale-state hold refusals are summed');
select ok((select n ? 'hold_to_booking_conversion' from night_metrics), 'next to the night''s hold conversion');
select is((select (n ->> 'delivery_p95_ms') from jsonb_array_elements(
            public.get_venue_metrics(tests.venue(), tests.night() + 1, tests.night() + 1)) n), null,
  'a night no client reported has no latency figure');
select ok((select public.booking_system_health()::jsonb ? 'client_monitoring'),
  'booking_system_health shows the client monitoring of last night and tonight');
select tests.clear_authentication();

-- ---------- who changed a table, by name and role ----------
select tests.authenticate_as(tests.staff('host'));
select is((select jsonb_build_object('name', t ->> 'changed_by_name', 'role', t ->> 'changed_by_role')
           from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(), 'slot_21_00') -> 'tables') t
           where (t ->> 'table_number')::int = 3),
  '{"name": "Kim", "role": "customer"}'::jsonb, 'staff see who changed a table by name and role');
select tests.clear_authentication();

-- ---------- closed sets ----------
select throws_ok(format($$update public.bookings set status = 'lost' where id = %L$$, (select id from ids where name = 'b_kim')),
  '22P02', null, 'a status outside the booking_status enum is refused');

select * from finish();
rollback;
