-- Monitoring from those entitled: report_client_metrics takes reports only from the venue's staff
-- or a guest with a booking, hold or waitlist entry at that venue that night; one reporter can't
-- move a figure; a venue takes a bounded number of reports a minute whoever sends them.
begin;
\ir helpers/test_helpers.psql
select plan(8);

insert into ids values ('guest', tests.create_user('watcher')), ('outsider', tests.create_user('outsider')),
                       ('other_night', tests.create_user('othernight')), ('attacker', tests.create_user('attacker'));
insert into ids values ('b_guest', tests.hold_for((select id from ids where name = 'guest'), 3, 4));
insert into ids values ('b_other_night', tests.hold_for((select id from ids where name = 'other_night'), 3, 4, p_night => tests.night(2)));
insert into ids values ('b_attacker', tests.hold_for((select id from ids where name = 'attacker'), 9, 2));

select tests.authenticate_as((select id from ids where name = 'outsider'));
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'typescript', array[600000], 0, 0, 0)$$,
  tests.venue(), tests.night()), 'PT403', 'NOT_AUTHORIZED', 'a signed-in account with nothing at the venue that night can''t report');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'other_night'));
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'typescript', array[600000], 0, 0, 0)$$,
  tests.venue(), tests.night()), 'PT403', 'NOT_AUTHORIZED', 'nor a guest of the venue on another night');
select tests.clear_authentication();
select tests.authenticate_as_staff('door');
select lives_ok(format($$select public.report_client_metrics(%L, %L, 'typescript', array[100, 110, 120], 1, 0, 0)$$,
  tests.venue(), tests.night()), 'the venue''s staff report');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'guest'));
select lives_ok(format($$select public.report_client_metrics(%L, %L, 'python', array[200, 210, 220], 1, 0, 0)$$,
  tests.venue(), tests.night()), 'a guest with a hold that night reports');
select tests.clear_authentication();

-- ---------- one reporter can't move a figure ----------
select tests.authenticate_as((select id from ids where name = 'attacker'));
select public.report_client_metrics(tests.venue(), tests.night(), 'typescript', array_fill(600000, array[500]), 1000, 1000, 1000)
from generate_series(1, 2);
select tests.clear_authentication();
select tests.authenticate_as_staff('manager');
create temp table figures as select n from jsonb_array_elements(public.get_venue_metrics(tests.venue(), tests.night(), tests.night())) n;
select ok((select (n ->> 'delivery_p95_ms')::numeric < 1000 from figures),
  'two reports of 600,000 ms from one guest leave the night''s p95 where the others put it');
select ok((select (n ->> 'stale_hold_refusals')::int <= 20 and (n ->> 'resyncs')::int <= 22 from figures),
  'and add at most a reporter''s cap to the night''s counts');
select tests.clear_authentication();

-- ---------- a rate limit per venue ----------
insert into private.client_reports (venue_id, night, reporter_key, client, latencies_ms, resyncs, mismatched_resyncs, stale_hold_refusals)
select tests.venue(), tests.night(), md5(n::text), 'typescript', '{}', 0, 0, 0 from generate_series(1, private.client_reports_per_venue_minute()) n;
select tests.authenticate_as((select id from ids where name = 'guest'));
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'python', array[5], 0, 0, 0)$$,
  tests.venue(), tests.night()), 'PT429', 'INVALID_INPUT', 'a venue takes a bounded number of reports a minute, whoever sends them');
select tests.clear_authentication();
select tests.authenticate_as_staff('door');
select throws_ok(format($$select public.report_client_metrics(%L, %L, 'python', array[5], 0, 0, 0)$$,
  tests.venue(), tests.night()), 'PT429', 'INVALID_INPUT', 'fresh accounts included');
select tests.clear_authentication();

select * from finish();
rollback;
