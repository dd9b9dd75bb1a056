-- =====================================================================================
-- Realtime channels: who may join the staff channel, postgres_changes, event retention
-- =====================================================================================
-- Replaces the two Broadcast policies of 20261121001400 and private.prune_events (same
-- signature). Why:
--  * Supabase Realtime authorises a join by inserting a probe row (topic, extension) into
--    realtime.messages and reading it back as the user. The probe's `private` column is
--    false, so the old staff policy (`and private`) never let staff in, and the old public
--    policy (`not private and topic like 'availability:%'`) let every signed-in user and anon
--    join the private staff channel. Public channels are not checked against RLS at all, so
--    one policy is all the channels need: venue staff may join their venue's channels;
--  * pruning by created_at lost the events of nights booked far ahead while their channels
--    were still live; retention now goes by the night.

-- ---------- Supabase Broadcast: the private staff channel ----------
-- private.may_join_staff_channel (20261121003000) is false for a malformed topic.

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
