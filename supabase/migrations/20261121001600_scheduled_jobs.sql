-- =====================================================================================
-- Scheduled jobs (pg_cron): the hold sweeper and event retention
-- (Not the event relay: a pg_cron job that runs for most of a minute holds up DROP DATABASE
-- cluster-wide, pg_cron issue #318. `clubbooking relay` runs it as a worker process instead;
-- Supabase clients hear Broadcast and need no relay.)
-- =====================================================================================
-- Only where pg_cron can live (its cron.database_name, `postgres` on Supabase). The sweeper
-- runs every 5 seconds where pg_cron has second schedules (1.5+), else every minute; holds
-- are correct without it either way.

-- Delete events older than p_keep (default: two days, so last night's are always kept).
create function private.prune_events(p_keep interval default interval '2 days') returns int
language sql
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.availability_events e
    where e.created_at < now() - greatest(p_keep, interval '1 day')
    returning 1)
  select count(*)::int from gone
$$;

do $cron$
begin
  if not exists (select 1 from pg_available_extensions where name = 'pg_cron')
     or current_database() <> coalesce(nullif(current_setting('cron.database_name', true), ''), 'postgres') then
    raise notice 'pg_cron not available in this database: holds still expire lazily; schedule private.expire_holds() yourself';
    return;
  end if;
  create extension if not exists pg_cron;
  begin
    perform cron.schedule('clubbooking-expire-holds', '5 seconds', 'select private.expire_holds()');
  exception when others then
    perform cron.schedule('clubbooking-expire-holds', '* * * * *', 'select private.expire_holds()');
  end;
  perform cron.schedule('clubbooking-prune-events', '17 4 * * *', 'select private.prune_events()');
end
$cron$;
