"""Throughput: many venues and nights, low contention. Successful bookings per second through
the whole booking transaction (locks, booking, claims, audit, events) at 16 clients, against
the physical limit measured in the same run on the same server: pgbench's smallest durable
transaction (one single-row insert and its commit), and against the same workload with the
event triggers disabled (events on vs off), and against the same workload without the audit
chain's hashing (chain on vs off: the owner-only session setting clubbooking.audit_chain = off,
on a clone of its own; pairs of short runs in alternating order beside the chained clone, so both
see the same machine). The guarantee ladder prices each guarantee the path keeps: the same
workload with the triggers that keep it switched off, one guarantee more at each rung, every rung
on a clone of its own, measured in two passes (forward, then backward) so a machine that gets busier
or quieter favours no rung. The lean probe (bench/sql/lean_hold.sql) answers whether the same
guarantees could be had for much less: the same hold written by the verb itself in about ten
statements, its own ladder run in the same passes. All with pgbench, so no client language sits
between the database and the figure.

Measured warm, as a live database is: each booking clone first takes bookings for a while (on
tasks the measured run never uses), then ANALYZE, which autovacuum does within a minute of a busy
night; the measured run then opens new connections. A session keeps one plan per statement of
the hot functions (plan_cache_mode = force_generic_plan), made at its first call from the
tables' statistics: made on the template's empty tables, the plans scan sequentially tables
that grow by thousands of rows during the run, until the next ANALYZE. That cold figure (the
same run without warm-up) is reported beside it, as a diagnostic."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from functools import partial
from typing import Any

import psycopg
from clubbooking_dev import harness
from clubbooking_dev.checks import count_double_bookings
from psycopg import sql
from psycopg.conninfo import make_conninfo

from bench.lab import Lab, sql_file

EVENT_TRIGGERS = (("booking_tables", "booking_tables_emit_events"), ("bookings", "bookings_emit_events"),
                  ("booking_tables", "booking_tables_emit_unblock_events"))


# What the booking path and the sweep keep beyond the bookings, their claims and their locks, each
# with the triggers that keep it on an insert (a hold) and on an update (a status change: the
# sweep), in the order the ladders take them away.
GUARANTEES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("availability events", EVENT_TRIGGERS),
    ("audit chain", (("audit_log", "audit_log_note_chains"), ("audit_log", "audit_log_chain_night"))),
    ("guest notifications", (("bookings", "bookings_notify_guests"), ("bookings", "bookings_notify_guests_on_update"))),
    ("history for replay", (("bookings", "bookings_keep_history"), ("booking_tables", "booking_tables_keep_history"),
                            ("bookings", "bookings_keep_history_on_update"),
                            ("booking_tables", "booking_tables_keep_history_on_update"))),
    ("audit row", (("bookings", "bookings_status_changed"), ("bookings", "bookings_status_changed_on_update"))),
    ("waitlist offers follow their holds", (("bookings", "bookings_waitlist_follow"),)),
    # the row rules every writer meets, Studio's hand edits included: the status machine, the
    # night, hours and age of a booking; a claim active exactly while its owner holds the table
    ("row rules", (("bookings", "trigger_validate_booking_constraints"),
                   ("booking_tables", "booking_tables_follow_owner"))),
)


def disable_triggers(dsn: str, triggers: tuple[tuple[str, str], ...]) -> None:
    """Switch off triggers of the booking path (a scratch clone only)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table, trigger in triggers:
            conn.execute(f"alter table public.{table} disable trigger {trigger}")


def ladder_rung(lab: Lab, label: str, k: int, prepare: Callable[[str], None] | None = None) -> tuple[str, list[str]]:
    """Rung k of a guarantee ladder: a fresh clone (given its fixtures by ``prepare``, which may
    switch triggers on again) with the triggers of the first k GUARANTEES switched off, and the
    names of those guarantees."""
    dsn = lab.clone(f"{label}_{k}")
    if prepare:
        prepare(dsn)
    disable_triggers(dsn, tuple(t for _, triggers in GUARANTEES[:k] for t in triggers))
    return dsn, [name for name, _ in GUARANTEES[:k]]


def disable_events(dsn: str) -> None:
    """Switch off the commit-time event triggers (a scratch clone only)."""
    disable_triggers(dsn, EVENT_TRIGGERS)


def unchained(dsn: str) -> str:
    """The baseline without the audit chain: ``dsn`` with every session skipping the hashing."""
    return make_conninfo(dsn, options="-c clubbooking.audit_chain=off")


