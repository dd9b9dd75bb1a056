"""Committers that touched several venue-nights take their venue-night locks in (venue, night)
order, whatever order their rows changed in: two such commits never deadlock. The same two
commits taking the locks in the order their rows changed (the naive way) do."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import psycopg
import pytest
from clubbooking.client import BookingClient
from clubbooking_dev import leeds


def wait_until_waiting(admin: psycopg.Connection[Any], waiters: int) -> None:
    """Until that many sessions wait on an advisory lock (no timing: the lock table says so)."""
    for _ in range(500):
        row = admin.execute("select count(*) from pg_locks where locktype = 'advisory' and not granted").fetchone()
        if row and row[0] >= waiters:
            return
        time.sleep(0.01)
    raise AssertionError(f"{waiters} sessions never queued")


@pytest.mark.parametrize("naive", [False, True], ids=["ordered", "naive-row-order"])
def test_two_commits_touching_two_nights_in_opposite_orders_never_deadlock(scratch_dsn: str, naive: bool) -> None:
    first = leeds.next_open_night(weeks_ahead=2)
    second = leeds.next_open_night(first + dt.timedelta(days=1), weeks_ahead=0)
    with psycopg.connect(scratch_dsn, autocommit=True) as admin:
        (guest,) = leeds.create_guests(admin, 1, prefix="order")
        client = BookingClient.connect(scratch_dsn)
        holds = {(night, n): client.as_user(guest).hold_tables(leeds.VENUE_ID, night, "slot_21_00",
                                                              [leeds.TABLE_IDS[n]], 2).booking_id
                 for night in (first, second) for n in (1, 2)}
        client.close()
        blocker = psycopg.connect(scratch_dsn, autocommit=True)  # holds the first night's lock while both commit
        blocker.execute("select pg_advisory_lock(hashtext('events:' || %s), private.night_key(%s))",
                        (str(leeds.VENUE_ID), first))
        errors: dict[str, str] = {}

        def commit(name: str, one: Any, other: Any, table: int) -> None:
            with psycopg.connect(scratch_dsn) as conn:
                for night in (one, other):
                    conn.execute("update bookings set status = 'cancelled', status_reason = 'order test' "
                                 "where id = %s", (holds[(night, table)],))
                try:
                    if naive:  # each night's lock as its row changed, before the commit takes them in order
                        for night in (one, other):
                            conn.execute("select pg_advisory_xact_lock(hashtext('events:' || %s), "
                                         "private.night_key(%s))", (str(leeds.VENUE_ID), night))
                    conn.commit()
                except psycopg.errors.DeadlockDetected as error:
                    errors[name] = str(error)

        # One commit queues on the first night's lock; the other takes the second night's (naively) and queues.
        in_order = threading.Thread(target=commit, args=("first-night-first", first, second, 1))
        in_order.start()
        wait_until_waiting(admin, 1)
        reversed_order = threading.Thread(target=commit, args=("second-night-first", second, first, 2))
        reversed_order.start()
        wait_until_waiting(admin, 2)
        blocker.close()
        in_order.join(timeout=30)
        reversed_order.join(timeout=30)
        cancelled = admin.execute("select count(*) from bookings where status = 'cancelled'").fetchone()
    if naive:
        assert errors, "the naive lock order deadlocks"
        return
    assert errors == {}
    assert cancelled == (4,)
