"""The event relay's loop: it wakes ``LISTEN clubbooking_availability`` once per batch of commits.

``private.relay_events`` makes one pass (the events new since the last pass, one NOTIFY); this
calls it every ``poll`` seconds on an autocommit connection, so each pass commits and its
notification goes out. The loop lives here, not in the database, because a procedure that
commits can't pin its search_path (splinter 0011), and a function can't commit.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

PASS_SQL = "select last_id, sent from private.relay_events(%s::bigint, %s::bigint[], %s::int)"


def run_relay(conn: psycopg.Connection[Any], *, seconds: float | None = None, poll: float = 0.003,
              window: int = 256, stop: threading.Event | None = None) -> int:
    """Relay for ``seconds`` (None: until ``stop`` is set) on an autocommit connection; returns the passes made."""
    if not conn.autocommit:
        raise ValueError("the relay needs an autocommit connection: each pass's NOTIFY goes out at its commit")
    deadline = None if seconds is None else time.monotonic() + seconds
    last_id: int | None = None
    sent: list[int] = []
    passes = 0
    while True:
        row = conn.execute(PASS_SQL, (last_id, sent, window)).fetchone()
        assert row is not None
        last_id, sent = row
        passes += 1
        if (deadline is not None and time.monotonic() >= deadline) or (stop is not None and stop.is_set()):
            return passes
        time.sleep(poll)
