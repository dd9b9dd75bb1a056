-- Supabase Realtime's database side for Broadcast from Database: realtime.messages,
-- realtime.send() and realtime.topic(), with the same columns and semantics, so tests can
-- assert exactly the rows Supabase would broadcast. Skipped where realtime already exists.
do $outer$
begin
  if exists (select 1 from pg_namespace where nspname = 'realtime') then
    return;
  end if;

  create schema realtime;
  grant usage on schema realtime to anon, authenticated, service_role;

  create table realtime.messages (
    id uuid not null default gen_random_uuid(),
    topic text not null,
    extension text not null,
    payload jsonb,
    event text,
    private boolean default false,
    updated_at timestamp without time zone not null default now(),
    inserted_at timestamp without time zone not null default now(),
    primary key (id)
  );
  alter table realtime.messages enable row level security;
  grant select, insert on realtime.messages to authenticated;

  -- On Supabase the Realtime server sets realtime.topic while it checks a join against RLS.
  create function realtime.topic() returns text
  language sql stable
  as $$ select nullif(current_setting('realtime.topic', true), '')::text $$;

  create function realtime.send(payload jsonb, event text, topic text, private boolean default true)
  returns void
  language plpgsql
  as $$
  begin
    insert into realtime.messages (payload, event, topic, private, extension)
    values (payload, event, topic, private, 'broadcast');
  exception when others then
    raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
  end;
  $$;

  grant execute on function realtime.topic() to anon, authenticated, service_role;

  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$outer$;
