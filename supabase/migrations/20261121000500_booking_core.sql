-- =====================================================================================
-- Booking core: claims, locks, rules, holds, transitions
-- =====================================================================================
-- Released in v0.1.0 and frozen: the source is supabase/schemas/, changes are forward migrations.

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
  updated_at timestamptz not null default now(),
  -- The payment provider (the stripe-webhook Edge Function) reports payments here. A deposit for
  -- a live hold submits it. A deposit that arrives after its hold expired is reconciled: the
  -- same tables are held again for the guest and submitted if they are still free; otherwise
  -- the payment is flagged for refund and the guest is offered alternatives.
  reconciled_from uuid references public.bookings (id),
  refund_status text check (refund_status in ('refund_due', 'refunded')),
  reconciliation jsonb
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

alter table private.pending_nights enable row level security;

alter table private.pending_changes enable row level security;

revoke all on private.pending_nights, private.pending_changes from public;

-- One committer at a time per venue and night: the channel counters of the night are taken
-- under it, and so are the night's waitlist offers; the commit-time triggers take it. A
-- transaction that touched several venue-nights (the sweeper, an unblock across nights) takes
-- all of them at its first, in (venue, night) order, so two committers never wait on each
-- other: the statements that changed its rows noted each one in private.pending_nights.
-- Taking a lock the transaction already holds again costs nothing. Null arguments: only the
-- noted venue-nights.
create function private.lock_venue_night(p_venue_id uuid, p_night date) returns void
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('events:' || n.venue_id::text),
                                           private.night_key(n.booking_date))
  from (select pn.venue_id, pn.booking_date from private.pending_nights pn
        where pn.txid = pg_catalog.pg_current_xact_id()
        union
        select p_venue_id, p_night where p_venue_id is not null
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

-- The booking state machine: may a booking move from p_from to p_to?
create function private.is_valid_transition(p_from text, p_to text) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  return (p_from, p_to) in (
      ('held', 'pending_approval'), ('held', 'confirmed'), ('held', 'expired'), ('held', 'cancelled'),
      ('pending_approval', 'confirmed'), ('pending_approval', 'rejected'), ('pending_approval', 'cancelled'),
      ('confirmed', 'checked_in'), ('confirmed', 'no_show'), ('confirmed', 'cancelled'));
end;
$$;

-- A status change on any path (an RPC, Studio, plain SQL): the state machine, a reason, and the
-- deposit and approval rules. The RPCs set status_reason to a code of private.reason_codes
-- (and any free text in status_note). By hand, the reason is either free text in status_reason
-- (kept as the note, the code becomes manual_change) or, leaving status_reason alone, the
-- transaction-local setting clubbooking.reason (Studio: `select set_config('clubbooking.reason',
-- 'why', true);` in the same transaction); without one the change is refused. Table-holding
-- statuses beyond held need the deposit paid, and held -> confirmed a venue that auto-confirms.
create function private.check_status_change(p_old public.bookings, p_new inout public.bookings)
language plpgsql
set search_path = ''
as $$
declare
  v_note text := nullif(trim(current_setting('clubbooking.reason', true)), '');
begin
  if not private.is_valid_transition(p_old.status::text, p_new.status::text) then
    perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot become %s', p_old.status, p_new.status));
  end if;
  if p_new.status_reason is not distinct from p_old.status_reason then
    if v_note is null then
      perform private.raise_error('INVALID_INPUT',
        'a status change needs a reason: set status_reason, or clubbooking.reason in the same transaction');
    end if;
    p_new.status_reason := 'manual_change';
    p_new.status_note := left(v_note, 500);
  elsif p_new.status_reason is null or not p_new.status_reason = any (private.reason_codes()) then
    p_new.status_note := left(coalesce(p_new.status_reason, v_note), 500);
    p_new.status_reason := 'manual_change';
  end if;
  if p_new.status in ('pending_approval', 'confirmed') and p_new.deposit_total > 0 and p_new.deposit_paid_at is null then
    perform private.raise_error('INVALID_TRANSITION',
      format('a deposit of %s is due: only a payment that arrived (or one staff took) pays it', p_new.deposit_total));
  end if;
  if p_old.status = 'held' and p_new.status = 'confirmed'
     and (select v.requires_approval from public.venues v where v.id = p_new.venue_id) then
    perform private.raise_error('INVALID_TRANSITION', 'this venue approves requests: submit it, then approve it');
  end if;
end;
$$;

-- BEFORE INSERT OR UPDATE on bookings, for every path (RPC, Studio, plain SQL): the night is
-- neither past nor beyond the horizon, the party is 1-50 (and, changed later, fits the
-- tables), the range is inside opening hours, the guest is old enough, status changes follow
-- private.check_status_change, a booking never moves to another venue, night or time (its
-- claims are that), and a deposit is marked paid only by the payment functions. Raises
-- contract codes.
create function private.validate_booking_constraints() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_venue public.venues;
  v_now timestamptz := private.now();
  v_today date;
  v_dob date;
  v_night tstzrange;
  v_capacity record;
begin
  new.updated_at := now();
  new.updated_by := (select auth.uid());
  if (case when tg_op = 'INSERT' then num_nonnulls(new.deposit_paid_at, new.payment_reference, new.payment_method) > 0
           else (new.deposit_paid_at, new.payment_reference, new.payment_method)
                is distinct from (old.deposit_paid_at, old.payment_reference, old.payment_method) end)
     and not private.has_transaction_flag('deposit_payment') then
    perform private.raise_error('NOT_AUTHORIZED',
      'a deposit is paid by the payment webhook, or recorded by staff with record_payment');
  end if;
  if tg_op = 'UPDATE' then
    if (new.venue_id, new.booking_date, new.period) is distinct from (old.venue_id, old.booking_date, old.period) then
      perform private.raise_error('INVALID_TRANSITION', 'a booking keeps its venue, night and time: cancel it and book again');
    end if;
    if new.status is distinct from old.status then
      new := private.check_status_change(old, new);
    end if;
    if new.party_size is distinct from old.party_size and new.party_size between 1 and 50
       and not private.has_transaction_flag('capacity_override') then
      select * into v_capacity from private.tables_capacity(new.venue_id,
        array(select bt.table_id from public.booking_tables bt where bt.booking_id = new.id));
      if not new.party_size between v_capacity.capacity_min and v_capacity.capacity_max then
        perform private.raise_error('CAPACITY_MISMATCH', jsonb_build_object(
          'party_size', new.party_size, 'capacity_min', v_capacity.capacity_min,
          'capacity_max', v_capacity.capacity_max)::text);
      end if;
    end if;
    if (new.party_size, new.customer_id) is not distinct from (old.party_size, old.customer_id) then
      return new;
    end if;
  end if;

  select * into v_venue from public.venues v where v.id = new.venue_id;
  if new.party_size is null or new.party_size not between 1 and 50 then
    perform private.raise_error('INVALID_PARTY_SIZE', format('party size must be 1-50, got %s', coalesce(new.party_size::text, 'none')));
  end if;
  if new.period is null or isempty(new.period) or lower(new.period) is null or upper(new.period) is null then
    perform private.raise_error('INVALID_INPUT', 'the end must be after the start');
  end if;
  v_today := (v_now at time zone v_venue.timezone)::date;
  if upper(new.period) <= v_now or new.booking_date < v_today - 1 then
    perform private.raise_error('DATE_OUT_OF_RANGE', format('%s is in the past', new.booking_date));
  end if;
  if new.booking_date > (v_today + v_venue.booking_horizon)::date then
    perform private.raise_error('DATE_OUT_OF_RANGE',
      format('bookings open %s ahead; %s is too far', private.interval_text(v_venue.booking_horizon), new.booking_date));
  end if;
  v_night := private.night_range(new.venue_id, new.booking_date);
  if v_night is null or not v_night @> new.period then
    perform private.raise_error('OUTSIDE_OPERATING_HOURS', case
      when v_night is null then format('the venue is closed on %s nights; it opens on %s nights', to_char(new.booking_date, 'FMDay'),
        (select string_agg(to_char(date '2024-01-01' + d - 1, 'FMDay'), ', ' order by d) from unnest(v_venue.open_days) d))
      else format('the venue is open %s-%s (%s) that night', to_char(v_venue.opens_at, 'HH24:MI'),
                  to_char(v_venue.closes_at, 'HH24:MI'), v_venue.timezone) end);
  end if;
  select c.date_of_birth into v_dob from public.customers c where c.id = new.customer_id;
  if v_dob is not null and v_dob > new.booking_date - make_interval(years => v_venue.min_age) then
    perform private.raise_error('UNDERAGE', format('guests must be %s or over on the night', v_venue.min_age));
  end if;
  return new;
end;
$$;

create trigger trigger_validate_booking_constraints
  before insert or update on public.bookings
  for each row execute function private.validate_booking_constraints();

-- AFTER STATEMENT on bookings (update): the claims of the bookings the statement changed follow
-- them (active while the status holds the tables, expiring with the hold, seating the party),
-- in one update. Named to run first of the statement triggers: the events of the same statement
-- (under SET CONSTRAINTS ALL IMMEDIATE, emitted by the next trigger) read the claims.
-- A statement's plan is made at a session's first call and kept, whatever the size of the
-- transition tables then: so no join of two transition tables or of one with a big table
-- whose method depends on their size. The claims are found by index from the array of the
-- bookings' ids, and each booking's values looked up in a map of them (a sweep of 10,000 holds
-- after a single booking in the same session still takes milliseconds, not a nested loop).
create function private.claims_follow_booking() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  with changed as materialized (
    select array_agg(n.id) as ids,
           jsonb_object_agg(n.id, jsonb_build_object('active', private.table_state(n.status) <> 'available',
             'expires_at', case when n.status = 'held' then n.hold_expires_at end, 'party_size', n.party_size)) as m
    from new_rows n)
  update public.booking_tables bt
     set is_active = (c.m -> bt.booking_id::text ->> 'active')::boolean,
         expires_at = (c.m -> bt.booking_id::text ->> 'expires_at')::timestamptz,
         party_size = (c.m -> bt.booking_id::text ->> 'party_size')::int
    from changed c
   where bt.booking_id = any (c.ids)
     and (bt.is_active, bt.expires_at, bt.party_size)
         is distinct from ((c.m -> bt.booking_id::text ->> 'active')::boolean,
                           (c.m -> bt.booking_id::text ->> 'expires_at')::timestamptz,
                           (c.m -> bt.booking_id::text ->> 'party_size')::int);
  return null;
end;
$$;

create trigger bookings_claims_follow
  after update on public.bookings
  referencing new table as new_rows
  for each statement execute function private.claims_follow_booking();

-- AFTER STATEMENT on bookings (insert, update): one audit row per transition of the rows the
-- statement wrote (the note when there is one, else the code). Set-based: a sweep of 10,000
-- expired holds is one audit insert, with the actor's role read once per venue. (A
-- statement-level trigger with transition tables cannot name columns, so it runs after every
-- update of bookings and finds the status changes.)
create function private.booking_status_changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    -- (old statuses from a map, not a join of the two transition tables: see claims_follow_booking)
    with was as materialized (select jsonb_object_agg(o.id, o.status) as status from old_rows o),
    actor as materialized (
      select v.venue_id, private.actor_role(v.venue_id) as actor_role from (select distinct d.venue_id from new_rows d) v)
    insert into public.audit_log (venue_id, entity, entity_id, action, old_status, new_status, reason,
                                  actor_id, actor_role, request_id, detail)
    select n.venue_id, 'booking', n.id, 'status_changed', was.status ->> n.id::text, n.status::text,
           coalesce(n.status_note, n.status_reason), (select auth.uid()), a.actor_role, r.request_id, '{}'::jsonb
    from new_rows n
    cross join was
    join actor a on a.venue_id = n.venue_id
    cross join (select private.request_id() as request_id offset 0) r
    where n.status::text is distinct from was.status ->> n.id::text
    order by n.venue_id, n.booking_date, lower(n.period), n.id;
  else
    insert into public.audit_log (venue_id, entity, entity_id, action, old_status, new_status, reason,
                                  actor_id, actor_role, request_id, detail)
    select n.venue_id, 'booking', n.id, 'hold_created', null, n.status::text,
           coalesce(n.status_note, n.status_reason), (select auth.uid()), private.actor_role(n.venue_id),
           private.request_id(),
           jsonb_build_object('reference', n.reference, 'party_size', n.party_size,
                              'period', n.period::text, 'hold_expires_at', n.hold_expires_at)
    from new_rows n;
  end if;
  return null;
