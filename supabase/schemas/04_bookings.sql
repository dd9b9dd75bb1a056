-- =============================================================================================
-- Bookings: what a night holds, and the locks that keep it consistent
-- =============================================================================================
-- The night's records (bookings, their table claims, blocks, waitlist entries) with their
-- RLS and grants, the queues the commit-time events read, the venue-night and table locks
-- every writer takes, and the history of every booking and claim (the floor at a past instant). The triggers on bookings and claims are wired in
-- 11_booking_triggers.sql, once every function they call exists.

-- Enums, so that the generated TypeScript types (postgres-meta) and PostgREST's OpenAPI
-- show each set as a union of its values rather than text.
create type public.booking_status as enum (
  'held', 'pending_approval', 'confirmed', 'checked_in', 'no_show', 'expired', 'cancelled', 'rejected');

comment on type public.booking_status is 'A booking''s status (the status machine is on public.bookings).';

create type public.block_kind as enum ('maintenance', 'vip_override', 'private_event', 'other');

comment on type public.block_kind is 'Why staff blocked a table.';

-- The functions write these columns from text values: text converts on assignment (an unknown
-- value fails with 22P02, invalid input); reading one as text takes an explicit ::text.
create cast (text as public.booking_status) with inout as assignment;

create cast (text as public.block_kind) with inout as assignment;

create table public.bookings (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  customer_id uuid not null references public.customers (id),
  reference text not null unique check (reference ~ '^BR-[0-9]{6}-[A-Z0-9]{6}$'),
  status public.booking_status not null default 'held',
  booking_date date not null,              -- the night (local date the night starts on)
  period tstzrange not null check (not isempty(period) and lower_inc(period) and not upper_inc(period)),
  party_size int not null,
  deposit_total numeric(10, 2) not null default 0
    check (deposit_total >= 0 and private.is_finite_number(deposit_total)),
  minimum_spend_total numeric(10, 2) not null default 0
    check (minimum_spend_total >= 0 and private.is_finite_number(minimum_spend_total)),
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
  updated_at timestamptz not null default now(),
  -- The payment provider (the stripe-webhook Edge Function) reports payments here. A deposit for
  -- a live hold submits it. A deposit that arrives after its hold expired is reconciled: the
  -- same tables are held again for the guest and submitted if they are still free; otherwise
  -- the payment is flagged for refund and the guest is offered alternatives.
  reconciled_from uuid references public.bookings (id),
  refund_status text check (refund_status in ('refund_due', 'refunded')),
  reconciliation jsonb,
  approval_expires_at timestamptz,         -- a request lapses here (pending_approval only)
  status_changed_at timestamptz not null default now(),  -- when and by whom the status was last set
  status_changed_by uuid,
  arrived_count int check (arrived_count between 1 and 50),  -- how many of the party came in
  -- What a change of tables left owed on a paid deposit: > 0 the guest owes it, < 0 it is the
  -- guest's to be refunded.
  deposit_balance numeric(10, 2) not null default 0 check (private.is_finite_number(deposit_balance))
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

alter table public.bookings enable row level security;

grant select on public.bookings to authenticated;

grant select, insert, update, delete on public.bookings to service_role;

comment on column public.bookings.reconciled_from is 'The expired hold whose late deposit this booking took over.';

comment on column public.bookings.refund_status is 'refund_due: a payment arrived that no booking can keep.';

comment on column public.bookings.approval_expires_at is
  'A pending request lapses at this instant (the venue''s approval_ttl after it was made, never past its start).';

comment on column public.bookings.status_changed_at is 'When the status was last set (an undo counts from it).';

comment on column public.bookings.status_changed_by is 'Who last set the status (null: the system).';

comment on column public.bookings.arrived_count is 'How many of the party checked in (null until check-in).';

comment on column public.bookings.deposit_balance is
  'After a change of tables on a paid deposit: > 0 still due from the guest, < 0 refundable to them.';

create index bookings_pending_expiry_idx on public.bookings (approval_expires_at) where status = 'pending_approval';

create index bookings_reconciled_from_idx on public.bookings (reconciled_from) where reconciled_from is not null;

create index bookings_promoter_idx on public.bookings (venue_id, promoter_code) where promoter_code is not null;

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

alter table public.table_blocks enable row level security;

grant select on public.table_blocks to authenticated;

grant select, insert, update, delete on public.table_blocks to service_role;

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
  expires_at timestamptz,                       -- a hold's or request's expiry: past it the claim is dead
  -- a claim its booking let go when it changed tables or time (inactive from then on)
  released_at timestamptz,
  claimed_at timestamptz not null default now(),  -- when the table was taken for this range
  foreign key (venue_id, table_id) references public.venue_tables (venue_id, id),
  check ((booking_id is null) <> (block_id is null)),
  constraint booking_tables_released_inactive check (released_at is null or (booking_id is not null and not is_active)),
  constraint booking_tables_no_overlap exclude using gist (
    venue_id with =, table_id with =, period with &&
  ) where (is_active and is_exclusive)
);

