"""Scale: does the cost stay flat as history grows? At each level of historical bookings
(10k, 100k, 1M across the benchmark venues) measure the public snapshot (``get_availability``,
4 concurrent readers) and ``hold_tables`` (one client) with pgbench, and keep the plans the
snapshot and the hold run (auto_explain of their nested statements). The snapshot's floor, the
same transaction with a one-row read in its place and the same 4 readers, is measured once: what
the machine gives any transaction of that shape."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from clubbooking_dev import harness

from bench.lab import Lab, sql_file, timed

SCAN = re.compile(r"(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: using| on)? (\S+)(?: on (\S+))?")


def add_history(dsn: str, start: int, stop: int, guests: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for key, value in (("history_from", start), ("history_to", stop), ("guests", guests)):
            conn.execute("select set_config(%s, %s, false)", (f"bench.{key}", str(value)))
        with conn.transaction():
            conn.execute(sql_file("history.sql").encode())
        conn.execute("analyze public.bookings, public.booking_tables")  # fresh statistics for the plans


def plans(dsn: str, task: int) -> list[str]:
    """The plans of the statements inside get_availability and hold_tables that read claims.

    auto_explain is a superuser's tool (LOAD and its settings), so this one connection is
    supabase_admin's, acting as the guest exactly as postgres's would.
    """
    captured: list[str] = []
    with psycopg.connect(harness.admin_dsn(dsn), autocommit=True) as conn:
        conn.add_notice_handler(lambda d: captured.append(d.message_primary or ""))
        conn.execute("load 'auto_explain'")
        for setting, value in (("auto_explain.log_min_duration", "0"), ("auto_explain.log_nested_statements", "on"),
                               ("auto_explain.log_analyze", "on"), ("auto_explain.log_timing", "off"),
                               ("client_min_messages", "log")):
            conn.execute("select set_config(%s, %s, false)", (setting, value))
        with conn.transaction(force_rollback=True):
            conn.execute("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', "
                         "(select t.claims from bench.tasks t where t.i = %s), true)", (task,))
            conn.execute("select public.get_availability(t.venue_id, t.night, t.slot_id) from bench.tasks t "
                         "where t.i = %s", (task,))
            conn.execute("select public.hold_tables(t.venue_id, t.night, t.slot_id, array[t.table_id], t.party_size) "
                         "from bench.tasks t where t.i = %s", (task,))
    return [p for p in captured if "booking_tables" in p or "bookings" in p]


def scans(plan_texts: list[str]) -> dict[str, int]:
    """How the plans reach booking_tables and bookings: scan type and index, counted."""
    found: Counter[str] = Counter()
    for text in plan_texts:
        for line in text.splitlines():
            m = SCAN.search(line)
            if m and ("booking" in line):
                found[f"{m.group(1)} {m.group(2)}" + (f" on {m.group(3)}" if m.group(3) else "")] += 1
    return dict(found)


def run(lab: Lab, *, levels: list[int], seconds: float, plans_path: Path,
        step: Callable[[str], None]) -> dict[str, Any]:
    dsn = lab.clone("scale")
    results: list[dict[str, Any]] = []
    have = 0
    plan_log: list[str] = []
    share = lab.shape.tasks // (len(levels) + 1)
    for n, level in enumerate(levels):
        step(f"scale: writing history to {level:,} bookings")
        _, load_s = timed(add_history, dsn, have, level, lab.shape.tasks)
        have = level
        step(f"scale: {level:,} bookings, snapshot x4 readers")
        snapshot = lab.pgbench(dsn, "snapshot.pgbench", clients=4, seconds=seconds)
        step(f"scale: {level:,} bookings, hold")
        hold = lab.pgbench(dsn, "hold.pgbench", clients=1, seconds=seconds, variables={"base": n * share})
        plan_texts = plans(dsn, (n + 1) * share - 1)
        plan_log.append(f"==== {level:,} historical bookings ====\n" + "\n\n".join(plan_texts))
        results.append({"history_bookings": level, "history_write_s": round(load_s, 1),
                        "snapshot": snapshot.summary(), "hold": hold.summary(), "scans": scans(plan_texts)})
    step("scale: the snapshot's floor (the same transaction, a one-row read), x4 readers")
    floor = lab.pgbench(dsn, "snapshot_floor.pgbench", clients=4, seconds=seconds)
    plans_path.write_text("\n\n".join(plan_log) + "\n")
    first, last = results[0], results[-1]

    def growth(kind: str) -> float:
        return round((last[kind]["latency_ms"]["p95"] or 0) / (first[kind]["latency_ms"]["p95"] or 1), 2)

    return {"levels": results, "snapshot_floor": floor.summary(),
            "snapshot_p95_growth": growth("snapshot"), "hold_p95_growth": growth("hold"),
            "plans_file": str(plans_path.name)}
