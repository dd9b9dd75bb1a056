-- =============================================================================================
-- Foundation: schemas, default privileges, extensions, error codes, the clock, arguments
-- =============================================================================================
-- What every later file stands on: the `private` schema, privileges closed by default, the
-- contract's error codes and private.raise_error, the transaction's clock and flags, and the
-- helpers that read arguments (text, intervals, required reasons).

-- Tables live in public (the contract), RLS on each. Everything that must run with more
-- rights than its caller lives in `private`, a schema PostgREST does not expose.
create schema if not exists extensions;

-- Closed by default: API roles get nothing on new tables, PUBLIC executes no new function, and
-- (on Supabase, where `postgres` grants execute on new public functions to the API roles by
-- default) no API role executes a new public function: every grant below is explicit, one per
-- signature per role (sql/tests/32_catalogue_lints.sql checks).
alter default privileges in schema public revoke all on tables from anon, authenticated;

alter default privileges revoke execute on functions from public;

alter default privileges in schema public revoke execute on functions from anon, authenticated, service_role;

alter default privileges in schema public revoke all on sequences from anon, authenticated;

create extension if not exists btree_gist with schema extensions;

create extension if not exists pgcrypto with schema extensions;

create schema if not exists private;

comment on schema private is
  'clubbooking internals: security definer implementations and bookkeeping; not exposed by the API.';

revoke all on schema private from public;

grant usage on schema private to anon, authenticated, service_role;

create table private.error_codes (
  code text primary key,
  sqlstate text not null check (sqlstate ~ '^PT[0-9]{3}$'),
  description text not null
);

comment on table private.error_codes is
  'The contract''s error codes: MESSAGE is the code, SQLSTATE PTxyz makes PostgREST answer HTTP xyz.';

alter table private.error_codes enable row level security;

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

grant execute on function private.raise_error(text, text, text) to anon, authenticated, service_role;

-- A finite number: numeric and float keep NaN and +-Infinity, and NaN passes every ">= 0"
-- (it sorts above all numbers). Every numeric column that takes input checks this.
create function private.is_finite_number(p_value numeric) returns boolean
language sql immutable
set search_path = ''
as $$ select p_value is null or p_value not in ('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric) $$;

comment on function private.is_finite_number is 'Whether a number is finite (not NaN or +-Infinity); null counts as finite.';

-- Check constraints call it as whoever writes the row (service_role edits tables by hand).
grant execute on function private.is_finite_number(numeric) to anon, authenticated, service_role;

-- A number typed by a caller (a setup spec's text, a JSON value): the finite number, else
-- INVALID_INPUT naming p_what (malformed, NaN and +-Infinity alike; never SQLSTATE 22P02).
create function private.finite_number(p_text text, p_what text) returns numeric
language plpgsql immutable
set search_path = ''
as $$
declare
  v_value numeric;
begin
  if p_text is null then
    return null;
  end if;
  begin
    v_value := p_text::numeric;
  exception when data_exception then
    v_value := 'NaN';
  end;
  if not private.is_finite_number(v_value) then
    perform private.raise_error('INVALID_INPUT', format('%s must be a finite number, not %s', p_what, left(p_text, 40)));
  end if;
  return v_value;
end;
$$;

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

-- An interval in words (6 months, 48 hours, 1 hour 30 minutes), not PostgreSQL's '6 mons'.
create function private.interval_text(p_interval interval) returns text
language sql immutable set search_path = ''
as $$
  select coalesce(string_agg(format('%s %s%s', n, unit, case when n = 1 then '' else 's' end), ' ' order by ord), '0 minutes')
  from (values (1, 'year', extract(year from p_interval)), (2, 'month', extract(month from p_interval)),
               (3, 'day', extract(day from p_interval)), (4, 'hour', extract(hour from p_interval)),
               (5, 'minute', extract(minute from p_interval)),
               (6, 'second', trunc(extract(second from p_interval)))) parts(ord, unit, n)
  where n <> 0
$$;
-- A required free-text reason for an override: trimmed, at most 500 characters (else INVALID_INPUT).
create function private.required_reason(p_reason text) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_reason text := private.text_arg('reason', p_reason, 500);
begin
  if v_reason is null then
    perform private.raise_error('INVALID_INPUT', 'an override needs a reason');
  end if;
  return v_reason;
end;
$$;

comment on function private.required_reason is 'The trimmed reason an override must give, else INVALID_INPUT.';