comment on table public.booking_tables is
  'Claims of tables by bookings or blocks. No two active exclusive claims on one table overlap (exclusion constraint).';

create index booking_tables_booking_id_idx on public.booking_tables (booking_id) where booking_id is not null;

create index booking_tables_block_id_idx on public.booking_tables (block_id) where block_id is not null;

create index booking_tables_night_idx on public.booking_tables (venue_id, booking_date, table_id) where is_active;

alter table public.booking_tables enable row level security;

grant select on public.booking_tables to authenticated;

grant select, insert, update, delete on public.booking_tables to service_role;

-- The transaction's commit-time work, queued by statement-level triggers (written by definer
-- code only, so no caller can forge or skip it; unlogged: a row never outlives its
-- transaction). pending_nights: the venue-nights whose lock the transaction takes at commit;
-- its first row for a night queues the deferred trigger that emits the transaction's events
-- (private.emit_slot_events). pending_changes: the claims whose tables' events are due, in
-- the order the changes happened.
create unlogged table private.pending_nights (
  txid xid8 not null default pg_catalog.pg_current_xact_id(),
  venue_id uuid not null,
  booking_date date not null,
  primary key (txid, venue_id, booking_date)
);

comment on table private.pending_nights is
  'The venue-nights the current transaction locks at commit, in (venue, night) order; emptied by its commit-time emission.';

alter table private.pending_nights enable row level security;

create unlogged table private.pending_changes (
  txid xid8 not null default pg_catalog.pg_current_xact_id(),
  seq bigint generated always as identity,
  venue_id uuid not null,
  booking_date date not null,
  period tstzrange not null,
  table_id uuid not null,
  reason text,      -- null: a new claim of a booking, whose reason is read at commit
  booking_id uuid,
  note text,
  frees boolean not null default false,  -- the change gave the table back: offered to the waitlist
  primary key (txid, seq)
);

comment on table private.pending_changes is
  'Claims whose availability events the current transaction emits at commit, in the order they changed.';

alter table private.pending_changes enable row level security;

revoke all on private.pending_nights, private.pending_changes from public;

-- One committer at a time per venue and night: the channel counters of the night are taken
-- under it, and so are the night's waitlist offers and the night's audit chain; the commit-time
-- triggers take it. A transaction that touched several venue-nights (the sweeper, an unblock
-- across nights) takes all of them at its first, in (venue, night) order, so two committers
-- never wait on each other: the statements that changed its rows noted each one in
-- private.pending_nights, and its audit rows their chains in private.pending_audit_chains. The venue's own
-- chain (rows with no night: settings, staff, guest records, erasure) is appended under a
-- venue-level key of the same lock family (the night keys never reach -2^31), taken in the same
-- pass, last: only by a transaction that wrote such a row (staff and admin actions, never a
-- guest's booking), and only for its commit's last steps, so it queues nothing the booking path
-- did not queue before. Taking a lock the transaction already holds again costs nothing. Null
-- arguments: only the noted venue-nights and chains.
create function private.lock_venue_night(p_venue_id uuid, p_night date) returns void
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('events:' || n.venue_id::text),
                                           coalesce(private.night_key(n.booking_date), -2147483648))
  from (select pn.venue_id, pn.booking_date from private.pending_nights pn
        where pn.txid = pg_catalog.pg_current_xact_id()
        union
        select p_venue_id, p_night where p_venue_id is not null
        union
        select c.venue_id, c.chain_night from private.pending_audit_chains c
        where c.txid = pg_catalog.pg_current_xact_id()
        order by 1, 2 offset 0) n;
