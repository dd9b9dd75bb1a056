"""unblock_tables locks its blocks in id order, whatever order their rows lie in: two unblocks of
the same blocks never take them in opposite orders (and deadlock). Ordered by table alone, two
blocks of one table on two nights came in the heap's order, which an update that moves a row
changes between one unblock's read and the next one's."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
from clubbooking.client import BookingClient
from clubbooking_dev import leeds


def test_unblock_locks_its_blocks_in_id_order_whatever_their_physical_order(scratch_dsn: str) -> None:
    first = leeds.next_open_night(weeks_ahead=2)
    second = leeds.next_open_night(first, weeks_ahead=1)
    client = BookingClient.connect(scratch_dsn)
    host = client.as_user(leeds.staff_claims("host"))
    blocks = sorted(str(host.block_tables(leeds.VENUE_ID, night, [leeds.TABLE_IDS[4]], "slot_21_00").block_ids[0])
                    for night in (first, second))
    low, high = blocks
    with psycopg.connect(scratch_dsn, autocommit=True) as admin:
        # Move the lower id's row behind the other one (an indexed column changes: a new tuple).
        admin.execute("update table_blocks set booking_date = booking_date + 1 where id = %s", (low,))
        admin.execute("update table_blocks set booking_date = booking_date - 1 where id = %s", (low,))
        order = [str(r[0]) for r in admin.execute("select id from table_blocks where id = any(%s) order by ctid",
                                                  (blocks,))]
        assert order == [high, low]
        holder = psycopg.connect(scratch_dsn)
        holder.execute("select 1 from table_blocks where id = %s for update", (high,))
        results: list[Any] = []
        unblocking = threading.Thread(target=lambda: results.append(host.unblock_tables([high, low], "order test")))
        unblocking.start()
        row = None
        for _ in range(500):
            row = admin.execute("select pid from pg_stat_activity where query like '%%unblock_tables%%' "
                                "and pid <> pg_backend_pid() and wait_event_type = 'Lock'").fetchone()
            if row:
                break
            time.sleep(0.01)
        assert row, "the unblock never queued behind the held block"
        # It waits for the higher id while it already holds the lower one.
        try:
            with psycopg.connect(scratch_dsn) as probe:
                probe.execute("select 1 from table_blocks where id = %s for update nowait", (low,))
            took_lower_first = False
        except psycopg.errors.LockNotAvailable:
            took_lower_first = True
        holder.commit()
        holder.close()
        unblocking.join(timeout=30)
        client.close()
        assert took_lower_first
        lifted = admin.execute("select count(*) from table_blocks where id = any(%s) and not is_active",
                               (blocks,)).fetchone()
    assert lifted == (2,)
