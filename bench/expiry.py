"""Expiry: how long ``expire_holds()`` takes to sweep many expired holds (it expires up to
10,000 per call, as pg_cron calls it, so the sweep is repeated calls until one finds none), and
what the sweep does to the latency of bookings made at the same time (pgbench, 2 clients,
other tables) compared with the same bookings without a sweep. The guarantee ladder sweeps the
same holds alone (no bookings meanwhile) with every guarantee, then with one more guarantee's
triggers switched off at each rung (bench.throughput.GUARANTEES), each on a clone of its own:
what each guarantee costs the sweep."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from bench.lab import Lab, PgbenchRun, percentiles, sql_file
from bench.throughput import GUARANTEES, ladder_rung

LOAD_CLIENTS = 2


def write_expired_holds(dsn: str, start: int, stop: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for key, value in (("expired_from", start), ("expired_to", stop)):
            conn.execute("select set_config(%s, %s, false)", (f"bench.{key}", str(value)))
        with conn.transaction():
            conn.execute(sql_file("expired_holds.sql").encode())
        conn.execute("vacuum analyze public.bookings, public.booking_tables")


def sweep(dsn: str) -> dict[str, Any]:
    """Call expire_holds() until it finds nothing; wall-clock window and calls. The session first
    cancels one of the holds, as a long-lived API connection has changed single bookings before
    it sweeps: the statement triggers' plans are then the ones made for one row (a join of two
    transition tables planned so turned a 5,000-hold sweep quadratic: 21 s)."""
    calls, expired = 0, 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("update public.bookings set status = 'cancelled', status_reason = 'booking_cancelled' "
                     "where id = (select b.id from public.bookings b where b.status = 'held' "
                     "and b.hold_expires_at <= now() order by b.id limit 1)")
        start_epoch, start = time.time(), time.perf_counter()
        while True:
            row = conn.execute("select public.expire_holds()").fetchone()
            calls += 1
            got = int(row[0]) if row else 0
            expired += got
            if got == 0:
                break
        seconds = time.perf_counter() - start
    return {"expired": expired, "calls": calls, "seconds": round(seconds, 2),
            "holds_per_s": round(expired / seconds, 1), "window": (start_epoch, start_epoch + seconds)}


def guarantee_ladder(lab: Lab, *, holds: int, step: Callable[[str], None]) -> list[dict[str, Any]]:
    """The sweep alone with every guarantee, then without the first, the first two, ...: holds/s."""
    rungs: list[dict[str, Any]] = []
    for k in range(len(GUARANTEES) + 1):
        step(f"expiry: the guarantee ladder, rung {k + 1} of {len(GUARANTEES) + 1}")
        # (the holds first: writing them switches every trigger on again)
        dsn, without = ladder_rung(lab, "expiry_ladder", k,
                                   lambda d: write_expired_holds(d, lab.shape.tasks - holds, lab.shape.tasks))
        swept = sweep(dsn)
        rungs.append({"without": without, "holds_per_s": swept["holds_per_s"], "expired": swept["expired"]})
    return rungs


def run(lab: Lab, *, holds: int, seconds: float, step: Callable[[str], None]) -> dict[str, Any]:
    dsn = lab.clone("expiry")
    step(f"expiry: writing {holds:,} expired holds")
    write_expired_holds(dsn, lab.shape.tasks - holds, lab.shape.tasks)
    step("expiry: bookings without a sweep")
    quiet = lab.pgbench(dsn, "hold.pgbench", clients=LOAD_CLIENTS, seconds=seconds)
    step(f"expiry: sweeping {holds:,} holds under bookings")
    loaded: dict[str, PgbenchRun] = {}
    share = (lab.shape.tasks - holds) // 2
    load_seconds = seconds * 4

    def book() -> None:
        loaded["run"] = lab.pgbench(dsn, "hold.pgbench", clients=LOAD_CLIENTS, seconds=load_seconds,
                                    variables={"base": share})

    loader = threading.Thread(target=book, daemon=True)
    loader.start()
    time.sleep(1.0)
    swept = sweep(dsn)
    loader.join()
    lo, hi = swept.pop("window")
    during = [lat for end, lat in loaded["run"].ends if lo <= end <= hi]
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select count(*) from public.bookings where status = 'held' "
                           "and hold_expires_at <= now()").fetchone()
    during_stats = percentiles(during)
    ladder = guarantee_ladder(lab, holds=holds, step=step)
    return {
        "holds": holds, "sweep": swept, "left_unswept": int(row[0]) if row else -1,
        "booking_latency_without_sweep_ms": quiet.latency_ms,
        "booking_latency_during_sweep_ms": during_stats,
        "p95_during_vs_without": round((during_stats["p95"] or 0) / (quiet.latency_ms["p95"] or 1), 2),
        "sweep_covered_by_load": hi - lo <= load_seconds - 1.0,
        "guarantee_ladder": ladder,
    }
