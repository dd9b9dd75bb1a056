-- =============================================================================================
-- Scheduled jobs and the final privilege sweep
-- =============================================================================================
-- pg_cron jobs where pg_cron lives, and a last check that no API role executes what it should not.

-- Every pg_cron job, only where pg_cron can live (its cron.database_name, `postgres` on
-- Supabase). The hold sweeper runs every 5 seconds where pg_cron has second schedules (1.5+),
-- else every minute; holds are correct without it (an expired hold never blocks anyone).
-- Not the event relay: a pg_cron job that runs for most of a minute holds up DROP DATABASE
-- cluster-wide (pg_cron issue #318), so `clubbooking relay` runs private.relay_events as a
-- worker process; Supabase clients hear Broadcast and need no relay.

do $cron$
begin
  if not exists (select 1 from pg_available_extensions where name = 'pg_cron')
     or current_database() <> coalesce(nullif(current_setting('cron.database_name', true), ''), 'postgres') then
    raise notice 'pg_cron not available in this database: holds still expire lazily; schedule private.expire_holds() yourself';
    return;
  end if;
  create extension if not exists pg_cron with schema pg_catalog;
  begin
    perform cron.schedule('clubbooking-expire-holds', '5 seconds', 'select private.expire_holds()');
  exception when others then
    perform cron.schedule('clubbooking-expire-holds', '* * * * *', 'select private.expire_holds()');
  end;
  perform cron.schedule('clubbooking-prune-events', '17 4 * * *', 'select private.prune_events()');
end
$cron$;

do $cron$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    perform cron.schedule('clubbooking-retry-waitlist-offers',
      (select j.schedule from cron.job j where j.jobname = 'clubbooking-expire-holds'),
      'select private.retry_waitlist_offers()');
  end if;
end
$cron$;

do $cron$
begin
  if exists (select 1 from pg_namespace where nspname = 'cron') then
    perform cron.schedule('clubbooking-sample-conflicts', '* * * * *', 'select private.sample_conflicts()');
  end if;
end
$cron$;

do $cron$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    perform cron.schedule('clubbooking-prune-idempotency-keys', '23 4 * * *',
                          'select private.prune_idempotency_keys()');
  end if;
end
$cron$;

-- pg_cron writes a row to cron.job_run_details for every run and never deletes one: the hold
-- sweeper and the waitlist retry every 5 seconds and the conflict sampler every minute add about
-- 36,000 rows a day. This job keeps a week of our jobs' runs and leaves other jobs' history to
-- their owners.
do $cron$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    perform cron.schedule('clubbooking-prune-cron-history', '29 4 * * *',
      $job$delete from cron.job_run_details d using cron.job j
           where j.jobid = d.jobid and j.jobname like 'clubbooking-%'
             and coalesce(d.end_time, d.start_time) < now() - interval '7 days'$job$);
  end if;
end
$cron$;

do $cron$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    perform cron.schedule('clubbooking-anchor-audit-chains', '7 0 * * *', 'select private.anchor_audit_chains()');
    perform cron.schedule('clubbooking-prune-history', '37 4 * * *', 'select private.prune_history()');
  end if;
end
$cron$;

revoke execute on all functions in schema public, private from public;

revoke all on all procedures in schema private from public;

revoke all on all sequences in schema public from anon, authenticated;

do $wrappers$
declare
  v_excess record;
begin
  for v_excess in
    select w.oid::regprocedure as wrapper, r.rolname
    from pg_catalog.pg_proc w
    join pg_catalog.pg_namespace n on n.oid = w.pronamespace and n.nspname = 'public'
    cross join (values ('anon'), ('authenticated'), ('service_role')) r(rolname)
    where exists (select 1 from pg_catalog.pg_proc i where i.pronamespace = 'private'::regnamespace and i.proname = w.proname)
      and pg_catalog.has_function_privilege(r.rolname, w.oid, 'execute')
      and not exists (select 1 from pg_catalog.pg_proc i
                      where i.pronamespace = 'private'::regnamespace and i.proname = w.proname
                        and pg_catalog.has_function_privilege(r.rolname, i.oid, 'execute'))
  loop
    execute format('revoke execute on function %s from %I', v_excess.wrapper, v_excess.rolname);
  end loop;
end
$wrappers$;
