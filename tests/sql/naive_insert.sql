-- The naive path's insert: a held booking and its claim, written straight after the check.
with booking as (
  insert into public.bookings (venue_id, customer_id, reference, booking_date, period, party_size, hold_expires_at)
  values (%(venue_id)s, %(customer_id)s, %(reference)s, %(night)s, %(period)s::tstzrange, 2, now() + interval '5 minutes')
  returning id, hold_expires_at
)
insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size, expires_at)
select %(venue_id)s, %(table_id)s, booking.id, %(night)s, %(period)s::tstzrange, 2, booking.hold_expires_at
from booking