def chain_cost(lab: Lab, *, clients: int, seconds: float, warm_seconds: float,
               step: Callable[[str], None], pairs: int = 3) -> dict[str, Any]:  # pairs <= 3
    """Bookings/s with the audit chain and without it, each on a clone of its own warmed alike:
    ``pairs`` pairs of short runs, each pair's order the reverse of the last (on-off, off-on, ...)
    so a machine that gets busier or quieter favours neither; the ratio is the median of the
    pairs' ratios. Each run takes tasks no other run takes."""
    step("throughput: warming up, then bookings with and without the audit chain, alternating")
    dsn_on = lab.clone("throughput_chain")
    dsn_off = unchained(lab.clone("throughput_no_chain"))
    for dsn in (dsn_on, dsn_off):
        warm_up(lab, dsn, clients=clients, seconds=warm_seconds)
    stride = lab.shape.tasks // 8  # runs from 1/8, 2/8, 3/8 of the tasks: below the warm-up's half
    runs: dict[str, list[float]] = {"on": [], "off": []}
    for i in range(pairs):
        order = (("on", dsn_on), ("off", dsn_off)) if i % 2 == 0 else (("off", dsn_off), ("on", dsn_on))
        for name, dsn in order:
            runs[name].append(lab.pgbench(dsn, "hold.pgbench", clients=clients, seconds=seconds / pairs,
                                          variables={"base": stride * (i + 1)}).tps)
    ratios = [on / off for on, off in zip(runs["on"], runs["off"], strict=True)]
    return {"pairs": pairs, "seconds_per_run": round(seconds / pairs, 1),
            "chain_on_tps": round(statistics.mean(runs["on"]), 1),
            "chain_off_tps": round(statistics.mean(runs["off"]), 1),
            "chain_on_vs_off": round(statistics.median(ratios), 3), "pair_ratios": [round(r, 3) for r in ratios],
            "double_bookings": bookings_made(dsn_on)[1] + bookings_made(dsn_off)[1]}


# The lean probe (bench/sql/lean_hold.sql): the same hold with its guarantees written by the verb
# itself in about ten statements, each part it can leave out (bench.without), in the order its
# ladder takes them away: the events' Broadcast rows, their stored rows, the read of the tables'
# new states, the rest of the events (channels, counters, previous states, payloads), then the
# other guarantees as GUARANTEES names them.
LEAN_PARTS: tuple[tuple[str, str], ...] = (
    ("Broadcast rows", "broadcast"), ("stored events", "stored"), ("states read", "states"),
    ("the rest of the events", "events"), ("audit chain", "chain"), ("guest notifications", "notifications"),
    ("history for replay", "history"), ("audit row", "audit"),
)
# The lean probe's clone: the booking path's triggers off but for the row rules (the guards a verb
# that writes its own rows keeps for hand edits), and the audit log's own chain and request triggers.
LEAN_OFF = (*(t for name, triggers in GUARANTEES if name != "row rules" for t in triggers),
            ("audit_log", "audit_log_request_id"))


def lean_rung(lab: Lab, k: int) -> tuple[str, list[str]]:
    """Rung k of the lean ladder: a fresh clone with the lean probe, leaving out its first k parts."""
    dsn = lab.clone(f"throughput_lean_{k}")
    disable_triggers(dsn, LEAN_OFF)
    with psycopg.connect(harness.admin_dsn(dsn), autocommit=True) as conn:
        conn.execute(sql_file("lean_hold.sql").encode())
        conn.execute(sql.SQL("alter database {} set bench.without = {}").format(
            sql.Identifier(conn.info.dbname), sql.Literal(",".join(p for _, p in LEAN_PARTS[:k]))))
    return dsn, [name for name, _ in LEAN_PARTS[:k]]


