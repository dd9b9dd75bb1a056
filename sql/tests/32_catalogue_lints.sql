-- Supabase's database linter (splinter) cannot run here (it ships as views for a Supabase
-- project), so its security lints are re-expressed as catalogue queries: each test lists the
-- offending objects, and passes when there are none. Lint numbers follow splinter's.
-- Exposed schemas are Supabase's defaults (public, graphql_public); system schemas are
-- splinter's list. Not re-expressed: 0012 (an Auth setting, not the database), 0019
-- (pgmq is not installed), 0026/0027 (pg_graphql is not installed).
begin;
\ir helpers/test_helpers.psql
select plan(20);

create temp view exposed_schemas as select unnest(array['public', 'graphql_public']) as nspname;
create temp view system_schemas as
  select unnest(array['_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal',
    'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga',
    'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage',
    'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault', 'pg_toast', 'tests']) as nspname;

-- Our functions: not in a system schema, not owned by an extension.
create temp view own_functions as
  select p.oid, n.nspname, p.proname, p.prosecdef, p.proconfig, p.prokind, p.prosrc,
         format('%s.%s(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) as signature
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  left join pg_depend d on d.objid = p.oid and d.deptype = 'e'
  where n.nspname not in (select nspname from system_schemas) and n.nspname not like 'pg_temp%'
    and d.objid is null;

create temp view own_policies as
  select pol.polname, c.oid as relid, n.nspname || '.' || c.relname as tbl, c.relrowsecurity, pol.polpermissive,
         pol.polroles, pol.polcmd, pg_get_expr(pol.polqual, pol.polrelid) as qual,
         pg_get_expr(pol.polwithcheck, pol.polrelid) as with_check
  from pg_policy pol join pg_class c on c.oid = pol.polrelid join pg_namespace n on n.oid = c.relnamespace
  where n.nspname not in (select nspname from system_schemas);

create temp view exposed_relations as
  select c.oid, c.relkind, c.relrowsecurity, c.reloptions, n.nspname || '.' || c.relname as name
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in (select nspname from exposed_schemas);

-- ---------- the issue's own check ----------
select is(
  array(select n.nspname || '.' || p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema')
          and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')
        order by 1),
  '{}'::text[], 'no security definer function in any schema lacks a fixed search_path');
select is(
  array(select signature from own_functions where prosecdef and nspname <> 'private' order by 1),
  '{}'::text[], 'security definer functions live only in private, which the API does not expose');
select is(
  array(select signature from own_functions where has_function_privilege('public', oid, 'execute') order by 1),
  '{}'::text[], 'PUBLIC may execute none of our functions: every grant is explicit, per role');

-- ---------- splinter's security lints ----------
select is(array(select signature from own_functions
                where not coalesce(proconfig, '{}') && array['search_path=""']
                order by 1),
  '{}'::text[], '0011 function_search_path_mutable: every function has search_path = '''' (the relay too: its loop is the client''s)');
select is(array(select name from exposed_relations where relkind in ('r', 'p') and not relrowsecurity order by 1),
  '{}'::text[], '0013 rls_disabled_in_public: every exposed table has RLS on');
select is(array(select distinct tbl from own_policies where not relrowsecurity order by 1),
  '{}'::text[], '0007 policy_exists_rls_disabled: no table has policies with RLS off');
select is(array(select name from exposed_relations
                where relkind = 'v'
                  and (has_table_privilege('anon', oid, 'select') or has_table_privilege('authenticated', oid, 'select'))
                  and not lower(coalesce(reloptions::text, '{}'))::text[]
                          && array['security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on']
                order by 1),
  '{}'::text[], '0010 security_definer_view: no exposed view bypasses RLS');
select is(array(select distinct r.name from exposed_relations r
                join pg_rewrite rw on rw.ev_class = r.oid
                join pg_depend d on d.objid = rw.oid and d.refobjid = 'auth.users'::regclass
                where r.relkind in ('v', 'm')
                  and (has_table_privilege('anon', r.oid, 'select') or has_table_privilege('authenticated', r.oid, 'select'))
                order by 1),
  '{}'::text[], '0002 auth_users_exposed: no exposed view reads auth.users');
select is(array(select e.extname::text from pg_extension e join pg_namespace n on n.oid = e.extnamespace
                where n.nspname = 'public' order by 1),
  '{}'::text[], '0014 extension_in_public: no extension is installed in public');
select is(array(select tbl || ': ' || polname from own_policies
                where coalesce(qual, '') || coalesce(with_check, '') ~ 'user_metadata' order by 1),
  '{}'::text[], '0015 rls_references_user_metadata: no policy trusts user-editable metadata');
select is(array(select name from exposed_relations
                where relkind = 'm'
                  and (has_table_privilege('anon', oid, 'select') or has_table_privilege('authenticated', oid, 'select'))
                order by 1),
  '{}'::text[], '0016 materialized_view_in_api: no materialized view is exposed');
select is(array(select name from exposed_relations where relkind = 'f' order by 1),
  '{}'::text[], '0017 foreign_table_in_api: no foreign table is exposed');
select is(array(select c.conrelid::regclass::text || '.' || c.conname from pg_constraint c
                join pg_constraint target on target.conrelid = c.confrelid and target.conkey = c.confkey
                                          and target.contype = 'u'
                where c.contype = 'f' and c.confrelid = 'auth.users'::regclass order by 1),
  '{}'::text[], '0021 fkey_to_auth_unique: foreign keys to auth.users use its primary key');
select is(array(select distinct r.name from exposed_relations r
                join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
                where r.relkind = 'r' and not r.relrowsecurity
                  and replace(lower(a.attname), '-', '_') = any (array['password', 'secret', 'token', 'api_key',
                        'ssn', 'credit_card', 'card_number', 'cvv', 'iban', 'bank_account', 'account_number',
                        'passport_number', 'national_id', 'tax_id', 'medical_record', 'otp', 'session_token'])
                  and (has_table_privilege('anon', r.oid, 'select') or has_table_privilege('authenticated', r.oid, 'select'))
                order by 1),
  '{}'::text[], '0023 sensitive_columns_exposed: no exposed table without RLS holds sensitive columns');
select is(array(select tbl || ': ' || polname from own_policies
                where polpermissive and polcmd in ('a', 'w', 'd', '*')
                  and (polroles = array[0::oid] or polroles && array['anon'::regrole::oid, 'authenticated'::regrole::oid])
                  and (replace(lower(coalesce(qual, '')), ' ', '') in ('true', '(true)', '1=1', '(1=1)')
                       or replace(lower(coalesce(with_check, '')), ' ', '') in ('true', '(true)', '1=1', '(1=1)')
                       or (polcmd = 'a' and with_check is null))
                order by 1),
  '{}'::text[], '0024 rls_policy_always_true: no write policy lets every row through');
select is(array(select tbl || ': ' || polname from own_policies
                where polpermissive and polcmd in ('r', '*')
                  and lower(coalesce(qual, '')) ~ '(auth\.(uid|jwt|role)\(\)|current_setting\([^)]*true\)[^)]*\))\s+is\s+null\s+or'
                order by 1),
  '{}'::text[], '0030 rls_policy_null_auth_disjunct: no read policy admits everyone when there is no user');
select is(array(select signature from own_functions
                where prosecdef and nspname in (select nspname from exposed_schemas)
                  and (has_function_privilege('anon', oid, 'execute') or has_function_privilege('authenticated', oid, 'execute'))
                order by 1),
  '{}'::text[], '0028/0029 security definer function executable: none callable through the API (exposed schemas)');

-- ---------- splinter's performance lints that the issue asks for (RLS habits) ----------
select is(array(select tbl || ': ' || polname from own_policies
                where (select count(*) from regexp_matches(coalesce(qual, '') || coalesce(with_check, ''),
                                                           '(auth|private)\.\w+\(', 'g'))
                   <> (select count(*) from regexp_matches(coalesce(qual, '') || coalesce(with_check, ''),
                                                           'SELECT (auth|private)\.\w+\(', 'g'))
                order by 1),
  '{}'::text[], '0003 auth_rls_initplan: every auth.* and helper call in a policy is wrapped in (select ...)');
select is(array(select c.conrelid::regclass::text || ' (' || c.conname || ')' from pg_constraint c
                join pg_namespace n on n.oid = c.connamespace
                where c.contype = 'f' and n.nspname = 'public'
                  and not exists (select 1 from pg_index i
                                  where i.indrelid = c.conrelid
                                    and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)
                order by 1),
  '{}'::text[], '0001 unindexed_foreign_keys: every foreign key in public has an index leading with its columns');
select is(array(select distinct p.tbl || '.' || m[1] from own_policies p
                cross join lateral regexp_matches(coalesce(p.qual, ''), '^\(?(\w+) (?:=|IN) ', 'g') m
                where not exists (select 1 from pg_index i join pg_attribute a on a.attrelid = i.indrelid
                                  where i.indrelid = p.relid and a.attnum = i.indkey[0] and a.attname = m[1])
                order by 1),
  '{}'::text[], 'every column a policy filters on leads an index');

select * from finish();
rollback;
