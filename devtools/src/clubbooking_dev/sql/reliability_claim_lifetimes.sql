-- Claims on one table whose lifetimes overlapped: for two claims (bookings or blocks) on one
-- table with overlapping time ranges, the older one must have ended (cancelled, rejected,
-- expired, no-show, unblocked, or let go by a change of the booking) before the newer one was
-- created. Judged from the audit log (ids are taken under the booking's row lock, so they
-- order one booking's transitions and a claim's end before any later claim the booking path
-- checked against it), not from the is_active flags the booking code maintains: a double
-- booking that was later undone is still found. Must return no rows.
--
-- A claim is born with the audit row of the transaction that claimed the table (its own
-- claimed_at, that transaction's now(): a booking's first tables with its hold, a changed
-- booking's with the change). Its end is the first ending row after its birth in id order,
-- never by timestamp: now() is when a transaction began, so a cancellation that began before
-- the hold it cancels (it waited on the hold's lock) carries an earlier created_at than the
-- hold. A change lets a claim go in the transaction that set its released_at.
with claims as (
  select bt.table_id, bt.period, coalesce(bt.booking_id, bt.block_id) as owner, bt.released_at, born.id as born
  from public.booking_tables bt
  cross join lateral (select min(a.id) as id from public.audit_log a
                      where a.entity_id = coalesce(bt.booking_id, bt.block_id)
                        and a.created_at >= bt.claimed_at) born
  where bt.venue_id = %(venue_id)s and bt.is_exclusive
), lifetimes as (
  select c.*,
         (select min(a.id) from public.audit_log a
          where a.entity_id = c.owner and a.id > c.born
            and (a.new_status in ('expired', 'cancelled', 'rejected', 'no_show', 'available')
                 or (a.action in ('booking_modified', 'booking_modified_override')
                     and a.created_at = c.released_at))) as ended
  from claims c
)
select older.table_id, older.owner as older_claim, newer.owner as newer_claim,
       older.period::text as older_period, newer.period::text as newer_period
from lifetimes older
join lifetimes newer
  on newer.table_id = older.table_id and newer.born > older.born and newer.period && older.period
where older.ended is null or older.ended > newer.born
order by older.table_id, newer.born
limit 50
