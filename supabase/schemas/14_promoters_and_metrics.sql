-- =============================================================================================
-- Promoters and metrics: promoters' bookings, conflict samples, client reports
-- =============================================================================================

-- The caller's own bookings as a promoter at a venue: no guest contact details, first names only.
create function private.get_promoter_bookings(p_venue_id uuid, p_from date default null, p_to date default null)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_code text;
begin
  select p.code into v_code from public.promoters p
  where p.venue_id = p_venue_id and p.user_id = (select auth.uid());
  if v_code is null then
    perform private.raise_error('NOT_AUTHORIZED', 'not a promoter at this venue',
      case when (select auth.uid()) is null then 'PT401' end);
  end if;
  return (
    select coalesce(jsonb_agg(jsonb_build_object(
             'reference', b.reference, 'booking_date', b.booking_date, 'status', b.status,
             'party_size', b.party_size, 'guest', split_part(coalesce(c.full_name, 'Guest'), ' ', 1),
             'minimum_spend', b.minimum_spend_total) order by b.booking_date, b.created_at), '[]'::jsonb)
    from public.bookings b
    join public.customers c on c.id = b.customer_id
    where b.venue_id = p_venue_id and b.promoter_code = v_code
      and (p_from is null or b.booking_date >= p_from) and (p_to is null or b.booking_date <= p_to));
end;
$$;

grant execute on function private.get_promoter_bookings(uuid, date, date) to authenticated, service_role;

-- A rejected hold rolls back everything it wrote, so rejections are counted with a sequence
-- per venue (nextval survives a rollback) and sampled each minute by pg_cron; a night's
-- figure is the growth of the counter over that night's trading day (09:00 to closing).
create table private.conflict_samples (
  venue_id uuid not null references public.venues (id),
  sampled_at timestamptz not null default now(),
  value bigint not null,
  primary key (venue_id, sampled_at)
);

alter table private.conflict_samples enable row level security;

-- Sample every venue's counter (pg_cron, each minute); keeps 90 days.
create function private.sample_conflicts() returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
  v_value bigint;
begin
  for v_id in select id from public.venues loop
    execute format('select case when is_called then last_value else 0 end from %s', private.conflict_sequence(v_id))
      into v_value;
    insert into private.conflict_samples (venue_id, value) values (v_id, v_value) on conflict do nothing;
  end loop;
  delete from private.conflict_samples s where s.sampled_at < now() - interval '90 days';
end;
$$;

-- Per night (manager+): holds, conversion to requests, expiries, confirmations, no-shows,
-- cancellations, conflicts rejected (null where no counter samples cover the night), and the
-- clients' monitoring figures (private.client_night_figures, 20261121005840).
create function private.get_venue_metrics(p_venue_id uuid, p_from date, p_to date)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  if not isfinite(p_from) or not isfinite(p_to) then  -- found by the bad-input property tests
    perform private.raise_error('DATE_OUT_OF_RANGE', 'the range must be calendar dates');
  end if;
  if p_venue_id is null or p_from is null or p_to is null or p_to < p_from or p_to - p_from > 366 then
    perform private.raise_error('INVALID_INPUT', 'venue and a range of at most a year are required');
  end if;
  perform private.require_staff(p_venue_id, 'manager');
  return (
    with nights as (
      select d::date as night, private.night_range(p_venue_id, d::date) as hours
      from generate_series(p_from, p_to, interval '1 day') d
    ), per_booking as (
      select b.booking_date, b.status,
             exists (select 1 from public.audit_log a where a.entity_id = b.id
                     and a.new_status in ('pending_approval', 'confirmed')) as submitted
      from public.bookings b
      where b.venue_id = p_venue_id and b.booking_date between p_from and p_to
    ), counts as (
      select n.night,
             count(pb.status)::int as holds,
             count(*) filter (where pb.submitted)::int as submitted,
             count(*) filter (where pb.status = 'expired')::int as expired,
             count(*) filter (where pb.status in ('confirmed', 'checked_in', 'no_show'))::int as confirmed,
             count(*) filter (where pb.status = 'checked_in')::int as checked_in,
             count(*) filter (where pb.status = 'no_show')::int as no_shows,
             count(*) filter (where pb.status = 'cancelled')::int as cancelled,
             n.hours
      from nights n left join per_booking pb on pb.booking_date = n.night
      group by n.night, n.hours
    )
    select coalesce(jsonb_agg(jsonb_build_object(
      'night', c.night, 'holds', c.holds, 'submitted', c.submitted,
      'hold_to_booking_conversion', round(c.submitted::numeric / nullif(c.holds, 0), 3),
      'expired', c.expired, 'expiry_rate', round(c.expired::numeric / nullif(c.holds, 0), 3),
      'confirmed', c.confirmed, 'checked_in', c.checked_in, 'no_shows', c.no_shows,
      'no_show_rate', round(c.no_shows::numeric / nullif(c.checked_in + c.no_shows, 0), 3),
      'cancelled', c.cancelled,
      'conflicts_rejected', (
        select max(s.value) - min(s.value) from private.conflict_samples s
        where c.hours is not null and s.venue_id = p_venue_id
          and s.sampled_at >= lower(c.hours) - interval '12 hours' and s.sampled_at <= upper(c.hours)
        having count(*) >= 2))
      || private.client_night_figures(p_venue_id, c.night)
      order by c.night), '[]'::jsonb)
    from counts c);