end;
$$;

create trigger bookings_status_changed
  after insert on public.bookings
  referencing new table as new_rows
  for each statement execute function private.booking_status_changed();

create trigger bookings_status_changed_on_update
  after update on public.bookings
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.booking_status_changed();

-- BEFORE INSERT OR UPDATE on booking_tables, for every role (service_role and Studio too): a
-- claim is active exactly while its booking's status holds the table (or its block is
-- active), and a hold's claim expires with the hold. The triggers above keep claims in step;
-- a claim written by hand that disagrees is refused, so nobody can free a live booking's
-- table (and sell it twice) or make a cancelled one block it.
create function private.claim_follows_owner() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_active boolean;
  v_expires timestamptz;
begin
  if new.booking_id is not null then
    select private.table_state(b.status) <> 'available', case when b.status = 'held' then b.hold_expires_at end
      into v_active, v_expires
    from public.bookings b where b.id = new.booking_id;
  else
    select blk.is_active, new.expires_at into v_active, v_expires from public.table_blocks blk where blk.id = new.block_id;
  end if;
  if (new.is_active, new.expires_at) is distinct from (v_active, v_expires) then
    perform private.raise_error('INVALID_TRANSITION', format(
      'a claim is active exactly while its booking holds the table (or its block stands): expected active %s, expiring %s',
      v_active, coalesce(v_expires::text, 'never')));
  end if;
  return new;
