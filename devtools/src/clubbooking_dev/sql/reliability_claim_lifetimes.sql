-- Claims on one table whose lifetimes overlapped: for two claims (bookings or blocks) on one
-- table with overlapping time ranges, the older one must have ended (cancelled, rejected,
-- expired, no-show, unblocked, or let go by a change of the booking) before the newer one was
-- created (a claim is born with the audit row of the transaction that claimed the table, its
-- own claimed_at: a booking's first tables with its hold, a changed booking's with the change). Judged from the audit log
-- (ids are taken under the booking's row lock, so they order one booking's transitions and a
-- claim's end before any later claim the booking path checked against it), not from the
-- is_active flags the booking code maintains: a double booking that was later undone is still
-- found. Must return no rows.
with claims as (
  select bt.table_id, bt.period, coalesce(bt.booking_id, bt.block_id) as owner,
         (select min(a.id) from public.audit_log a
          where a.entity_id = coalesce(bt.booking_id, bt.block_id) and a.created_at >= bt.claimed_at) as born,
         (select min(a.id) from public.audit_log a
          where a.entity_id = coalesce(bt.booking_id, bt.block_id) and a.created_at >= bt.claimed_at
            and (a.new_status in ('expired', 'cancelled', 'rejected', 'no_show', 'available')
                 or (a.action in ('booking_modified', 'booking_modified_override')
                     and a.created_at >= bt.released_at))) as ended
  from public.booking_tables bt
  where bt.venue_id = %(venue_id)s and bt.is_exclusive
)
select older.table_id, older.owner as older_claim, newer.owner as newer_claim,
       older.period::text as older_period, newer.period::text as newer_period
from claims older
join claims newer
  on newer.table_id = older.table_id and newer.born > older.born and newer.period && older.period
where older.ended is null or older.ended > newer.born
order by older.table_id, newer.born
limit 50
