-- Prune cron history: a daily pg_cron job deletes our jobs' cron.job_run_details rows older
-- than 7 days. Written by hand (a schema diff does not see cron jobs); the source is
-- supabase/schemas/19_scheduled_jobs.sql, and tests/test_scheduled_jobs.py checks that both
-- schedule the same jobs.
-- pg_cron writes a row to cron.job_run_details for every run and never deletes one: the hold
-- sweeper and the waitlist retry every 5 seconds and the conflict sampler every minute add about
-- 36,000 rows a day. Only where pg_cron is installed, as every job in scheduled_jobs.

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