end;
$$;

grant execute on function private.get_venue_metrics(uuid, date, date) to authenticated, service_role;

-- API wrappers (security invoker), grants.
create function public.get_promoter_bookings(p_venue_id uuid, p_from date default null, p_to date default null)
returns jsonb
language sql stable set search_path = ''
as $$ select private.get_promoter_bookings(p_venue_id, p_from, p_to) $$;

comment on function public.get_promoter_bookings is 'A promoter''s own bookings at a venue (no guest contact details).';

grant execute on function public.get_promoter_bookings(uuid, date, date) to authenticated, service_role;

create function public.get_venue_metrics(p_venue_id uuid, p_from date, p_to date) returns jsonb
language sql stable set search_path = ''
as $$ select private.get_venue_metrics(p_venue_id, p_from, p_to) $$;

comment on function public.get_venue_metrics is 'Per-night conversion, expiry, no-show and conflict figures (manager+).';

grant execute on function public.get_venue_metrics(uuid, date, date) to authenticated, service_role;

create type public.client_kind as enum ('typescript', 'python');

comment on type public.client_kind is 'Which client library sent a monitoring report.';

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

-- The most reports one user may send per venue in a minute (a client sends one a minute).
create function private.client_reports_per_minute() returns int
language sql immutable
set search_path = ''
as $$ select 6 $$;

revoke execute on function private.client_reports_per_minute() from public;

-- The most reports a venue takes in a minute from all its reporters together (fresh accounts
-- can't get round the per-account limit).
create function private.client_reports_per_venue_minute() returns int
language sql immutable
set search_path = ''
as $$ select 600 $$;

revoke execute on function private.client_reports_per_venue_minute() from public;

-- The most of each count (resyncs, mismatched resyncs, stale refusals) and of latency samples one
-- reporter adds to a venue's night: one reporter moves a total only so far.
create function private.client_reporter_night_cap() returns int
language sql immutable
set search_path = ''
as $$ select 20 $$;

revoke execute on function private.client_reporter_night_cap() from public;

-- Who may report on a venue's night: its staff, trusted callers, and a guest with a booking,
-- hold or waitlist entry at that venue that night.
create function private.may_report_on(p_venue_id uuid, p_night date) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select private.is_trusted()
      or private.staff_role(p_venue_id) is not null
      or exists (select 1 from public.bookings b
                 where b.venue_id = p_venue_id and b.booking_date = p_night and b.customer_id = private.my_customer_id())
      or exists (select 1 from public.waitlist_entries w
                 where w.venue_id = p_venue_id and w.booking_date = p_night and w.customer_id = private.my_customer_id())
$$;

revoke execute on function private.may_report_on(uuid, date) from public;

-- Store one batch. Only from those entitled to watch that night (private.may_report_on: the
-- venue's staff, or a guest with a booking, hold or waitlist entry there that night; anyone else
-- NOT_AUTHORIZED); every figure bounded; at most client_reports_per_minute() per user and venue
-- and client_reports_per_venue_minute() per venue, as INVALID_INPUT with HTTP 429. The
-- venue's advisory lock makes the counts and the insert one step (two concurrent reports can't
-- both pass at a limit).
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
  if not private.may_report_on(p_venue_id, p_date) then
    perform private.raise_error('NOT_AUTHORIZED',
      'reports come from the venue''s staff and its guests with a booking, hold or waitlist entry that night');
  end if;
  v_key := md5(coalesce((select auth.uid())::text, private.api_role()) || '/' || p_venue_id::text);
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('client_reports:' || p_venue_id::text));
  if (select count(*) from private.client_reports r
      where r.reporter_key = v_key and r.reported_at > now() - interval '1 minute') >= private.client_reports_per_minute() then
    perform private.raise_error('INVALID_INPUT',
      format('rate limited: at most %s reports a minute', private.client_reports_per_minute()), 'PT429');
  end if;
  if (select count(*) from private.client_reports r
      where r.venue_id = p_venue_id and r.reported_at > now() - interval '1 minute') >= private.client_reports_per_venue_minute() then
    perform private.raise_error('INVALID_INPUT',
      format('rate limited: this venue takes at most %s reports a minute', private.client_reports_per_venue_minute()), 'PT429');
  end if;
  insert into private.client_reports
    (venue_id, night, reporter_key, client, latencies_ms, resyncs, mismatched_resyncs, stale_hold_refusals)
  values (p_venue_id, p_date, v_key, p_client, p_latencies_ms, p_resyncs, p_mismatched_resyncs, p_stale_hold_refusals);
  return jsonb_build_object('accepted', true, 'samples', cardinality(p_latencies_ms));