end;
$$;

-- AFTER STATEMENT on the tables whose changes take the venue-night lock at commit (blocks,
-- waitlist entries; the event triggers note bookings' and claims' nights themselves): note the
-- venue-nights of the rows the statement wrote.
create function private.note_venue_night() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.pending_nights (venue_id, booking_date)
  select distinct n.venue_id, n.booking_date from new_rows n
  on conflict do nothing;
  return null;
end;
$$;

create trigger table_blocks_note_venue_night after insert on public.table_blocks
  referencing new table as new_rows
  for each statement execute function private.note_venue_night();

create trigger table_blocks_note_venue_night_on_update after update on public.table_blocks
  referencing new table as new_rows
  for each statement execute function private.note_venue_night();

-- Concurrency: a booking first takes a transaction advisory lock per (table, night), in
-- table-id order, so two requests for one table queue instead of racing, and requests for
-- different tables never wait on each other. Under the lock it expires dead holds (lazily:
-- an expired hold never blocks anyone, sweeper or not), checks, then inserts. The exclusion
-- constraint on booking_tables is the backstop for every other path. Locks are always taken
-- in the order customer -> tables -> booking rows -> venue-night (at commit); waitlist offers,
-- made at commit under the venue-night lock, only try-lock guests, tables and entries.

-- The advisory lock keys: a 32-bit hash of the thing, and the night as days since 2000.
create function private.lock_key(p_id uuid) returns int
language plpgsql immutable
set search_path = ''
as $$
begin
  return pg_catalog.hashtext(p_id::text);
end;
$$;

grant execute on function private.lock_key(uuid) to service_role;

-- The advisory lock key of a night (days since 2000); DATE_OUT_OF_RANGE off the calendar (as
-- private.local_instant).
create function private.night_key(p_night date) returns int
language plpgsql immutable
set search_path = ''
as $$
begin
  if not p_night between date '0001-01-01' and date '9999-12-31' then
    perform private.raise_error('DATE_OUT_OF_RANGE', format('%s is not a night the venue can open', p_night));
  end if;
  return p_night - date '2000-01-01';
end;
$$;

comment on function private.night_key is 'The advisory lock key of a night: days since 2000-01-01.';

grant execute on function private.night_key(date) to service_role;

-- Lock a guest (when given) and tables for a night, in a fixed order (the guest first, then
-- the tables by sorted id) so that lockers never deadlock. One statement: the subquery's order,
-- kept by the scan over it, is the order the locks are taken in.
create function private.lock_tables(p_table_ids uuid[], p_night date, p_customer_id uuid default null)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(k.key, private.night_key(p_night))
  from (select l.key from (select 0 as ord, null::uuid as id, private.lock_key(p_customer_id) as key
                           where p_customer_id is not null
                           union all
                           select 1, t, private.lock_key(t) from unnest(p_table_ids) t) l
        order by l.ord, l.id offset 0) k;
end;
$$;

