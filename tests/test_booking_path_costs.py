"""What one booking costs, in counts that do not depend on the machine's load."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from clubbooking_dev import leeds

# Every row the booking wrote, with the transaction id it was written under. A row written in a
# subtransaction (realtime.send()'s EXCEPTION block, say) carries the subtransaction's own id.
ROWS_WRITTEN = """
with booking as (select (%(result)s::jsonb ->> 'booking_id')::uuid as id),
     last_event as (select e.xmin, e.channel from public.availability_events e
                    where e.table_id = %(table)s and e.booking_date = %(night)s and e.slot_id = 'slot_23_30'
                    order by e.version desc limit 1)
select 'booking', b.xmin::text from public.bookings b, booking where b.id = booking.id
union all select 'claim', c.xmin::text from public.booking_tables c, booking where c.booking_id = booking.id
union all select 'audit', a.xmin::text from public.audit_log a, booking where a.entity_id = booking.id
union all select 'event', xmin::text from last_event
union all select 'broadcast', m.xmin::text from realtime.messages m, last_event
  where m.topic = last_event.channel and m.inserted_at >= now()
"""


def test_a_booking_and_its_events_use_no_subtransaction(db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    """The events and Broadcast rows are written without realtime.send()'s EXCEPTION block: every
    row a booking writes carries the booking's own transaction id (checked inside the transaction,
    as PostgREST runs /rpc/hold_tables, with the commit-time triggers fired)."""
    (guest,) = leeds.create_guests(admin, 1, prefix="costs")
    night = leeds.next_open_night(weeks_ahead=4)
    with psycopg.connect(db_dsn) as conn:
        conn.execute("set local role authenticated")
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(guest),))
        held = conn.execute("select public.hold_tables(%s, %s, 'slot_23_30', array[%s]::uuid[], 4)::text",
                            (leeds.VENUE_ID, night, leeds.TABLE_IDS[4])).fetchone()
        conn.execute("set constraints all immediate")  # the deferred event triggers run now
        conn.execute("reset role")
        own = conn.execute("select (txid_current() % 4294967296)::text").fetchone()
        assert held is not None and own is not None
        rows = conn.execute(ROWS_WRITTEN, {"result": held[0], "table": leeds.TABLE_IDS[4], "night": night}).fetchall()
        conn.rollback()
    kinds = {kind for kind, _ in rows}
    assert {"booking", "claim", "audit", "event", "broadcast"} <= kinds, f"the booking wrote {sorted(kinds)}"
    assert [(kind, xid) for kind, xid in rows if xid != own[0]] == [], "rows written in a subtransaction"
