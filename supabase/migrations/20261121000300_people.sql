-- =====================================================================================
-- People: customers (guests, with or without an account) and venue staff
-- =====================================================================================

create table public.customers (
  id uuid primary key default gen_random_uuid(),
  club_id uuid references public.clubs (id),   -- the club whose staff made the record; null: an account's own
  user_id uuid unique references auth.users (id) on delete set null,
  email text,
  phone text,
  full_name text,
  date_of_birth date,
  created_at timestamptz not null default now(),
  forgotten_at timestamptz
);
comment on table public.customers is
  'A guest. user_id links a Supabase Auth account; guests booked by staff may have none. PII: email, phone, full_name, date_of_birth.';
comment on column public.customers.club_id is
  'Clubs are tenants: a guest record staff made belongs to their club (null for an account holder''s own profile).';
-- One profile per email among account holders, and one guest record per email in each club:
-- a club's lookup by email never finds another club's guest or an account holder's profile.
create unique index customers_email_key on public.customers (lower(email)) where email is not null and club_id is null;
create unique index customers_club_email_key on public.customers (club_id, lower(email))
  where email is not null and club_id is not null;

create type public.staff_role as enum ('door', 'host', 'manager', 'admin');
comment on type public.staff_role is 'A staff member''s role at a venue, least to most trusted.';
-- Written from text on assignment, as the booking enums are (20261121000400).
create cast (text as public.staff_role) with inout as assignment;

create table public.staff_members (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.staff_role not null,
  created_at timestamptz not null default now(),
  unique (user_id, venue_id)
);
comment on table public.staff_members is
  'Venue staff and their role there: door < host < manager < admin.';
create index staff_members_venue_id_idx on public.staff_members (venue_id);
