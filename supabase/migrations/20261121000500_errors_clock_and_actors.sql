-- =====================================================================================
-- The error contract, the clock, night and slot time ranges, and who is calling
-- =====================================================================================

-- ---------- errors ----------
create table private.error_codes (
  code text primary key,
  sqlstate text not null check (sqlstate ~ '^PT[0-9]{3}$'),
  description text not null
);
comment on table private.error_codes is
  'The contract''s error codes: MESSAGE is the code, SQLSTATE PTxyz makes PostgREST answer HTTP xyz.';
insert into private.error_codes (code, sqlstate, description) values
  ('SECTION_NOT_AVAILABLE',   'PT409', 'The table or section is taken, held or blocked for that time; DETAIL carries alternatives as JSON.'),
  ('TABLE_NOT_FOUND',         'PT404', 'A table id is not a table of that venue.'),
  ('CAPACITY_MISMATCH',       'PT422', 'The party does not fit the tables'' capacity range.'),
  ('INVALID_PARTY_SIZE',      'PT422', 'Party size outside 1-50.'),
  ('DATE_OUT_OF_RANGE',       'PT422', 'The night is in the past or beyond the booking horizon (6 months).'),
  ('OUTSIDE_OPERATING_HOURS', 'PT422', 'The time range is not inside the venue''s opening hours, or the venue is closed that night.'),
  ('UNDERAGE',                'PT422', 'The guest is younger than the venue''s minimum age (18) on the night.'),
  ('MAX_TABLES_EXCEEDED',     'PT409', 'The guest would hold or book more tables than the venue allows.'),
  ('HOLD_EXPIRED',            'PT409', 'The hold ran out before it was submitted.'),
  ('INVALID_TRANSITION',      'PT409', 'The booking''s status does not allow that action.'),
  ('NOT_AUTHORIZED',          'PT403', 'The caller may not do that (PT401 when there is no user at all).'),
  ('MFA_REQUIRED',            'PT403', 'The action is a manager override or admin change and needs aal2.'),
  ('INVALID_INPUT',           'PT422', 'Malformed or missing input (PT404 when it names an unknown venue, slot or booking).');

-- Raise a contract error: MESSAGE = code, DETAIL for humans (or JSON), SQLSTATE from the table
-- unless p_sqlstate overrides it (PT401 for no user, PT404 for unknown ids).
create function private.raise_error(p_code text, p_detail text default null, p_sqlstate text default null)
returns void
language plpgsql stable
set search_path = ''
as $$
declare
  v_state text := p_sqlstate;
begin
  if v_state is null then
    select e.sqlstate into v_state from private.error_codes e where e.code = p_code;
  end if;
  raise exception using message = p_code, detail = coalesce(p_detail, ''), errcode = coalesce(v_state, 'PT500');
end;
$$;

-- ---------- the clock ----------
-- now(), or the instant in clubbooking.now: the test hook for expiry (freeze time without
-- touching the system clock). Honoured only in a session logged in as the owner of this
-- schema (postgres on Supabase, who runs the migrations and `supabase test db`; not a
-- superuser there), also while that test session acts as a user with set local role. A
-- session of an API role (PostgREST's authenticator, anon, authenticated, service_role, or any
-- other login that is not the owner) always gets the real clock, whatever it sets.
create function private.now() returns timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_fake text := current_setting('clubbooking.now', true);
begin
  if v_fake is null or v_fake = '' then
    return now();
  end if;
  if pg_catalog.pg_has_role(session_user,
       (select n.nspowner from pg_catalog.pg_namespace n where n.nspname = 'private'), 'MEMBER') then
    return v_fake::timestamptz;
  end if;
  return now();
end;
$$;

-- ---------- time ranges ----------
-- A local wall-clock time on a night, as an instant: times before the venue opens belong to
-- the next morning. Interval arithmetic happens on local timestamps so DST is honoured. A
-- night outside the calendar (years 1-9999, so not +-infinity) is DATE_OUT_OF_RANGE, never
-- SQLSTATE 22008 from the arithmetic (found by the bad-input property tests); a null night
-- gives null. The check is inline: this runs a dozen times a booking.
create function private.local_instant(p_tz text, p_night date, p_opens time, p_at time)
returns timestamptz
language plpgsql immutable
set search_path = ''
as $$
begin
  if not p_night between date '0001-01-01' and date '9999-12-31' then
    perform private.raise_error('DATE_OUT_OF_RANGE', format('%s is not a night the venue can open', p_night));
  end if;
  return ((p_night + p_at + case when p_at < p_opens then interval '1 day' else interval '0' end)::timestamp)
         at time zone p_tz;
