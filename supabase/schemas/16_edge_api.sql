-- =============================================================================================
-- Edge API: idempotency keys for the Edge Functions' writes
-- =============================================================================================

create table private.api_idempotency_keys (
  scope text not null,
  idempotency_key text not null check (length(idempotency_key) between 1 and 255),
  route text not null,
  request_hash text not null,
  response_status int check (response_status between 200 and 299),
  response_body jsonb,
  created_at timestamptz not null default now(),
  primary key (scope, idempotency_key)
);

comment on table private.api_idempotency_keys is
  'One row per (caller, Idempotency-Key): the request it was first used for and the answer to replay.';

create index api_idempotency_keys_created_at_idx on private.api_idempotency_keys (created_at);

-- RLS on with no policy: only the security definer functions above (the owner) touch it.
alter table private.api_idempotency_keys enable row level security;

revoke all on private.api_idempotency_keys from public, anon, authenticated, service_role;

-- The key scope of the caller: the JWT's sub for a user, 'service_role' for a trusted caller,
-- null for anon (anon may not book, so its keys are never stored).
create function private.idempotency_scope() returns text
language sql stable set search_path = ''
as $$
  select coalesce((select auth.uid())::text, case when private.is_trusted() then 'service_role' end)
$$;

comment on function private.idempotency_scope is 'Whose namespace an Idempotency-Key lives in: the JWT sub, service_role, or null (anon).';

revoke execute on function private.idempotency_scope() from public;

grant execute on function private.idempotency_scope() to authenticated, service_role;

-- Claim a key for a request, as the caller. Null means "go ahead, then call
-- idempotency_finish"; a row {status, body} is the first answer to replay. A key reused for a
-- different request (route or body) is INVALID_INPUT. Keys older than p_ttl are forgotten.
-- Security definer: API roles have no rights on the key table; the scope comes from the JWT.
create function private.idempotency_begin(p_key text, p_route text, p_request jsonb,
                                          p_ttl interval default interval '24 hours')
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_scope text := private.idempotency_scope();
  v_hash text := encode(extensions.digest(coalesce(p_request, 'null'::jsonb)::text, 'sha256'), 'hex');
  v_row private.api_idempotency_keys;
begin
  if v_scope is null then
    return null;
  end if;
  if p_key is null or p_key !~ '^[\x21-\x7e]{1,255}$' then
    perform private.raise_error('INVALID_INPUT', 'Idempotency-Key must be 1-255 visible ASCII characters');
  end if;
  delete from private.api_idempotency_keys k
   where k.scope = v_scope and k.idempotency_key = p_key and k.created_at < now() - p_ttl;
  -- A concurrent holder of the key makes this insert wait for its commit (or rollback).
  insert into private.api_idempotency_keys (scope, idempotency_key, route, request_hash)
  values (v_scope, p_key, p_route, v_hash)
  on conflict do nothing;
  if found then
    return null;
  end if;
  select * into v_row from private.api_idempotency_keys k where k.scope = v_scope and k.idempotency_key = p_key;
  if v_row.route <> p_route or v_row.request_hash <> v_hash then
    perform private.raise_error('INVALID_INPUT', 'this Idempotency-Key was already used for a different request');
  end if;
  return jsonb_build_object('status', v_row.response_status, 'body', v_row.response_body);
end;
$$;

comment on function private.idempotency_begin is
  'Claim an Idempotency-Key for a request: null to proceed, or {status, body} of the first answer to replay.';

revoke execute on function private.idempotency_begin(text, text, jsonb, interval) from public;

grant execute on function private.idempotency_begin(text, text, jsonb, interval) to authenticated, service_role;

-- Record the answer to a request whose key idempotency_begin let through (same transaction).
create function private.idempotency_finish(p_key text, p_status int, p_body jsonb) returns void
language sql security definer set search_path = ''
as $$
  update private.api_idempotency_keys k
     set response_status = p_status, response_body = p_body
   where k.scope = private.idempotency_scope() and k.idempotency_key = p_key
$$;

comment on function private.idempotency_finish is 'Store the answer to replay for an Idempotency-Key (same transaction as the RPC).';

revoke execute on function private.idempotency_finish(text, int, jsonb) from public;

grant execute on function private.idempotency_finish(text, int, jsonb) to authenticated, service_role;

-- Forget keys older than p_keep (pg_cron runs it nightly where it is installed).
create function private.prune_idempotency_keys(p_keep interval default interval '24 hours') returns int
language sql security definer set search_path = ''
as $$
  with gone as (delete from private.api_idempotency_keys k where k.created_at < now() - p_keep returning 1)
  select count(*)::int from gone
$$;

comment on function private.prune_idempotency_keys is 'Delete Idempotency-Keys older than p_keep; returns how many.';

revoke execute on function private.prune_idempotency_keys(interval) from public;
