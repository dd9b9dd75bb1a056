-- =====================================================================================
-- Bookings, their table claims (the exclusion constraint), blocks and the waitlist
-- =====================================================================================

-- ---------- closed sets ----------
-- Enums, so that the generated TypeScript types (postgres-meta) and PostgREST's OpenAPI
-- show each set as a union of its values rather than text.
create type public.booking_status as enum (
  'held', 'pending_approval', 'confirmed', 'checked_in', 'no_show', 'expired', 'cancelled', 'rejected');
comment on type public.booking_status is 'A booking''s status (the status machine is on public.bookings).';
create type public.block_kind as enum ('maintenance', 'vip_override', 'private_event', 'other');
comment on type public.block_kind is 'Why staff blocked a table.';
create type public.waitlist_status as enum ('waiting', 'offered', 'accepted', 'expired', 'cancelled');
comment on type public.waitlist_status is 'A waitlist entry''s status.';
-- The functions write these columns from text values: text converts on assignment (an unknown
-- value fails with 22P02, invalid input); reading one as text takes an explicit ::text.
create cast (text as public.booking_status) with inout as assignment;
create cast (text as public.block_kind) with inout as assignment;
create cast (text as public.waitlist_status) with inout as assignment;

create table public.bookings (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  customer_id uuid not null references public.customers (id),
  reference text not null unique check (reference ~ '^BR-[0-9]{6}-[A-Z0-9]{6}$'),
  status public.booking_status not null default 'held',
  booking_date date not null,              -- the night (local date the night starts on)
  period tstzrange not null check (not isempty(period) and lower_inc(period) and not upper_inc(period)),
  party_size int not null,
  deposit_total numeric(10, 2) not null default 0,
  minimum_spend_total numeric(10, 2) not null default 0,
  payment_reference text,                  -- the payment that paid the deposit (a Stripe PaymentIntent id)
  deposit_paid_at timestamptz,             -- set only when money arrived (the webhook) or staff took it
  payment_method text check (payment_method in ('stripe', 'cash', 'card_terminal', 'bank_transfer')),
  payment_intent_id text,                  -- a PaymentIntent the guest attached: waits for the webhook
  hold_expires_at timestamptz,
  status_reason text,                      -- why it has its status: a code of private.reason_codes
  status_note text,                        -- staff's or the guest's own words for it (never public)
  special_requests text,
  occasion text,
  promoter_code text,
  idempotency_key text,
  created_by uuid,
  updated_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.bookings is
  'A booking of one or more tables for a time range of one night. Status machine: held -> pending_approval -> confirmed -> checked_in | no_show; held -> expired; open -> cancelled; pending_approval -> rejected.';
comment on column public.bookings.status_reason is
  'Why the booking has its status: a code from private.reason_codes (public events carry it).';
comment on column public.bookings.status_note is
  'Free text given with the last transition (a reject or cancel reason, a hand edit''s clubbooking.reason): staff and the guest only.';
create index bookings_customer_night_idx on public.bookings (customer_id, booking_date);
create index bookings_venue_night_idx on public.bookings (venue_id, booking_date);
create index bookings_held_expiry_idx on public.bookings (hold_expires_at) where status = 'held';
create unique index bookings_idempotency_key on public.bookings (customer_id, idempotency_key)
  where idempotency_key is not null;

create table public.table_blocks (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  table_id uuid not null references public.venue_tables (id),
  booking_date date not null,
  period tstzrange not null check (not isempty(period)),
  kind public.block_kind not null default 'maintenance',
  reason text,
  release_at timestamptz,           -- opens to the public at this time if still unsold
  is_active boolean not null default true,
  created_by uuid,
  created_at timestamptz not null default now(),
  released_at timestamptz
);
comment on table public.table_blocks is 'A staff block on a table for a time range (maintenance, VIP override, private event).';
create index table_blocks_venue_night_idx on public.table_blocks (venue_id, booking_date);
create index table_blocks_table_id_idx on public.table_blocks (table_id);

-- The claim ledger: every active claim on a table, from a booking or a block. The exclusion
-- constraint is what makes a double booking impossible from any path (RPC, Studio, plain
-- SQL). The booking functions lock the tables first, so the constraint is the backstop.
create table public.booking_tables (
  id bigint generated always as identity primary key,
  venue_id uuid not null,
  table_id uuid not null,
  booking_id uuid references public.bookings (id),
  block_id uuid references public.table_blocks (id),
  booking_date date not null,
  period tstzrange not null,
  party_size int not null default 0,
  is_exclusive boolean not null default true,   -- false for split-capacity sections
  is_active boolean not null default true,
  expires_at timestamptz,                       -- a hold's expiry: past it the claim is dead
  foreign key (venue_id, table_id) references public.venue_tables (venue_id, id),
  check ((booking_id is null) <> (block_id is null)),
  constraint booking_tables_no_overlap exclude using gist (
    venue_id with =, table_id with =, period with &&
  ) where (is_active and is_exclusive)
);
comment on table public.booking_tables is
  'Claims of tables by bookings or blocks. No two active exclusive claims on one table overlap (exclusion constraint).';
create index booking_tables_booking_id_idx on public.booking_tables (booking_id) where booking_id is not null;
create index booking_tables_block_id_idx on public.booking_tables (block_id) where block_id is not null;
create index booking_tables_night_idx on public.booking_tables (venue_id, booking_date, table_id) where is_active;

create table public.waitlist_entries (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  customer_id uuid not null references public.customers (id),
  booking_date date not null,
  slot_id text not null,
  party_size int not null check (party_size between 1 and 50),
  occasion text,
  priority_score int not null default 0 check (priority_score between 0 and 1000),
  status public.waitlist_status not null default 'waiting',
  offered_booking_id uuid references public.bookings (id),
  offer_expires_at timestamptz,
  created_at timestamptz not null default now()
);
comment on table public.waitlist_entries is 'Guests waiting for a slot, best priority_score first; offered a hold when a table frees.';
create index waitlist_entries_slot_idx on public.waitlist_entries (venue_id, booking_date, slot_id, status);
create index waitlist_entries_customer_id_idx on public.waitlist_entries (customer_id);
create index waitlist_entries_offered_booking_id_idx on public.waitlist_entries (offered_booking_id);
