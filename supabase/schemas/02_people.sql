-- =============================================================================================
-- People: guests, staff, promoters, and who the caller is
-- =============================================================================================
-- Guest records (`customers`), staff roles per venue, promoters; the caller's API role, staff
-- rank and label, read from the JWT once per call.

create table public.customers (
  id uuid primary key default gen_random_uuid(),
  club_id uuid references public.clubs (id),   -- the club whose staff made the record; null: an account's own
  user_id uuid unique references auth.users (id) on delete set null,
  email text,
  phone text,
  full_name text,
  date_of_birth date,
  created_at timestamptz not null default now(),
  forgotten_at timestamptz,
  -- The channels the guest agreed to hear about their bookings on: email (messages about a
  -- booking they made) until they opt out, SMS only once they opt in.
  notification_channels text[] not null default '{email}'
    check (notification_channels <@ array['email', 'sms']::text[]),
  notification_consent_at timestamptz
);

comment on table public.customers is
  'A guest. user_id links a Supabase Auth account; guests booked by staff may have none. PII: email, phone, full_name, date_of_birth.';

comment on column public.customers.club_id is
  'Clubs are tenants: a guest record staff made belongs to their club (null for an account holder''s own profile).';

-- One profile per email among account holders, and one guest record per email in each club:
-- a club's lookup by email never finds another club's guest or an account holder's profile.
comment on column public.customers.notification_channels is
  'Channels the guest consents to be told about their bookings on (email, sms); empty: opted out. set_notification_channels changes it.';

create unique index customers_email_key on public.customers (lower(email)) where email is not null and club_id is null;

create unique index customers_club_email_key on public.customers (club_id, lower(email))
  where email is not null and club_id is not null;

alter table public.customers enable row level security;

grant select on public.customers to authenticated;

grant select, insert, update, delete on public.customers to service_role;

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

alter table public.staff_members enable row level security;

grant select on public.staff_members to authenticated;

grant select, insert, update, delete on public.staff_members to service_role;

-- The API role of the caller: the role PostgREST (or a local client) switched to with
-- SET ROLE, read from the setting so that forged claims cannot raise it. A session with no
-- SET ROLE is its login user (postgres in Studio and migrations).
create function private.api_role() returns text
language plpgsql stable
set search_path = ''
as $$
begin
  return case
      when current_setting('role') = 'none' then
        case when session_user in ('authenticator') then 'anon' else session_user::text end
      else current_setting('role')
    end;
end;
$$;

grant execute on function private.api_role() to anon, authenticated, service_role;

-- Trusted = a role that row level security does not apply to anyway: service_role, and the
-- database owner in Studio or psql (on Supabase `postgres` is not a superuser but has
-- BYPASSRLS, so staff work from the SQL editor counts). API roles (anon, authenticated) never
-- have BYPASSRLS.
-- The API roles answer without a catalogue lookup (every guest request asks twice).
create function private.is_trusted() returns boolean
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

grant execute on function private.is_trusted() to anon, authenticated, service_role;

-- Numeric rank of a staff role: door 1 < host 2 < manager 3 < admin 4.
create function private.staff_rank(p_role text) returns int
language plpgsql immutable
set search_path = ''
as $$
begin
  return case p_role when 'door' then 1 when 'host' then 2 when 'manager' then 3 when 'admin' then 4 else 0 end;
end;
$$;

-- The caller's staff role at a venue, from staff_members and the JWT's sub; null if none.
create function private.staff_role(p_venue_id uuid) returns text
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return (
  select sm.role from public.staff_members sm
  where sm.venue_id = p_venue_id
    and sm.user_id = (select auth.uid())
    and private.api_role() = 'authenticated');
end;
$$;

-- Whether the caller is staff of the venue with at least p_min_role.
create function private.is_venue_staff(p_venue_id uuid, p_min_role text default 'door') returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return private.staff_rank(private.staff_role(p_venue_id)) >= private.staff_rank(p_min_role);
end;
$$;

-- Raise NOT_AUTHORIZED (PT401 without a user) unless the caller is trusted or staff of the
-- venue with at least p_min_role; with p_needs_aal2, also MFA_REQUIRED below aal2.
create function private.require_staff(p_venue_id uuid, p_min_role text, p_needs_aal2 boolean default false)
returns text
language plpgsql stable
set search_path = ''
as $$
declare
  v_role text;
begin
  if private.is_trusted() then
    return 'service_role';
  end if;
  if (select auth.uid()) is null then
    perform private.raise_error('NOT_AUTHORIZED', 'sign in first', 'PT401');
  end if;
  v_role := private.staff_role(p_venue_id);
  if private.staff_rank(v_role) < private.staff_rank(p_min_role) then
    perform private.raise_error('NOT_AUTHORIZED',
      format('needs the %s role at this venue', p_min_role));
  end if;
  if p_needs_aal2 and coalesce((select auth.jwt()) ->> 'aal', 'aal1') <> 'aal2' then
    perform private.raise_error('MFA_REQUIRED', 'this override needs a session verified with MFA (aal2)');
  end if;
  return v_role;
