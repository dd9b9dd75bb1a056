"""``python -m clubbooking_dev.reliability run|soak``: the checker and the soak, on a cluster of their own."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from clubbooking_dev.reliability import faults, runner, soak

app = typer.Typer(add_completion=False, help="The fault-injecting reliability checker and the soak.")


@app.command("run")
def run_command(seconds: Annotated[float, typer.Option(help="stop after this long")] = 60,
                operations: Annotated[int, typer.Option(help="stop after this many operations")] = 1_000_000,
                workers: Annotated[int, typer.Option()] = 8,
                crash_every: Annotated[float, typer.Option(help="seconds between crashes (0: none)")] = 20,
                kill_every: Annotated[float, typer.Option(help="seconds between session kills (0: none)")] = 0.7,
                seed: Annotated[int, typer.Option()] = 1,
                json_out: Annotated[Path | None, typer.Option(help="write the report as JSON here")] = None) -> None:
    """Workload + faults on a local cluster of its own, then every invariant; exit 1 on a violation."""
    config = runner.RunConfig(seconds=seconds, max_ops=operations, workers=workers, crash_every=crash_every,
                              kill_every=kill_every, seed=seed)
    db, dsn = runner.own_cluster()
    try:
        report = runner.run(dsn, config, faults.ServerControl(db))
    finally:
        db.stop()
    report.print()
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps({"operations": report.operations, "seconds": report.seconds,
                                        "tally": report.tally, "faults": report.faults,
                                        "failure_codes": report.failure_codes,
                                        "invariants": [i.__dict__ for i in report.invariants]}, indent=2))
    sys.exit(1 if report.violations else 0)


@app.command("soak")
def soak_command(minutes: Annotated[float, typer.Option()] = 2, workers: Annotated[int, typer.Option()] = 4) -> None:
    """A bounded soak on loopback: connection and memory growth, sampled every few seconds."""
    db, dsn = runner.own_cluster()
    try:
        result = soak.soak(dsn, minutes * 60, workers=workers)
    finally:
        db.stop()
    result.print()
    sys.exit(0 if result.healthy else 1)


if __name__ == "__main__":
    app()
