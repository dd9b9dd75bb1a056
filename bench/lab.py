"""The benchmark lab: one server, a template database with the fixtures, clones per scenario,
pgbench runs, latency statistics and the server's footprint.

Every scenario clones the template (``create database ... template ...``), so our
implementation and its baselines run on the same server, from the same data, in the same run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from clubbooking_dev import harness
from psycopg import sql

SQL_DIR = Path(__file__).parent / "sql"
PGBENCH = Path(os.environ.get("CLUBBOOKING_PGBENCH", str(harness.PG_BIN / "pgbench")))
TEMPLATE = "clubbooking_bench_template"


def sql_file(name: str) -> str:
    """A benchmark query or script from bench/sql/<name>."""
    return (SQL_DIR / name).read_text()


def test_sql_file(name: str) -> str:
    """A query the test suite owns (tests/sql/<name>), reused so a baseline is the tested one."""
    return (harness.project_root() / "tests" / "sql" / name).read_text()


def percentiles(samples_ms: Sequence[float]) -> dict[str, float | int | None]:
    """count, mean, p50, p95, p99 and max of latencies in milliseconds (None when empty)."""
    if not samples_ms:
        return {"count": 0, "mean": None, "p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(samples_ms)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {"count": len(ordered), "mean": round(statistics.fmean(ordered), 3), "p50": at(0.50),
            "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 3)}


@dataclass
class Shape:
    """How big the fixtures are: venues x nights x 16 tables x 2 slots tasks, one guest each."""

    venues: int
    nights: int

    @property
    def tasks(self) -> int:
        return self.venues * self.nights * 16 * 2


@dataclass
class PgbenchRun:
    """What a pgbench run measured: transactions per second, latencies, and failures."""

    tps: float
    transactions: int
    latency_ms: dict[str, float | int | None]
    aborted_clients: int
    ends: list[tuple[float, float]] = field(default_factory=list, repr=False)  # (end epoch s, latency ms)

    def summary(self) -> dict[str, Any]:
        return {"tps": round(self.tps, 1), "transactions": self.transactions, "latency_ms": self.latency_ms,
                "aborted_clients": self.aborted_clients}


class Lab:
    """The server under test and the template every scenario starts from."""

    def __init__(self, server_dsn: str, shape: Shape) -> None:
        self.server_dsn = server_dsn
        self.shape = shape
        self.clones: list[str] = []

    # ---------- databases ----------
    def build_template(self) -> None:
        """A migrated, seeded database with the benchmark fixtures, to clone from."""
        dsn = harness.create_database(self.server_dsn, TEMPLATE)
        harness.apply_schema(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            for key, value in (("venues", self.shape.venues), ("nights", self.shape.nights),
                               ("guests", self.shape.tasks)):
                conn.execute("select set_config(%s, %s, false)", (f"bench.{key}", str(value)))
            conn.execute(sql_file("fixtures.sql").encode())
            conn.execute("vacuum analyze")

    def clone(self, label: str) -> str:
        """A fresh copy of the template for one scenario or baseline; dropped by close()."""
        name = f"cb_bench_{label}"
        self.clones.append(name)
        return harness.create_database(self.server_dsn, name, template=TEMPLATE)

    def close(self) -> None:
        """Drop the clones and the template, all at once: a DROP DATABASE waits until every
        backend has absorbed its barrier, which a long statement in another backend (a pg_cron
        job, in another database) can delay by up to its whole run, so one wait serves them all."""
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda name: harness.drop_database(self.server_dsn, name), [*self.clones, TEMPLATE]))
        self.clones.clear()

    # ---------- pgbench ----------
    def pgbench(self, dsn: str, script: str, *, clients: int, seconds: float,
                variables: dict[str, int] | None = None, threads: int = 2) -> PgbenchRun:
        """Run a bench/sql pgbench script for a time; latencies from its per-transaction log."""
        workdir = Path(tempfile.mkdtemp(prefix="clubbooking-pgbench-"))
        try:
            defines = {"n": 0, "clients": clients, "base": 0, "tasks": self.shape.tasks, **(variables or {})}
            cmd = [str(PGBENCH), "-n", "-M", "prepared", "-f", str(SQL_DIR / script), "-c", str(clients),
                   "-j", str(min(threads, clients)), "-T", str(max(1, round(seconds))), "-l",
                   "--log-prefix", str(workdir / "tx")]
            for key, value in defines.items():
                cmd += ["-D", f"{key}={value}"]
            result = subprocess.run([*cmd, dsn], capture_output=True, text=True, timeout=seconds + 120)
            output = result.stdout + result.stderr
            if result.returncode not in (0, 2) or "tps =" not in output:
                raise RuntimeError(f"pgbench {script} failed:\n{output[-2000:]}")
            ends: list[tuple[float, float]] = []
            for log in workdir.glob("tx*"):
                for line in log.read_text().splitlines():
                    parts = line.split()
                    if len(parts) >= 6 and parts[2].isdigit():
                        ends.append((int(parts[4]) + int(parts[5]) / 1e6, int(parts[2]) / 1000))
            tps = float(re.findall(r"tps = ([0-9.]+)", output)[-1])
            aborted = len(re.findall(r"client \d+ aborted", output))
            return PgbenchRun(tps, len(ends), percentiles([lat for _, lat in ends]), aborted, ends)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


# ---------- the server's footprint ----------

def _proportional_rss_kb(pid: int) -> int | None:
    """A process's proportional set size (shared memory split among its sharers), from /proc."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class ServerSampler:
    """Samples the server's connections and memory (sum of PSS of its processes) in a thread."""

    def __init__(self, dsn: str, interval: float = 0.1) -> None:
        self.dsn = dsn
        self.interval = interval
        self.samples: list[dict[str, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, conn: psycopg.Connection[Any]) -> dict[str, float]:
        rows = conn.execute("select pid, backend_type, state from pg_stat_activity").fetchall()
        client = [r for r in rows if r[1] == "client backend"]
        pids = [int(r[0]) for r in rows]
        with contextlib.suppress(OSError, ValueError):
            pids.append(int(Path(f"/proc/{pids[0]}/stat").read_text().split(")")[1].split()[1]))  # postmaster
        pss = [_proportional_rss_kb(pid) for pid in pids]
        known = [p for p in pss if p is not None]
        return {"connections": len(client), "active": sum(1 for r in client if r[2] == "active"),
                "memory_mb": round(sum(known) / 1024, 1) if known else -1.0}

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self._stop.is_set():
                self.samples.append(self._sample(conn))
                self._stop.wait(self.interval)

    def baseline(self) -> dict[str, float]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            return self._sample(conn)

    @contextlib.contextmanager
    def running(self) -> Iterator[ServerSampler]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()

    def peak(self) -> dict[str, float]:
        if not self.samples:
            return {}
        return {key: max(s[key] for s in self.samples) for key in self.samples[0]}


def reset_connections(dsn: str, dbname: str) -> None:
    """Close every other session on a database (before cloning or dropping it)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("select pg_terminate_backend(pid) from pg_stat_activity "
                             "where datname = {} and pid <> pg_backend_pid()").format(sql.Literal(dbname)))


def machine() -> dict[str, Any]:
    """What the numbers ran on."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    with contextlib.suppress(OSError, ValueError):
        mem_gb = round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024, 1)
    load = os.getloadavg()
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": mem_gb,
            "load_average_at_start": [round(x, 2) for x in load], "python": sys.version.split()[0]}


def server_version(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select current_setting('server_version'), current_setting('synchronous_commit'), "
                           "current_setting('fsync'), current_setting('shared_buffers')").fetchone()
    assert row is not None
    return f"PostgreSQL {row[0]} (synchronous_commit={row[1]}, fsync={row[2]}, shared_buffers={row[3]})"


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    """fn(*args) and its wall time in seconds."""
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start
