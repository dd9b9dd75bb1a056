-- =====================================================================================
-- Realtime channels: who may join the staff channel, postgres_changes, event retention
-- =====================================================================================
-- Replaces private.get_availability_events, private.may_join_staff_channel and
-- private.prune_events (same signatures) and the two Broadcast policies of
-- 20261121001400. Why:
--  * a channel name with a malformed venue id (36 dashes passed the old pattern) made the
--    uuid cast fail with an internal error instead of INVALID_INPUT;
--  * Supabase Realtime authorises a join by inserting a probe row (topic, extension) into
--    realtime.messages and reading it back as the user. The probe's `private` column is
--    false, so the old staff policy (`and private`) never let staff in, and the old public
--    policy (`not private and topic like 'availability:%'`) let every signed-in user and anon
--    join the private staff channel. Public channels are not checked against RLS at all, so
--    one policy is all the channels need: venue staff may join their venue's channels;
--  * pruning by created_at lost the events of nights booked far ahead while their channels
--    were still live; retention now goes by the night.

-- ---------- channel names ----------

-- The venue id in a well-formed channel name availability:{club}:{venue}:{date}:{slot},
-- else null (never an error: RLS policies call it with whatever topic a client names).
create function private.channel_venue_id(p_channel text) returns uuid
language sql immutable
set search_path = ''
as $$
  select case when p_channel ~ ('^availability:' || u.p || ':' || u.p || ':\d{4}-\d{2}-\d{2}:[a-z0-9_]{1,40}$')
              then split_part(p_channel, ':', 3)::uuid end
  from (select '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' as p) u
$$;
comment on function private.channel_venue_id is 'The venue of a well-formed availability channel name, else null.';

create or replace function private.get_availability_events(p_channel text, p_after_version bigint)
returns table (version bigint, payload jsonb)
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_venue_id uuid := private.channel_venue_id(p_channel);
  v_is_staff boolean;
begin
  if v_venue_id is null then
    perform private.raise_error('INVALID_INPUT', 'channel must be availability:{club_id}:{venue_id}:{date}:{slot_id}');
  end if;
  v_is_staff := private.is_trusted() or private.is_venue_staff(v_venue_id, 'door');
  return query
    select e.version, case when v_is_staff then e.staff_payload else e.payload end
    from public.availability_events e
    where e.channel = p_channel and e.version > coalesce(p_after_version, 0)
    order by e.version;
end;
$$;

-- ---------- Supabase Broadcast: the private staff channel ----------

create or replace function private.may_join_staff_channel(p_topic text) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(private.channel_venue_id(p_topic) = any (private.staff_venue_ids('door')), false)
$$;

drop policy "Venue staff can receive private availability broadcasts" on realtime.messages;
drop policy "Anyone can receive public availability broadcasts" on realtime.messages;
create policy "Venue staff can join their venues' availability channels" on realtime.messages
  for select to authenticated
  using (extension = 'broadcast' and (select private.may_join_staff_channel((select realtime.topic()))));

-- ---------- postgres_changes ----------
-- Subscribers get the public columns (staff_payload is not granted to API roles).
do $publication$
begin
  if exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime')
     and not exists (select 1 from pg_catalog.pg_publication_tables
                     where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'availability_events') then
    alter publication supabase_realtime add table public.availability_events;
  end if;
end
$publication$;

-- ---------- retention ----------

-- Pruning goes by the night now (a daily scan): one index fewer to write on every event.
drop index public.availability_events_created_at_idx;

-- Delete the events of nights more than p_keep (at least a day) in the past: last night's
-- events and those of every night still to come stay replayable. The pg_cron job
-- clubbooking-prune-events (20261121001600) runs it daily. Channel versions are kept, so a
-- channel never restarts at 1.
create or replace function private.prune_events(p_keep interval default interval '2 days') returns int
language sql
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.availability_events e
    where e.booking_date < (private.now() - greatest(p_keep, interval '1 day'))::date
    returning 1)
  select count(*)::int from gone
$$;

revoke execute on all functions in schema public, private from public;
