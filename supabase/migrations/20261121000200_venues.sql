-- =====================================================================================
-- Venues: club -> venue -> floor -> table, combinations and named slots
-- =====================================================================================

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

create table public.clubs (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  slug text not null unique check (slug ~ '^[a-z0-9-]{1,64}$'),
  created_at timestamptz not null default now()
);
comment on table public.clubs is 'A club (brand) that runs one or more venues.';

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
  created_at timestamptz not null default now()
);
comment on table public.venues is
  'A bookable venue. Opening hours are local (timezone); a night that closes before it opens ends the next morning.';
create index venues_club_id_idx on public.venues (club_id);

create table public.floors (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  name text not null,
  level int not null default 0,
  unique (venue_id, name)
);
comment on table public.floors is 'A floor of a venue (e.g. upstairs, downstairs).';

create table public.venue_tables (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  floor_id uuid not null references public.floors (id),
  table_number int not null check (table_number > 0),
  name text not null,
  capacity_min int not null check (capacity_min >= 1),
  capacity_max int not null check (capacity_max >= capacity_min),
  is_vip boolean not null default false,
  minimum_spend numeric(10, 2) not null default 0 check (minimum_spend >= 0),
  deposit numeric(10, 2) not null default 0 check (deposit >= 0),
  is_shared boolean not null default false,   -- split-capacity section: sells guests, not the table
  adjacent_numbers int[] not null default '{}',
  is_active boolean not null default true,
  unique (venue_id, table_number),
  unique (venue_id, id)
);
comment on table public.venue_tables is
  'A bookable table or section. is_shared sections sell guests against capacity_max instead of one booking per slot.';
create index venue_tables_floor_id_idx on public.venue_tables (floor_id);

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
