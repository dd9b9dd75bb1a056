-- =====================================================================================
-- Benchmark fixtures: many venues shaped like the Leeds club, their bookable nights, and
-- one adult guest per booking the benchmarks may make (a guest never meets a per-guest
-- limit, so every failure a benchmark sees comes from contention, not from the rules).
-- Sizes come from the settings bench.venues and bench.nights. Lives in schema `bench` of a
-- benchmark database only; never part of the product's migrations.
-- =====================================================================================

create schema bench;
comment on schema bench is 'Benchmark fixtures and task maps (benchmark databases only).';

create table bench.shape (venues int not null, nights int not null, tables int not null default 16,
                          slots int not null default 2);
comment on table bench.shape is 'How many venues, nights, tables and slots the task map spans.';
insert into bench.shape (venues, nights)
values (current_setting('bench.venues')::int, current_setting('bench.nights')::int);

create table bench.venues (ord int primary key, id uuid not null unique);
comment on table bench.venues is 'Benchmark venues by ordinal.';
create table bench.tables (venue_ord int not null, ord int not null, id uuid not null unique,
                           primary key (venue_ord, ord));
comment on table bench.tables is 'Benchmark tables by venue ordinal and table ordinal.';
create table bench.nights (ord int primary key, night date not null);
comment on table bench.nights is 'Bookable open nights (Fridays and Saturdays from next week on).';
create table bench.slots (ord int primary key, slot_id text not null);
comment on table bench.slots is 'The two slots of every benchmark venue.';

insert into public.clubs (id, name, slug)
values (extensions.gen_random_uuid(), 'Benchmark Clubs', 'bench-clubs');

insert into bench.venues (ord, id)
select v, md5('bench-venue-' || v)::uuid from generate_series(0, current_setting('bench.venues')::int - 1) v;

insert into public.venues (id, club_id, name, timezone, opens_at, closes_at, open_days)
select bv.id, (select c.id from public.clubs c where c.slug = 'bench-clubs'), 'Bench venue ' || bv.ord,
       'Europe/London', '21:00', '04:00', '{5,6}'
from bench.venues bv;

insert into public.floors (id, venue_id, name, level)
select md5('bench-floor-' || bv.ord)::uuid, bv.id, 'main', 0 from bench.venues bv;

insert into bench.tables (venue_ord, ord, id)
select bv.ord, t, md5('bench-table-' || bv.ord || '-' || t)::uuid
from bench.venues bv cross join generate_series(0, 15) t;

insert into public.venue_tables (id, venue_id, floor_id, table_number, name, capacity_min, capacity_max,
                                 minimum_spend, deposit)
select bt.id, bv.id, md5('bench-floor-' || bv.ord)::uuid, bt.ord + 1, 'Table ' || (bt.ord + 1), 2, 6, 150, 50
from bench.tables bt join bench.venues bv on bv.ord = bt.venue_ord;

insert into public.venue_slots (venue_id, slot_id, label, starts_at, duration)
select bv.id, s.slot_id, s.label, s.starts_at, s.duration
from bench.venues bv
cross join (values ('slot_21_00', 'Early', time '21:00', interval '2 hours 30 minutes'),
                   ('slot_23_30', 'Late', time '23:30', interval '4 hours 30 minutes')) s(slot_id, label, starts_at, duration);

insert into bench.slots values (0, 'slot_21_00'), (1, 'slot_23_30');

insert into bench.nights (ord, night)
select (row_number() over (order by d) - 1)::int, d::date
from generate_series(current_date + 8, current_date + 180, interval '1 day') d
where extract(isodow from d) in (5, 6)
order by d
limit current_setting('bench.nights')::int;

-- One guest per task index: an Auth user and its customer row, ids derived from the index.
insert into auth.users (id, email, raw_user_meta_data)
select md5('bench-guest-' || g)::uuid, 'bench-' || g || '@guests.example', '{"date_of_birth": "1995-06-15"}'
from generate_series(0, current_setting('bench.guests')::int - 1) g;
insert into public.customers (id, user_id, full_name, date_of_birth)
select md5('bench-customer-' || g)::uuid, md5('bench-guest-' || g)::uuid, 'Bench Guest ' || g, date '1995-06-15'
from generate_series(0, current_setting('bench.guests')::int - 1) g;

-- Task i: a single table for one slot of one night, spread so that consecutive tasks fall in
-- different venues (low contention); distinct tasks never share a (table, slot, night). A
-- table, not a function: a SQL function with `set search_path` is never inlined and is planned
-- again on every call (0.35 ms for a 30 us lookup), which the benchmarks would count as ours.
-- claims: the JWT claims of guest i, as PostgREST would set them.
create table bench.tasks (i int primary key, venue_id uuid not null, night date not null, slot_id text not null,
                          table_id uuid not null, party_size int not null, claims text not null);
comment on table bench.tasks is 'The (venue, night, slot, table) and guest claims of benchmark task i.';
insert into bench.tasks (i, venue_id, night, slot_id, table_id, party_size, claims)
select i, v.id, n.night, s.slot_id, t.id, 2,
       json_build_object('sub', md5('bench-guest-' || i)::uuid, 'role', 'authenticated', 'aal', 'aal1')::text
from bench.shape sh
cross join generate_series(0, current_setting('bench.guests')::int - 1) i
join bench.venues v on v.ord = i % sh.venues
join bench.tables t on t.venue_ord = v.ord and t.ord = (i / sh.venues) % sh.tables
join bench.slots s on s.ord = (i / sh.venues / sh.tables) % sh.slots
join bench.nights n on n.ord = i / sh.venues / sh.tables / sh.slots;

-- A booking reference for bulk fixtures: BR-YYMMDD- and k in base 36 (unique per k).
create function bench.reference(p_night date, p_k bigint) returns text
language sql immutable
set search_path = ''
as $$
  select 'BR-' || to_char(p_night, 'YYMMDD') || '-' ||
         string_agg(substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', ((p_k / (36 ^ i)::bigint) % 36)::int + 1, 1),
                    '' order by i desc)
  from generate_series(0, 5) i
$$;
comment on function bench.reference is 'A unique booking reference for bulk-written benchmark bookings.';

-- A minimal durable write, for the physical limit (pgbench): one row, one commit.
create table bench.limit_rows (id bigint generated always as identity primary key, client int not null,
                               at timestamptz not null default now());
comment on table bench.limit_rows is 'Rows of the single-row insert transaction that measures the physical limit.';

grant usage on schema bench to anon, authenticated, service_role;
grant select on all tables in schema bench to anon, authenticated, service_role;
