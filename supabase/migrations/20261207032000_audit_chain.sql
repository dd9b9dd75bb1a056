-- =====================================================================================
-- The audit chain: history you can prove (hash-chained audit rows, anchors, retention)
-- =====================================================================================
-- Forward migration after v0.1.0. Every audit row carries the SHA-256 of its content and of
-- the previous row of its chain: one chain per venue and night (rows about bookings, blocks and
-- waitlist entries of that night), and one per venue for the rows about the venue itself (its
-- settings, staff, guests). Rows are linked at commit under the lock that already serialises
-- the night's commits (private.lock_venue_night); verify_audit_chain recomputes the chains,
-- daily anchors keep each chain's head so that a rewrite of a whole chain is caught, and
-- pruning replaces a chain's old prefix by its anchor.

-- ---------- tables ----------

alter table public.audit_log
  add column chain_night date,
  add column chain_seq bigint,
  add column prev_hash bytea,
  add column row_hash bytea,
  add column row_id uuid not null default gen_random_uuid();

comment on column public.audit_log.chain_night is 'The night whose chain the row is in; null: the venue''s own chain.';
comment on column public.audit_log.chain_seq is 'The row''s position in its chain (1, 2, ...), given at commit.';
comment on column public.audit_log.prev_hash is 'row_hash of the previous row of the chain (null for the first).';
comment on column public.audit_log.row_hash is
  'SHA-256 of prev_hash and the row''s content (private.audit_row_hash), given at commit; null until then.';
comment on column public.audit_log.row_id is
  'The row''s name in the API (verify_audit_chain''s first_broken_id); id orders the rows.';

-- The chains the current transaction has written audit rows to, until its commit has taken their
-- locks (private.lock_venue_night); each audit row notes its chain as it is written
-- (private.audit_chain_night). Unlogged, like private.pending_nights: nothing in it outlives
-- its transaction.
create unlogged table private.pending_audit_chains (
  txid xid8 not null default pg_catalog.pg_current_xact_id(),
  venue_id uuid not null,
  chain_night date
);

comment on table private.pending_audit_chains is
  'Audit chains the current transaction wrote to, whose locks its commit takes.';

create unique index pending_audit_chains_idx on private.pending_audit_chains (txid, venue_id, chain_night) nulls not distinct;

alter table private.pending_audit_chains enable row level security;

revoke all on private.pending_audit_chains from public;

alter table public.venues
  add column audit_retention interval not null default interval '400 days'
    check (audit_retention >= interval '30 days'),
  add column claims_retention interval not null default interval '400 days'
    check (claims_retention >= interval '30 days');

comment on column public.venues.audit_retention is 'How long audit rows are kept (private.prune_history); at least 30 days.';
comment on column public.venues.claims_retention is
  'How long claims (booking_tables) are kept after their period ends (private.prune_history); at least 30 days.';

-- Each chain's head, taken daily (kind 'daily') and where a prefix was pruned (kind 'pruned':
-- the last pruned row, which the first kept row follows). Exported (get_audit_anchors) and kept
-- elsewhere, they catch a rewrite of a whole chain: a rewritten row no longer has its anchored hash.
create table private.audit_anchors (
  id bigint generated always as identity primary key,
  venue_id uuid not null references public.venues (id),
  chain_night date,
  chain_seq bigint not null check (chain_seq >= 1),
  row_hash bytea not null,
  kind text not null check (kind in ('daily', 'pruned')),
  anchored_at timestamptz not null default now()
);

comment on table private.audit_anchors is
  'Audit chain heads: daily anchors, and the last row of each pruned prefix.';

create unique index audit_anchors_chain_idx on private.audit_anchors (venue_id, chain_night, chain_seq, kind) nulls not distinct;

create index audit_anchors_anchored_at_idx on private.audit_anchors (anchored_at);

alter table private.audit_anchors enable row level security;

revoke all on private.audit_anchors from public;

-- Each chain's head: the position and hash of its last linked row. Linking reads and moves it
-- under the chain's lock, so an appender never searches audit_log for its chain's end, and
-- audit_log's chain columns are in no index (linking a row updates it in place, HOT). It outlives
-- pruning: a chain pruned whole continues from it. The venue's own chain is night 'infinity'.
create table private.audit_chain_heads (
  venue_id uuid not null references public.venues (id),
  chain date not null,
  chain_seq bigint not null check (chain_seq >= 1),
  row_hash bytea not null,
  primary key (venue_id, chain)
);

