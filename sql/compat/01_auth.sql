-- Supabase Auth's surface that our SQL uses: auth.users and the claim helpers, read from
-- request.jwt.claims exactly as on Supabase. Skipped where the auth schema already exists.
do $outer$
begin
  if exists (select 1 from pg_namespace where nspname = 'auth') then
    return;
  end if;

  create schema auth;
  grant usage on schema auth to anon, authenticated, service_role;

  create table auth.users (
    id uuid primary key,
    email text unique,
    phone text,
    raw_user_meta_data jsonb not null default '{}'::jsonb,
    email_confirmed_at timestamptz default now(),  -- GoTrue sets it once the address is confirmed
    created_at timestamptz not null default now()
  );

  create function auth.jwt() returns jsonb
  language sql stable
  as $$
    select coalesce(
      nullif(current_setting('request.jwt.claim', true), ''),
      nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
  $$;

  create function auth.uid() returns uuid
  language sql stable
  as $$
    select coalesce(
      nullif(current_setting('request.jwt.claim.sub', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
  $$;

  create function auth.role() returns text
  language sql stable
  as $$
    select coalesce(
      nullif(current_setting('request.jwt.claim.role', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
  $$;

  grant execute on function auth.jwt(), auth.uid(), auth.role() to anon, authenticated, service_role;
end
$outer$;
