-- =====================================================================================
-- People and auth: customers, staff, roles, invitations
-- =====================================================================================
-- Released in v0.1.0 and frozen: the source is supabase/schemas/, changes are forward migrations.

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

-- Trusted = a role that row level security does not apply to anyway: service_role, and the
-- database owner in Studio or psql. Before, only superusers counted, but on Supabase
-- `postgres` is not a superuser (it has BYPASSRLS), so staff work from the SQL editor failed
-- with NOT_AUTHORIZED. API roles (anon, authenticated) never have BYPASSRLS.
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

-- Who a user is, as venue staff read it (seed 003: "display who changed status"): a name
-- (the account's full_name, else the guest record's) and the role at the venue (a staff
-- role, else customer); {"name": null, "role": "system"} for no user (the sweeper, service_role).
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
      'name', coalesce((select u.raw_user_meta_data ->> 'full_name' from auth.users u where u.id = p_user_id),
                       (select c.full_name from public.customers c where c.user_id = p_user_id)),
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

-- The customer a request is for: p_customer_id when staff (host+) or a trusted caller books
-- for a guest their club knows (any other id is "unknown customer", whether it exists or
-- not); else the caller's own customer row, created from the JWT on first use, or a guest
-- record staff made for the caller's email (their walk-in history) when Supabase Auth has
-- confirmed that the address is theirs (auth.users.email_confirmed_at).
create function private.resolve_customer(p_venue_id uuid, p_customer_id uuid) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_claims jsonb := coalesce((select auth.jwt()), '{}'::jsonb);
  v_id uuid;
  v_dob date;
begin
  if p_customer_id is not null then
    perform private.require_staff(p_venue_id, 'host');
    if not private.club_knows_customer((select v.club_id from public.venues v where v.id = p_venue_id), p_customer_id) then
      perform private.raise_error('INVALID_INPUT', 'unknown customer', 'PT404');
    end if;
    return p_customer_id;
  end if;
  if v_uid is null or private.api_role() not in ('authenticated', 'service_role') and not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'sign in to book', 'PT401');
  end if;
  select c.id, c.date_of_birth into v_id, v_dob from public.customers c where c.user_id = v_uid;
  if v_id is null then
    v_id := private.new_account_customer(v_uid, v_claims);
    select c.date_of_birth into v_dob from public.customers c where c.id = v_id;
  end if;
  -- The age gate needs a date of birth for a guest booking for themselves (staff and trusted
  -- callers booking for a walk-in check ID at the door instead).
  if v_dob is null and not private.is_trusted() and private.staff_role(p_venue_id) is null then
    perform private.raise_error('INVALID_INPUT',
      'a date of birth (user_metadata.date_of_birth, YYYY-MM-DD) is needed to book: the venue checks age');
  end if;
  return v_id;
end;
$$;

-- The customer record of an account on its first request: the guest record staff made for its
-- email (the oldest, once Auth has confirmed the address; it gains the account's date of
-- birth if it had none), else a new profile from the JWT.
create function private.new_account_customer(p_uid uuid, p_claims jsonb) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
  -- The date of birth the guest gave at sign-up: in the token, else in their Auth user.
  v_dob text := coalesce(p_claims -> 'user_metadata' ->> 'date_of_birth',
                         (select u.raw_user_meta_data ->> 'date_of_birth' from auth.users u where u.id = p_uid));
begin
  update public.customers c
     set user_id = p_uid,
         date_of_birth = coalesce(c.date_of_birth, private.date_of_birth(v_dob))
   where c.id = (select g.id from public.customers g
                 where lower(g.email) = lower(p_claims ->> 'email') and g.user_id is null
                   and exists (select 1 from auth.users u
                               where u.id = p_uid and u.email_confirmed_at is not null and lower(u.email) = lower(g.email))
                 order by g.created_at limit 1)
  returning c.id into v_id;
  if v_id is null then
    insert into public.customers (user_id, email, phone, full_name, date_of_birth)
    values (p_uid,
            case when not exists (select 1 from public.customers c
                                  where c.club_id is null and lower(c.email) = lower(p_claims ->> 'email'))
                 then p_claims ->> 'email' end,
            p_claims ->> 'phone',
            p_claims -> 'user_metadata' ->> 'full_name',
            private.date_of_birth(v_dob))
    on conflict (user_id) do nothing
    returning id into v_id;
    if v_id is null then
      select c.id into v_id from public.customers c where c.user_id = p_uid;
    end if;
  end if;
  return v_id;
end;
$$;

-- A date of birth from the sign-up metadata: YYYY-MM-DD of a real past date, else
-- INVALID_INPUT (a contract error, never SQLSTATE 22007/22008); none is null. The age gate
-- trusts this date (the guest's own statement at sign-up, or staff's record), nothing more.
create function private.date_of_birth(p_text text) returns date
language plpgsql immutable
set search_path = ''
as $$
declare
  v_date date;
begin
  if p_text is null then
    return null;
  end if;
  if p_text ~ '^\d{4}-\d{2}-\d{2}$' then
    begin
      v_date := p_text::date;
    exception when datetime_field_overflow or invalid_datetime_format then
      v_date := null;  -- e.g. 2001-02-30: refused below like any malformed date
    end;
  end if;
  if v_date is null or v_date < date '1900-01-01' then
    perform private.raise_error('INVALID_INPUT', 'date_of_birth must be a date YYYY-MM-DD');
  end if;
  return v_date;
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

alter table public.customers enable row level security;

alter table public.staff_members enable row level security;

create policy "Staff read their own memberships; managers, their venues' staff" on public.staff_members
  for select to authenticated using (
    user_id = (select auth.uid())
    or venue_id = any ((select private.staff_venue_ids('manager'))::uuid[]));

grant select on public.customers to authenticated;

grant select on public.staff_members to authenticated;

grant select, insert, update, delete on public.customers to service_role;

grant select, insert, update, delete on public.staff_members to service_role;

-- Helpers that RLS policies and the invoker wrappers evaluate as the caller.
grant execute on function private.staff_venue_ids(text) to anon, authenticated, service_role;

grant execute on function private.my_customer_id() to anon, authenticated, service_role;

grant execute on function private.is_trusted() to anon, authenticated, service_role;

grant execute on function private.api_role() to anon, authenticated, service_role;
