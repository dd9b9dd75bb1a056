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
-- PostgreSQL grants EXECUTE to PUBLIC on every new function, and a per-schema default can't
-- take a global grant away, so every migration that adds functions ends with
-- `revoke execute on all functions in schema public, private from public` (a pgTAP test checks).
alter default privileges in schema public revoke all on tables from anon, authenticated;
revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;
