-- Supabase's roles, as supabase/postgres leaves them, for a plain PostgreSQL whose bootstrap
-- superuser is supabase_admin (the harness runs initdb with it). Run as that superuser.
-- Guarded: on Supabase every role exists already and this does nothing.
--   migrations/db/init-scripts/00000000000000-initial-schema.sql  anon, authenticated,
--     service_role, authenticator; anon 3 s and authenticated 8 s statement timeouts
--   migrations/db/migrations/10000000000000_demote-postgres.sql   postgres: not a superuser
--   20221028101028, 20231130133139   authenticator: 8 s statement and lock timeouts
--   20230529180330   the API roles INHERIT
--   20230201083204, 20230306081037, 20240606060239   what postgres is granted
--   supabase/auth 00_init_auth_schema, supabase/realtime 20240401105812   the admins owning
--     auth and realtime (granted to postgres, so it can write policies on realtime.messages)
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    return;
  end if;

  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'postgres') then
    create role postgres;
  end if;
  alter role postgres nosuperuser createdb createrole login replication bypassrls;
  alter role postgres set search_path to "$user", public, extensions;
  alter role supabase_admin set search_path to "$user", public, auth, extensions;

  create role anon nologin inherit;
  create role authenticated nologin inherit;
  create role service_role nologin inherit bypassrls;
  create role authenticator login noinherit;
  grant anon, authenticated, service_role to authenticator;
  alter role anon set statement_timeout = '3s';
  alter role authenticated set statement_timeout = '8s';
  alter role authenticator set statement_timeout = '8s';
  alter role authenticator set lock_timeout = '8s';

  create role supabase_auth_admin noinherit createrole login noreplication;
  alter role supabase_auth_admin set search_path = auth;
  create role supabase_realtime_admin noinherit nologin noreplication;

  grant anon, authenticated, service_role to postgres;
  grant supabase_auth_admin, supabase_realtime_admin to postgres;
  grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;
end
$$;

-- Per database: postgres owns it (as `alter database postgres owner to postgres` does on
-- Supabase) and the API roles may use public.
do $$
begin
  if (select d.datdba from pg_catalog.pg_database d where d.datname = current_database())
     = (select oid from pg_catalog.pg_roles where rolname = 'supabase_admin') then
    execute format('alter database %I owner to postgres', current_database());
    grant usage on schema public to postgres, anon, authenticated, service_role;
  end if;
end
$$;
