-- =====================================================================================
-- Promoters (attribution, each seeing only their own) and per-night metrics for staff
-- =====================================================================================

create table public.promoters (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  user_id uuid not null references auth.users (id) on delete cascade,
  code text not null check (code ~ '^[A-Za-z0-9_-]{2,64}$'),
  name text not null,
  created_at timestamptz not null default now(),
  unique (venue_id, code),
  unique (venue_id, user_id)
);
comment on table public.promoters is
  'Promoters who bring guests; bookings carry their promoter_code, and each promoter sees only their own.';
create index promoters_user_id_idx on public.promoters (user_id);
create index bookings_promoter_idx on public.bookings (venue_id, promoter_code) where promoter_code is not null;
alter table public.promoters enable row level security;
create policy "Promoters read their own profile; managers, their venues'" on public.promoters
  for select to authenticated using (
    user_id = (select auth.uid())
    or venue_id = any ((select private.staff_venue_ids('manager'))::uuid[]));
grant select on public.promoters to authenticated;
grant select, insert, update, delete on public.promoters to service_role;

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

-- ---------- conflicts rejected: counted outside the rolled-back transaction ----------
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

create function private.conflict_sequence(p_venue_id uuid) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return 'private.conflicts_' || replace(p_venue_id::text, '-', '');
end;
$$;

-- Each venue gets its counter when it is created.
create function private.create_conflict_sequence() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  execute format('create sequence if not exists %s', private.conflict_sequence(new.id));
  return null;
end;
$$;
create trigger venues_conflict_counter after insert on public.venues
  for each row execute function private.create_conflict_sequence();
do $$
declare
  v_id uuid;
begin
  for v_id in select id from public.venues loop
    execute format('create sequence if not exists %s', private.conflict_sequence(v_id));
  end loop;
end
$$;

-- Count one rejected request at a venue (called just before SECTION_NOT_AVAILABLE is raised).
create function private.count_conflict(p_venue_id uuid) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.nextval(private.conflict_sequence(p_venue_id)::regclass);
end;
$$;

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

-- API wrappers (security invoker), grants.
create function public.get_promoter_bookings(p_venue_id uuid, p_from date default null, p_to date default null)
returns jsonb
language sql stable set search_path = ''
as $$ select private.get_promoter_bookings(p_venue_id, p_from, p_to) $$;
comment on function public.get_promoter_bookings is 'A promoter''s own bookings at a venue (no guest contact details).';

create function public.get_venue_metrics(p_venue_id uuid, p_from date, p_to date) returns jsonb
language sql stable set search_path = ''
as $$ select private.get_venue_metrics(p_venue_id, p_from, p_to) $$;
comment on function public.get_venue_metrics is 'Per-night conversion, expiry, no-show and conflict figures (manager+).';

revoke execute on all functions in schema public, private from public;
grant execute on function public.get_promoter_bookings(uuid, date, date) to authenticated, service_role;
grant execute on function private.get_promoter_bookings(uuid, date, date) to authenticated, service_role;
grant execute on function public.get_venue_metrics(uuid, date, date) to authenticated, service_role;
grant execute on function private.get_venue_metrics(uuid, date, date) to authenticated, service_role;

do $cron$
begin
  if exists (select 1 from pg_namespace where nspname = 'cron') then
    perform cron.schedule('clubbooking-sample-conflicts', '* * * * *', 'select private.sample_conflicts()');
  end if;
end
$cron$;
