-- Holds that ran out a minute ago, for tasks i in [bench.expired_from, bench.expired_to): a
-- held booking and its active claim each, as the booking path leaves them when nobody
-- submits. Written in bulk with triggers off: the sweeper is what is measured.
-- (Table owner's `disable trigger user`, not session_replication_role: postgres is not a
-- superuser. Foreign keys are still checked; the rows satisfy them.)
alter table public.bookings disable trigger user;
alter table public.booking_tables disable trigger user;

insert into public.bookings (id, venue_id, customer_id, reference, status, booking_date, period, party_size,
                             hold_expires_at, status_reason)
select md5('bench-expired-' || t.i)::uuid, t.venue_id, md5('bench-customer-' || t.i)::uuid,
       bench.reference(t.night, t.i),
       'held', t.night, private.slot_range(t.venue_id, t.night, t.slot_id), t.party_size,
       now() - interval '1 minute', 'hold_created'
from generate_series(current_setting('bench.expired_from')::int, current_setting('bench.expired_to')::int - 1) g(i)
join bench.tasks t on t.i = g.i;

insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size, expires_at)
select b.venue_id, t.table_id, b.id, b.booking_date, b.period, b.party_size, b.hold_expires_at
from generate_series(current_setting('bench.expired_from')::int, current_setting('bench.expired_to')::int - 1) g(i)
join bench.tasks t on t.i = g.i
join public.bookings b on b.id = md5('bench-expired-' || g.i)::uuid;

alter table public.bookings enable trigger user;
alter table public.booking_tables enable trigger user;
