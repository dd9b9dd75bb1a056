-- Audit rows that do not tell the story of a booking or block: each one's first row is its
-- creation, every later row starts where the previous one ended and follows the state
-- machine (or keeps the state: a deposit taken at the door, a refund, an override), a block is
-- lifted at most once, and the last row is the state it is in now. Must return no rows.
with chain as (
  select a.entity, a.entity_id, a.id, a.action, a.old_status, a.new_status,
         lag(a.new_status) over w as previous_new, row_number() over w as n
  from public.audit_log a
  where a.venue_id = %(venue_id)s and a.entity in ('booking', 'block')
  window w as (partition by a.entity, a.entity_id order by a.id)
), current_state as (
  select 'booking' as entity, b.id as entity_id, b.status::text as state from public.bookings b
  where b.venue_id = %(venue_id)s
  union all
  select 'block', k.id, case when k.is_active then 'blocked' else 'available' end from public.table_blocks k
  where k.venue_id = %(venue_id)s
)
select c.entity, c.entity_id, c.action, c.old_status, c.new_status, 'broken chain' as problem
from chain c
where (c.n = 1 and (c.old_status is not null or c.new_status not in ('held', 'blocked')))
   or (c.n > 1 and c.old_status is distinct from c.previous_new)
   or (c.n > 1 and c.entity = 'booking' and c.old_status <> c.new_status
       and not private.is_valid_transition(c.old_status, c.new_status))
   or (c.entity = 'block' and c.n > 2)
union all
select s.entity, s.entity_id, null, last.new_status, s.state, 'final state differs from the last audit row'
from current_state s
left join lateral (select c.new_status from chain c where c.entity_id = s.entity_id
                   order by c.n desc limit 1) last on true
where last.new_status is distinct from s.state
limit 50