-- The occasions a waitlist entry may name (seed 004's "special occasion"): a fixed list of
-- codes, so the +100 is for a real occasion, never for any text at all.
create function private.occasion_codes() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['birthday', 'anniversary', 'engagement', 'wedding', 'graduation', 'hen_party', 'stag_party',
               'leaving_party', 'corporate']
$$;

comment on function private.occasion_codes is 'The occasions join_waitlist accepts (each earns the +100 of seed 004).';

create policy "Guests read their own bookings; hosts, their venues' bookings" on public.bookings
  for select to authenticated using (
    customer_id = (select private.my_customer_id())
    or venue_id = any ((select private.staff_venue_ids('host'))::uuid[]));

create policy "Guests read their bookings' tables; staff, their venues' claims" on public.booking_tables
  for select to authenticated using (
    booking_id in (select b.id from public.bookings b where b.customer_id = (select private.my_customer_id()))
    or venue_id = any ((select private.staff_venue_ids('door'))::uuid[]));

create policy "Staff can read their venues' blocks" on public.table_blocks
  for select to authenticated using (venue_id = any ((select private.staff_venue_ids('door'))::uuid[]));

grant usage, select on sequence public.booking_tables_id_seq to service_role;

-- PII by role: signed-in users read bookings and customers through RLS, but never a
-- booking's payment reference (nor the late-payment reconciliation that repeats it), a
-- guest's date of birth, or the Auth account behind a guest record (user_id: staff reading a
-- guest through a booking learn nothing about their account) from the tables (managers see
-- payments in get_availability's staff view; guests see both in export_customer_data).
-- Column grants are computed from the catalogue so columns added later stay readable.
do $columns$
declare
  v_hidden record;
begin
  for v_hidden in
    select * from (values ('bookings', array['payment_reference', 'payment_intent_id', 'reconciliation']),
                          ('customers', array['date_of_birth', 'user_id'])) as h(table_name, columns)
  loop
    execute format('revoke select on public.%I from authenticated', v_hidden.table_name);
    execute format('grant select (%s) on public.%I to authenticated',
      (select string_agg(quote_ident(a.attname), ', ' order by a.attnum)
       from pg_catalog.pg_attribute a
       where a.attrelid = format('public.%I', v_hidden.table_name)::regclass
         and a.attnum > 0 and not a.attisdropped and a.attname <> all (v_hidden.columns)),
      v_hidden.table_name);
  end loop;
end
$columns$;
create type public.waitlist_status as enum ('waiting', 'offered', 'accepted', 'expired', 'cancelled');

comment on type public.waitlist_status is 'A waitlist entry''s status.';

create cast (text as public.waitlist_status) with inout as assignment;

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

alter table public.waitlist_entries enable row level security;

grant select on public.waitlist_entries to authenticated;

grant select, insert, update, delete on public.waitlist_entries to service_role;

create trigger waitlist_entries_note_venue_night after insert on public.waitlist_entries
  referencing new table as new_rows
  for each statement execute function private.note_venue_night();

create policy "Guests read their own waitlist entries; hosts, their venues'" on public.waitlist_entries
  for select to authenticated using (
    customer_id = (select private.my_customer_id())
    or venue_id = any ((select private.staff_venue_ids('host'))::uuid[]));

-- Try to lock tables for a night without waiting; true only if every lock was taken.
create function private.try_lock_tables(p_table_ids uuid[], p_night date) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
begin
  foreach v_id in array (select array_agg(t order by t) from unnest(p_table_ids) t) loop
    if not pg_catalog.pg_try_advisory_xact_lock(private.lock_key(v_id), private.night_key(p_night)) then
      return false;
    end if;
  end loop;
  return true;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- History: every version of the claims and bookings, for the floor at any past instant
-- ---------------------------------------------------------------------------------------------
-- Claims are never deleted, but a claim's activity, range, expiry and party change, and a
-- booking's status changes without touching its claims (pending_approval -> confirmed ->
-- checked_in). private.get_availability_at rebuilds a slot as it was at a past instant from
-- these two tables (events are pruned; these are not). Each statement that writes a booking or
-- a claim appends one version per row it wrote (the triggers are wired in
-- 11_booking_triggers.sql), stamped with the database clock (private.now(): the clock every
-- hold's expiry is read against), and a version holds until the next version of its row: the
-- *_versions views give each its validity range. Appending, never closing the previous version,
-- keeps the cost on the booking path to one insert per statement and no update. Only what a
-- snapshot shows is kept (no guest's words: the booking's notes stay out).
create table private.claim_history (
  id bigint generated always as identity primary key,
  claim_id bigint not null,           -- public.booking_tables.id
  venue_id uuid not null,
  booking_date date not null,
  valid_from timestamptz not null,
  table_id uuid not null,
  booking_id uuid,
  block_id uuid,
  period tstzrange not null,
  party_size int not null,
  is_exclusive boolean not null,
  is_active boolean not null,
  expires_at timestamptz
);

comment on table private.claim_history is
  'Every version of every claim (public.booking_tables), appended by the statement that wrote it; valid from valid_from until the claim''s next version (private.claim_versions).';

-- (venue, night) first: a replay reads one night's versions, in each claim's order.
create index claim_history_night_idx on private.claim_history (venue_id, booking_date, claim_id, id);

alter table private.claim_history enable row level security;

create table private.booking_history (
  id bigint generated always as identity primary key,
  booking_id uuid not null,
  venue_id uuid not null,
  booking_date date not null,
  valid_from timestamptz not null,
  status public.booking_status not null,
  party_size int not null,
  customer_id uuid not null,
  hold_expires_at timestamptz,
  deposit_paid_at timestamptz,
  payment_reference text,
  updated_by uuid
);

comment on table private.booking_history is
  'Every version of what a snapshot shows of a booking (status, party, guest, hold expiry, payment, who changed it), appended by the statement that wrote it; valid until the booking''s next version (private.booking_versions).';

create index booking_history_night_idx on private.booking_history (venue_id, booking_date, booking_id, id);

alter table private.booking_history enable row level security;

-- Each version's validity range: from its valid_from (or, should a later-committed version carry
-- an earlier clock, from the newest valid_from before it: versions follow the order they were
-- written) to the next version's. Partitioned by (venue, night, row), so a condition on the
-- venue and night reaches the index.
create view private.claim_versions with (security_invoker = true) as
select v.claim_id, v.venue_id, v.booking_date, v.table_id, v.booking_id, v.block_id, v.period, v.party_size,
       v.is_exclusive, v.is_active, v.expires_at,
       tstzrange(v.since, lead(v.since) over w) as valid
