"""Realtime: commit-to-listener latency. A probe holds a table of the Leeds club and commits;
a listener on ``LISTEN clubbooking_availability`` (woken by the relay, ``run_relay`` in a
background connection as `clubbooking relay` runs it) reports when it hears the probe's
channel at the probe's version. Measured idle and under booking load (pgbench, other venues).
Latency runs from the moment COMMIT is sent to the moment the listener has the notification.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from clubbooking.relay import run_relay
from clubbooking_dev import leeds

from bench.lab import Lab, percentiles
from bench.rush import guest_id

WAIT_S = 5.0


class Listener:
    """Hears clubbooking_availability; remembers the newest version per channel and when."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.conn.execute("listen clubbooking_availability")
        self.seen: dict[str, tuple[int, float]] = {}
        self.wildcards: list[float] = []  # "*": too many channels for one payload
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            for note in self.conn.notifies(timeout=0.2):
                at = time.perf_counter()
                with self.changed:
                    if note.payload == "*":
                        self.wildcards.append(at)
                    else:
                        for channel, version in json.loads(note.payload).items():
                            if version > self.seen.get(channel, (0, 0.0))[0]:
                                self.seen[channel] = (int(version), at)
                    self.changed.notify_all()

    def heard_at(self, channel: str, version: int, after: float) -> float | None:
        """When the listener heard the channel reach the version (waits up to WAIT_S)."""
        deadline = time.perf_counter() + WAIT_S
        with self.changed:
            while True:
                got = self.seen.get(channel)
                if got and got[0] >= version:
                    return got[1]
                late = [w for w in self.wildcards if w >= after]
                if late:
                    return late[0]
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.changed.wait(left)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.conn.close()


def probe(conn: psycopg.Connection[Any], j: int, guest: int) -> tuple[str, int, float]:
    """Hold table j%16 on a fresh (night, slot) of the Leeds club; returns (channel, version, t_commit)."""
    night = leeds.next_open_night(weeks_ahead=1 + j // 32)
    slot = leeds.SLOTS[(j // 16) % 2]
    table = leeds.TABLE_IDS[j % 16 + 1]
    claims = {"sub": str(guest_id(guest)), "role": "authenticated", "aal": "aal1"}
    with conn.transaction():
        conn.execute("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
                     (json.dumps(claims),))
        conn.execute("select public.hold_tables(%s, %s, %s, array[%s]::uuid[], 6)",
                     (leeds.VENUE_ID, night, slot, table))
        t_commit = time.perf_counter()
    return f"availability:{leeds.CLUB_ID}:{leeds.VENUE_ID}:{night:%Y-%m-%d}:{slot}", j % 16 + 1, t_commit


def run(lab: Lab, *, probes: int, load_clients: int, step: Callable[[str], None]) -> dict[str, Any]:
    dsn = lab.clone("realtime")
    with psycopg.connect(dsn, autocommit=True) as conn:
        # The probes' tables all take a party of 6 (capacity ranges of the Leeds tables vary).
        conn.execute("update public.venue_tables set capacity_min = 1, capacity_max = 12 "
                     "where venue_id = %s", (leeds.VENUE_ID,))
    load_seconds = max(3.0, probes * 0.03)
    relay_seconds = load_seconds * 2 + 20
    relay = threading.Thread(target=lambda: _relay(dsn, relay_seconds), daemon=True)
    relay.start()
    listener = Listener(dsn)
    writer = psycopg.connect(dsn, autocommit=True)
    first_guest = lab.shape.tasks - 2 * probes - 1
    results: dict[str, Any] = {}
    j = 0
    try:
        for phase in ("idle", "under_load"):
            step(f"realtime: {phase}")
            load: dict[str, Any] = {}
            loader = None
            if phase == "under_load":
                def book(into: dict[str, Any] = load) -> None:
                    into.update(lab.pgbench(dsn, "hold.pgbench", clients=load_clients, seconds=load_seconds).summary())

                loader = threading.Thread(target=book, daemon=True)
                loader.start()
                time.sleep(0.5)
            latencies: list[float] = []
            missed = 0
            for _ in range(probes):
                channel, version, t_commit = probe(writer, j, first_guest + j)
                j += 1
                heard = listener.heard_at(channel, version, t_commit)
                if heard is None:
                    missed += 1
                else:
                    latencies.append(max(0.0, heard - t_commit) * 1000)
                time.sleep(0.01)
            if loader is not None:
                loader.join()
            results[phase] = {"latency_ms": percentiles(latencies), "missed": missed,
                              **({"load": load} if load else {})}
    finally:
        writer.close()
        listener.close()
        _stop_relay(dsn)
        relay.join()
    results["wildcard_notifications"] = len(listener.wildcards)
    return results


def _relay(dsn: str, seconds: float) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("set application_name = 'bench-relay'")
        # It ends when _stop_relay terminates it at the end of the scenario.
        with contextlib.suppress(psycopg.OperationalError):
            run_relay(conn, seconds=seconds)


def _stop_relay(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                     "where application_name = 'bench-relay' and datname = current_database()")
