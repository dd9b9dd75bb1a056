"""A bounded soak on loopback: the real client (its connection pool) cycling bookings through
hold -> pay -> approve -> cancel for minutes, while a sampler records the server's
connections and the private memory of the server's backends and of this process."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError
from rich.console import Console
from rich.table import Table

from clubbooking_dev import leeds
from clubbooking_dev.reliability.runner import first_friday


def rss_anon_kb(pid: int | str) -> int:
    """Private resident memory of a process (shared buffers excluded), 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


@dataclass
class Sample:
    at: float
    cycles: int
    connections: int
    server_kb: int
    client_kb: int


@dataclass
class SoakResult:
    seconds: float
    workers: int
    samples: list[Sample] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        """Connections bounded by the pool, and no unexplained errors."""
        return bool(self.samples) and max(s.connections for s in self.samples) <= self.workers + 2 \
            and "internal" not in self.errors

    def print(self) -> None:
        table = Table(title=f"Soak: {self.seconds:.0f} s, {self.workers} workers")
        for name in ("t (s)", "cycles", "server connections", "server private MB", "client private MB"):
            table.add_column(name, justify="right")
        for s in self.samples:
            table.add_row(f"{s.at:.0f}", str(s.cycles), str(s.connections), f"{s.server_kb / 1024:.1f}",
                          f"{s.client_kb / 1024:.1f}")
        console = Console()
        console.print(table)
        if len(self.samples) > 1:
            warm, last = self.samples[1], self.samples[-1]   # growth after the first interval's warm-up
            server_mb, client_mb = (last.server_kb - warm.server_kb) / 1024, (last.client_kb - warm.client_kb) / 1024
            console.print(f"growth after warm-up ({warm.at:.0f}-{last.at:.0f} s): connections "
                          f"{last.connections - warm.connections:+d}, server {server_mb:+.1f} MB, "
                          f"client {client_mb:+.1f} MB; errors {self.errors}")


def _sample(conn: psycopg.Connection[Any], began: float, cycles: int) -> Sample:
    pids = [r[0] for r in conn.execute("select pid from pg_stat_activity")]
    row = conn.execute("select count(*) from pg_stat_activity where datname = current_database() "
                       "and pid <> pg_backend_pid()").fetchone()
    return Sample(time.monotonic() - began, cycles, int(row[0]) if row else 0,
                  sum(rss_anon_kb(p) for p in pids), rss_anon_kb("self"))


def soak(dsn: str, seconds: float, *, workers: int = 4, sample_every: float = 5.0) -> SoakResult:
    """Cycle bookings with ``workers`` threads (at most 8) for ``seconds``, sampling as it goes."""
    workers = min(workers, 8)
    result = SoakResult(seconds, workers)
    stop = threading.Event()
    night = first_friday(dt.date.today() + dt.timedelta(weeks=3))
    cycles = [0]
    lock = threading.Lock()
    with psycopg.connect(dsn, autocommit=True) as admin:
        guests = leeds.create_guests(admin, workers, prefix="soak")
    client = BookingClient.connect(dsn, pool_size=workers)
    manager = client.as_user(leeds.staff_claims("manager"))

    def cycle(i: int) -> None:
        guest = client.as_user(guests[i])
        # Tables 1-4 all seat 4: each worker cycles its own (table, slot), so they never conflict.
        table, slot = leeds.TABLE_IDS[1 + i % 4], leeds.SLOTS[(i // 4) % 2]
        while not stop.is_set():
            try:
                held = guest.hold_tables(leeds.VENUE_ID, night, slot, [table], 4)
                manager.record_payment(held.booking_id, "card_terminal", f"soak {i}")
                manager.approve_booking(held.booking_id)
                guest.cancel_booking(held.booking_id)
                with lock:
                    cycles[0] += 1
            except BookingError as error:
                with lock:
                    result.errors[error.code] = result.errors.get(error.code, 0) + 1
            except psycopg.Error:
                with lock:
                    result.errors["internal"] = result.errors.get("internal", 0) + 1

    threads = [threading.Thread(target=cycle, args=(i,), daemon=True) for i in range(workers)]
    began = time.monotonic()
    for t in threads:
        t.start()
    with psycopg.connect(dsn, autocommit=True) as sampler:
        while time.monotonic() - began < seconds:
            result.samples.append(_sample(sampler, began, cycles[0]))
            time.sleep(min(sample_every, max(0.0, seconds - (time.monotonic() - began))))
        stop.set()
        for t in threads:
            t.join(timeout=60)
        result.samples.append(_sample(sampler, began, cycles[0]))
    client.close()
    return result
