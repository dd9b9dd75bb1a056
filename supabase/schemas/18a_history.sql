-- =============================================================================================
-- History: an audit log you can prove
-- =============================================================================================
-- Every audit row carries the SHA-256 of its content and of the previous row of its chain: one
-- chain per venue and night (rows about bookings, blocks and waitlist entries of that night), and
-- one per venue for the rows about the venue itself (its settings, staff, guests). Rows are
-- linked at commit under the venue-night lock (private.lock_venue_night); verify_audit_chain
-- recomputes the chains, daily anchors keep each chain's head so that a rewrite of a whole chain
-- is caught, and retention prunes a chain's old prefix, leaving its anchor. After GDPR erasure
-- (the hash covers audit rows as erasure leaves them) and staff operations (staff_view_rank) in
-- the stack.

-- ---------- tables ----------

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
-- it is about, unless the writer names it; the venue's own chain for anything else), and no
-- chain columns from the writer: rows are linked at commit (private.note_audit_chains notes
-- them, per statement). The benchmarks' baseline (clubbooking.audit_chain = off, honoured only
-- for a session of the table's owner, who could disable the triggers anyway) marks its rows as
-- outside any chain (an empty row_hash, which verification reports).
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
      new.chain_night := null;
      new.row_hash := '\x'::bytea;
      return new;
    end if;
  end if;
  -- (one lookup per kind, apart from the tests: in one expression, whose plan folds the tests
  -- when the row is known, it was planned afresh for every row)
  if new.chain_night is not null then
    null;
  elsif new.entity = 'booking' then
    new.chain_night := (select b.booking_date from public.bookings b where b.id = new.entity_id);
  elsif new.entity = 'block' then
    new.chain_night := (select k.booking_date from public.table_blocks k where k.id = new.entity_id);
  elsif new.entity = 'waitlist' then
    new.chain_night := (select w.booking_date from public.waitlist_entries w where w.id = new.entity_id);
  end if;
  return new;
end;
$$;

