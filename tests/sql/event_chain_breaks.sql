-- Events of a channel whose previousState is not what the same table's previous event
-- announced (0 when every table's events form an unbroken chain).
select count(*)::int
from (select e.staff_payload ->> 'previousState' as previous,
             lag(e.staff_payload ->> 'newState', 1, 'available')
               over (partition by e.table_id order by e.version) as announced
      from availability_events e
      where e.channel = %(channel)s) x
where x.previous <> x.announced
