-- Every hold that expired: its expiry and the request that expired it (a sweep, or a booking
-- that expired it lazily under the table locks).
select b.id, b.hold_expires_at, a.request_id
from public.audit_log a
join public.bookings b on b.id = a.entity_id
where a.venue_id = %(venue_id)s and a.entity = 'booking' and a.old_status = 'held' and a.new_status = 'expired'
