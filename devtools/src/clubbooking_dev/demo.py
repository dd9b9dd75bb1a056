"""``make demo``: a short busy night at the Leeds club on a throw-away database.

Dozens of guests race for the 16 tables of one night's late slot; winners pay their
deposit and submit, a few walk away and their holds expire (the sweeper runs "six minutes
later" through the database's clock hook), late guests take the freed tables, and a manager
approves the requests. Then an independent SQL check counts double bookings (must be 0).
"""

from __future__ import annotations

import collections
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError, SectionNotAvailable
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clubbooking_dev import harness, leeds
from clubbooking_dev.checks import count_double_bookings


@dataclass
class NightStats:
    attempts: int = 0
    holds: int = 0
    submitted: int = 0
    abandoned: int = 0
    expired: int = 0
    approved: int = 0
    rejections: collections.Counter[str] = field(default_factory=collections.Counter)
    latencies_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, ms: float, error: str | None) -> None:
        with self.lock:
            self.attempts += 1
            self.latencies_ms.append(ms)
            if error:
                self.rejections[error] += 1
            else:
                self.holds += 1


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def guest_tries(client: BookingClient, night: Any, slot: str, stats: NightStats, rng: random.Random,
                abandon: bool) -> None:
    """One guest: wants a table for a party, takes an alternative if it is gone, pays, submits."""
    party = rng.choice([2, 2, 3, 4, 4, 5, 6, 8])
    wanted = rng.choice(list(leeds.TABLE_IDS))
    table_ids = [leeds.TABLE_IDS[wanted]]
    for _ in range(3):
        started = time.perf_counter()
        try:
            booking = client.hold_tables(leeds.VENUE_ID, night, slot, table_ids, party)
        except SectionNotAvailable as error:
            stats.record((time.perf_counter() - started) * 1000, error.code)
            if not error.alternatives:
                return
            table_ids = error.alternatives[0]["table_ids"]
            continue
        except BookingError as error:
            stats.record((time.perf_counter() - started) * 1000, error.code)
            if error.code != "CAPACITY_MISMATCH":
                return
            party = rng.choice([2, 3, 4])
            continue
        stats.record((time.perf_counter() - started) * 1000, None)
        if abandon:
            with stats.lock:
                stats.abandoned += 1
            return
        # The guest pays on the venue's card terminal; the host records it, which submits the request.
        client.as_user(leeds.staff_claims("host")).record_payment(booking.booking_id, "card_terminal", "deposit paid")
        with stats.lock:
            stats.submitted += 1
        return


def run_night(dsn: str, console: Console, *, guests: int = 48, workers: int = 12, seed: int = 7) -> NightStats:
    rng = random.Random(seed)
    night = leeds.next_open_night()
    slot = "slot_23_30"
    stats = NightStats()
    with psycopg.connect(dsn, autocommit=True) as conn:
        guest_claims = leeds.create_guests(conn, guests + 12, prefix="demo")
    crowd, latecomers = guest_claims[:guests], guest_claims[guests:]
    base = BookingClient.connect(dsn, pool_size=workers)
    columns = (TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        rush = progress.add_task(f"23:00 rush for {night:%a %d %b} {slot}", total=len(crowd))

        def one(claims: dict[str, Any]) -> None:
            guest_tries(base.as_user(claims), night, slot, stats, random.Random(rng.random()),
                        abandon=rng.random() < 0.2)
            progress.advance(rush)

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, crowd))

        sweep = progress.add_task("six minutes later: sweeper", total=1)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("select set_config('clubbooking.now', (now() + interval '6 minutes')::text, false)")
            row = conn.execute("select private.expire_holds()").fetchone()
            stats.expired = int(row[0]) if row else 0
        progress.advance(sweep)

        late = progress.add_task("latecomers take the freed tables", total=len(latecomers))
        for claims in latecomers:
            guest_tries(base.as_user(claims), night, slot, stats, random.Random(rng.random()), abandon=False)
            progress.advance(late)

        manager = base.as_user(leeds.staff_claims("manager"))
        with psycopg.connect(dsn, autocommit=True) as conn:
            pending = [r[0] for r in conn.execute(
                "select id from public.bookings where status = 'pending_approval' order by created_at")]
        approve = progress.add_task("manager approves requests", total=len(pending))
        for booking_id in pending:
            manager.approve_booking(booking_id)
            stats.approved += 1
            progress.advance(approve)
    base.close()
    return stats


# What each refusal means in the demo: guests asking for what the rules don't allow, as a real
# crowd does, and trying again; none of it is a fault.
REFUSALS = {
    "SECTION_NOT_AVAILABLE": "table already taken (the guest tried an alternative)",
    "CAPACITY_MISMATCH": "party did not fit the table (the guest asked again with a fitting party)",
    "MAX_TABLES_EXCEEDED": "guest at their table limit",
}


def summary_table(stats: NightStats, double_bookings: int) -> Table:
    table = Table(title="The Backroom Leeds: one busy night", show_lines=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("hold attempts", stats.attempts),
        ("holds won", stats.holds),
        ("requests submitted (deposit paid)", stats.submitted),
        ("holds abandoned", stats.abandoned),
        ("holds expired by the sweeper", stats.expired),
        ("requests approved by the manager", stats.approved),
        *((f"refused, {REFUSALS.get(code, code)}", n) for code, n in sorted(stats.rejections.items())),
        ("hold latency p50 (ms)", f"{_percentile(stats.latencies_ms, 50):.1f}"),
        ("hold latency p95 (ms)", f"{_percentile(stats.latencies_ms, 95):.1f}"),
        ("double bookings (independent SQL check)", double_bookings),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def main(dsn: str | None = None) -> int:
    """The demo night on a scratch database of its own (on ``dsn``'s server, else $DATABASE_URL's, else a
    throw-away one), dropped afterwards."""
    console = Console()
    started = time.perf_counter()
    with harness.scratch_database(dsn) as db:
        console.print(f"[bold]clubbooking demo[/] on a {db.kind} PostgreSQL database of its own")
        stats = run_night(db.dsn, console)
        with psycopg.connect(db.dsn) as conn:
            doubles = count_double_bookings(conn)
        console.print(summary_table(stats, doubles))
    console.print(f"finished in {time.perf_counter() - started:.1f} s")
    return 0 if doubles == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
