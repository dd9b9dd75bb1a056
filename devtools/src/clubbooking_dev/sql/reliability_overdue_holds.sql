-- Holds past their expiry at the test clock that no transaction has locked: the sweeper that
-- just ran should have expired them (unless they committed after it began).
select b.id
from public.bookings b
where b.status = 'held' and b.hold_expires_at <= %(now)s
for update skip locked
