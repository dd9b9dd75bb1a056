-- =====================================================================================
-- Scheduled jobs: pg_cron's run history of our jobs is pruned daily
-- =====================================================================================
-- pg_cron writes a row to cron.job_run_details for every run, and never deletes one: the
-- hold sweeper and the waitlist retry every 5 seconds and the conflict sampler every minute
-- add about 36,000 rows a day. The job below keeps a week of our jobs' runs (enough to look
-- into last weekend) and leaves other jobs' history to its owner. Only where pg_cron is
-- installed, as every job in scheduled_jobs.

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
