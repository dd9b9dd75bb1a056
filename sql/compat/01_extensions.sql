-- The extensions Supabase's own admin provides, for a plain PostgreSQL. Run as supabase_admin.
-- What every project has: the extensions schema with pgcrypto, uuid-ossp and
-- pg_stat_statements. On Supabase, supautils also lets `postgres` create privileged
-- extensions (pg_cron, pgtap, plpgsql_check, ...) as if it were a superuser; plain PostgreSQL
-- has no such thing, so the admin creates pg_cron here (the migrations ask for it) and the
-- harness creates pgTAP and plpgsql_check where the Supabase CLI's `test db` and `db lint`
-- would (clubbooking.harness.provide_extension). Guarded: where supautils is loaded
-- (Supabase) this does nothing.
--   migrations/db/init-scripts/00000000000000-initial-schema.sql   extensions schema, pgcrypto,
--     uuid-ossp; postgres and the API roles use it
--   migrations/db/migrations/20230224042246   postgres gets every right on its objects, with grant option
--   migrations/schema-15.sql   pg_stat_statements in extensions (`supabase inspect db` reads it)
--   ansible/files/postgresql_extension_custom_scripts/pg_cron/after-create.sql   pg_cron's grants
do $$
begin
  if current_setting('supautils.privileged_extensions', true) is not null
     or exists (select 1 from pg_catalog.pg_extension where extname = 'pg_stat_statements') then
    return;
  end if;

  create schema if not exists extensions;
  alter schema extensions owner to postgres;
  grant usage on schema extensions to postgres, anon, authenticated, service_role;
  alter default privileges for role supabase_admin in schema extensions
    grant all on tables to postgres with grant option;
  alter default privileges for role supabase_admin in schema extensions
    grant all on routines to postgres with grant option;
  alter default privileges for role supabase_admin in schema extensions
    grant all on sequences to postgres with grant option;

  create extension if not exists "uuid-ossp" with schema extensions;
  create extension if not exists pgcrypto with schema extensions;
  create extension if not exists pg_stat_statements with schema extensions;
  grant all on all tables in schema extensions to postgres with grant option;
  grant all on all routines in schema extensions to postgres with grant option;
  grant all on all sequences in schema extensions to postgres with grant option;

  -- pg_cron lives in one database (cron.database_name); Supabase installs it in pg_catalog.
  if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron')
     and current_database() = coalesce(nullif(current_setting('cron.database_name', true), ''), 'postgres') then
    create extension if not exists pg_cron with schema pg_catalog;
    grant usage on schema cron to postgres with grant option;
    grant all on all functions in schema cron to postgres with grant option;
    alter default privileges for user supabase_admin in schema cron grant all
      on sequences to postgres with grant option;
    alter default privileges for user supabase_admin in schema cron grant all
      on tables to postgres with grant option;
    alter default privileges for user supabase_admin in schema cron grant all
      on functions to postgres with grant option;
    grant all privileges on all tables in schema cron to postgres with grant option;
    revoke all on table cron.job from postgres;
    grant select on table cron.job to postgres with grant option;
  end if;
end
$$;
