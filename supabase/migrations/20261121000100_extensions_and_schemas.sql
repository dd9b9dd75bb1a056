-- =====================================================================================
-- Extensions, the private schema, and privileges closed by default
-- =====================================================================================
-- Tables live in public (the contract), RLS on each. Everything that must run with more
-- rights than its caller lives in `private`, a schema PostgREST does not expose.

create schema if not exists extensions;
create extension if not exists btree_gist with schema extensions;
create extension if not exists pgcrypto with schema extensions;

create schema if not exists private;
comment on schema private is
  'clubbooking internals: security definer implementations and bookkeeping; not exposed by the API.';

-- Nothing is executable by PUBLIC unless granted explicitly, one grant per signature per role.
alter default privileges in schema public revoke execute on functions from public;
alter default privileges in schema private revoke execute on functions from public;
alter default privileges in schema public revoke all on tables from anon, authenticated;
revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;
