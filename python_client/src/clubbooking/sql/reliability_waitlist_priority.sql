-- Waitlist offers that skipped a better-placed guest: an entry offered a hold while an entry
-- for the same slot with a higher priority score, waiting since a second before the offer,
-- whose party the offered tables could have seated, was passed over without a reason (a
-- per-guest limit is one: the offer's transaction audits it as waitlist_passed_over). Must
-- return no rows (and returns none where no offers have been made).
select offered.id as offered_entry, passed.id as passed_over_entry,
       offered.priority_score as offered_priority, passed.priority_score as passed_priority
from public.waitlist_entries offered
join public.bookings offer on offer.id = offered.offered_booking_id
join public.waitlist_entries passed
  on passed.venue_id = offered.venue_id and passed.booking_date = offered.booking_date
 and passed.slot_id = offered.slot_id and passed.status = 'waiting'
 and passed.priority_score > offered.priority_score
 -- created a second before the offer: an entry whose join was still committing is invisible to it
 and passed.created_at < offer.created_at - interval '1 second'
 and passed.party_size between
     (select sum(case when t.is_shared then 1 else t.capacity_min end) from public.booking_tables bt
      join public.venue_tables t on t.id = bt.table_id where bt.booking_id = offer.id)
 and (select sum(t.capacity_max) from public.booking_tables bt
      join public.venue_tables t on t.id = bt.table_id where bt.booking_id = offer.id)
where offered.venue_id = %(venue_id)s and offered.status in ('offered', 'accepted')
  and not exists (select 1 from public.audit_log a
                  where a.entity_id = passed.id and a.action = 'waitlist_passed_over'
                    and a.created_at = offer.created_at)  -- now(): the offer's own transaction
limit 50
