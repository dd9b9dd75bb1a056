-- =============================================================================================
-- Catalogue: clubs, venues, floors, tables, combinations, slots, and the venue's clock
-- =============================================================================================
-- What a club sells and when: the venue's local time (nights, slots, opening hours) and what a
-- set of tables seats.

-- A timezone name PostgreSQL knows (Europe/London); used by the venues check.
create function private.is_valid_timezone(p_name text) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  perform now() at time zone p_name;
  return true;
exception when others then
  return false;
end;
$$;

-- Found by the access matrix (sql/tests/30_access_matrix.sql): service_role could not write
-- venues at all (the timezone check calls private.is_valid_timezone), nor use the seeds'
-- session locks (private.acquire/release_booking_lock run as the caller and hash with
-- private.lock_key and private.night_key).
grant execute on function private.is_valid_timezone(text) to service_role;

create table public.clubs (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  slug text not null unique check (slug ~ '^[a-z0-9-]{1,64}$'),
  created_at timestamptz not null default now()
);

comment on table public.clubs is 'A club (brand) that runs one or more venues.';

alter table public.clubs enable row level security;

grant select on public.clubs to anon, authenticated;

grant select, insert, update, delete on public.clubs to service_role;

create table public.venues (
  id uuid primary key default gen_random_uuid(),
  club_id uuid not null references public.clubs (id),
  name text not null check (length(name) between 1 and 200),
  timezone text not null default 'Europe/London'
    check (private.is_valid_timezone(timezone)),
  opens_at time not null default '21:00',
  closes_at time not null default '04:00',
  open_days int[] not null default '{4,5,6}',      -- ISO day of week of the night's start (Mon=1)
  hold_ttl interval not null default interval '5 minutes'
    check (hold_ttl between interval '30 seconds' and interval '1 hour'),
  requires_approval boolean not null default true,
  booking_horizon interval not null default interval '6 months',
  min_age int not null default 18 check (min_age between 0 and 99),
  max_tables_per_customer_night int not null default 2 check (max_tables_per_customer_night >= 1),
  max_held_tables_per_customer int not null default 4 check (max_held_tables_per_customer >= 1),
  max_waitlist_entries_per_night int not null default 2 check (max_waitlist_entries_per_night >= 1),
  max_open_waitlist_entries int not null default 4 check (max_open_waitlist_entries >= 1),
  cancellation_window interval not null default interval '48 hours',
  waitlist_offer_ttl interval not null default interval '10 minutes',
  created_at timestamptz not null default now(),
  -- The currency a venue takes deposits in (Stripe's lower-case ISO code); amounts from Stripe
  -- are in its smallest unit (pence; yen are whole).
  currency text not null default 'gbp' check (currency ~ '^[a-z]{3}$'),
  -- A guest changes their own booking until this long before it starts (staff at any time).
  modify_cutoff interval not null default interval '2 hours'
    check (modify_cutoff between interval '0 minutes' and interval '7 days'),
  -- A request waits this long for a manager (never past the booking's start), then lapses.
  approval_ttl interval not null default interval '15 minutes'
    check (approval_ttl between interval '1 minute' and interval '7 days'),
  -- A check-in or a no-show can be undone for this long after it was recorded.
  undo_window interval not null default interval '15 minutes'
    check (undo_window between interval '0 minutes' and interval '24 hours'),
  audit_retention interval not null default interval '400 days'
    check (audit_retention >= interval '30 days'),
  claims_retention interval not null default interval '400 days'
    check (claims_retention >= interval '30 days')
);

comment on table public.venues is
  'A bookable venue. Opening hours are local (timezone); a night that closes before it opens ends the next morning.';

comment on column public.venues.audit_retention is 'How long audit rows are kept (private.prune_history); at least 30 days.';
comment on column public.venues.claims_retention is
  'How long claims (booking_tables) are kept after their period ends (private.prune_history); at least 30 days.';

create index venues_club_id_idx on public.venues (club_id);

alter table public.venues enable row level security;

grant select on public.venues to anon, authenticated;

grant select, insert, update, delete on public.venues to service_role;

comment on column public.venues.currency is 'Deposits are charged in this currency (ISO 4217, lower case, as Stripe).';

comment on column public.venues.modify_cutoff is 'A guest may change their own booking until this long before it starts.';

comment on column public.venues.approval_ttl is 'How long a request waits for approval (never past its start) before it lapses.';

comment on column public.venues.undo_window is 'How long after a check-in or a no-show staff may undo it.';

create table public.floors (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  name text not null,
  level int not null default 0,
  unique (venue_id, name)
);

comment on table public.floors is 'A floor of a venue (e.g. upstairs, downstairs).';

alter table public.floors enable row level security;

grant select on public.floors to anon, authenticated;

grant select, insert, update, delete on public.floors to service_role;

create table public.venue_tables (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  floor_id uuid not null references public.floors (id),
  table_number int not null check (table_number > 0),
  name text not null,
  capacity_min int not null check (capacity_min >= 1),
  capacity_max int not null check (capacity_max >= capacity_min),
  is_vip boolean not null default false,
  minimum_spend numeric(10, 2) not null default 0 check (minimum_spend >= 0 and private.is_finite_number(minimum_spend)),
  deposit numeric(10, 2) not null default 0 check (deposit >= 0 and private.is_finite_number(deposit)),
  is_shared boolean not null default false,   -- split-capacity section: sells guests, not the table
  adjacent_numbers int[] not null default '{}',
  is_active boolean not null default true,
  unique (venue_id, table_number),
  unique (venue_id, id)
);

comment on table public.venue_tables is
  'A bookable table or section. is_shared sections sell guests against capacity_max instead of one booking per slot.';

create index venue_tables_floor_id_idx on public.venue_tables (floor_id);

alter table public.venue_tables enable row level security;

grant select on public.venue_tables to anon, authenticated;

grant select, insert, update, delete on public.venue_tables to service_role;

create table public.table_combinations (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  name text not null,
  table_ids uuid[] not null check (cardinality(table_ids) >= 2),
  capacity_min int not null check (capacity_min >= 1),
  capacity_max int not null check (capacity_max >= capacity_min),
  unique (venue_id, name)
);

comment on table public.table_combinations is
  'Predefined multi-table combinations (e.g. tables 15+16 for parties of 7-12).';

alter table public.table_combinations enable row level security;

grant select on public.table_combinations to anon, authenticated;

grant select, insert, update, delete on public.table_combinations to service_role;

create table public.venue_slots (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  slot_id text not null check (slot_id ~ '^[a-z0-9_]{1,40}$'),
  label text not null,
  starts_at time not null,            -- local; before venues.opens_at means after midnight
  duration interval not null check (duration > interval '0' and duration <= interval '24 hours'),
  unique (venue_id, slot_id)
);

comment on table public.venue_slots is
  'Named slots of a venue''s night (slot_21_00). A slot starting before the venue opens falls after midnight.';

alter table public.venue_slots enable row level security;

grant select on public.venue_slots to anon, authenticated;

grant select, insert, update, delete on public.venue_slots to service_role;

-- A local wall-clock time on a night, as an instant: a time before the venue opens falls on
-- the next morning; a night outside the calendar raises DATE_OUT_OF_RANGE. A null night
-- still gives null.
create function private.local_instant(p_tz text, p_night date, p_opens time, p_at time)
returns timestamptz
language plpgsql immutable
set search_path = ''
as $$
begin
  if not p_night between date '0001-01-01' and date '9999-12-31' then
    perform private.raise_error('DATE_OUT_OF_RANGE', format('%s is not a night the venue can open', p_night));
  end if;
  return ((p_night + p_at + case when p_at < p_opens then interval '1 day' else interval '0' end)::timestamp)
         at time zone p_tz;
end;
$$;

-- A local wall-clock time on a night, as an instant: a time before the venue opens falls on
-- the next morning; a night outside the calendar raises DATE_OUT_OF_RANGE. A null night
-- still gives null.
comment on function private.local_instant is
  'A local time on a night as an instant (times before opening are the next morning); DATE_OUT_OF_RANGE off the calendar.';

-- The venue's opening hours on a night, or null when it is closed that night.
create function private.night_range(p_venue_id uuid, p_night date)
returns tstzrange
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  select tstzrange(
           private.local_instant(v.timezone, p_night, v.opens_at, v.opens_at),
           private.local_instant(v.timezone, p_night, v.opens_at, v.closes_at),
           '[)')
  from public.venues v
  where v.id = p_venue_id
    and extract(isodow from p_night)::int = any (v.open_days));
end;
$$;

-- The slots of a night that a time range touches, earliest first (all of them for a null
-- range; only p_slot_id's when given). A slot's length is elapsed time, so a 4-hour slot on the night the clocks go back
-- still lasts 4 hours; a slot never runs past closing (on the night the clocks go forward it
-- is cut at closing time).
create function private.slots_overlapping(p_venue_id uuid, p_night date, p_period tstzrange,
                                          p_slot_id text default null)
returns table (slot_id text, slot_period tstzrange)
language plpgsql stable
rows 2  -- a night has a few slots: the planner's default (1000) makes callers' plans look expensive
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  select vs.slot_id, r.period
  from public.venue_slots vs
  join public.venues v on v.id = vs.venue_id
  -- offset 0 keeps the two instants computed once per slot: flattened, the planner copies
  -- the calls into every expression that uses them (a dozen calls per slot).
  cross join lateral (select private.local_instant(v.timezone, p_night, v.opens_at, vs.starts_at) as start,
                             private.local_instant(v.timezone, p_night, v.opens_at, v.closes_at) as closing
                      offset 0) s
  cross join lateral (
    select tstzrange(s.start,
                     case when s.closing > s.start then least(s.start + vs.duration, s.closing)
                          else s.start + vs.duration end, '[)') as period) r
  where vs.venue_id = p_venue_id and (p_slot_id is null or vs.slot_id = p_slot_id)
    and (p_period is null or r.period && p_period)
  order by lower(r.period), vs.slot_id;
end;
$$;

-- A named slot's instants on a night, or null if the venue has no such slot.
create function private.slot_range(p_venue_id uuid, p_night date, p_slot_id text)
returns tstzrange
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  select s.slot_period from private.slots_overlapping(p_venue_id, p_night, null, p_slot_id) s);
end;
$$;

create policy "Anyone can read clubs" on public.clubs for select to anon, authenticated using (true);

create policy "Anyone can read venues" on public.venues for select to anon, authenticated using (true);

create policy "Anyone can read floors" on public.floors for select to anon, authenticated using (true);

create policy "Anyone can read tables" on public.venue_tables for select to anon, authenticated using (true);

create policy "Anyone can read table combinations" on public.table_combinations for select to anon, authenticated using (true);

create policy "Anyone can read slots" on public.venue_slots for select to anon, authenticated using (true);

-- The nights a venue can have: inside the calendar years 1-9999 (so not +-infinity: found by
-- the bad-input property tests, such dates reached the date arithmetic and the lock keys and
-- answered SQLSTATE 22008 instead of DATE_OUT_OF_RANGE).
create function private.is_calendar_night(p_night date) returns boolean
language sql immutable
set search_path = ''
as $$ select p_night between date '0001-01-01' and date '9999-12-31' $$;

-- The nights a venue can have: inside the calendar years 1-9999 (so not +-infinity: found by
-- the bad-input property tests, such dates reached the date arithmetic and the lock keys and
-- answered SQLSTATE 22008 instead of DATE_OUT_OF_RANGE).
comment on function private.is_calendar_night is
  'Whether a night is a real calendar date (years 1-9999), not infinity or beyond timestamp arithmetic.';

-- An instant as the venue's staff read it: local time with the zone (Fri 18 Dec 23:30 Europe/London).
create function private.local_text(p_venue_id uuid, p_at timestamptz) returns text
language sql stable set search_path = ''
as $$
  select to_char(p_at at time zone v.timezone, 'Dy DD Mon HH24:MI') || ' ' || v.timezone
  from public.venues v where v.id = p_venue_id
$$;

-- Can these tables be sold together? A predefined combination, or one floor whose tables
-- form a chain of neighbours. Returns the capacity range to sell them at, or no row.
create function private.combination_capacity(p_venue_id uuid, p_table_ids uuid[])
returns table (capacity_min int, capacity_max int)
language plpgsql stable
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  select tc.capacity_min, tc.capacity_max
  from public.table_combinations tc
  where tc.venue_id = p_venue_id
    and tc.table_ids @> p_table_ids and tc.table_ids <@ p_table_ids
  union all
  select sum(t.capacity_min)::int, sum(t.capacity_max)::int
  from public.venue_tables t
  where t.venue_id = p_venue_id and t.id = any (p_table_ids)
    and not exists (select 1 from public.table_combinations tc
                    where tc.venue_id = p_venue_id and tc.table_ids @> p_table_ids and tc.table_ids <@ p_table_ids)
  having count(distinct t.floor_id) = 1
     and not bool_or(t.is_shared)
     and count(*) = cardinality(p_table_ids)
     and bool_and(exists (select 1 from public.venue_tables n
                          where n.venue_id = p_venue_id and n.id = any (p_table_ids)
                            and n.table_number = any (t.adjacent_numbers)))
  limit 1;
end;
$$;

-- The capacity range a set of tables is sold at: one table's own (from 1 for a shared
-- section), else the combination's; no row when the tables can't be sold together.
create function private.tables_capacity(p_venue_id uuid, p_table_ids uuid[])
returns table (capacity_min int, capacity_max int)
language plpgsql stable
set search_path = ''
as $$
#variable_conflict use_column
begin
  if cardinality(p_table_ids) = 1 then
    return query select case when t.is_shared then 1 else t.capacity_min end, t.capacity_max
                 from public.venue_tables t where t.id = p_table_ids[1] and t.venue_id = p_venue_id;
  else
    return query select c.capacity_min, c.capacity_max from private.combination_capacity(p_venue_id, p_table_ids) c;
  end if;
end;
$$;
-- The detail for a slot a venue does not have: the slots it does have.
create function private.unknown_slot(p_venue_id uuid, p_slot_id text) returns text
language sql stable set search_path = ''
as $$
  select format('unknown slot %s; slots here are %s', left(p_slot_id, 40),
                coalesce(string_agg(s.slot_id, ', ' order by s.starts_at < v.opens_at, s.starts_at), 'none'))
  from public.venues v left join public.venue_slots s on s.venue_id = v.id
  where v.id = p_venue_id
  group by v.id
$$;