def guarantee_ladder(lab: Lab, *, clients: int, seconds: float, warm_seconds: float,
                     step: Callable[[str], None]) -> dict[str, Any]:
    """Bookings/s with every guarantee, then without the first, the first two, ... (GUARANTEES):
    what each costs, measured on this machine in this run; and the same for the lean probe
    (LEAN_PARTS), whose rungs run in the same passes. Each rung is a clone of its own, warmed
    alike; two passes of ``seconds / 2`` each, the second in reverse order, averaged."""
    step("throughput: the guarantee ladders (ours, and the lean probe's)")
    ladders: dict[str, list[dict[str, Any]]] = {"rungs": [], "lean_rungs": []}
    for key, builder, script, count in (
            ("rungs", partial(ladder_rung, lab, "throughput_ladder"), "hold.pgbench", len(GUARANTEES)),
            ("lean_rungs", partial(lean_rung, lab), "lean_hold.pgbench", len(LEAN_PARTS))):
        for k in range(count + 1):
            dsn, without = builder(k)
            warm_up(lab, dsn, clients=clients, seconds=warm_seconds, script=script)
            ladders[key].append({"without": without, "dsn": dsn, "script": script, "tps": []})
    every = ladders["rungs"] + ladders["lean_rungs"]
    stride = lab.shape.tasks // 8
    for n, order in enumerate((every, every[::-1])):
        for rung in order:
            rung["tps"].append(lab.pgbench(rung["dsn"], rung["script"], clients=clients, seconds=seconds / 2,
                                           variables={"base": stride * (n + 1)}).tps)
    full = statistics.mean(ladders["rungs"][0]["tps"])
    out: dict[str, Any] = {"seconds_per_rung": seconds}
    for key, rungs in ladders.items():
        out[key] = []
        for k, rung in enumerate(rungs):
            tps = statistics.mean(rung["tps"])
            _, doubles = bookings_made(rung["dsn"])
            out[key].append({
                "without": rung["without"], "tps": round(tps, 1), "x_full": round(tps / full, 3),
                "runs": [round(t, 1) for t in rung["tps"]], "double_bookings": doubles,
                # what switching off this rung's guarantee gained over the rung before
                "gain_over_previous": None if k == 0 else round(tps / statistics.mean(rungs[k - 1]["tps"]), 3)})
    return out


def bookings_made(dsn: str) -> tuple[int, int]:
    """Held bookings written by the run, and double bookings found by the independent check."""
    conn: psycopg.Connection[Any]
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select count(*) from public.bookings where status = 'held'").fetchone()
        return (int(row[0]) if row else 0), count_double_bookings(conn)


def warm_up(lab: Lab, dsn: str, *, clients: int, seconds: float, script: str = "hold.pgbench") -> int:
    """Bookings on the upper half of the tasks (the measured runs take the lower), then ANALYZE."""
    lab.pgbench(dsn, script, clients=clients, seconds=seconds, variables={"base": lab.shape.tasks // 2})
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("analyze public.bookings, public.booking_tables, public.audit_log, public.availability_events, "
                     "public.customers, private.channel_versions")
        row = conn.execute("select count(*) from public.bookings").fetchone()
        return int(row[0]) if row else 0


def run(lab: Lab, *, clients: int, seconds: float, step: Callable[[str], None]) -> dict[str, Any]:
    warm_seconds = max(2.0, seconds / 3)
    step("throughput: physical limit (pgbench single-row insert)")
    dsn = lab.clone("throughput")
    limit = lab.pgbench(dsn, "limit.pgbench", clients=clients, seconds=seconds)
    step("throughput: bookings, events on, cold (plans made on empty tables)")
    dsn_cold = lab.clone("throughput_cold")
    cold = lab.pgbench(dsn_cold, "hold.pgbench", clients=clients, seconds=seconds)
    made_cold, doubles_cold = bookings_made(dsn_cold)
    step("throughput: warming up, then bookings, events on")
    warm_bookings = warm_up(lab, dsn, clients=clients, seconds=warm_seconds)
    on = lab.pgbench(dsn, "hold.pgbench", clients=clients, seconds=seconds)
    made_on, doubles_on = bookings_made(dsn)
    step("throughput: warming up, then bookings, events off")
    dsn_off = lab.clone("throughput_no_events")
    disable_events(dsn_off)
    warm_up(lab, dsn_off, clients=clients, seconds=warm_seconds)
    off = lab.pgbench(dsn_off, "hold.pgbench", clients=clients, seconds=seconds)
    made_off, doubles_off = bookings_made(dsn_off)
    chain = chain_cost(lab, clients=clients, seconds=seconds, warm_seconds=warm_seconds, step=step)
    ladder = guarantee_ladder(lab, clients=clients, seconds=seconds * 2 / 3, warm_seconds=warm_seconds, step=step)
    for rung in ladder["rungs"] + ladder["lean_rungs"]:
        rung["share_of_limit"] = round(rung["tps"] / limit.tps, 4)
    return {
        "clients": clients, "seconds": seconds, "warm_up_seconds": warm_seconds,
        "warm_up_bookings": warm_bookings,
        "limit": limit.summary(),
        "events_on": {**on.summary(), "bookings_in_database": made_on, "double_bookings": doubles_on},
        "events_off": {**off.summary(), "bookings_in_database": made_off, "double_bookings": doubles_off},
        "cold": {**cold.summary(), "bookings_in_database": made_cold, "double_bookings": doubles_cold},
        "bookings_per_s": round(on.tps, 1),
        "share_of_limit": round(on.tps / limit.tps, 3),
        "cold_share_of_limit": round(cold.tps / limit.tps, 3),
        "events_on_vs_off": round(on.tps / off.tps, 3),
        "audit_chain": chain,
        "guarantee_ladder": ladder,
    }
