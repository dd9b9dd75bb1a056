-- =====================================================================================
-- Security hardening: trusted callers, channel names, the audit log's request id and its
-- GDPR escape hatch, and tighter grants (issue 5)
-- =====================================================================================
-- Replaces (create or replace) five functions of earlier migrations, each for a reason
-- stated above it: private.is_trusted, private.may_join_staff_channel,
-- public.get_availability_events, public.acquire_table_lock, private.refuse_audit_change.

-- ---------- default privileges ----------
-- 20261121000100 revoked PUBLIC's execute only `in schema public/private`, which PostgreSQL
-- ignores for PUBLIC (per-schema defaults can only add to the global default): every function
-- created since was executable by PUBLIC (found by sql/tests/32_catalogue_lints.sql), e.g.
-- private.prune_events, a security definer delete. And on Supabase, `postgres` has default
-- grants of execute on new public functions to anon, authenticated and service_role. Both
-- closed here for every later function; the ones already made are swept at the end.
alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from anon, authenticated, service_role;
alter default privileges in schema public revoke all on sequences from anon, authenticated;

-- ---------- trusted callers ----------
-- Trusted = a role that row level security does not apply to anyway: service_role, and the
-- database owner in Studio or psql. Before, only superusers counted, but on Supabase
-- `postgres` is not a superuser (it has BYPASSRLS), so staff work from the SQL editor failed
-- with NOT_AUTHORIZED. API roles (anon, authenticated) never have BYPASSRLS.
-- The API roles answer without a catalogue lookup (every guest request asks twice).
create or replace function private.is_trusted() returns boolean
language plpgsql stable
set search_path = ''
as $$
declare
  v_role text := private.api_role();
begin
  if v_role in ('anon', 'authenticated') then
    return false;
  end if;
  return v_role = 'service_role'
      or coalesce((select r.rolsuper or r.rolbypassrls from pg_catalog.pg_roles r where r.rolname = v_role), false);
end;
$$;

-- ---------- channel names ----------
-- The venue of an availability channel name, or null when the name is not exactly
-- availability:{club uuid}:{venue uuid}:{YYYY-MM-DD}:{slot_id}. The old checks accepted any
-- 36 characters of [0-9a-f-] and then cast them to uuid, so a malformed name gave an
-- internal error (22P02) instead of INVALID_INPUT, and broke the Broadcast join policy.
create function private.channel_venue_id(p_channel text) returns uuid
language plpgsql immutable
set search_path = ''
as $$
begin
  return (
  select case
    when p_channel ~ ('^availability:' || u.re || ':' || u.re || ':\d{4}-\d{2}-\d{2}:[a-z0-9_]{1,40}$')
      then pg_catalog.split_part(p_channel, ':', 3)::uuid
  end
  from (select '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'::text as re) u);
end;
$$;
comment on function private.channel_venue_id is
  'The venue id of a well-formed availability channel name, else null (never an error).';

create or replace function private.may_join_staff_channel(p_topic text) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(private.channel_venue_id(p_topic) = any (private.staff_venue_ids('door')), false)
$$;

-- The API wrapper hands the implementation only well-formed names (a malformed one becomes
-- null, which private.get_availability_events answers with INVALID_INPUT).
create or replace function public.get_availability_events(p_channel text, p_after_version bigint default 0)
returns table (version bigint, payload jsonb)
language sql stable set search_path = ''
as $$
  select * from private.get_availability_events(
    case when private.channel_venue_id(p_channel) is not null then p_channel end, p_after_version)
$$;
grant execute on function private.channel_venue_id(text) to anon;
grant execute on function private.channel_venue_id(text) to authenticated;
grant execute on function private.channel_venue_id(text) to service_role;

-- ---------- seed API: acquire_table_lock ----------
-- It reports the live claim holding a table; the claim's booking and block ids are staff
-- information (the public view of a table is only its state), so other callers get the
-- claim without them. Before, any signed-in guest learnt other guests' booking ids.
create or replace function public.acquire_table_lock(p_table_id uuid, p_user_id uuid, p_duration_ms int default 30000)
returns table (acquired boolean, lock_id uuid, version int, existing_lock jsonb)
language sql set search_path = ''
as $$
  select l.acquired, l.lock_id, l.version,
         case when private.is_trusted()
                   or (select t.venue_id from public.venue_tables t where t.id = p_table_id)
                      = any (private.staff_venue_ids('door'))
              then l.existing_lock
              else l.existing_lock - array['booking_id', 'block_id'] end
  from private.acquire_table_lock(p_table_id, p_user_id, p_duration_ms) l
$$;

-- ---------- the audit log ----------
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