end;
$$;

create trigger booking_tables_follow_owner
  before insert or update on public.booking_tables
  for each row execute function private.claim_follows_owner();

-- Claims are never deleted, by anyone: a booking or block gives its tables back through its
-- status (audited, and announced to every client). Deleting one silently would free a table
-- that every client still shows as taken.
create function private.refuse_claim_delete() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using message = 'NOT_AUTHORIZED',
    detail = 'claims are not deleted: cancel the booking or lift the block', errcode = 'PT403';
end;
$$;

create trigger booking_tables_never_deleted
  before delete on public.booking_tables
  for each row execute function private.refuse_claim_delete();

create trigger booking_tables_never_truncated
  before truncate on public.booking_tables
  for each statement execute function private.refuse_claim_delete();

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

-- A claim is live while it is active and, for a hold, not yet past its expiry: every query
-- spells that out as `bt.is_active and coalesce(bt.expires_at > (select private.now()), true)`
-- (inline, so the planner sees is_active and uses the partial indexes, and the clock is read
-- once per statement).

-- Expire the dead holds, and lift the blocks past their release_at, on some tables that
-- overlap a range (the caller holds the table locks): what is dead must not block a booking.
create function private.expire_dead_holds(p_venue_id uuid, p_night date, p_table_ids uuid[], p_period tstzrange)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_dead_bookings uuid[];
  v_dead_blocks uuid[];
begin
  -- One read finds the dead claims (usually none: then nothing else runs); their owners are
  -- then updated by primary key.
  select array_agg(bt.booking_id) filter (where bt.booking_id is not null),
         array_agg(bt.block_id) filter (where bt.block_id is not null)
    into v_dead_bookings, v_dead_blocks
  from public.booking_tables bt
  where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = any (p_table_ids)
    and bt.is_active and bt.expires_at <= (select private.now()) and bt.period && p_period;
  if v_dead_bookings is not null then
    update public.bookings b
       set status = 'expired', status_reason = 'hold_expired'
     where b.status = 'held' and b.id = any (v_dead_bookings);
  end if;
  if v_dead_blocks is not null then
    update public.table_blocks blk
       set is_active = false, released_at = private.now()
     where blk.is_active and blk.id = any (v_dead_blocks);
  end if;
end;
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

-- May the caller see a booking's payment reference? Its guest, managers and admins of its
-- venue, and trusted callers (the webhook, the back office); hosts and door staff may not.
create function private.may_see_payment(p_booking public.bookings) returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return private.is_trusted()
      or (private.api_role() = 'authenticated' and p_booking.customer_id = private.my_customer_id())
      or private.is_venue_staff(p_booking.venue_id, 'manager');
end;
$$;

-- A booking as the RPCs return it (the payment reference only to those who may see it).
create function private.booking_result(p_booking public.bookings) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  select jsonb_build_object(
    'booking_id', p_booking.id,
    'reference', p_booking.reference,
    'status', p_booking.status,
    'venue_id', p_booking.venue_id,
    'booking_date', p_booking.booking_date,
    'starts_at', lower(p_booking.period),
    'ends_at', upper(p_booking.period),
    'party_size', p_booking.party_size,
    'table_ids', (select coalesce(jsonb_agg(bt.table_id order by bt.table_id), '[]'::jsonb)
                  from public.booking_tables bt where bt.booking_id = p_booking.id),
    'hold_expires_at', p_booking.hold_expires_at,
    'deposit', p_booking.deposit_total,
    'minimum_spend', p_booking.minimum_spend_total,
    'currency', (select v.currency from public.venues v where v.id = p_booking.venue_id),
    'deposit_paid', p_booking.deposit_total = 0 or p_booking.deposit_paid_at is not null,
    'awaiting_payment', p_booking.status = 'held' and p_booking.deposit_total > 0
                        and p_booking.deposit_paid_at is null and p_booking.payment_intent_id is not null)
    || case when private.may_see_payment(p_booking)
            then jsonb_build_object('payment_reference', p_booking.payment_reference,
                                    'payment_intent_id', p_booking.payment_intent_id)
            else '{}'::jsonb end);
end;
$$;

