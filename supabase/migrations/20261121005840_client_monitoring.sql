-- =====================================================================================
-- Client monitoring (seed 003): what the clients measure, reported in batches
-- =====================================================================================
-- The TypeScript and Python clients measure where it happens: stream delivery latency
-- (commit to applied), whether the folded stream matched a fresh snapshot at each resync, and
-- holds refused while the client showed the tables free (stale state). They report batches
-- through public.report_client_metrics: numbers only, bounded, rate-limited per user and
-- venue. get_venue_metrics and booking_system_health show the figures per night
-- (private.client_night_figures) next to hold conversion.

-- ---------- enums ----------

create type public.client_kind as enum ('typescript', 'python');
comment on type public.client_kind is 'Which client library sent a monitoring report.';

-- ---------- tables ----------

create table private.client_reports (
  id bigint generated always as identity primary key,
  venue_id uuid not null references public.venues (id),
  night date not null,
  -- md5 of the reporting user and venue: for the rate limit only, never shown or joined
  reporter_key text not null,
  client public.client_kind not null,
  latencies_ms int[] not null check (cardinality(latencies_ms) <= 500),
  resyncs int not null check (resyncs between 0 and 1000),
  mismatched_resyncs int not null check (mismatched_resyncs between 0 and resyncs),
  stale_hold_refusals int not null check (stale_hold_refusals between 0 and 1000),
  reported_at timestamptz not null default now()
);
comment on table private.client_reports is
  'Batches of client measurements (seed 003 monitoring) per venue and night; no personal data.';
alter table private.client_reports enable row level security;
create index client_reports_venue_night_idx on private.client_reports (venue_id, night);
create index client_reports_reporter_idx on private.client_reports (reporter_key, reported_at);

-- ---------- functions ----------

-- The most reports one user may send per venue in a minute (a client sends one a minute).
create function private.client_reports_per_minute() returns int
language sql immutable
set search_path = ''
as $$ select 6 $$;

-- Store one batch. Signed-in callers only (the monitoring of anonymous viewers is not
-- collected); every figure bounded; at most client_reports_per_minute() per user and venue, as
-- INVALID_INPUT with HTTP 429. The advisory lock makes the count and the insert one step for
-- a user and venue (two concurrent reports can't both pass at the limit).
create function private.report_client_metrics(p_venue_id uuid, p_date date, p_client public.client_kind,
                                              p_latencies_ms int[], p_resyncs int, p_mismatched_resyncs int,
                                              p_stale_hold_refusals int)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_key text;
begin
  if (select auth.uid()) is null and not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'sign in first', 'PT401');
  end if;
  if p_venue_id is null or p_date is null or p_client is null or p_latencies_ms is null or p_resyncs is null
     or p_mismatched_resyncs is null or p_stale_hold_refusals is null then
    perform private.raise_error('INVALID_INPUT', 'every figure is required (an empty array for no latencies)');
  end if;
  if cardinality(p_latencies_ms) > 500
     or exists (select 1 from unnest(p_latencies_ms) l where l is null or l not between 0 and 600000) then
    perform private.raise_error('INVALID_INPUT', 'at most 500 latencies a report, each 0 to 600000 ms');
  end if;
  if p_resyncs not between 0 and 1000 or p_mismatched_resyncs not between 0 and p_resyncs
     or p_stale_hold_refusals not between 0 and 1000 then
    perform private.raise_error('INVALID_INPUT', 'counts are 0 to 1000, mismatched resyncs at most the resyncs');
  end if;
  if not isfinite(p_date) or p_date not between current_date - 2 and current_date + 190 then
    perform private.raise_error('DATE_OUT_OF_RANGE', 'a report is for a night from two days ago to six months ahead');
  end if;
  if not exists (select 1 from public.venues v where v.id = p_venue_id) then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  v_key := md5(coalesce((select auth.uid())::text, private.api_role()) || '/' || p_venue_id::text);
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('client_reports:' || v_key));
  if (select count(*) from private.client_reports r
      where r.reporter_key = v_key and r.reported_at > now() - interval '1 minute') >= private.client_reports_per_minute() then
    perform private.raise_error('INVALID_INPUT',
      format('rate limited: at most %s reports a minute', private.client_reports_per_minute()), 'PT429');
  end if;
  insert into private.client_reports
    (venue_id, night, reporter_key, client, latencies_ms, resyncs, mismatched_resyncs, stale_hold_refusals)
  values (p_venue_id, p_date, v_key, p_client, p_latencies_ms, p_resyncs, p_mismatched_resyncs, p_stale_hold_refusals);
  return jsonb_build_object('accepted', true, 'samples', cardinality(p_latencies_ms));
end;
$$;
comment on function private.report_client_metrics is
  'Stores one batch of client measurements (bounded, rate-limited per user and venue, no personal data).';

-- A night's client figures for a venue: p95 delivery latency (seed 003's goal: under 1000 ms)
-- and its sample count, resyncs and the share whose folded stream differed from the snapshot,
-- and stale-state hold refusals. Nulls where no client reported. Callers check access.
create function private.client_night_figures(p_venue_id uuid, p_night date) returns jsonb
language sql stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'delivery_p95_ms', (select round(percentile_cont(0.95) within group (order by l)::numeric, 1)
                        from private.client_reports r cross join lateral unnest(r.latencies_ms) l
                        where r.venue_id = p_venue_id and r.night = p_night),
    'delivery_samples', coalesce((select sum(cardinality(r.latencies_ms)) from private.client_reports r
                                  where r.venue_id = p_venue_id and r.night = p_night), 0),
    'resyncs', coalesce(sum(r.resyncs), 0),
    'snapshot_mismatch_rate', round(sum(r.mismatched_resyncs)::numeric / nullif(sum(r.resyncs), 0), 3),
    'stale_hold_refusals', coalesce(sum(r.stale_hold_refusals), 0))
  from private.client_reports r
  where r.venue_id = p_venue_id and r.night = p_night
$$;
comment on function private.client_night_figures is
  'Per-night client monitoring figures of a venue (delivery p95, mismatch rate, stale refusals).';

-- ---------- API ----------

create function public.report_client_metrics(p_venue_id uuid, p_date date, p_client public.client_kind,
                                             p_latencies_ms int[], p_resyncs int, p_mismatched_resyncs int,
                                             p_stale_hold_refusals int)
returns jsonb
language sql set search_path = ''
as $$
  select private.report_client_metrics(p_venue_id, p_date, p_client, p_latencies_ms, p_resyncs,
                                       p_mismatched_resyncs, p_stale_hold_refusals)
$$;
comment on function public.report_client_metrics is
  'A client''s batch of monitoring figures for a venue''s night (signed in; at most 6 a minute).';

-- ---------- grants ----------

revoke execute on function private.client_reports_per_minute() from public;
revoke execute on function private.report_client_metrics(uuid, date, public.client_kind, int[], int, int, int) from public;
revoke execute on function private.client_night_figures(uuid, date) from public;
revoke execute on function public.report_client_metrics(uuid, date, public.client_kind, int[], int, int, int) from public;
grant execute on function public.report_client_metrics(uuid, date, public.client_kind, int[], int, int, int)
  to authenticated, service_role;
grant execute on function private.report_client_metrics(uuid, date, public.client_kind, int[], int, int, int)
  to authenticated, service_role;
