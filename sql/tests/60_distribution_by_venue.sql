-- Beyond one machine: every table that holds booking data carries venue_id, the distribution
-- column (docs/architecture.md, "Beyond one machine"), and the exclusion constraint includes it, so a
-- venue's bookings, claims, audit and events can live together on one node (Citus).
-- Reference tables (replicated, not distributed): clubs, venues (the key itself), customers.
begin;
\ir helpers/test_helpers.psql
select plan(3);

select is(
  (select array_agg(c.relname::text order by c.relname)
   from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('r', 'p')
     and c.relname not in ('clubs', 'venues', 'customers')
     and not exists (select 1 from pg_attribute a
                     where a.attrelid = c.oid and a.attname = 'venue_id' and not a.attisdropped
                       and a.atttypid = 'uuid'::regtype and a.attnotnull)),
  null, 'every public table of booking data has a non-null uuid venue_id');

select is(
  (select a.atttypid::regtype::text from pg_attribute a
   where a.attrelid = 'private.channel_versions'::regclass and a.attname = 'venue_id' and not a.attisdropped),
  'uuid', 'the channel version counters, written by every booking transaction, carry venue_id');

select is(
  (select array_agg(a.attname::text || ' ' || o.oprname order by k.ord)
   from pg_constraint c
   cross join lateral unnest(c.conkey, c.conexclop) with ordinality k(attnum, op, ord)
   join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
   join pg_operator o on o.oid = k.op
   where c.conname = 'booking_tables_no_overlap' and c.contype = 'x'),
  array['venue_id =', 'table_id =', 'period &&'],
  'the exclusion constraint is per venue: (venue_id =, table_id =, period &&)');

select * from finish();
rollback;