-- Append-only for everyone. The one exception is GDPR erasure: code running as the table's
-- owner (private.forget_customer, security definer) with clubbooking.gdpr_redaction on may
-- rewrite `detail` and `reason`, nothing else. The old check asked for a superuser, which
-- `postgres` is not on Supabase, and let request_id change too. A role that is not the owner
-- (service_role) cannot pass by setting the flag itself.
create or replace function private.refuse_audit_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE'
     and current_setting('clubbooking.gdpr_redaction', true) = 'on'
     and (pg_catalog.pg_has_role(current_user,
            (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid), 'USAGE')
          or (select r.rolsuper from pg_catalog.pg_roles r where r.rolname = current_user))
     and (to_jsonb(new) - array['detail', 'reason']) = (to_jsonb(old) - array['detail', 'reason']) then
    return new;
  end if;
  raise exception using message = 'NOT_AUTHORIZED', detail = 'audit_log is append-only', errcode = 'PT403';
end;
$$;

-- Overrides, admin changes and erasure are audited against the venue or the customer too.
alter table public.audit_log drop constraint audit_log_entity_check;
alter table public.audit_log add constraint audit_log_entity_check
  check (entity in ('booking', 'block', 'waitlist', 'venue', 'customer', 'staff_invitation'));

-- ---------- grants ----------
-- Audit rows and availability events are written only by triggers and security definer
-- functions (as the owner). service_role could insert forged audit rows and events before.
revoke insert, update, delete, truncate on public.audit_log from service_role;
revoke insert, update, delete, truncate on public.availability_events from service_role;

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

-- Found by the access matrix (sql/tests/30_access_matrix.sql): service_role could not write
-- venues at all (the timezone check calls private.is_valid_timezone), nor use the seeds'
-- session locks (private.acquire/release_booking_lock run as the caller and hash with
-- private.lock_key and private.night_key).
grant execute on function private.is_valid_timezone(text) to service_role;
grant execute on function private.lock_key(uuid) to service_role;
grant execute on function private.night_key(date) to service_role;

-- ---------- sweep: explicit grants only ----------
-- PUBLIC executes nothing of ours. A public RPC wrapper is executable by exactly the API
-- roles that may execute its private implementation (the pairs are granted together, one
-- grant per signature per role): this removes what Supabase's default grants added to the
-- wrappers made before this migration, and changes nothing where grants were explicit.
revoke execute on all functions in schema public from public;
revoke execute on all functions in schema private from public;
revoke all on all sequences in schema public from anon, authenticated;

do $wrappers$
declare
  v_excess record;
begin
  for v_excess in
    select w.oid::regprocedure as wrapper, r.rolname
    from pg_catalog.pg_proc w
    join pg_catalog.pg_namespace n on n.oid = w.pronamespace and n.nspname = 'public'
    cross join (values ('anon'), ('authenticated'), ('service_role')) r(rolname)
    where exists (select 1 from pg_catalog.pg_proc i where i.pronamespace = 'private'::regnamespace and i.proname = w.proname)
      and pg_catalog.has_function_privilege(r.rolname, w.oid, 'execute')
      and not exists (select 1 from pg_catalog.pg_proc i
                      where i.pronamespace = 'private'::regnamespace and i.proname = w.proname
                        and pg_catalog.has_function_privilege(r.rolname, i.oid, 'execute'))
  loop
    execute format('revoke execute on function %s from %I', v_excess.wrapper, v_excess.rolname);
  end loop;
end
$wrappers$;

-- ---------- pg_cron out of public ----------
-- 20261121001600 created pg_cron without a schema, so where it was installed its extension
-- lands in public (splinter 0014 extension_in_public, found by 32_catalogue_lints.sql).
-- pg_cron can't be relocated: re-create it in pg_catalog (as Supabase installs it) and put
-- back the jobs it had, whatever they are.
do $cron$
declare
  v_jobs jsonb;
  v_job record;
begin
  if not exists (select 1 from pg_catalog.pg_extension e
                 where e.extname = 'pg_cron' and e.extnamespace = 'public'::regnamespace) then
    return;
  end if;
  execute 'select coalesce(jsonb_agg(jsonb_build_object(''name'', j.jobname, ''schedule'', j.schedule, ''command'', j.command)), ''[]'')
           from cron.job j' into v_jobs;
  drop extension pg_cron;
  create extension pg_cron with schema pg_catalog;
  for v_job in select * from jsonb_to_recordset(v_jobs) as j(name text, schedule text, command text) loop
    perform cron.schedule(v_job.name, v_job.schedule, v_job.command);
  end loop;
end
$cron$;
