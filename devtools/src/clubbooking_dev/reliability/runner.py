"""One checker run: set up the floor, start the workload and the nemesis, stop, check, report."""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clubbooking_dev import harness, leeds
from clubbooking_dev.reliability import faults as nemesis
from clubbooking_dev.reliability import invariants as inv
from clubbooking_dev.reliability.history import FAIL, INFO, OK, FaultLog, History
from clubbooking_dev.reliability.workload import Floor, Workload

# psycopg logs every rollback that fails on a connection the nemesis killed: expected here.
logging.getLogger("psycopg").setLevel(logging.CRITICAL)


@dataclass
class RunConfig:
    """How long, how hard, and which faults (an interval of 0 switches a fault off)."""

    seconds: float = 60
    max_ops: int = 1_000_000
    workers: int = 8
    guests: int = 120
    seed: int = 1
    kill_every: float = 0.7
    crash_every: float = 20
    jump_every: float = 1.0
    sweep_every: float = 1.0
    timeout_rate: float = 0.03
    hot_tables: tuple[int, ...] = ()       # table numbers to fight over (empty: all of them)
    mix: dict[str, int] | None = None      # RPC -> weight (None: the workload's default mix)


@dataclass
class RunReport:
    config: RunConfig
    seconds: float
    tally: dict[str, dict[str, int]]
    faults: dict[str, int]
    failure_codes: dict[str, int]
    invariants: list[inv.Invariant]
    nemesis_errors: list[str] = field(default_factory=list)

    @property
    def operations(self) -> int:
        return sum(sum(c.values()) for c in self.tally.values())

    @property
    def violations(self) -> int:
        return sum(i.violations for i in self.invariants)

    def print(self, console: Console | None = None) -> None:
        console = console or Console()
        ops = Table(title=f"Operations ({self.operations} in {self.seconds:.0f} s, "
                          f"{self.operations / max(self.seconds, 1e-9):.0f}/s)")
        for name in ("rpc", "ok", "fail", "info (unknown)"):
            ops.add_column(name, justify="left" if name == "rpc" else "right")
        for kind, counts in sorted(self.tally.items()):
            ops.add_row(kind, str(counts.get(OK, 0)), str(counts.get(FAIL, 0)), str(counts.get(INFO, 0)))
        console.print(ops)
        fault_table = Table(title="Faults injected")
        fault_table.add_column("fault")
        fault_table.add_column("count", justify="right")
        for kind, count in sorted(self.faults.items()):
            fault_table.add_row(kind, str(count))
        console.print(fault_table)
        console.print("acknowledged failures by code: " + ", ".join(
            f"{code} {count}" for code, count in sorted(self.failure_codes.items(), key=lambda kv: -kv[1])))
        checks = Table(title=f"Invariants ({self.violations} violations)")
        for name in ("invariant", "checked", "violations"):
            checks.add_column(name, justify="left" if name == "invariant" else "right")
        for i in self.invariants:
            checks.add_row(i.name, str(i.checked), str(i.violations))
        console.print(checks)
        for i in self.invariants:
            for example in i.examples:
                console.print(f"[red]{i.name}[/red]: {example}")


def first_friday(after: dt.date) -> dt.date:
    day = after
    while day.weekday() != 4:
        day += dt.timedelta(days=1)
    return day


def build_floor(conn: psycopg.Connection[Any], guests: int, hot: tuple[int, ...]) -> Floor:
    tables = {r[0]: (r[1], r[2]) for r in conn.execute(
        "select id, capacity_min, capacity_max from public.venue_tables where venue_id = %s "
        "and (cardinality(%s::int[]) = 0 or table_number = any (%s::int[]))", (leeds.VENUE_ID, list(hot), list(hot)))}
    combos = [(list(r[0]), r[1], r[2]) for r in conn.execute(
        "select table_ids, capacity_min, capacity_max from public.table_combinations where venue_id = %s",
        (leeds.VENUE_ID,)) if set(r[0]) <= set(tables)]
    claims = leeds.create_guests(conn, guests, prefix=f"rel{uuid.uuid4().hex[:6]}")
    return Floor(leeds.VENUE_ID, list(leeds.SLOTS), tables, combos, claims)


@dataclass
class Night:
    """A workload that has run and not been checked yet: what was asked, what was acknowledged,
    the test clock where it stopped and the sweeper's watch (``check`` judges them, later if need be)."""

    history: History
    clock: nemesis.FakeClock
    watch: inv.SweepWatch
    faults: FaultLog
    seconds: float
    nemesis_errors: list[str]