-- (not called for a row it would leave as it is: its night named, no chain column given, the
-- chain on: the booking triggers' rows, thousands in a sweep)
create trigger audit_log_chain_night
  before insert on public.audit_log
  for each row
  when (new.chain_night is null or num_nonnulls(new.chain_seq, new.prev_hash, new.row_hash) > 0
        or current_setting('clubbooking.audit_chain', true) = 'off')
  execute function private.audit_chain_night();

-- AFTER STATEMENT on audit_log (insert): note the chains of the rows the statement wrote and
-- their ids in private.pending_audit_chains, one row per chain, in one statement: a chain's first
-- note in the transaction (or its first since its rows were last linked) queues the commit-time
-- call that links them (private.link_audit_at_commit); a later note adds its ids to it. Rows
-- outside any chain (the baseline's) are not noted.
create function private.note_audit_chains() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.pending_audit_chains as c (venue_id, chain_night, ids)
  select n.venue_id, n.chain_night, array_agg(n.id order by n.id)
  from new_rows n
  where n.row_hash is null
  group by n.venue_id, n.chain_night
  on conflict (txid, venue_id, chain_night) do update set ids = c.ids || excluded.ids;
  return null;
end;
$$;

comment on function private.note_audit_chains is
  'Statement trigger on audit_log: note the written rows'' chains and ids for their linking at commit.';

create trigger audit_log_note_chains
  after insert on public.audit_log
  referencing new table as new_rows
  for each statement execute function private.note_audit_chains();

-- Link the audit rows p_ids names that are not linked yet, each to its chain: chain by chain,
-- from the chain's head (private.audit_chain_heads; none yet: position 0), in the order the rows
-- were written (id), each row its position, the previous row's hash as its prev_hash, and its
-- own hash (private.audit_row_hash); then each chain's head moves to its last row. Set-based:
-- one read of the rows and their heads, one update of the rows and one of the heads, whether
-- one row or a sweep's thousands. The caller holds the chains' locks (private.lock_venue_night,
-- which takes them all at commit).
create function private.link_audit_rows(p_ids bigint[]) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_next record;
  v_row public.audit_log;
  v_venue uuid;
  v_chain date;
  v_seq bigint;
  v_hash bytea;
  v_ids bigint[] := '{}'::bigint[];
  v_seqs bigint[] := '{}'::bigint[];
  v_prevs bytea[] := '{}'::bytea[];
  v_hashes bytea[] := '{}'::bytea[];
  v_head_venues uuid[] := '{}'::uuid[];
  v_head_chains date[] := '{}'::date[];
  v_head_seqs bigint[] := '{}'::bigint[];
  v_head_hashes bytea[] := '{}'::bytea[];
begin
  for v_next in
    select a as row, c.chain, h.chain_seq as head_seq, h.row_hash as head_hash
    from public.audit_log a
    cross join lateral (select coalesce(a.chain_night, 'infinity'::date) as chain) c
    left join private.audit_chain_heads h on h.venue_id = a.venue_id and h.chain = c.chain
    where a.id = any (p_ids) and a.row_hash is null
    order by a.venue_id, c.chain, a.id
  loop
    if (v_next.row).venue_id is distinct from v_venue or v_next.chain is distinct from v_chain then
      if v_venue is not null then
        v_head_venues := v_head_venues || v_venue;
        v_head_chains := v_head_chains || v_chain;
        v_head_seqs := v_head_seqs || v_seq;
        v_head_hashes := v_head_hashes || v_hash;
      end if;
      v_venue := (v_next.row).venue_id;
      v_chain := v_next.chain;
      v_seq := coalesce(v_next.head_seq, 0);
      v_hash := v_next.head_hash;
    end if;
    v_row := v_next.row;
    v_row.chain_seq := v_seq + 1;
    v_row.prev_hash := v_hash;
    v_seq := v_row.chain_seq;
    v_hash := private.audit_row_hash(v_row);
    v_ids := v_ids || v_row.id;
    v_seqs := v_seqs || v_seq;
    v_prevs := v_prevs || v_row.prev_hash;
    v_hashes := v_hashes || v_hash;
  end loop;
  if v_venue is null then
    return;
  end if;
  v_head_venues := v_head_venues || v_venue;
  v_head_chains := v_head_chains || v_chain;
  v_head_seqs := v_head_seqs || v_seq;
  v_head_hashes := v_head_hashes || v_hash;
  update public.audit_log a
     set chain_seq = u.chain_seq, prev_hash = u.prev_hash, row_hash = u.row_hash
    from unnest(v_ids, v_seqs, v_prevs, v_hashes) u(id, chain_seq, prev_hash, row_hash)
   where a.id = u.id and a.row_hash is null;
  insert into private.audit_chain_heads as h (venue_id, chain, chain_seq, row_hash)
  select u.venue_id, u.chain, u.chain_seq, u.row_hash
  from unnest(v_head_venues, v_head_chains, v_head_seqs, v_head_hashes) u(venue_id, chain, chain_seq, row_hash)
  on conflict (venue_id, chain) do update set chain_seq = excluded.chain_seq, row_hash = excluded.row_hash;
end;
$$;

comment on function private.link_audit_rows is
  'Under the chains'' locks: give audit rows not yet linked their places and hashes in their chains, in the order written, and move each chain''s head to its last.';

-- DEFERRED, on each chain a transaction noted (private.pending_audit_chains): at commit (or at
-- SET CONSTRAINTS ... IMMEDIATE) the first call takes the locks of every chain the transaction
-- wrote to (and every venue-night it changed, in one pass), empties the notes and links all the
-- rows they name (private.link_audit_rows): one call links a sweep's thousands of rows. The calls
-- for the transaction's other chains find their notes gone and return at once; rows written
-- after the linking (a waitlist offer made at commit) note their chain again, which queues
-- another call that takes any new locks and links them.
create function private.link_audit_at_commit() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ids bigint[];
begin
  if not exists (select 1 from private.pending_audit_chains c where c.txid = new.txid and c.venue_id = new.venue_id
                 and c.chain_night is not distinct from new.chain_night) then
    return null;  -- linked with the others
  end if;
  perform private.lock_venue_night(null, null);
  with noted as (
    delete from private.pending_audit_chains c where c.txid = new.txid returning c.ids
  )
  select array_agg(i.id) into v_ids from noted n cross join lateral unnest(n.ids) i(id);
  perform private.link_audit_rows(v_ids);
  return null;
end;
$$;

create constraint trigger pending_audit_chains_link
  after insert on private.pending_audit_chains
  deferrable initially deferred
  for each row execute function private.link_audit_at_commit();

-- Check every chain of a venue over the rows written in [p_from, p_to] (each against its
-- predecessor, in range or not): each row's position follows its predecessor's (or the pruned
-- prefix's anchor), its prev_hash is its predecessor's row_hash, its row_hash is its content's,
-- and every anchor of a checked position still matches; with no p_to, no anchor may lie beyond
-- a chain's last row (rows cut from its end). Returns {ok, checked, first_broken_id}: the
-- row_id (the uuid that names an audit row in the API) of the earliest written row that breaks
-- a chain (an unlinked row, e.g. one inserted behind the triggers' back, is broken itself; a
-- deleted row breaks its successor). Manager and above.
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
    select (c.r).id, (c.r).row_id, (c.r).created_at,
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
    select distinct on (c.chain) c.chain, (c.r).id, (c.r).row_id, (c.r).created_at, (c.r).chain_seq
    from chain c order by c.chain, (c.r).chain_seq desc nulls last
  ), cut as (
    -- an anchor beyond its chain's last row: the chain's end was cut off (the last row left is named)
    select e.id, e.row_id, e.created_at
    from (select x.chain, max(x.chain_seq) as chain_seq from anchor x where x.kind = 'daily' group by x.chain) x
    left join chain_end e on e.chain = x.chain
    where p_to is null and x.chain_seq > coalesce(e.chain_seq, 0)
  ), broken as (
    select k.id, k.row_id, k.created_at from checked k where k.broken
    union all
    select t.id, t.row_id, t.created_at from cut t
  )
  select jsonb_build_object(
           'ok', not exists (select 1 from broken),
           'checked', (select count(*)::int from checked),
           'first_broken_id', (select b.row_id from broken b order by b.created_at nulls last, b.id nulls last limit 1))
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

-- Retention (the pg_cron job clubbooking-prune-history, daily): for each venue (one, or all),
-- delete claims whose period ended more than claims_retention ago, the claims' and bookings'
-- versions (private.claim_history, private.booking_history) of the nights before the first one
-- kept (private.history_kept_since: those nights' claims are all gone), and the audit rows older than
-- audit_retention, chain by chain, as a prefix: the longest run of a chain's first rows that
-- are all past retention, whose last row is kept as the chain's 'pruned' anchor (the first row
-- left follows it, so the chain still verifies; a chain pruned whole continues from its head,
-- which is that row). The
-- daily anchors of pruned positions go with them. Takes no chain lock: it only removes rows
-- behind a chain's head, which appenders never read. Returns the counts.
create function private.prune_history(p_venue_id uuid default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claims int;
  v_history int;
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

  -- the replay's history of the nights before the first one kept (get_availability_at refuses them)
  with venue as materialized (
    select v.id, private.history_kept_since(v.id) as kept_since from public.venues v
    where p_venue_id is null or v.id = p_venue_id
  ), claim_versions_gone as (
    delete from private.claim_history h using venue v
    where h.venue_id = v.id and h.booking_date < v.kept_since
    returning 1
  ), booking_versions_gone as (
    delete from private.booking_history h using venue v
    where h.venue_id = v.id and h.booking_date < v.kept_since
    returning 1)
  select (select count(*) from claim_versions_gone) + (select count(*) from booking_versions_gone) into v_history;

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
  return jsonb_build_object('claims_deleted', v_claims, 'history_versions_deleted', v_history,
                            'audit_rows_deleted', v_audit);
end;
$$;

comment on function private.prune_history is
  'Daily retention: claims, their history and audit rows past their venue''s retention; each pruned chain prefix leaves its anchor.';
