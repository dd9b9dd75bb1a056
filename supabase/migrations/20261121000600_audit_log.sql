-- =====================================================================================
-- The audit log: one row per state transition, append-only
-- =====================================================================================

create table public.audit_log (
  id bigint generated always as identity primary key,
  venue_id uuid not null references public.venues (id),
  entity text not null check (entity in ('booking', 'block', 'waitlist')),
  entity_id uuid not null,
  action text not null,
  old_status text,
  new_status text,
  reason text,
  actor_id uuid,
  actor_role text not null,
  request_id text,
  detail jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
comment on table public.audit_log is
  'Every state transition of bookings, blocks and waitlist entries: who, role, old, new, reason, when, request id. Append-only.';
create index audit_log_venue_created_idx on public.audit_log (venue_id, created_at);
create index audit_log_entity_idx on public.audit_log (entity_id);

-- Audit rows are never changed or deleted, whoever asks (service_role, the owner through the
-- API). The only exception is GDPR erasure, which redacts PII from `detail` inside
-- private.forget_customer (flag set there, superuser-owned code only).
create function private.refuse_audit_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE'
     and current_setting('clubbooking.gdpr_redaction', true) = 'on'
     and (select r.rolsuper from pg_catalog.pg_roles r where r.rolname = current_user)
     and (new.id, new.venue_id, new.entity, new.entity_id, new.action, new.old_status, new.new_status,
          new.actor_id, new.actor_role, new.created_at)
         is not distinct from
         (old.id, old.venue_id, old.entity, old.entity_id, old.action, old.old_status, old.new_status,
          old.actor_id, old.actor_role, old.created_at) then
    return new;
  end if;
  raise exception using message = 'NOT_AUTHORIZED', detail = 'audit_log is append-only', errcode = 'PT403';
end;
$$;

create trigger audit_log_is_append_only
  before update or delete on public.audit_log
  for each row execute function private.refuse_audit_change();

create trigger audit_log_no_truncate
  before truncate on public.audit_log
  for each statement execute function private.refuse_audit_change();

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
          coalesce(nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-request-id',
                   nullif(current_setting('clubbooking.request_id', true), '')),
          coalesce(p_detail, '{}'::jsonb));
end;
$$;