-- An unguessable reference BR-YYMMDD-XXXXXX (night's date, 6 random characters A-Z0-9).
-- (one expression, no query: every hold makes one)
create function private.new_reference(p_night date) returns text
language plpgsql volatile
set search_path = ''
as $$
declare
  v_alphabet constant text := 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  v_bytes bytea := extensions.gen_random_bytes(6);
begin
  return 'BR-' || to_char(p_night, 'YYMMDD') || '-'
      || substr(v_alphabet, get_byte(v_bytes, 0) % 36 + 1, 1) || substr(v_alphabet, get_byte(v_bytes, 1) % 36 + 1, 1)
      || substr(v_alphabet, get_byte(v_bytes, 2) % 36 + 1, 1) || substr(v_alphabet, get_byte(v_bytes, 3) % 36 + 1, 1)
      || substr(v_alphabet, get_byte(v_bytes, 4) % 36 + 1, 1) || substr(v_alphabet, get_byte(v_bytes, 5) % 36 + 1, 1);
end;
$$;

-- The table sets free for each of some time ranges that fit a party, ranked per range, best
-- first: fewest wasted seats, then lowest minimum spend, singles before combinations, lower
-- floor first. Sets are single tables (or shared sections with room left), predefined
-- combinations, and pairs of neighbouring tables on one floor. One statement for all the
-- ranges: the night's claims, the tables and the sets are read once, however many ranges.
create function private.free_options_in_periods(p_venue_id uuid, p_night date, p_periods tstzrange[],
                                                p_party_size int)
returns table (period_no int, rank int, table_ids uuid[], table_numbers int[], table_names text[],
               total_capacity int, total_min_spend numeric, total_deposit numeric, floor_name text,
               combination_type text)
language plpgsql stable
rows 20  -- a floor's options, not the default 1000 rows (which would JIT-compile callers)
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with live as materialized (
    -- the night's live claims over any of the ranges, read once
    select bt.table_id, bt.period, bt.is_exclusive, bt.party_size
    from public.booking_tables bt
    where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.is_active
      and coalesce(bt.expires_at > (select private.now()), true) and bt.period && any (p_periods)
  ), tables as materialized (
    select t.id, t.floor_id, t.table_number, t.name, t.capacity_min, t.capacity_max, t.is_shared,
           t.minimum_spend, t.deposit, t.adjacent_numbers, f.name as floor_name, f.level
    from public.venue_tables t
    join public.floors f on f.id = t.floor_id
    where t.venue_id = p_venue_id and t.is_active
  ), sets as (
    select array[t.id] as table_ids, array[t.table_number] as table_numbers, array[t.name] as table_names,
           case when t.is_shared then 1 else t.capacity_min end as cap_min, t.capacity_max as cap_max, t.is_shared,
           t.minimum_spend as spend, t.deposit, t.floor_name, t.level, 'single' as kind, 0 as kind_rank
    from tables t
    union all
    select tc.table_ids, array_agg(t.table_number order by t.table_number), array_agg(t.name order by t.table_number),
           tc.capacity_min, tc.capacity_max, false, sum(t.minimum_spend), sum(t.deposit), min(t.floor_name),
           min(t.level), 'combination', 1
    from public.table_combinations tc
    join tables t on t.id = any (tc.table_ids)
    where tc.venue_id = p_venue_id
    group by tc.id
    having count(*) = cardinality(tc.table_ids)
    union all
    select array[a.id, b.id], array[a.table_number, b.table_number], array[a.name, b.name],
           a.capacity_min + b.capacity_min, a.capacity_max + b.capacity_max, false,
           a.minimum_spend + b.minimum_spend, a.deposit + b.deposit, a.floor_name, a.level, 'adjacent', 2
    from tables a
    join tables b on b.floor_id = a.floor_id and b.table_number > a.table_number
               and b.table_number = any (a.adjacent_numbers)
    where not a.is_shared and not b.is_shared
      and not exists (select 1 from public.table_combinations tc
                      where tc.venue_id = p_venue_id and tc.table_ids @> array[a.id, b.id]
                        and tc.table_ids <@ array[a.id, b.id])
  ), fits as (
    -- a set is free in a range when no exclusive live claim on its tables overlaps it; a shared
    -- section's seats are what its guests in that range leave
    select p.n, s.*,
           case when s.is_shared
                then s.cap_max - coalesce((select sum(l.party_size) from live l
                                           where l.table_id = s.table_ids[1] and not l.is_exclusive
                                             and l.period && p.period), 0)
                else s.cap_max end as seats
    from unnest(p_periods) with ordinality p (period, n)
    cross join sets s
    where p_party_size >= s.cap_min
      and not exists (select 1 from live l
                      where l.table_id = any (s.table_ids) and l.is_exclusive and l.period && p.period)
  )
  select f.n::int, (row_number() over w)::int, f.table_ids, f.table_numbers, f.table_names, f.seats::int,
         f.spend::numeric, f.deposit::numeric, f.floor_name::text, f.kind::text
  from fits f
  where p_party_size <= f.seats
  window w as (partition by f.n order by f.seats - p_party_size, f.spend, f.kind_rank, f.level, f.table_numbers)
  order by 1, 2;
end;
$$;

-- The table sets free for a whole time range that fit a party, best first (as above).
create function private.free_options(p_venue_id uuid, p_night date, p_period tstzrange, p_party_size int)
returns table (rank int, table_ids uuid[], table_numbers int[], table_names text[], total_capacity int,
               total_min_spend numeric, total_deposit numeric, floor_name text, combination_type text)
language plpgsql stable
rows 20
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  select o.rank, o.table_ids, o.table_numbers, o.table_names, o.total_capacity, o.total_min_spend,
         o.total_deposit, o.floor_name, o.combination_type
  from private.free_options_in_periods(p_venue_id, p_night, array[p_period], p_party_size) o
  order by o.rank;
end;
$$;

-- Alternatives for a request that can't be met: free single tables and combinations that fit
-- the party in the same slot (fewest wasted seats, lowest minimum spend, same floor first),
-- then in the neighbouring slots, nearest first; at most p_limit. JSON, carried in
-- SECTION_NOT_AVAILABLE's DETAIL. One statement: most of a rush is refusals, and each pays it.
create function private.alternatives(p_venue_id uuid, p_night date, p_slot_id text, p_period tstzrange,
                                     p_party_size int, p_limit int default 5)
returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  with slots as materialized (
    select s.slot_id, s.slot_period,
           row_number() over (order by case when p_slot_id is not null and s.slot_id = p_slot_id then 0
                                            when p_slot_id is null and s.slot_period && p_period then 0 else 1 end,
                                       abs(extract(epoch from lower(s.slot_period) - lower(p_period))), s.slot_id) as n
    from private.slots_overlapping(p_venue_id, p_night,
           tstzrange(lower(p_period) - interval '6 hours', upper(p_period) + interval '6 hours')) s
  ), best as (
    select o.*
    from private.free_options_in_periods(p_venue_id, p_night,
           (select array_agg(s.slot_period order by s.n) from slots s), p_party_size) o
    order by o.period_no, o.rank
    limit p_limit
  )
  select jsonb_build_object('reason', 'taken', 'alternatives', coalesce(jsonb_agg(jsonb_build_object(
           'slot_id', s.slot_id, 'table_ids', b.table_ids, 'table_numbers', b.table_numbers,
           'capacity_max', b.total_capacity, 'minimum_spend', b.total_min_spend, 'deposit', b.total_deposit,
           'combination_type', b.combination_type) order by b.period_no, b.rank), '[]'::jsonb))
  from best b
  join slots s on s.n = b.period_no);