comment on table private.audit_chain_heads is
  'Each audit chain''s last linked position and hash (night ''infinity'': the venue''s own chain).';

alter table private.audit_chain_heads enable row level security;

revoke all on private.audit_chain_heads from public;

-- ---------- functions: the chain ----------

-- The audit log stays append-only. Three writers may touch a row: linking (once, at commit: the
-- chain columns of a row that has no row_hash yet, nothing else; the trigger's WHEN lets only that
-- through, without a call, as only the table's owner may update it at all: service_role's UPDATE
-- is revoked); GDPR erasure (as the owner, clubbooking.gdpr_redaction on: detail and reason only,
-- which the chain's hash covers only in their redacted form); and pruning (as the owner, with the
-- audit_pruning transaction flag, which only private.prune_history sets: whole rows past their
-- venue's retention). A role that is not the owner cannot pass by setting a flag.
create or replace function private.refuse_audit_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if pg_catalog.pg_has_role(current_user, (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid), 'USAGE')
     or coalesce((select r.rolsuper from pg_catalog.pg_roles r where r.rolname = current_user), false) then
    if tg_op = 'UPDATE' and current_setting('clubbooking.gdpr_redaction', true) = 'on'
       and (to_jsonb(new) - array['detail', 'reason']) = (to_jsonb(old) - array['detail', 'reason']) then
      return new;
    end if;
    if tg_op = 'DELETE' and private.has_transaction_flag('audit_pruning')
       and old.created_at < private.now() - (select v.audit_retention from public.venues v where v.id = old.venue_id) then
      return old;
    end if;
  end if;
  raise exception using message = 'NOT_AUTHORIZED', detail = 'audit_log is append-only', errcode = 'PT403';
end;
$$;

create or replace trigger audit_log_is_append_only
  before delete on public.audit_log
  for each row execute function private.refuse_audit_change();

-- The WHEN names every column but the chain's, one by one: two to_jsonb of the row per linked
-- row would cost the booking path more than the chain's hash (sql/tests/41_audit_chain.sql
-- fails when a column is missing from it).
create trigger audit_log_rows_are_linked_once
  before update on public.audit_log
  for each row
  when (old.row_hash is not null or new.row_hash is null
        or (new.id, new.venue_id, new.entity, new.entity_id, new.action, new.old_status, new.new_status, new.reason,
            new.actor_id, new.actor_role, new.request_id, new.detail, new.created_at, new.row_id)
           is distinct from
           (old.id, old.venue_id, old.entity, old.entity_id, old.action, old.old_status, old.new_status, old.reason,
            old.actor_id, old.actor_role, old.request_id, old.detail, old.created_at, old.row_id))
  execute function private.refuse_audit_change();

