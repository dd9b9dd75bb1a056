-- Historical bookings k in [bench.history_from, bench.history_to): past Friday and Saturday
-- nights, every table and slot of every benchmark venue, most of them kept (checked in, so
-- their claims stay active in the exclusion constraint's index) and some cancelled, expired
-- or no-shows. Written in bulk with triggers off: this
-- is data at rest, not a benchmark of writing it.
-- (Table owner's `disable trigger user`, not session_replication_role: postgres is not a
-- superuser. Foreign keys are still checked; the rows satisfy them.)
alter table public.bookings disable trigger user;
alter table public.booking_tables disable trigger user;

create temporary table history on commit drop as
select k, v.id as venue_id, t.id as table_id,
       md5('bench-customer-' || (k % current_setting('bench.guests')::int))::uuid as customer_id,
       n.night, s.starts_at, s.duration,
       (array['checked_in', 'checked_in', 'checked_in', 'checked_in', 'checked_in', 'checked_in', 'confirmed',
              'no_show', 'cancelled', 'expired'])[k % 10 + 1] as status
from generate_series(current_setting('bench.history_from')::bigint,
                     current_setting('bench.history_to')::bigint - 1) k
cross join lateral (select (k % sh.venues)::int as v_ord, ((k / sh.venues) % 16)::int as t_ord,
                           ((k / sh.venues / 16) % 2)::int as s_ord, (k / sh.venues / 32)::int as n_ord
                    from bench.shape sh) ix
join bench.venues v on v.ord = ix.v_ord
join bench.tables t on t.venue_ord = ix.v_ord and t.ord = ix.t_ord
cross join lateral (select case ix.s_ord when 0 then time '21:00' else time '23:30' end as starts_at,
                           case ix.s_ord when 0 then interval '2 hours 30 minutes'
                                else interval '4 hours 30 minutes' end as duration) s
cross join lateral (
  -- n_ord 0, 1 = the Friday and Saturday of the week before last week, then back in weeks
  select (current_date - 7 - ((extract(isodow from current_date)::int + 2) % 7) - 7 * (ix.n_ord / 2)
          + ix.n_ord % 2) as night) n;

insert into public.bookings (id, venue_id, customer_id, reference, status, booking_date, period, party_size,
                             status_reason, created_at, updated_at)
select md5('bench-history-' || h.k)::uuid, h.venue_id, h.customer_id,
       bench.reference(h.night, h.k),
       h.status, h.night,
       tstzrange((h.night + h.starts_at) at time zone 'Europe/London',
                 (h.night + h.starts_at + h.duration) at time zone 'Europe/London', '[)'),
       2, 'history', h.night - 14, h.night
from history h;

insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size, is_active)
select h.venue_id, h.table_id, md5('bench-history-' || h.k)::uuid, h.night,
       tstzrange((h.night + h.starts_at) at time zone 'Europe/London',
                 (h.night + h.starts_at + h.duration) at time zone 'Europe/London', '[)'),
       2, h.status in ('checked_in', 'confirmed')
from history h
order by h.venue_id, h.table_id, h.night;  -- neighbours in the GiST indexes arrive together

alter table public.bookings enable trigger user;
alter table public.booking_tables enable trigger user;
