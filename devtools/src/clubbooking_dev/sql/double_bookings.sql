-- Independent check for double bookings: pairs of claims on one table whose time ranges
-- overlap while both are live, judged from the bookings' own statuses and hold expiry (not
-- from the claims' is_active flag that the booking code maintains; a claim its booking let go
-- when it changed tables or time, released_at, is no longer the booking's). Must always return 0.
select count(*) as double_bookings
from public.booking_tables a
join public.booking_tables b
  on b.table_id = a.table_id and b.id > a.id and b.period && a.period
left join public.bookings ba on ba.id = a.booking_id
left join public.table_blocks ka on ka.id = a.block_id
left join public.bookings bb on bb.id = b.booking_id
left join public.table_blocks kb on kb.id = b.block_id
where a.is_exclusive and b.is_exclusive and a.released_at is null and b.released_at is null
  and (ka.is_active or ba.status in ('pending_approval', 'confirmed', 'checked_in')
       or (ba.status = 'held' and ba.hold_expires_at > now()))
  and (kb.is_active or bb.status in ('pending_approval', 'confirmed', 'checked_in')
       or (bb.status = 'held' and bb.hold_expires_at > now()))
