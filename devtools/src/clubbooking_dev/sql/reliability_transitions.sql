-- The booking state machine's edges, from the database's own rule (private.is_valid_transition).
select a.status, b.status
from unnest(array['held', 'pending_approval', 'confirmed', 'checked_in', 'no_show', 'expired', 'cancelled',
                  'rejected']) a(status)
cross join unnest(array['held', 'pending_approval', 'confirmed', 'checked_in', 'no_show', 'expired', 'cancelled',
                        'rejected']) b(status)
where private.is_valid_transition(a.status, b.status)
