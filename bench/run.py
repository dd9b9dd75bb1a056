"""Run the benchmark scenarios on one server, in one run, and write the results.

``DATABASE_URL`` names the server to use (benchmark databases are created beside it and
dropped after); without it a throw-away PostgreSQL is started. ``--quick`` is the small
version ``make test`` runs to keep the benchmarks from rotting; its results go to
bench/results/quick.*, a full run's to bench/results/latest.*.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clubbooking_dev import harness
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench import expiry, profile, realtime, report, rush, scale, throughput
from bench.lab import Lab, Shape, machine, server_version

RESULTS = Path(__file__).parent / "results"
SCENARIOS = ("profile", "rush", "throughput", "scale", "realtime", "expiry")


@dataclass
class Plan:
    """The sizes of one run."""

    shape: Shape
    rush_clients: int = 200
    rush_pool: int = 16
    rush_rounds: int = 1
    throughput_clients: int = 16
    throughput_seconds: float = 15
    scale_levels: list[int] = field(default_factory=lambda: [10_000, 100_000, 1_000_000])
    scale_seconds: float = 5
    realtime_probes: int = 100
    realtime_load_clients: int = 8
    expiry_holds: int = 5_000
    expiry_seconds: float = 5
    profile_bookings: int = 300


FULL = Plan(Shape(venues=100, nights=40))
QUICK = Plan(Shape(venues=10, nights=40), rush_clients=40, rush_rounds=1, throughput_seconds=2,
             scale_levels=[1_000, 10_000], scale_seconds=1, realtime_probes=15, realtime_load_clients=4,
             expiry_holds=500, expiry_seconds=1, profile_bookings=30)


def scenario_runners(plan: Plan, stem: str) -> dict[str, Callable[[Lab, Callable[[str], None]], dict[str, Any]]]:
    return {
        "profile": lambda lab, step: profile.run(lab, bookings=plan.profile_bookings, step=step),
        "rush": lambda lab, step: rush.run(lab, clients=plan.rush_clients, pool_size=plan.rush_pool,
                                           rounds=plan.rush_rounds, step=step),
        "throughput": lambda lab, step: throughput.run(lab, clients=plan.throughput_clients,
                                                       seconds=plan.throughput_seconds, step=step),
        "scale": lambda lab, step: scale.run(lab, levels=plan.scale_levels, seconds=plan.scale_seconds,
                                             plans_path=RESULTS / f"{stem}-plans.txt", step=step),
        "realtime": lambda lab, step: realtime.run(lab, probes=plan.realtime_probes,
                                                   load_clients=plan.realtime_load_clients, step=step),
        "expiry": lambda lab, step: expiry.run(lab, holds=plan.expiry_holds, seconds=plan.expiry_seconds,
                                               step=step),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the small version (under a minute)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated subset of {SCENARIOS}")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    plan, mode = (QUICK, "quick") if args.quick else (FULL, "full")
    stem = "quick" if args.quick else "latest"
    console = Console()
    began = time.perf_counter()
    results: dict[str, Any] = {"mode": mode, "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                               "machine": machine(), "plan": {**plan.__dict__, "shape": plan.shape.__dict__},
                               "scenarios": {}}
    # A SIGTERM (a timeout, a Ctrl-C'd make) still drops the clones and stops the server we started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    db = harness.start_database()
    lab = None
    try:
        harness.wait_ready(db.dsn)
        results["server"] = server_version(db.dsn)
        lab = Lab(db.dsn, plan.shape)
        runners = scenario_runners(plan, stem)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                      "{task.total}"), TimeElapsedColumn(), console=console, transient=not console.is_terminal) as bar:
            task = bar.add_task("building the template database", total=len(chosen) + 1)
            lab.build_template()
            bar.advance(task)
            def step(text: str) -> None:
                bar.update(task, description=text)
                if not console.is_terminal:  # a log (make test): one line per step instead of a live bar
                    console.log(text)

            for name in chosen:
                results["scenarios"][name] = runners[name](lab, step)
                bar.advance(task)
    finally:
        if lab is not None:
            lab.close()
        db.stop()
    results["seconds"] = round(time.perf_counter() - began, 1)
    paths = report.write(results, RESULTS, stem)
    table = Table(title=f"clubbooking benchmarks ({mode}, {results['seconds']:.0f} s)")
    for column in ("scenario", "figure", "value", "goal", "met"):
        table.add_column(column)
    for row in report.rows(results):
        met = "" if row.met is None else ("[green]yes[/]" if row.met else "[red]no[/]")
        table.add_row(row.scenario, row.figure, report._fmt(row.value, row.unit), row.goal, met)
    console.print(table)
    console.print("wrote " + ", ".join(str(p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p)
                                      for p in paths.values()))
    return 0 if os.environ.get("BENCH_STRICT") is None or _all_safe(results) else 1


def _all_safe(results: dict[str, Any]) -> bool:
    """Correctness figures (not speed): no double bookings, every table won, no deadlocks; and the
    booking path's counts that are exact whatever the load (no subtransaction, no re-planning)."""
    return all(r.met is not False for r in report.rows(results) if r.goal in ("0",) or "tables" in r.goal)
