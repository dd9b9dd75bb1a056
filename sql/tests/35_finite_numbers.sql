-- Finite numbers: NaN and +-Infinity are refused with INVALID_INPUT wherever a number comes in
-- (NaN passes ">= 0": it sorts above every number), and every numeric or float column of our
-- tables carries a check that refuses them, whoever writes the row.
begin;
\ir helpers/test_helpers.psql
select plan(10);

-- ---------- the catalogue: every numeric or float column has a finiteness check ----------
select is(array(
  select format('%s.%s.%s', n.nspname, c.relname, a.attname)
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_class c on c.oid = a.attrelid and c.relkind in ('r', 'p')
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace and n.nspname in ('public', 'private')
  where a.attnum > 0 and not a.attisdropped
    and a.atttypid in ('numeric'::regtype, 'float4'::regtype, 'float8'::regtype)
    and not exists (select 1 from pg_catalog.pg_constraint k
                    where k.conrelid = c.oid and k.contype = 'c' and a.attnum = any (k.conkey)
                      and pg_catalog.pg_get_constraintdef(k.oid) like format('%%private.is_finite_number(%s)%%', a.attname))
  order by 1), '{}'::text[],
  'every numeric and float column of public and private has a check calling private.is_finite_number');
select is(array(
  select p.oid::regprocedure::text from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'public'
    and p.proargtypes::oid[] && array['numeric'::regtype, 'float4'::regtype, 'float8'::regtype]::oid[]
  order by 1), '{}'::text[],
  'no RPC takes a numeric or float argument (numbers arrive as int, or as text/JSON read by private.finite_number)');

-- ---------- the columns, written by hand ----------
insert into public.customers (full_name) values ('Nan Guest');
insert into ids select 'guest', id from public.customers where full_name = 'Nan Guest';
select throws_ok($$ update public.venue_tables set deposit = 'NaN' where id = tests.tbl(1) $$, '23514', null,
  'a NaN deposit on a table is refused by its check');
select throws_ok($$ update public.venue_tables set minimum_spend = 'NaN' where id = tests.tbl(1) $$, '23514', null,
  'a NaN minimum spend on a table is refused by its check');
select throws_ok(format($$ insert into public.bookings (venue_id, customer_id, reference, booking_date, period, party_size, deposit_total)
                          values (%L, %L, 'BR-000000-NANNAN', %L, tstzrange((%3$L::date + time '21:00') at time zone 'Europe/London', (%3$L::date + time '23:00') at time zone 'Europe/London'), 2, 'NaN') $$,
                        tests.venue(), (select id from ids where name = 'guest'), tests.night()),
  '23514', null, 'a NaN deposit_total on a booking is refused by its check');

-- ---------- the inputs ----------
select tests.authenticate_as_staff('admin', 'aal2');
select throws_ok(format($$select public.setup_venue(%L, jsonb_build_object('tables', jsonb_build_array(
                            jsonb_build_object('number', 1, 'floor', (select f.name from public.floors f join public.venue_tables t on t.floor_id = f.id where t.id = tests.tbl(1)),
                                               'capacity_min', 2, 'capacity_max', 4, 'deposit', 'NaN')))) $$, tests.venue()),
  'PT422', 'INVALID_INPUT', 'setup_venue: a NaN deposit is INVALID_INPUT');
select throws_ok(format($$select public.setup_venue(%L, jsonb_build_object('tables', jsonb_build_array(
                            jsonb_build_object('number', 1, 'floor', (select f.name from public.floors f join public.venue_tables t on t.floor_id = f.id where t.id = tests.tbl(1)),
                                               'capacity_min', 2, 'capacity_max', 4, 'minimum_spend', 'Infinity')))) $$, tests.venue()),
  'PT422', 'INVALID_INPUT', 'setup_venue: an infinite minimum spend is INVALID_INPUT');
select throws_ok(format($$select public.setup_venue(%L, jsonb_build_object('tables', jsonb_build_array(
                            jsonb_build_object('number', 1, 'floor', (select f.name from public.floors f join public.venue_tables t on t.floor_id = f.id where t.id = tests.tbl(1)),
                                               'capacity_min', 2, 'capacity_max', 4, 'deposit', '-Infinity')))) $$, tests.venue()),
  'PT422', 'INVALID_INPUT', 'setup_venue: -Infinity is INVALID_INPUT');
select throws_ok(format($$select public.update_venue_settings(%L, '{"min_age": "NaN"}')$$, tests.venue()),
  'PT422', 'INVALID_INPUT', 'update_venue_settings: NaN for a number is INVALID_INPUT');
select tests.clear_authentication();
select is((select count(*)::int from public.venue_tables t where not private.is_finite_number(t.deposit) or not private.is_finite_number(t.minimum_spend)),
  0, 'and nothing non-finite was stored');

select * from finish();
rollback;