-- The SHA-256 of an audit row in its chain: prev_hash, position and every column, as one JSON
-- array (explicit nulls; times in UTC, so no session setting changes the text). Of `reason` and
-- `detail` the hash covers what GDPR erasure keeps (a reason only when it is a code, as
-- private.redact_text keeps it; detail without the personal keys): erasing a guest leaves every
-- chain verifiable (sql/tests/41_audit_chain.sql), and no hash of personal data is kept.
-- row_hash itself is not covered. The code test is written out, not a call: the hash runs for
-- every audit row at commit, and each call of a function with a SET clause costs the booking.
create function private.audit_row_hash(p_row public.audit_log) returns bytea
language plpgsql immutable
set search_path = ''
as $$
begin
  return extensions.digest(pg_catalog.convert_to(pg_catalog.jsonb_build_array(
           pg_catalog.encode(p_row.prev_hash, 'hex'), p_row.chain_seq, p_row.id, p_row.row_id, p_row.venue_id,
           p_row.chain_night, p_row.entity, p_row.entity_id, p_row.action, p_row.old_status, p_row.new_status,
           case when p_row.reason ~ '^[a-z0-9_]+$' then p_row.reason end, p_row.actor_id, p_row.actor_role,
           p_row.request_id,
           (p_row.detail - private.pii_keys()) - 'redacted',
           pg_catalog.to_char(p_row.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text, 'UTF8'),
         'sha256');
end;
$$;

comment on function private.audit_row_hash is 'The hash an audit row must carry, given its prev_hash and chain_seq.';

-- BEFORE INSERT on audit_log: the row's chain (the night of the booking, block or waitlist entry
-- it is about; the venue's own chain for anything else), noted once per transaction in
-- private.pending_audit_chains with a count of the notes (clubbooking.audit_chains_noted: a
-- commit-time call that finds the count moved takes the new chains' locks), and no chain columns
-- from the writer: rows are linked at commit. The benchmarks' baseline
-- (clubbooking.audit_chain = off, honoured only for a session of the table's owner, who could
-- disable the triggers anyway) marks its rows as outside any chain (an empty row_hash, which
-- verification reports).
create function private.audit_chain_night() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.chain_seq := null;
  new.prev_hash := null;
  new.row_hash := null;
  if current_setting('clubbooking.audit_chain', true) = 'off' then
    if pg_catalog.pg_has_role(session_user, (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid), 'MEMBER') then
      new.row_hash := '\x'::bytea;
      return new;
    end if;
  end if;
  new.chain_night := coalesce(new.chain_night, case new.entity
    when 'booking' then (select b.booking_date from public.bookings b where b.id = new.entity_id)
    when 'block' then (select k.booking_date from public.table_blocks k where k.id = new.entity_id)
    when 'waitlist' then (select w.booking_date from public.waitlist_entries w where w.id = new.entity_id)
  end);
  insert into private.pending_audit_chains (venue_id, chain_night) values (new.venue_id, new.chain_night)
  on conflict do nothing;
  if found then
    perform pg_catalog.set_config('clubbooking.audit_chains_noted',
      (coalesce(nullif(current_setting('clubbooking.audit_chains_noted', true), '')::int, 0) + 1)::text, true);
  end if;
  return new;
end;
$$;

create trigger audit_log_chain_night
  before insert on public.audit_log
  for each row execute function private.audit_chain_night();

-- Link one audit row not yet linked to its chain's head (private.audit_chain_heads; none yet:
-- position 0): its position, the head's hash as its prev_hash, and its own hash; the head moves
-- to it. The caller holds the chain's lock (private.lock_venue_night, which takes them all at
-- commit) and links a chain's rows in the order they were written.
create function private.link_audit_row(p_row public.audit_log) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_chain date := coalesce(p_row.chain_night, 'infinity');
begin
  select h.chain_seq, h.row_hash into p_row.chain_seq, p_row.prev_hash
  from private.audit_chain_heads h where h.venue_id = p_row.venue_id and h.chain = v_chain;
  p_row.chain_seq := coalesce(p_row.chain_seq, 0) + 1;
  p_row.row_hash := private.audit_row_hash(p_row);
  if p_row.chain_seq = 1 then
    insert into private.audit_chain_heads (venue_id, chain, chain_seq, row_hash)
    values (p_row.venue_id, v_chain, 1, p_row.row_hash);
  else
    update private.audit_chain_heads h set chain_seq = p_row.chain_seq, row_hash = p_row.row_hash
    where h.venue_id = p_row.venue_id and h.chain = v_chain;
  end if;
  update public.audit_log a
     set chain_night = p_row.chain_night, chain_seq = p_row.chain_seq, prev_hash = p_row.prev_hash,
         row_hash = p_row.row_hash
   where a.id = p_row.id and a.row_hash is null;
end;
$$;

comment on function private.link_audit_row is
  'Under the chain''s lock: give an audit row its place and hashes in its chain, and move the chain''s head to it.';

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
create or replace function private.lock_venue_night(p_venue_id uuid, p_night date) returns void
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

-- DEFERRED, on each audit row: at commit, link it to its chain, in the order the rows were
-- written. The first call takes the locks of every chain the transaction wrote to (and every
-- venue-night it changed, in one pass); a call after a new chain was noted (a waitlist offer made
-- at commit) takes the new ones.
create function private.link_audit_at_commit() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_noted text := current_setting('clubbooking.audit_chains_noted', true);
begin
  if new.row_hash is not null then
    return null;  -- outside any chain (the benchmarks' baseline)
  end if;
  if v_noted is distinct from current_setting('clubbooking.audit_chains_locked', true) then
    perform private.lock_venue_night(null, null);
    delete from private.pending_audit_chains c where c.txid = pg_catalog.pg_current_xact_id();
    perform pg_catalog.set_config('clubbooking.audit_chains_locked', v_noted, true);
  end if;
  perform private.link_audit_row(new);
  return null;
end;
$$;

create constraint trigger audit_log_link_chain
  after insert on public.audit_log
  deferrable initially deferred
  for each row execute function private.link_audit_at_commit();

-- Check every chain of a venue over the rows written in [p_from, p_to] (each against its
-- predecessor, in range or not): each row's position follows its predecessor's (or the pruned
-- prefix's anchor), its prev_hash is its predecessor's row_hash, its row_hash is its content's,
-- and every anchor of a checked position still matches; with no p_to, no anchor may lie beyond
-- a chain's last row (rows cut from its end). Returns {ok, checked, first_broken_id}: the
-- earliest written row that breaks a chain (an unlinked row, e.g. one inserted behind the
-- triggers' back, is broken itself; a deleted row breaks its successor). Manager and above.
create function private.verify_audit_chain(p_venue_id uuid, p_from timestamptz default null,
                                           p_to timestamptz default null)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  perform private.staff_view_rank(p_venue_id, 'manager');
  if p_from > p_to then
    perform private.raise_error('INVALID_INPUT', 'p_from is after p_to');
  end if;
  with anchor as materialized (
    select coalesce(x.chain_night, 'infinity'::date) as chain, x.chain_seq, x.row_hash, x.kind
    from private.audit_anchors x where x.venue_id = p_venue_id
  ), pruned as materialized (
    select distinct on (x.chain) x.chain, x.chain_seq, x.row_hash from anchor x where x.kind = 'pruned'
    order by x.chain, x.chain_seq desc
  ), chain as materialized (
    select a as r, coalesce(a.chain_night, 'infinity'::date) as chain,
           lag(a.chain_seq) over w as lag_seq, lag(a.row_hash) over w as lag_hash, row_number() over w as n
    from public.audit_log a
    where a.venue_id = p_venue_id
    window w as (partition by a.chain_night order by a.chain_seq nulls last, a.id)
  ), checked as (
    select (c.r).id, (c.r).created_at,
           (c.r).row_hash is null or (c.r).chain_seq is null
           or (c.r).chain_seq is distinct from coalesce(case when c.n = 1 then p.chain_seq else c.lag_seq end, 0) + 1
           or (c.r).prev_hash is distinct from case when c.n = 1 then p.row_hash else c.lag_hash end
           or (c.r).row_hash <> private.audit_row_hash(c.r)
           or d.row_hash <> (c.r).row_hash as broken
    from chain c
    left join pruned p on p.chain = c.chain
    left join anchor d on d.chain = c.chain and d.chain_seq = (c.r).chain_seq and d.kind = 'daily'
    where (c.r).created_at >= coalesce(p_from, '-infinity') and (c.r).created_at <= coalesce(p_to, 'infinity')
  ), chain_end as (
    select distinct on (c.chain) c.chain, (c.r).id, (c.r).created_at, (c.r).chain_seq
    from chain c order by c.chain, (c.r).chain_seq desc nulls last
  ), cut as (
    -- an anchor beyond its chain's last row: the chain's end was cut off (the last row left is named)
    select e.id, e.created_at
    from (select x.chain, max(x.chain_seq) as chain_seq from anchor x where x.kind = 'daily' group by x.chain) x
    left join chain_end e on e.chain = x.chain
    where p_to is null and x.chain_seq > coalesce(e.chain_seq, 0)
  ), broken as (
    select k.id, k.created_at from checked k where k.broken
    union all
    select t.id, t.created_at from cut t
  )
  select jsonb_build_object(
           'ok', not exists (select 1 from broken),
           'checked', (select count(*)::int from checked),
           'first_broken_id', (select b.id from broken b order by b.created_at nulls last, b.id nulls last limit 1))
    into v_result;
  return v_result;
end;
$$;

comment on function private.verify_audit_chain is
  'Manager+: recompute a venue''s audit chains over a time range; {ok, checked, first_broken_id}.';

create function public.verify_audit_chain(p_venue_id uuid, p_from timestamptz default null,
                                          p_to timestamptz default null)
returns jsonb
language sql stable
set search_path = ''
as $$ select private.verify_audit_chain(p_venue_id, p_from, p_to) $$;

comment on function public.verify_audit_chain is
  'Manager+: are the venue''s audit chains intact over [p_from, p_to]? {ok, checked, first_broken_id}.';

grant execute on function private.verify_audit_chain(uuid, timestamptz, timestamptz) to authenticated, service_role;

grant execute on function public.verify_audit_chain(uuid, timestamptz, timestamptz) to authenticated, service_role;

-- ---------- functions: anchors ----------

-- Anchor the head of every chain that moved since its last anchor (the pg_cron job
-- clubbooking-anchor-audit-chains runs it daily; `clubbooking audit anchors --take` where
-- there is no pg_cron): the heads linking moved (private.audit_chain_heads), so a rewrite of
-- audit_log does not move what is anchored. Reads committed heads only, so it takes no lock.
-- Returns how many.
create function private.anchor_audit_chains() returns int
language sql
security definer
set search_path = ''
as $$
  with head as (
    select h.venue_id, nullif(h.chain, 'infinity') as chain_night, h.chain_seq, h.row_hash
    from private.audit_chain_heads h
  ), taken as (
    insert into private.audit_anchors (venue_id, chain_night, chain_seq, row_hash, kind)
    select h.venue_id, h.chain_night, h.chain_seq, h.row_hash, 'daily' from head h
    where not exists (select 1 from private.audit_anchors x
                      where x.venue_id = h.venue_id and x.chain_night is not distinct from h.chain_night
                        and x.chain_seq >= h.chain_seq)
    returning 1)
  select count(*)::int from taken
$$;

comment on function private.anchor_audit_chains is 'Daily: keep the head of every audit chain that moved.';

create function public.anchor_audit_chains() returns int
language sql
set search_path = ''
as $$ select private.anchor_audit_chains() $$;

comment on function public.anchor_audit_chains is 'The back office: anchor every audit chain''s head now (pg_cron does it daily).';

grant execute on function private.anchor_audit_chains() to service_role;

grant execute on function public.anchor_audit_chains() to service_role;

-- A venue's anchors taken since a day (all by default), oldest first, for keeping elsewhere:
-- [{night, chain_seq, row_hash (hex), kind, anchored_at}]. Manager and above.
create function private.get_audit_anchors(p_venue_id uuid, p_since date default null) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  perform private.staff_view_rank(p_venue_id, 'manager');
  return coalesce((
    select jsonb_agg(jsonb_build_object('venue_id', x.venue_id, 'night', x.chain_night, 'chain_seq', x.chain_seq,
                                        'row_hash', pg_catalog.encode(x.row_hash, 'hex'), 'kind', x.kind,
                                        'anchored_at', x.anchored_at)
                     order by x.anchored_at, x.chain_night nulls last, x.chain_seq)
    from private.audit_anchors x
    where x.venue_id = p_venue_id and (p_since is null or x.anchored_at >= p_since::timestamptz)), '[]'::jsonb);
end;
$$;

create function public.get_audit_anchors(p_venue_id uuid, p_since date default null) returns jsonb
language sql stable
set search_path = ''
as $$ select private.get_audit_anchors(p_venue_id, p_since) $$;

comment on function public.get_audit_anchors is 'Manager+: the venue''s audit chain anchors since a day, to keep elsewhere.';

grant execute on function private.get_audit_anchors(uuid, date) to authenticated, service_role;

grant execute on function public.get_audit_anchors(uuid, date) to authenticated, service_role;

-- ---------- functions: retention ----------

create or replace function private.venue_setting_names() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['name', 'timezone', 'opens_at', 'closes_at', 'open_days', 'hold_ttl', 'requires_approval',
               'booking_horizon', 'min_age', 'max_tables_per_customer_night', 'max_held_tables_per_customer',
               'max_waitlist_entries_per_night', 'max_open_waitlist_entries',
               'cancellation_window', 'waitlist_offer_ttl', 'audit_retention', 'claims_retention']
$$;

-- Change a venue's settings (admin + aal2): p_settings is a JSON object of setting -> value,
-- e.g. {"hold_ttl": "3 minutes", "max_held_tables_per_customer": 2}. Unknown settings, bad
-- values and values the table's checks refuse are INVALID_INPUT; nothing changes then.
-- Returns the venue's settings; one audit row holds the old and new values.
create or replace function private.update_venue_settings(p_venue_id uuid, p_settings jsonb) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_before public.venues;
  v_after public.venues;
  v_unknown text[];
begin
  if p_venue_id is null or p_settings is null or jsonb_typeof(p_settings) <> 'object' or p_settings = '{}'::jsonb then
    perform private.raise_error('INVALID_INPUT', 'settings must be a non-empty JSON object');
  end if;
  select * into v_before from public.venues v where v.id = p_venue_id for update;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  perform private.require_staff(p_venue_id, 'admin', true);
  v_unknown := array(select k from jsonb_object_keys(p_settings) k where k <> all (private.venue_setting_names()) order by k);
  if cardinality(v_unknown) > 0 then
    perform private.raise_error('INVALID_INPUT', format('unknown or read-only settings: %s', array_to_string(v_unknown, ', ')));
  end if;
  if exists (select 1 from jsonb_each(p_settings) e where jsonb_typeof(e.value) = 'null') then
    perform private.raise_error('INVALID_INPUT', 'settings cannot be null');
  end if;
  begin
    update public.venues v
       set (name, timezone, opens_at, closes_at, open_days, hold_ttl, requires_approval, booking_horizon, min_age,
            max_tables_per_customer_night, max_held_tables_per_customer, max_waitlist_entries_per_night,
            max_open_waitlist_entries, cancellation_window, waitlist_offer_ttl, audit_retention, claims_retention)
         = (select r.name, r.timezone, r.opens_at, r.closes_at, r.open_days, r.hold_ttl, r.requires_approval,
                   r.booking_horizon, r.min_age, r.max_tables_per_customer_night, r.max_held_tables_per_customer,
                   r.max_waitlist_entries_per_night, r.max_open_waitlist_entries,
                   r.cancellation_window, r.waitlist_offer_ttl, r.audit_retention, r.claims_retention
            from jsonb_populate_record(v_before, p_settings) r)
     where v.id = p_venue_id
    returning * into v_after;
  exception
    when data_exception or integrity_constraint_violation then
      perform private.raise_error('INVALID_INPUT', format('invalid setting: %s', sqlerrm));
  end;
  if v_after.open_days is null or cardinality(v_after.open_days) = 0
     or exists (select 1 from unnest(v_after.open_days) d where d is null or d not between 1 and 7) then
    perform private.raise_error('INVALID_INPUT', 'open_days are ISO days of the week, 1 (Monday) to 7');
  end if;
  perform private.write_audit(p_venue_id, 'venue', p_venue_id, 'settings_updated', null, null, null,
    jsonb_build_object(
      'before', (select jsonb_object_agg(k, to_jsonb(v_before) -> k) from jsonb_object_keys(p_settings) k),
      'after', (select jsonb_object_agg(k, to_jsonb(v_after) -> k) from jsonb_object_keys(p_settings) k)));
  return (select jsonb_object_agg(k, to_jsonb(v_after) -> k) from unnest(private.venue_setting_names()) k)
      || jsonb_build_object('venue_id', p_venue_id);
end;
$$;

-- Claims are never deleted, by anyone: a booking or block gives its tables back through its
-- status (audited, and announced to every client). Deleting one silently would free a table
-- that every client still shows as taken. The one exception is retention: the table's owner
-- pruning (the claims_pruning transaction flag, which only private.prune_history sets) a claim
-- whose period ended longer ago than its venue keeps claims; it frees nothing anyone can book.
create or replace function private.refuse_claim_delete() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and private.has_transaction_flag('claims_pruning')
     and pg_catalog.pg_has_role(current_user, (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid), 'USAGE')
     and upper(old.period) < private.now() - (select v.claims_retention from public.venues v where v.id = old.venue_id) then
    return old;
  end if;
  raise exception using message = 'NOT_AUTHORIZED',
    detail = 'claims are not deleted: cancel the booking or lift the block', errcode = 'PT403';
end;
$$;

-- Retention (the pg_cron job clubbooking-prune-history, daily): for each venue (one, or all),
-- delete claims whose period ended more than claims_retention ago, and the audit rows older than
-- audit_retention, chain by chain, as a prefix: the longest run of a chain's first rows that
-- are all past retention, whose last row is kept as the chain's 'pruned' anchor (the first row
-- left follows it, so the chain still verifies; a chain pruned whole continues from it). The
-- daily anchors of pruned positions go with them. Takes no chain lock: it only removes rows
-- behind a chain's head, which appenders never read. Returns the counts.
create function private.prune_history(p_venue_id uuid default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claims int;
  v_audit int;
begin
  perform private.set_transaction_flag('claims_pruning', true);
  with gone as (
    delete from public.booking_tables bt using public.venues v
    where v.id = bt.venue_id and (p_venue_id is null or v.id = p_venue_id)
      and upper(bt.period) < private.now() - v.claims_retention
    returning 1)
  select count(*)::int into v_claims from gone;
  perform private.set_transaction_flag('claims_pruning', false);

  perform private.set_transaction_flag('audit_pruning', true);
  with chain as (
    select a.venue_id, a.chain_night,
           coalesce(min(a.chain_seq) filter (where a.created_at >= private.now() - v.audit_retention) - 1,
                    max(a.chain_seq)) as last_pruned
    from public.audit_log a join public.venues v on v.id = a.venue_id
    where (p_venue_id is null or a.venue_id = p_venue_id) and a.chain_seq is not null
    group by a.venue_id, a.chain_night
  ), prefix as materialized (
    select c.venue_id, c.chain_night, c.last_pruned, a.row_hash
    from chain c
    join public.audit_log a on a.venue_id = c.venue_id and a.chain_night is not distinct from c.chain_night
                           and a.chain_seq = c.last_pruned
    where c.last_pruned >= 1
  ), anchored as (
    insert into private.audit_anchors (venue_id, chain_night, chain_seq, row_hash, kind)
    select p.venue_id, p.chain_night, p.last_pruned, p.row_hash, 'pruned' from prefix p
    on conflict do nothing
  ), superseded as (
    delete from private.audit_anchors x using prefix p
    where x.venue_id = p.venue_id and x.chain_night is not distinct from p.chain_night
      and x.kind = 'daily' and x.chain_seq <= p.last_pruned
  ), gone as (
    delete from public.audit_log a using prefix p
    where a.venue_id = p.venue_id and a.chain_night is not distinct from p.chain_night and a.chain_seq <= p.last_pruned
    returning 1)
  select count(*)::int into v_audit from gone;
  perform private.set_transaction_flag('audit_pruning', false);
  return jsonb_build_object('claims_deleted', v_claims, 'audit_rows_deleted', v_audit);
end;
$$;

comment on function private.prune_history is
  'Daily retention: claims and audit rows past their venue''s retention; each pruned chain prefix leaves its anchor.';

-- ---------- the rows already written ----------
-- Each linked into its chain in the order it was written, under the chain's lock, the chains in
-- (venue, night) order as every committer takes them: bookings may go on meanwhile.

do $link$
declare
  v_row public.audit_log;
begin
  for v_row in
    select a.id, a.venue_id, a.entity, a.entity_id, a.action, a.old_status, a.new_status, a.reason, a.actor_id,
           a.actor_role, a.request_id, a.detail, a.created_at,
           case a.entity
             when 'booking' then (select b.booking_date from public.bookings b where b.id = a.entity_id)
             when 'block' then (select k.booking_date from public.table_blocks k where k.id = a.entity_id)
             when 'waitlist' then (select w.booking_date from public.waitlist_entries w where w.id = a.entity_id)
           end,
           null, null, null, a.row_id
    from public.audit_log a where a.row_hash is null
    order by 2, 14 nulls last, 1
  loop
    perform private.lock_venue_night(v_row.venue_id, v_row.chain_night);
    perform private.link_audit_row(v_row);
  end loop;
end
$link$;

-- ---------- scheduled jobs ----------

do $cron$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    perform cron.schedule('clubbooking-anchor-audit-chains', '7 0 * * *', 'select private.anchor_audit_chains()');
    perform cron.schedule('clubbooking-prune-history', '37 4 * * *', 'select private.prune_history()');
  end if;
end
$cron$;
