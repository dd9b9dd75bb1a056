-- The snapshot's reads: the night's claims in one index scan, however many tables the floor has.
begin;
\ir helpers/test_helpers.psql
select plan(3);

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

select * from finish();
rollback;
