"""The nemesis: faults injected while the workload runs, each optional and bounded in time.

- ``FakeClock``: the instant every transaction runs at, sent as ``clubbooking.now`` (the test
  hook private.now() honours for the schema owner's sessions); it only moves forward, in jumps.
- ``ServerControl``: ``pg_ctl stop -m immediate`` (a crash: no checkpoint, no goodbye to the
  clients) and a restart with crash recovery, on a local cluster this process started.
- ``kill_sessions``: ``pg_terminate_backend`` of random workload sessions.
Statement timeouts are injected per operation by the workload (``timeout_rate``).
"""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from clubbooking_dev import harness
from clubbooking_dev.reliability.history import FaultLog

WORKER_APP = "clubbooking-reliability-worker"
LONDON = ZoneInfo("Europe/London")


class FakeClock:
    """A frozen instant that jumps forward: time passes for holds only when the nemesis says so."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start
        self.start = start
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def jump(self, by: dt.timedelta) -> dt.datetime:
        with self._lock:
            self._now += by
            return self._now


class ServerControl:
    """Crash and restart a local cluster started by ``harness.start_local_cluster``."""

    def __init__(self, db: harness.Database) -> None:
        self.base = Path(db.state["datadir"])
        self.dsn = db.dsn
        self.down = threading.Event()

    def _pg_ctl(self, *args: str) -> None:
        cmd = [str(harness.PG_BIN / "pg_ctl"), "-D", str(self.base / "data"), *args]
        subprocess.run(harness._as_postgres(cmd), check=True, capture_output=True, timeout=120)

    def crash(self) -> None:
        """Stop the server the hard way: every backend gone at once, recovery on restart."""
        self.down.set()
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        self._pg_ctl("-l", str(self.base / "server.log"), "-w", "-t", "120", "start")
        harness.wait_ready(self.dsn)
        self.down.clear()


class Periodic(threading.Thread):
    """Run ``action`` every ``every`` seconds (with jitter) until ``stop`` is set."""

    def __init__(self, name: str, every: float, action: Callable[[], None], stop: threading.Event,
                 rng: random.Random) -> None:
        super().__init__(name=name, daemon=True)
        self.every, self.action, self.stop, self.rng = every, action, stop, rng
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.wait(self.every * self.rng.uniform(0.5, 1.5)):
            try:
                self.action()
            except (psycopg.Error, OSError, subprocess.SubprocessError) as error:
                self.errors.append(f"{self.name}: {error}")


def kill_sessions(dsn: str, rng: random.Random, faults: FaultLog, *, most: int = 2) -> None:
    """pg_terminate_backend for up to ``most`` random workload sessions."""
    with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
        pids = [r[0] for r in conn.execute(
            "select pid from pg_stat_activity where application_name = %s", (WORKER_APP,))]
        for pid in rng.sample(pids, min(len(pids), rng.randint(1, most))):
            conn.execute("select pg_terminate_backend(%s)", (pid,))
            faults.add("session killed")


def crash_and_restart(server: ServerControl, faults: FaultLog, rng: random.Random) -> None:
    server.crash()
    faults.add("server crash")
    time.sleep(rng.uniform(0.1, 1.0))
    server.restart()


def clock_jump(clock: FakeClock, faults: FaultLog, rng: random.Random) -> None:
    """Mostly jumps around a hold's lifetime (5 minutes), now and then a long one (45 minutes
    on average); from Sunday morning the clock leaps to the next Friday evening, so that a
    long run keeps booking weekend after weekend."""
    if rng.random() < 0.8:
        by = dt.timedelta(seconds=rng.uniform(10, 400))
    else:
        by = dt.timedelta(seconds=rng.expovariate(1 / 2700))
    now = clock.jump(by)
    weekend = weekend_nights(now)[0]
    opening = dt.datetime.combine(weekend, dt.time(19, 30), LONDON)
    if now < opening - dt.timedelta(days=1):
        clock.jump(opening - now)
    faults.add("clock jump")


def weekend_nights(at: dt.datetime) -> list[dt.date]:
    """The Friday and Saturday nights of the weekend the clock is in, else of the next one
    (a night lasts until 04:00 the next morning)."""
    night_of = (at.astimezone(LONDON) - dt.timedelta(hours=4)).date()
    if night_of.weekday() == 5:
        friday = night_of - dt.timedelta(days=1)
    else:
        friday = night_of + dt.timedelta(days=(4 - night_of.weekday()) % 7)
    return [friday, friday + dt.timedelta(days=1)]


def describe(faults: FaultLog) -> dict[str, Any]:
    return dict(faults.counts)
