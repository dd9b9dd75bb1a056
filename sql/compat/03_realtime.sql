-- Supabase Realtime's database side, as the Realtime server leaves it (supabase/realtime,
-- lib/realtime/tenants/repo/migrations and lib/realtime/tenants.ex), for a plain PostgreSQL.
-- Run as supabase_admin. Guarded: skipped where the realtime schema already exists, except the
-- partitions, which stand in for the server's own upkeep on a schema made here.
--   realtime.messages: partitioned by inserted_at (20241030150047, 20241108114728), owned by
--     supabase_realtime_admin, select/insert/update for postgres and the API roles, RLS on
--   realtime.topic() (20240523004032), realtime.send() (20260605120000): adds payload.id when
--     the payload has none, SET LOCAL realtime.topic, and a failed insert (no partition for
--     the row) only raises WARNING 'WarnSendingBroadcastMessage': the message is lost
--   the supabase_realtime publication (supabase/postgres initial schema, owned by postgres)
do $outer$
begin
  if exists (select 1 from pg_catalog.pg_namespace where nspname = 'realtime') then
    return;
  end if;

  create schema realtime;
  comment on schema realtime is 'Supabase Realtime stand-in (clubbooking sql/compat)';
  grant usage on schema realtime to postgres, anon, authenticated, service_role;
  grant all privileges on schema realtime to supabase_realtime_admin;

  create table realtime.messages (
    topic text not null,
    extension text not null,
    payload jsonb,
    event text,
    private boolean default false,
    updated_at timestamp without time zone not null default now(),
    inserted_at timestamp without time zone not null default now(),
    id uuid not null default gen_random_uuid(),
    binary_payload bytea,
    primary key (id, inserted_at)
  ) partition by range (inserted_at);
  alter table realtime.messages
    add constraint messages_payload_exclusive check (payload is null or binary_payload is null) not valid;
  create index messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
    where extension = 'broadcast' and private is true;
  alter table realtime.messages enable row level security;
  alter table realtime.messages owner to supabase_realtime_admin;
  grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;

  create function realtime.topic() returns text
  language sql stable
  as $$
    select nullif(current_setting('realtime.topic', true), '')::text;
  $$;

  create function realtime.send(payload jsonb, event text, topic text, private boolean default true)
  returns void
  language plpgsql
  as $$
  declare
    generated_id uuid;
    final_payload jsonb;
  begin
    begin
      generated_id := gen_random_uuid();

      -- Check if payload has an 'id' key, if not, add the generated UUID
      if payload ? 'id' then
        final_payload := payload;
      else
        final_payload := jsonb_set(payload, '{id}', to_jsonb(generated_id));
      end if;

      -- Set the topic configuration
      execute format('SET LOCAL realtime.topic TO %L', topic);

      insert into realtime.messages (id, payload, event, topic, private, extension)
      values (generated_id, final_payload, event, topic, private, 'broadcast');
    exception
      when others then
        raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
    end;
  end;
  $$;

  alter function realtime.topic() owner to supabase_realtime_admin;
  alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;
  grant execute on all functions in schema realtime to postgres, anon, authenticated, service_role;

  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
    alter publication supabase_realtime owner to postgres;
  end if;
end
$outer$;

-- The partitions the Realtime server keeps (Realtime.Tenants.create_messages_partitions, at
-- connect and from its janitor): one a day, UTC, from yesterday to three days ahead, owned by
-- supabase_realtime_admin. Here they are made whenever this file runs (each `migrate`).
do $$
declare
  v_day date;
  v_name text;
begin
  if obj_description('realtime'::regnamespace, 'pg_namespace') is distinct from
     'Supabase Realtime stand-in (clubbooking sql/compat)' then
    return;
  end if;
  for v_day in select generate_series((now() at time zone 'utc')::date - 1,
                                      (now() at time zone 'utc')::date + 3, interval '1 day')::date loop
    v_name := 'messages_' || to_char(v_day, 'YYYY_MM_DD');
    execute format('create table if not exists realtime.%I partition of realtime.messages for values from (%L) to (%L)',
                   v_name, v_day::text, (v_day + 1)::text);
    execute format('alter table realtime.%I owner to supabase_realtime_admin', v_name);
  end loop;
end
$$;