end;
$$;

-- Are these tables free for a range (caller holds their locks)? Exclusive tables: no live
-- claim overlaps. Shared sections: the party fits in what live claims leave of capacity_max.
create function private.tables_free(p_venue_id uuid, p_night date, p_table_ids uuid[], p_period tstzrange,
                                    p_party_size int)
returns boolean
language plpgsql stable
set search_path = ''
set plan_cache_mode = force_generic_plan  -- else re-planned on every call (see emit_slot_events)
as $$
begin
  return (
  select not exists (select 1 from public.booking_tables bt
                     where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = any (p_table_ids)
                       and bt.is_exclusive and bt.is_active and coalesce(bt.expires_at > (select private.now()), true) and bt.period && p_period)
     and not exists (select 1 from public.venue_tables t
                     where t.id = any (p_table_ids) and t.is_shared
                       and p_party_size + coalesce((select sum(bt.party_size) from public.booking_tables bt
                             where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = t.id
                               and not bt.is_exclusive
                               and bt.is_active and coalesce(bt.expires_at > (select private.now()), true) and bt.period && p_period), 0)
                           > t.capacity_max));
end;
$$;

-- Write a held booking and its claims (the caller has checked everything under the locks).
-- p_extra: reason, special_requests, occasion, promoter_code, idempotency_key.
create function private.insert_hold(p_venue public.venues, p_customer_id uuid, p_date date, p_period tstzrange,
                                    p_table_ids uuid[], p_party_size int, p_ttl interval, p_extra jsonb)
returns public.bookings
language plpgsql
set search_path = ''
set plan_cache_mode = force_generic_plan  -- as private.hold_tables (also called by waitlist offers)
as $$
declare
  v_booking public.bookings;
begin
  insert into public.bookings (venue_id, customer_id, reference, status, booking_date, period, party_size,
                               deposit_total, minimum_spend_total, hold_expires_at, status_reason,
                               special_requests, occasion, promoter_code, idempotency_key, created_by)
  select p_venue.id, p_customer_id, private.new_reference(p_date), 'held', p_date, p_period, p_party_size,
         sum(t.deposit), sum(t.minimum_spend), private.now() + p_ttl, coalesce(p_extra ->> 'reason', 'hold_created'),
         left(p_extra ->> 'special_requests', 2000), left(p_extra ->> 'occasion', 200),
         left(p_extra ->> 'promoter_code', 64), p_extra ->> 'idempotency_key', (select auth.uid())
  from public.venue_tables t where t.venue_id = p_venue.id and t.id = any (p_table_ids)
  returning * into v_booking;

  insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size,
                                     is_exclusive, expires_at)
  select p_venue.id, t.id, v_booking.id, p_date, p_period, p_party_size, not t.is_shared, v_booking.hold_expires_at
  from public.venue_tables t where t.venue_id = p_venue.id and t.id = any (p_table_ids);
  return v_booking;
end;
$$;