end;
$$;

-- The accounts whose customer record was erased (forget_customer): their name is shown nowhere
-- again, whatever Supabase Auth still holds until the account itself is deleted. Ids only.
create table private.forgotten_users (
  user_id uuid primary key,
  forgotten_at timestamptz not null default now()
);

comment on table private.forgotten_users is
  'Accounts whose customer record was erased: person_label names them no more (ids only, no personal data).';

alter table private.forgotten_users enable row level security;

-- Who a user is, as venue staff read it (seed 003: "display who changed status"): a name
-- (the account's full_name, else the guest record's) and the role at the venue (a staff
-- role, else customer); {"name": null, "role": "system"} for no user (the sweeper, service_role).
-- Read when a staff view is asked for, never stored: an erased account has no name here.
-- (plpgsql: a SQL function with a SET clause is planned again on every call; every event calls it)
create function private.person_label(p_user_id uuid, p_venue_id uuid) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return (
  select case when p_user_id is null then jsonb_build_object('name', null, 'role', 'system')
    else jsonb_build_object(
      'name', case when not exists (select 1 from private.forgotten_users f where f.user_id = p_user_id) then
                coalesce((select u.raw_user_meta_data ->> 'full_name' from auth.users u where u.id = p_user_id),
                         (select c.full_name from public.customers c where c.user_id = p_user_id)) end,
      'role', coalesce((select sm.role::text from public.staff_members sm
                        where sm.user_id = p_user_id and sm.venue_id = p_venue_id), 'customer')) end);
end;
$$;

comment on function private.person_label is 'A user''s name and role at a venue, for staff views of who changed a table.';

-- The role to record in the audit log for the current caller at a venue.
create function private.actor_role(p_venue_id uuid) returns text
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  select coalesce(private.staff_role(p_venue_id),
                  case when private.is_trusted() then private.api_role()
                       when (select auth.uid()) is not null then 'customer'
                       else 'anon' end));
end;
$$;

-- The caller's current email address (lower case) when Supabase Auth has confirmed it and no
-- change of it is pending (GoTrue keeps a pending address in email_change); else
-- NOT_AUTHORIZED. Proof enough of an address for what was sent to it (an invitation's token, a
-- booking's reference), not by itself: a changed address keeps the old confirmation time.
create function private.caller_confirmed_email() returns text
language plpgsql stable security definer
set search_path = ''
as $$
declare
  v_user record;
begin
  select lower(u.email) as email, u.email_confirmed_at, nullif(u.email_change, '') as email_change into v_user
  from auth.users u where u.id = (select auth.uid());
  if v_user.email is null or v_user.email_confirmed_at is null then
    perform private.raise_error('NOT_AUTHORIZED', 'confirm your email address first');
  end if;
  if v_user.email_change is not null then
    perform private.raise_error('NOT_AUTHORIZED', 'finish (or cancel) your email address change first');
  end if;
  return v_user.email;
end;
$$;

-- The caller's customer id, or null (used by RLS policies).
create function private.my_customer_id() returns uuid
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return (select c.id from public.customers c where c.user_id = (select auth.uid()));
end;
$$;

grant execute on function private.my_customer_id() to anon, authenticated, service_role;

-- Reads go through these policies; writes go through the RPCs (no insert, update or delete
-- grants for anon or authenticated). Helpers are security definer in private and wrapped in
-- (select ...) so they run once per statement, not once per row.

-- The venues where the caller is staff with at least p_min_role.
create function private.staff_venue_ids(p_min_role text) returns uuid[]
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return (
  select coalesce(array_agg(sm.venue_id), '{}')
  from public.staff_members sm
  where sm.user_id = (select auth.uid())
    and private.staff_rank(sm.role::text) >= private.staff_rank(p_min_role));
end;
$$;

-- Helpers that RLS policies and the invoker wrappers evaluate as the caller.
grant execute on function private.staff_venue_ids(text) to anon, authenticated, service_role;

create policy "Staff read their own memberships; managers, their venues' staff" on public.staff_members
  for select to authenticated using (
    user_id = (select auth.uid())
    or venue_id = any ((select private.staff_venue_ids('manager'))::uuid[]));
create table public.promoters (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  user_id uuid not null references auth.users (id) on delete cascade,
  code text not null check (code ~ '^[A-Za-z0-9_-]{2,64}$'),
  name text not null,
  created_at timestamptz not null default now(),
  unique (venue_id, code),
  unique (venue_id, user_id)
);

comment on table public.promoters is
  'Promoters who bring guests; bookings carry their promoter_code, and each promoter sees only their own.';

create index promoters_user_id_idx on public.promoters (user_id);

alter table public.promoters enable row level security;

grant select on public.promoters to authenticated;

grant select, insert, update, delete on public.promoters to service_role;

create policy "Promoters read their own profile; managers, their venues'" on public.promoters
  for select to authenticated using (
    user_id = (select auth.uid())
    or venue_id = any ((select private.staff_venue_ids('manager'))::uuid[]));
