-- Every slot of every night that has bookings, as get_availability serves it now (the staff
-- view: run as a trusted role), with the instant it was served at.
select b.venue_id, b.booking_date, s.slot_id, now() as served_at,
       public.get_availability(b.venue_id, b.booking_date, s.slot_id) as snapshot
from (select distinct bk.venue_id, bk.booking_date from public.bookings bk) b
join public.venue_slots s on s.venue_id = b.venue_id
order by b.venue_id, b.booking_date, s.slot_id
