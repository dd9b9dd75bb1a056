-- =============================================================================================
-- Audit log: append-only history of every change
-- =============================================================================================
-- One row per change with its actor and request; API roles and table edits can only append.

create table public.audit_log (
  id bigint generated always as identity primary key,
  venue_id uuid not null references public.venues (id),
  entity text not null,
  entity_id uuid not null,
  action text not null,
  old_status text,
  new_status text,
  reason text,
  actor_id uuid,
  actor_role text not null,
  request_id text,
  detail jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  chain_night date,
  chain_seq bigint,
  prev_hash bytea,
  row_hash bytea,
  row_id uuid not null default gen_random_uuid(),
  constraint audit_log_entity_check check (entity in ('booking', 'block', 'waitlist', 'venue', 'customer', 'staff_invitation'))
);

comment on table public.audit_log is
  'Every state transition of bookings, blocks and waitlist entries: who, role, old, new, reason, when, request id. Append-only.';

create index audit_log_venue_created_idx on public.audit_log (venue_id, created_at);

create index audit_log_entity_idx on public.audit_log (entity_id);

comment on column public.audit_log.chain_night is 'The night whose chain the row is in; null: the venue''s own chain.';
comment on column public.audit_log.chain_seq is 'The row''s position in its chain (1, 2, ...), given at commit.';
comment on column public.audit_log.prev_hash is 'row_hash of the previous row of the chain (null for the first).';
comment on column public.audit_log.row_hash is
  'SHA-256 of prev_hash and the row''s content (private.audit_row_hash), given at commit; null until then.';
comment on column public.audit_log.row_id is
  'The row''s name in the API (verify_audit_chain''s first_broken_id); id orders the rows.';

-- The chains the current transaction has written audit rows to, with the ids of its rows not
-- yet linked, until its commit has taken their locks (private.lock_venue_night) and linked them:
-- each statement that writes audit rows notes their chains and ids (private.note_audit_chains);
-- a chain's first note queues the deferred call that links the transaction's rows
-- (private.link_audit_at_commit). Unlogged, like private.pending_nights: nothing in it outlives
-- its transaction.
create unlogged table private.pending_audit_chains (
  txid xid8 not null default pg_catalog.pg_current_xact_id(),
  venue_id uuid not null,
  chain_night date,
  ids bigint[] not null default '{}'::bigint[]
);

comment on table private.pending_audit_chains is
  'Audit chains the current transaction wrote to, whose locks its commit takes, and its rows it links there.';

create unique index pending_audit_chains_idx on private.pending_audit_chains (txid, venue_id, chain_night) nulls not distinct;

alter table private.pending_audit_chains enable row level security;

revoke all on private.pending_audit_chains from public;

alter table public.audit_log enable row level security;

grant select on public.audit_log to authenticated;

grant select, insert, update, delete on public.audit_log to service_role;

revoke update, delete, truncate on public.audit_log from service_role;

-- Audit rows and availability events are written only by triggers and security definer
-- functions (as the owner). service_role could insert forged audit rows and events before.
revoke insert, update, delete, truncate on public.audit_log from service_role;

-- The audit log stays append-only. Three writers may touch a row: linking (once, at commit: the
-- chain columns of a row that has no row_hash yet, nothing else; the trigger's WHEN lets only that
-- through, without a call, as only the table's owner may update it at all: service_role's UPDATE
-- is revoked); GDPR erasure (as the owner, clubbooking.gdpr_redaction on: detail and reason only,
-- which the chain's hash covers only in their redacted form); and pruning (as the owner, with the
-- audit_pruning transaction flag, which only private.prune_history sets: whole rows past their
-- venue's retention). A role that is not the owner cannot pass by setting a flag.
create function private.refuse_audit_change() returns trigger
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

create trigger audit_log_is_append_only
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

create trigger audit_log_no_truncate
  before truncate on public.audit_log
  for each statement execute function private.refuse_audit_change();

-- The request an audit row belongs to: PostgREST's x-request-id header or the
-- clubbooking.request_id setting, else null (private.fill_request_id then names the transaction).
create function private.request_id() returns text
language plpgsql stable
set search_path = ''
as $$
begin
  return coalesce(nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-request-id',
                  nullif(current_setting('clubbooking.request_id', true), ''));
end;
$$;

-- Write one audit row for the current caller.
create function private.write_audit(
  p_venue_id uuid, p_entity text, p_entity_id uuid, p_action text,
  p_old text, p_new text, p_reason text, p_detail jsonb default '{}'::jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  insert into public.audit_log (venue_id, entity, entity_id, action, old_status, new_status, reason,
                                actor_id, actor_role, request_id, detail)
  values (p_venue_id, p_entity, p_entity_id, p_action, p_old, p_new, p_reason,
          (select auth.uid()), private.actor_role(p_venue_id),
          private.request_id(),
          coalesce(p_detail, '{}'::jsonb));
end;
$$;

create policy "Managers can read their venues' audit log" on public.audit_log
  for select to authenticated using (venue_id = any ((select private.staff_venue_ids('manager'))::uuid[]));

grant usage, select on sequence public.audit_log_id_seq to service_role;

-- Every audit row has a request id: write_audit records PostgREST's x-request-id header or
-- the clubbooking.request_id setting; without either (pg_cron, psql) the transaction's id
-- stands in, so the rows of one request share it. Headers are client input: cut to 128.
create function private.fill_request_id() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.request_id := left(coalesce(nullif(new.request_id, ''), 'txn:' || pg_catalog.pg_current_xact_id()::text), 128);
  return new;
end;
$$;

comment on function private.fill_request_id is 'BEFORE INSERT on audit_log: request_id, or txn:<transaction id>.';

create trigger audit_log_request_id
  before insert on public.audit_log
  for each row execute function private.fill_request_id();