end;
$$;

comment on function private.report_client_metrics is
  'Stores one batch of client measurements from the venue''s staff or that night''s guests (bounded, rate-limited per user and per venue, no personal data).';

revoke execute on function private.report_client_metrics(uuid, date, public.client_kind, int[], int, int, int) from public;

grant execute on function private.report_client_metrics(uuid, date, public.client_kind, int[], int, int, int)
  to authenticated, service_role;

-- A night's client figures for a venue, robust to any one reporter: the p95 delivery latency is
-- the lower median of the reporters' own p95s (seed 003's goal: under 1000 ms), so one reporter
-- moves it no further than the next reporter's figure; the sample count, resyncs, the share
-- whose folded stream differed from the snapshot, and stale-state hold refusals add each
-- reporter's night capped at private.client_reporter_night_cap(). Nulls where no client
-- reported. Callers check access.
create function private.client_night_figures(p_venue_id uuid, p_night date) returns jsonb
language sql stable
security definer
set search_path = ''
as $$
  with per_reporter as (
    select r.reporter_key,
           (select percentile_cont(0.95) within group (order by l)
            from private.client_reports r2 cross join lateral unnest(r2.latencies_ms) l
            where r2.venue_id = p_venue_id and r2.night = p_night and r2.reporter_key = r.reporter_key) as p95,
           least(sum(cardinality(r.latencies_ms)), private.client_reporter_night_cap() * 25) as samples,
           least(sum(r.resyncs), private.client_reporter_night_cap()) as resyncs,
           least(sum(r.mismatched_resyncs), private.client_reporter_night_cap()) as mismatched,
           least(sum(r.stale_hold_refusals), private.client_reporter_night_cap()) as stale
    from private.client_reports r
    where r.venue_id = p_venue_id and r.night = p_night
    group by r.reporter_key)
  select jsonb_build_object(
    'delivery_p95_ms', (select round((percentile_disc(0.5) within group (order by p.p95))::numeric, 1)
                        from per_reporter p where p.p95 is not null),
    'delivery_samples', coalesce(sum(p.samples), 0),
    'resyncs', coalesce(sum(p.resyncs), 0),
    'snapshot_mismatch_rate', round(sum(p.mismatched)::numeric / nullif(sum(p.resyncs), 0), 3),
    'stale_hold_refusals', coalesce(sum(p.stale), 0))
  from per_reporter p
$$;

comment on function private.client_night_figures is
  'Per-night client monitoring figures of a venue (delivery p95, mismatch rate, stale refusals), each reporter''s weight bounded.';

revoke execute on function private.client_night_figures(uuid, date) from public;

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
  'A client''s batch of monitoring figures for a venue''s night (its staff, or a guest with a booking, hold or waitlist entry that night; at most 6 a minute).';

revoke execute on function public.report_client_metrics(uuid, date, public.client_kind, int[], int, int, int) from public;

grant execute on function public.report_client_metrics(uuid, date, public.client_kind, int[], int, int, int)
  to authenticated, service_role;