from (select h.*, max(h.valid_from) over w as since
      from private.claim_history h
      window w as (partition by h.venue_id, h.booking_date, h.claim_id order by h.id)) v
window w as (partition by v.venue_id, v.booking_date, v.claim_id order by v.id);

comment on view private.claim_versions is 'Each version of each claim with its validity range (valid: from, to the next version).';

create view private.booking_versions with (security_invoker = true) as
select v.booking_id, v.venue_id, v.booking_date, v.status, v.party_size, v.customer_id, v.hold_expires_at,
       v.deposit_paid_at, v.payment_reference, v.updated_by,
       tstzrange(v.since, lead(v.since) over w) as valid
from (select h.*, max(h.valid_from) over w as since
      from private.booking_history h
      window w as (partition by h.venue_id, h.booking_date, h.booking_id order by h.id)) v
window w as (partition by v.venue_id, v.booking_date, v.booking_id order by v.id);

comment on view private.booking_versions is 'Each version of each booking with its validity range (valid: from, to the next version).';

-- The first night whose history (claims and their versions, bookings' versions) the venue still
-- keeps: retention (private.prune_history) removes a night's history once the night ended more
-- than the venue's claims_retention ago. A night ends before the second midnight after its date
-- (one that closes before it opens ends the next morning), so the nights before the day before
-- (now - claims_retention), in the venue's zone, have ended: those are the ones pruned.
create function private.history_kept_since(p_venue_id uuid) returns date
language sql stable
set search_path = ''
as $$
  select ((private.now() - v.claims_retention) at time zone v.timezone)::date - 1
  from public.venues v where v.id = p_venue_id
$$;

comment on function private.history_kept_since is
  'The first night whose claims and history the venue keeps (claims_retention); earlier nights are pruned.';

-- AFTER STATEMENT on booking_tables (insert, update): a version of each claim the statement wrote.
create function private.keep_claim_history() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.claim_history (claim_id, venue_id, booking_date, valid_from, table_id, booking_id, block_id,
                                     period, party_size, is_exclusive, is_active, expires_at)
  select n.id, n.venue_id, n.booking_date, (select private.now()), n.table_id, n.booking_id, n.block_id,
         n.period, n.party_size, n.is_exclusive, n.is_active, n.expires_at
  from new_rows n
  order by n.id;
  return null;
end;
$$;

-- AFTER STATEMENT on bookings (insert, update): a version of each booking the statement wrote.
create function private.keep_booking_history() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.booking_history (booking_id, venue_id, booking_date, valid_from, status, party_size,
                                       customer_id, hold_expires_at, deposit_paid_at, payment_reference, updated_by)
  select n.id, n.venue_id, n.booking_date, (select private.now()), n.status, n.party_size,
         n.customer_id, n.hold_expires_at, n.deposit_paid_at, n.payment_reference, n.updated_by
  from new_rows n
  order by n.id;
  return null;
end;
$$;