def run(dsn: str, config: RunConfig, server: nemesis.ServerControl | None = None,
        weeks_ahead: int = 2) -> RunReport:
    """Run the workload against ``dsn`` (a migrated, seeded database) and check it.

    Crash faults need ``server`` (a local cluster this process controls); without it they are off.
    """
    played = play(dsn, config, server, weeks_ahead)
    return RunReport(config, played.seconds, {k: dict(v) for k, v in played.history.tally().items()},
                     dict(played.faults.counts), dict(played.history.failure_codes()),
                     check(dsn, played.history, played.clock.now(), played.watch), played.nemesis_errors)


def play(dsn: str, config: RunConfig, server: nemesis.ServerControl | None = None, weeks_ahead: int = 2) -> Night:
    """The workload and the nemesis against ``dsn`` until the run stops; nothing checked yet."""
    rng = random.Random(config.seed)
    night = first_friday(dt.date.today() + dt.timedelta(weeks=weeks_ahead))
    with psycopg.connect(dsn, autocommit=True) as conn:
        floor = build_floor(conn, config.guests, config.hot_tables)
    start = dt.datetime.combine(night, dt.time(19, 30), nemesis.LONDON)
    clock = nemesis.FakeClock(start)
    history = History(uuid.uuid4().hex[:8], config.seed)
    faults = FaultLog()
    stop = threading.Event()
    workload = Workload(dsn, floor, clock, history, faults, stop, workers=config.workers, max_ops=config.max_ops,
                        timeout_rate=config.timeout_rate)
    if config.mix is not None:
        workload.mix = config.mix
    watch = inv.SweepWatch(dsn, history, clock)
    actions = {
        "killer": (config.kill_every, lambda: nemesis.kill_sessions(dsn, rng, faults)),
        "crasher": (config.crash_every if server else 0,
                    lambda: nemesis.crash_and_restart(server, faults, rng) if server else None),
        "clock": (config.jump_every, lambda: nemesis.clock_jump(clock, faults, rng)),
        "sweeper": (config.sweep_every, watch.tick),
    }
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.fields[faults]}"), console=Console(stderr=True), transient=True)
    ops_task = progress.add_task("operations", total=min(config.max_ops, 1_000_000), faults="")
    clock_task = progress.add_task("seconds", total=int(config.seconds), faults="")
    began = time.monotonic()

    def show_progress() -> None:
        progress.update(ops_task, completed=len(history.ops), faults=faults.summary())
        progress.update(clock_task, completed=int(time.monotonic() - began))

    actions["progress"] = (0.5, show_progress)
    threads = [nemesis.Periodic(name, every, action, stop, random.Random(rng.random()))
               for name, (every, action) in actions.items() if every]
    timer = threading.Timer(config.seconds, stop.set)
    timer.start()
    for t in threads:
        t.start()
    try:
        with progress:
            workload.run()
    finally:
        stop.set()
        timer.cancel()
        for t in threads:
            t.join(timeout=180)
        watch.close()
    elapsed = time.monotonic() - began
    if server is not None and server.down.is_set():
        server.restart()
    harness.wait_ready(dsn)
    return Night(history, clock, watch, faults, elapsed, [e for t in threads for e in t.errors])


def check(dsn: str, history: History, final_clock: dt.datetime, watch: inv.SweepWatch) -> list[inv.Invariant]:
    """Every invariant, after a final sweep at the final clock."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        op = history.begin("expire_holds", "sweeper", {}, final_clock)
        op.result, op.outcome = inv.sweep(conn, final_clock, op.request_id), OK
        stored = inv.Stored.load(conn, leeds.VENUE_ID)
        return [
            *inv.no_overlapping_claims(conn, leeds.VENUE_ID),
            *inv.acknowledged_outcomes(history, stored),
            inv.audit_matches_transitions(conn, leeds.VENUE_ID),
            *inv.events_replay_to_snapshot(conn, leeds.VENUE_ID, final_clock),
            inv.waitlist_priority(conn, leeds.VENUE_ID),
            watch.inv,
            inv.holds_expire_on_time(history, conn, leeds.VENUE_ID, final_clock),
            inv.no_internal_errors(history),
        ]


def own_cluster() -> tuple[harness.Database, str]:
    """A local cluster this process controls (for crash faults), with a migrated, seeded database."""
    db = harness.start_local_cluster()
    harness.wait_ready(db.dsn)
    dsn = harness.create_database(db.dsn, "reliability")
    harness.apply_schema(dsn)
    return db, dsn

