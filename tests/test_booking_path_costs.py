"""What one booking costs, in counts that do not depend on the machine's load."""

from __future__ import annotations

from typing import Any

import psycopg
from clubbooking.client import BookingClient
from clubbooking_dev import leeds


def test_a_booking_and_its_events_use_no_subtransaction(db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    """The events and Broadcast rows are written without realtime.send()'s EXCEPTION block: a
    subtransaction that writes takes a transaction id of its own, so a booking takes exactly one."""
    (guest,) = leeds.create_guests(admin, 1, prefix="costs")
    night = leeds.next_open_night(weeks_ahead=4)
    with BookingClient.connect(db_dsn, guest) as client:
        client.hold_tables(leeds.VENUE_ID, night, "slot_21_00", [leeds.TABLE_IDS[4]], 4)  # warm the session
        before = admin.execute("select txid_current()").fetchone()
        client.hold_tables(leeds.VENUE_ID, night, "slot_23_30", [leeds.TABLE_IDS[4]], 4)
        after = admin.execute("select txid_current()").fetchone()
    assert before is not None and after is not None
    events = admin.execute("select count(*) from availability_events where table_id = %s and booking_date = %s "
                           "and slot_id = 'slot_23_30'", (leeds.TABLE_IDS[4], night)).fetchone()
    assert events is not None and events[0] >= 1  # the booking did emit its event
    assert after[0] - before[0] == 2  # the booking's own id, then this txid_current()'s