end;
$$;
comment on function private.local_instant is
  'A local time on a night as an instant (times before opening are the next morning); DATE_OUT_OF_RANGE off the calendar.';

-- The venue's opening hours on a night, or null when it is closed that night.
create function private.night_range(p_venue_id uuid, p_night date)
returns tstzrange
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  select tstzrange(
           private.local_instant(v.timezone, p_night, v.opens_at, v.opens_at),
           private.local_instant(v.timezone, p_night, v.opens_at, v.closes_at),
           '[)')
  from public.venues v
  where v.id = p_venue_id
    and extract(isodow from p_night)::int = any (v.open_days));
end;
$$;

-- The slots of a night that a time range touches, earliest first (all of them for a null
-- range). A slot's length is elapsed time, so a 4-hour slot on the night the clocks go back
-- still lasts 4 hours; a slot never runs past closing (on the night the clocks go forward it
-- is cut at closing time).
create function private.slots_overlapping(p_venue_id uuid, p_night date, p_period tstzrange)
returns table (slot_id text, slot_period tstzrange)
language plpgsql stable
rows 2  -- a night has a few slots: the planner's default (1000) makes callers' plans look expensive
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  select vs.slot_id, r.period
  from public.venue_slots vs
  join public.venues v on v.id = vs.venue_id
  -- offset 0 keeps the two instants computed once per slot: flattened, the planner copies
  -- the calls into every expression that uses them (a dozen calls per slot).
  cross join lateral (select private.local_instant(v.timezone, p_night, v.opens_at, vs.starts_at) as start,
                             private.local_instant(v.timezone, p_night, v.opens_at, v.closes_at) as closing
                      offset 0) s
  cross join lateral (
    select tstzrange(s.start,
                     case when s.closing > s.start then least(s.start + vs.duration, s.closing)
                          else s.start + vs.duration end, '[)') as period) r
  where vs.venue_id = p_venue_id and (p_period is null or r.period && p_period)
  order by lower(r.period), vs.slot_id;
end;
$$;

-- A named slot's instants on a night, or null if the venue has no such slot.
create function private.slot_range(p_venue_id uuid, p_night date, p_slot_id text)
returns tstzrange
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  select s.slot_period from private.slots_overlapping(p_venue_id, p_night, null) s where s.slot_id = p_slot_id);
end;
$$;

-- ---------- who is calling ----------
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

-- True for trusted back-office callers: service_role, or a superuser session (Studio, psql).
create function private.is_trusted() returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  select private.api_role() = 'service_role'
      or coalesce((select r.rolsuper from pg_catalog.pg_roles r where r.rolname = private.api_role()), false));
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

-- ---------- transaction flags ----------
-- A few rules have one privileged path inside our own code: a deposit recorded by the payment
-- functions, a manager's capacity override, waitlist offers paused while a forced block takes
-- the tables. Those paths mark their own transaction here. Only the owner (security definer
-- code) can write this table; a setting (set_config) would let any caller switch a rule off.
create table private.transaction_flags (
  txid xid8 not null default pg_catalog.pg_current_xact_id(),
  flag text not null,
  primary key (txid, flag)
);
comment on table private.transaction_flags is
  'Flags a privileged path sets for its own transaction (cleared when it is done); written by definer code only.';
alter table private.transaction_flags enable row level security;
revoke all on private.transaction_flags from public;

-- Set (p_on) or clear a flag for the current transaction.
create function private.set_transaction_flag(p_flag text, p_on boolean) returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_on then
    insert into private.transaction_flags (flag) values (p_flag) on conflict do nothing;
  else
    delete from private.transaction_flags f where f.txid = pg_catalog.pg_current_xact_id() and f.flag = p_flag;
  end if;
end;
$$;

-- Has the current transaction set the flag (false when it has written nothing yet)?
create function private.has_transaction_flag(p_flag text) returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return (
    select exists (select 1 from private.transaction_flags f
                   where f.txid = pg_catalog.pg_current_xact_id_if_assigned() and f.flag = p_flag));
end;
$$;

-- ---------- text arguments ----------
-- A text argument of an RPC, checked once: longer than p_max characters is INVALID_INPUT (a
-- contract error, never an index or buffer error from deep inside); blank is null.
create function private.text_arg(p_name text, p_value text, p_max int) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  if length(p_value) > p_max then
    perform private.raise_error('INVALID_INPUT', format('%s is at most %s characters', p_name, p_max));
  end if;
  return nullif(trim(p_value), '');
end;
$$;
comment on function private.text_arg is 'A text argument within its length limit (else INVALID_INPUT), blank as null.';