-- The per-guest limits (the caller holds the guest's lock for the night): MAX_TABLES_EXCEEDED
-- when p_tables more tables would take the guest past the night's limit, or past the limit of
-- tables held at once, which counts every open request too: holds (waiting for a payment or
-- not) and requests waiting for approval.
create function private.check_guest_limits(p_venue public.venues, p_customer_id uuid, p_night date, p_tables int)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_night int;
  v_open int;
begin
  -- both counts in one read of the guest's live claims at the venue
  select count(*) filter (where b.booking_date = p_night),
         count(*) filter (where b.status in ('held', 'pending_approval'))
    into v_night, v_open
  from public.bookings b
  join public.booking_tables bt on bt.booking_id = b.id
  where b.customer_id = p_customer_id and b.venue_id = p_venue.id
    and (b.booking_date = p_night or b.status in ('held', 'pending_approval'))
    and bt.is_active and coalesce(bt.expires_at > (select private.now()), true);
  if v_night + p_tables > p_venue.max_tables_per_customer_night then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s tables per guest per night; %s already booked or held', p_venue.max_tables_per_customer_night, v_night));
  end if;
  if v_open + p_tables > p_venue.max_held_tables_per_customer then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s tables held or awaiting approval at once; %s now', p_venue.max_held_tables_per_customer, v_open));
  end if;
end;
$$;

-- Refuse a request for taken tables: count the conflict (outside the rolled-back work) and
-- raise SECTION_NOT_AVAILABLE with the alternatives as JSON.
create function private.refuse_taken(p_venue_id uuid, p_night date, p_slot_id text, p_period tstzrange,
                                     p_party_size int)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.count_conflict(p_venue_id);
  perform private.raise_error('SECTION_NOT_AVAILABLE',
    private.alternatives(p_venue_id, p_night, p_slot_id, p_period, p_party_size)::text);
end;
$$;

-- Hold tables for a party: the one booking path under every RPC that creates a booking.
-- A slot (p_slot_id) or an explicit range (p_period) on the night p_date. All tables or
-- none. Repeating a call with the same p_idempotency_key returns the first booking.
create function private.hold_tables(
  p_venue_id uuid, p_date date, p_slot_id text, p_table_ids uuid[], p_party_size int,
  p_idempotency_key text default null, p_special_requests text default null, p_occasion text default null,
  p_promoter_code text default null, p_customer_id uuid default null, p_period tstzrange default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
-- One plan per statement for the session, everything it calls included: with a one-element
-- array a custom plan always looks cheaper than the generic one, so the plan cache re-planned
-- the table lookups and both inserts on every booking.
set plan_cache_mode = force_generic_plan
as $$
declare
  v_venue public.venues;
  v_customer_id uuid;
  v_period tstzrange;
  v_tables uuid[];
  v_found int;
  v_cap_min int;
  v_cap_max int;
  v_booking public.bookings;
begin
  if p_venue_id is null or p_date is null or p_party_size is null
     or p_table_ids is null or cardinality(p_table_ids) = 0 or (p_slot_id is null) = (p_period is null) then
    perform private.raise_error('INVALID_INPUT', 'venue, date, slot, tables and party size are required');
  end if;
  -- Every text argument within its limit (INVALID_INPUT, never an index row too large).
  perform private.text_arg('slot_id', p_slot_id, 40), private.text_arg('idempotency_key', p_idempotency_key, 255),
          private.text_arg('special_requests', p_special_requests, 2000), private.text_arg('occasion', p_occasion, 200),
          private.text_arg('promoter_code', p_promoter_code, 64);
  select * into v_venue from public.venues v where v.id = p_venue_id;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  v_customer_id := private.resolve_customer(p_venue_id, p_customer_id);
  if p_promoter_code is not null
     and not exists (select 1 from public.promoters p where p.venue_id = p_venue_id and p.code = p_promoter_code) then
    perform private.raise_error('INVALID_INPUT', format('unknown promoter code %s', left(p_promoter_code, 64)));
  end if;

  if p_idempotency_key is not null then
    select * into v_booking from public.bookings b
    where b.customer_id = v_customer_id and b.idempotency_key = p_idempotency_key;
    if found then
      return private.booking_result(v_booking);
    end if;
  end if;

  if p_party_size not between 1 and 50 then
    perform private.raise_error('INVALID_PARTY_SIZE', format('party size must be 1-50, got %s', p_party_size));
  end if;
  v_period := coalesce(p_period, private.slot_range(p_venue_id, p_date, p_slot_id));
  if v_period is null then
    perform private.raise_error('INVALID_INPUT', private.unknown_slot(p_venue_id, p_slot_id), 'PT404');
  end if;
  -- the distinct ids and how many of them are this venue's active tables, in one read
  select d.ids, (select count(*) from public.venue_tables t
                 where t.venue_id = p_venue_id and t.id = any (d.ids) and t.is_active)
    into v_tables, v_found
  from (select array(select distinct t from unnest(p_table_ids) t where t is not null order by 1) as ids) d;
  if cardinality(v_tables) <> cardinality(p_table_ids) then
    perform private.raise_error('INVALID_INPUT', 'table ids must be distinct and not null');
  end if;
  if cardinality(v_tables) > v_venue.max_tables_per_customer_night then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s tables per guest per night', v_venue.max_tables_per_customer_night));
  end if;
  if v_found <> cardinality(v_tables) then
    perform private.raise_error('TABLE_NOT_FOUND', 'one or more tables are not tables of this venue');
  end if;
  select c.capacity_min, c.capacity_max into v_cap_min, v_cap_max from private.tables_capacity(p_venue_id, v_tables) c;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'these tables cannot be combined: pick a listed combination or neighbouring tables on one floor');
  end if;
  if p_party_size not between v_cap_min and v_cap_max then
    perform private.raise_error('CAPACITY_MISMATCH', jsonb_build_object(
      'party_size', p_party_size, 'capacity_min', v_cap_min, 'capacity_max', v_cap_max)::text);
  end if;

  -- A table already taken (a live claim committed before we looked) fails fast, before any
  -- lock: in a rush the losers never queue behind the winner's lock.
  if not private.tables_free(p_venue_id, p_date, v_tables, v_period, p_party_size) then
    perform private.refuse_taken(p_venue_id, p_date, p_slot_id, v_period, p_party_size);
  end if;

  -- Serialise per guest (for the per-guest limits), then per table and night, in that order.
  perform private.lock_tables(v_tables, p_date, v_customer_id);
  perform private.expire_dead_holds(p_venue_id, p_date, v_tables, v_period);

  perform private.check_guest_limits(v_venue, v_customer_id, p_date, cardinality(v_tables));

  if not private.tables_free(p_venue_id, p_date, v_tables, v_period, p_party_size) then
    perform private.refuse_taken(p_venue_id, p_date, p_slot_id, v_period, p_party_size);
  end if;

  v_booking := private.insert_hold(v_venue, v_customer_id, p_date, v_period, v_tables, p_party_size,
    v_venue.hold_ttl, jsonb_build_object('special_requests', p_special_requests, 'occasion', p_occasion,
                                         'promoter_code', p_promoter_code, 'idempotency_key', p_idempotency_key));
  return private.booking_result(v_booking);
end;
$$;

-- The booking a transition names: by id, or by the reference a guest reads out at the door
-- (any case, surrounding spaces ignored). Exactly one of them; an unknown one is a 404.
create function private.booking_id_for(p_booking_id uuid, p_reference text) returns uuid
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_id uuid;
begin
  if (p_booking_id is null) = (p_reference is null) then
    perform private.raise_error('INVALID_INPUT', 'name the booking by its id or by its reference (BR-YYMMDD-XXXXXX), not both');
  end if;
  if p_booking_id is not null then
    return p_booking_id;
  end if;
  select b.id into v_id from public.bookings b where b.reference = upper(btrim(p_reference));
  if v_id is null then
    perform private.raise_error('INVALID_INPUT',
      format('no booking with reference %s (references look like BR-261204-S5F7EY)', left(btrim(p_reference), 40)), 'PT404');
  end if;
  return v_id;
end;
$$;

-- Lock a booking row for a transition and check the caller may act on it: the guest who owns
-- it (when p_guest_may), staff of its venue with at least p_min_role, or a trusted caller.
create function private.booking_for_transition(p_booking_id uuid, p_guest_may boolean, p_min_role text,
                                               p_needs_aal2 boolean default false)
returns public.bookings
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings;
begin
  if p_booking_id is null then
    perform private.raise_error('INVALID_INPUT', 'booking id is required');
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown booking', 'PT404');
  end if;
  if p_guest_may and v_booking.customer_id is not distinct from private.my_customer_id()
     and private.api_role() = 'authenticated' then
    return v_booking;
  end if;
  perform private.require_staff(v_booking.venue_id, p_min_role, p_needs_aal2);
  return v_booking;
end;
$$;

-- Move a locked booking to a new status with a reason code and, optionally, free text (the
-- trigger checks the state machine and the deposit, writes the audit row and keeps claims in
-- step; events follow at commit).
create function private.set_status(p_booking public.bookings, p_status text, p_reason text,
                                   p_note text default null)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings;
begin
  update public.bookings b
     set status = p_status,
         status_reason = p_reason,
         status_note = p_note,
         hold_expires_at = case when p_status = 'held' then b.hold_expires_at end
   where b.id = p_booking.id
  returning * into v_booking;
  return private.booking_result(v_booking);
end;
$$;

-- HOLD_EXPIRED unless a booking is a live hold (INVALID_TRANSITION when it is no hold at all).
create function private.require_live_hold(p_booking public.bookings, p_action text) returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_booking.status = 'expired' or (p_booking.status = 'held' and p_booking.hold_expires_at <= private.now()) then
    perform private.raise_error('HOLD_EXPIRED', format('the hold ran out at %s', private.local_text(p_booking.venue_id, p_booking.hold_expires_at)));
  end if;
  if p_booking.status <> 'held' then
    perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot be %s', p_booking.status, p_action));
  end if;
end;
$$;

-- held -> pending_approval (or confirmed where the venue auto-confirms) once the deposit is
-- paid or none is due. Only money pays a deposit: the payment webhook (or staff taking it in
-- person, record_payment) marks it paid and submits the request. A guest's PaymentIntent id
-- (p_payment_reference, pi_...) is only attached to the hold (awaiting_payment): the hold
-- keeps its expiry, and the webhook submits it when the payment succeeds (a payment after the
-- hold ran out goes through private.record_deposit_payment's late path). Repeating it returns
-- the same result.
create function private.submit_booking(p_booking_id uuid, p_payment_reference text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings := private.booking_for_transition(p_booking_id, true, 'host');
  v_intent text := private.text_arg('payment_reference', p_payment_reference, 255);
  v_auto boolean;
begin
  if v_booking.status in ('pending_approval', 'confirmed', 'checked_in') then
    return private.booking_result(v_booking);
  end if;
  perform private.require_live_hold(v_booking, 'submitted');
  if v_booking.deposit_total > 0 and v_booking.deposit_paid_at is null then
    if v_intent is null then
      perform private.raise_error('INVALID_TRANSITION', format(
        'a deposit of %s is due: the payment submits the request when it arrives', v_booking.deposit_total));
    end if;
    if v_intent !~ '^pi_[A-Za-z0-9_]{1,250}$' then
      perform private.raise_error('INVALID_INPUT', 'payment_reference must be a Stripe PaymentIntent id (pi_...)');
    end if;
    update public.bookings b set payment_intent_id = v_intent where b.id = v_booking.id
    returning * into v_booking;
    return private.booking_result(v_booking);
  end if;
  select not v.requires_approval into v_auto from public.venues v where v.id = v_booking.venue_id;
  return private.set_status(v_booking,
    case when v_auto then 'confirmed' else 'pending_approval' end,
    case when v_auto then 'booking_confirmed' else 'booking_requested' end);
end;
$$;

-- Staff transitions share one shape: lock, authorise, return early if already done, check
-- the source status, move. p_from lists the statuses the action applies to.
create function private.staff_transition(p_booking_id uuid, p_to text, p_from text[], p_min_role text,
                                         p_reason text, p_guest_may boolean default false, p_note text default null)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings := private.booking_for_transition(p_booking_id, p_guest_may, p_min_role);
begin
  if v_booking.status::text = p_to then
    return private.booking_result(v_booking);
  end if;
  if not v_booking.status::text = any (p_from) then
    perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot become %s', v_booking.status, p_to));
  end if;
  return private.set_status(v_booking, p_to, p_reason, p_note);
end;
$$;

-- pending_approval -> confirmed, by a manager; p_reason is a note for staff and the guest.
create function private.approve_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql
security definer
set search_path = ''
as $$
  select private.staff_transition(p_booking_id, 'confirmed', array['pending_approval'], 'manager',
                                  'booking_approved', false, private.text_arg('reason', p_reason, 500))
$$;

-- pending_approval -> rejected, by a manager; p_reason is a note for staff and the guest.
create function private.reject_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql
security definer
set search_path = ''
as $$
  select private.staff_transition(p_booking_id, 'rejected', array['pending_approval'], 'manager',
                                  'booking_rejected', false, private.text_arg('reason', p_reason, 500))
$$;

-- Any open booking -> cancelled, by its guest or by staff (host+). The result says whether a
-- paid deposit is refundable: always when the venue cancels, else only before the venue's
-- cancellation window.
create function private.cancel_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
  v_booking public.bookings;
  v_window interval;
  v_by_guest boolean;
begin
  v_result := private.staff_transition(p_booking_id, 'cancelled', array['held', 'pending_approval', 'confirmed'],
                                       'host', 'booking_cancelled', true, private.text_arg('reason', p_reason, 500));
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  select v.cancellation_window into v_window from public.venues v where v.id = v_booking.venue_id;
  v_by_guest := private.staff_role(v_booking.venue_id) is null and not private.is_trusted();
  return v_result || jsonb_build_object('refund_eligible',
    v_booking.deposit_paid_at is not null
    and (not v_by_guest or private.now() < lower(v_booking.period) - v_window));
end;
$$;

-- confirmed -> checked_in at the door, from an hour before the booking until its end.
create function private.check_in_booking(p_booking_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_period tstzrange;
  v_venue_id uuid;
begin
  select b.period, b.venue_id into v_period, v_venue_id from public.bookings b where b.id = p_booking_id;
  if v_period is not null and not (private.now() >= lower(v_period) - interval '1 hour' and private.now() < upper(v_period)) then
    perform private.booking_for_transition(p_booking_id, false, 'door');
    perform private.raise_error('INVALID_TRANSITION',
      format('check-in is open from an hour before %s until %s', private.local_text(v_venue_id, lower(v_period)),
             private.local_text(v_venue_id, upper(v_period))));
  end if;
  return private.staff_transition(p_booking_id, 'checked_in', array['confirmed'], 'door', 'guest_checked_in');
end;
$$;

-- confirmed -> no_show, by a host, once the booking has started; the table is freed.
create function private.mark_no_show(p_booking_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_period tstzrange;
  v_venue_id uuid;
begin
  select b.period, b.venue_id into v_period, v_venue_id from public.bookings b where b.id = p_booking_id;
  if v_period is not null and private.now() < lower(v_period) then
    perform private.booking_for_transition(p_booking_id, false, 'host');
    perform private.raise_error('INVALID_TRANSITION', format('the booking starts at %s', private.local_text(v_venue_id, lower(v_period))));
  end if;
  return private.staff_transition(p_booking_id, 'no_show', array['confirmed'], 'host', 'guest_no_show');
end;
$$;

-- The sweeper: expire every hold past its expiry (in batches, skipping rows another
-- transaction is working on) and lift blocks past their release_at. Idempotent; returns how many it expired. Correctness never
-- depends on it: dead holds are already ignored and expired lazily by the booking path.
create function private.expire_holds(p_batch int default 10000) returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count int;
begin
  -- One statement for the batch (rows locked in (venue, night, start) order, the order their
  -- venue-nights are locked in at commit).
  with batch as (
    select b.id from public.bookings b
    where b.status = 'held' and b.hold_expires_at <= (select private.now())
    order by b.venue_id, b.booking_date, lower(b.period)
    limit p_batch
    for update skip locked)
  update public.bookings b set status = 'expired', status_reason = 'hold_expired'
  from batch where b.id = batch.id;
  get diagnostics v_count = row_count;
  -- Blocks with a release_at (VIP tables that open to the public if unsold) lift themselves.
  update public.table_blocks blk set is_active = false, released_at = private.now()
  where blk.is_active and blk.release_at <= private.now();
  return v_count;
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

create function public.hold_tables(p_venue_id uuid, p_date date, p_slot_id text, p_table_ids uuid[], p_party_size int,
                                   p_idempotency_key text default null, p_special_requests text default null,
                                   p_occasion text default null, p_promoter_code text default null,
                                   p_customer_id uuid default null)
returns jsonb
-- plpgsql, not sql: a SQL function with a SET clause is never inlined and is planned again on
-- every call (the hot path's largest fixed cost); a plpgsql body keeps its plan for the session.
language plpgsql set search_path = ''
as $$
begin
  return private.hold_tables(p_venue_id, p_date, p_slot_id, p_table_ids, p_party_size, p_idempotency_key,
                             p_special_requests, p_occasion, p_promoter_code, p_customer_id);
end;
$$;

comment on function public.hold_tables is 'Hold tables for a slot: a held booking {booking_id, reference, hold_expires_at, deposit, ...}.';

create function public.submit_booking(p_booking_id uuid, p_payment_reference text default null) returns jsonb
language plpgsql set search_path = ''  -- plpgsql: see public.hold_tables
as $$ begin return private.submit_booking(p_booking_id, p_payment_reference); end; $$;

comment on function public.submit_booking is 'held -> pending_approval (or confirmed where the venue auto-confirms).';

create function public.approve_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql set search_path = ''
as $$ select private.approve_booking(p_booking_id, p_reason) $$;

comment on function public.approve_booking is 'pending_approval -> confirmed (manager).';

create function public.reject_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql set search_path = ''
as $$ select private.reject_booking(p_booking_id, p_reason) $$;

comment on function public.reject_booking is 'pending_approval -> rejected (manager).';

-- The door's transitions name a booking by id or by the reference the guest reads out
-- (p_reference, e.g. BR-261204-S5F7EY); private.booking_id_for resolves it.
create function public.cancel_booking(p_booking_id uuid default null, p_reason text default null,
                                      p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.cancel_booking(private.booking_id_for(p_booking_id, p_reference), p_reason) $$;

comment on function public.cancel_booking is 'Open booking (by id or reference) -> cancelled (its guest, or host+); says whether a paid deposit is refundable.';

create function public.check_in_booking(p_booking_id uuid default null, p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.check_in_booking(private.booking_id_for(p_booking_id, p_reference)) $$;

comment on function public.check_in_booking is 'confirmed -> checked_in (door+), by id or reference.';

create function public.mark_no_show(p_booking_id uuid default null, p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.mark_no_show(private.booking_id_for(p_booking_id, p_reference)) $$;

comment on function public.mark_no_show is 'confirmed -> no_show (host+), once the booking has started; by id or reference.';

create function public.expire_holds() returns int
language sql set search_path = ''
as $$ select private.expire_holds() $$;

comment on function public.expire_holds is 'The hold sweeper pg_cron runs; returns how many holds it expired.';

alter table public.bookings enable row level security;

alter table public.booking_tables enable row level security;

alter table public.table_blocks enable row level security;

-- One permissive policy per table, command and role (splinter 0006: PostgreSQL evaluates
-- every permissive policy for each row); each is the union of its audiences, no wider.
create policy "Guests read their own profile; hosts, the guests they booked" on public.customers
  for select to authenticated using (
    user_id = (select auth.uid())
    or id in (select b.customer_id from public.bookings b
              where b.venue_id = any ((select private.staff_venue_ids('host'))::uuid[])));

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

grant select on public.bookings to authenticated;

grant select on public.booking_tables to authenticated;

grant select on public.table_blocks to authenticated;

grant select, insert, update, delete on public.bookings to service_role;

grant select, insert, update, delete on public.table_blocks to service_role;

grant select, insert, update, delete on public.booking_tables to service_role;

grant usage, select on sequence public.booking_tables_id_seq to service_role;

grant execute on function public.hold_tables(uuid, date, text, uuid[], int, text, text, text, text, uuid) to authenticated, service_role;

grant execute on function private.hold_tables(uuid, date, text, uuid[], int, text, text, text, text, uuid, tstzrange) to authenticated, service_role;

grant execute on function public.submit_booking(uuid, text) to authenticated, service_role;

grant execute on function private.submit_booking(uuid, text) to authenticated, service_role;

grant execute on function public.approve_booking(uuid, text) to authenticated, service_role;

grant execute on function private.approve_booking(uuid, text) to authenticated, service_role;

grant execute on function public.reject_booking(uuid, text) to authenticated, service_role;

grant execute on function private.reject_booking(uuid, text) to authenticated, service_role;

grant execute on function public.cancel_booking(uuid, text, text) to authenticated, service_role;

grant execute on function private.cancel_booking(uuid, text) to authenticated, service_role;

grant execute on function public.check_in_booking(uuid, text) to authenticated, service_role;

grant execute on function private.check_in_booking(uuid) to authenticated, service_role;

grant execute on function public.mark_no_show(uuid, text) to authenticated, service_role;

grant execute on function private.mark_no_show(uuid) to authenticated, service_role;

grant execute on function public.expire_holds() to service_role;

grant execute on function private.expire_holds(int) to service_role;

-- The transitions' wrappers resolve a booking reference to its id.
grant execute on function private.booking_id_for(uuid, text) to authenticated, service_role;

comment on column public.bookings.reconciled_from is 'The expired hold whose late deposit this booking took over.';

comment on column public.bookings.refund_status is 'refund_due: a payment arrived that no booking can keep.';

create index bookings_reconciled_from_idx on public.bookings (reconciled_from) where reconciled_from is not null;

create index bookings_promoter_idx on public.bookings (venue_id, promoter_code) where promoter_code is not null;

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

grant execute on function private.lock_key(uuid) to service_role;

grant execute on function private.night_key(date) to service_role;
