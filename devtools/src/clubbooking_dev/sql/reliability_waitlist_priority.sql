-- Waitlist offers that skipped a better-placed guest. For every offer ever made (its
-- waitlist_offered audit row; offers of a venue-night are made one at a time, so audit ids are
-- their order): an entry for the same slot with a higher priority score that the offer could
-- see (its join committed before the offer's transaction: commit timestamps where the server
-- tracks them, else joined a second before the offer's transaction began), that had not been
-- offered anything yet, whose party the offered tables could seat, and that the offer's
-- transaction did not pass over for a reason (waitlist_passed_over: a per-guest limit). Must
-- return no rows (and returns none where no offers have been made).
with offers as (
  select a.id as audit_id, a.xmin as tx, a.entity_id as entry_id, (a.detail ->> 'booking_id')::uuid as booking_id
  from public.audit_log a
  where a.venue_id = %(venue_id)s and a.entity = 'waitlist' and a.action = 'waitlist_offered'
), joins as (
  select a.entity_id as entry_id, a.xmin as tx, a.created_at
  from public.audit_log a
  where a.venue_id = %(venue_id)s and a.entity = 'waitlist' and a.action = 'waitlist_joined'
)
select offered.id as offered_entry, passed.id as passed_over_entry,
       offered.priority_score as offered_priority, passed.priority_score as passed_priority
from offers o
join public.waitlist_entries offered on offered.id = o.entry_id
join public.bookings offer on offer.id = o.booking_id
join public.waitlist_entries passed
  on passed.venue_id = offered.venue_id and passed.booking_date = offered.booking_date
 and passed.slot_id = offered.slot_id and passed.priority_score > offered.priority_score
join joins j on j.entry_id = passed.id
where case when current_setting('track_commit_timestamp') = 'on'
           then pg_xact_commit_timestamp(j.tx) < pg_xact_commit_timestamp(o.tx)
           else j.created_at < offer.created_at - interval '1 second' end
  and not exists (select 1 from offers earlier where earlier.entry_id = passed.id and earlier.audit_id < o.audit_id)
  and passed.party_size between
      (select sum(case when t.is_shared then 1 else t.capacity_min end) from public.booking_tables bt
       join public.venue_tables t on t.id = bt.table_id where bt.booking_id = offer.id)
  and (select sum(t.capacity_max) from public.booking_tables bt
       join public.venue_tables t on t.id = bt.table_id where bt.booking_id = offer.id)
  and not exists (select 1 from public.audit_log a
                  where a.entity_id = passed.id and a.action = 'waitlist_passed_over' and a.xmin = o.tx)
limit 50
