"""Rush: Saturday 23:00, every guest taps at once. 16 tables, one slot, many clients through a
connection pool, each trying tables in its own random order until it holds one or finds them
all taken. Our booking path against three baselines, each in its own clone of the template:

- ``ours``: ``hold_tables`` through the Python client, as a signed-in guest;
- ``naive``: check, then insert, no lock (exclusion constraint dropped): shows double bookings;
- ``seed_advisory``: the seeds' design: ``acquire_booking_lock`` (a session try-lock), then
  ``check_table_availability``, insert, ``release_booking_lock`` (constraint dropped);
- ``serializable``: check then insert in one SERIALIZABLE transaction, retried on
  serialization failures (constraint dropped);
- ``ours_no_alternatives`` (a diagnostic, not a baseline): our path asking for refusals without
  alternatives (``p_alternatives => false``), to show what they cost under the table's lock.

Double bookings are counted afterwards by ``clubbooking_dev.checks.count_double_bookings``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError
from clubbooking.transport import PsycopgTransport
from clubbooking_dev import leeds
from clubbooking_dev.checks import count_double_bookings
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bench.lab import Lab, ServerSampler, percentiles, test_sql_file

SLOT = "slot_23_30"
SLOT_TIMES = (dt.time(23, 30), dt.time(4, 0))
MAX_SERIALIZABLE_TRIES = 20


def guest_id(i: int) -> uuid.UUID:
    """The Auth user id of benchmark guest i (as bench/sql/fixtures.sql derives it)."""
    return uuid.UUID(hashlib.md5(f"bench-guest-{i}".encode()).hexdigest())


def customer_id(i: int) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(f"bench-customer-{i}".encode()).hexdigest())


@dataclass
class Attempt:
    """One guest's try at one table."""

    guest: int
    table_id: uuid.UUID
    party_size: int
    night: dt.date
    period: str


class _Borrowed:
    """A pool of one: lets the client's transport run on a connection the rush already holds,
    so the rush can time the database call apart from the wait for a pooled connection."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        yield self.conn


class Variant:
    """A way of trying to hold a table; counts its retries."""

    name = ""
    drops_constraint = True

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: Counter[str] = Counter()

    def count(self, event: str) -> None:
        with self.lock:
            self.events[event] += 1

    def attempt(self, conn: psycopg.Connection[Any], a: Attempt) -> str:
        raise NotImplementedError

    def params(self, a: Attempt) -> dict[str, Any]:
        return {"table_id": a.table_id, "period": a.period, "venue_id": leeds.VENUE_ID, "night": a.night,
                "customer_id": customer_id(a.guest), "start": SLOT_TIMES[0], "end": SLOT_TIMES[1],
                "reference": f"BR-{a.night:%y%m%d}-{uuid.uuid4().hex[:6].upper()}"}

    def free(self, conn: psycopg.Connection[Any], a: Attempt) -> bool:
        row = conn.execute(test_sql_file("naive_free_check.sql"), self.params(a)).fetchone()
        return bool(row and next(iter(row.values())))

    def insert(self, conn: psycopg.Connection[Any], a: Attempt) -> None:
        conn.execute(test_sql_file("naive_insert.sql"), self.params(a))


class Ours(Variant):
    name = "ours"
    drops_constraint = False
    alternatives = True

    def attempt(self, conn: psycopg.Connection[Any], a: Attempt) -> str:
        claims = {"sub": str(guest_id(a.guest)), "role": "authenticated", "aal": "aal1"}
        transport = PsycopgTransport(cast(ConnectionPool, _Borrowed(conn)), claims, owns_pool=False)
        try:
            BookingClient(transport).hold_tables(leeds.VENUE_ID, a.night, SLOT, [a.table_id], a.party_size,
                                                 alternatives=self.alternatives)
        except BookingError as error:
            return "taken" if error.code == "SECTION_NOT_AVAILABLE" else f"error:{error.code}"
        return "won"


class Naive(Variant):
    name = "naive"

    def attempt(self, conn: psycopg.Connection[Any], a: Attempt) -> str:
        if not self.free(conn, a):
            return "taken"
        self.insert(conn, a)
        return "won"


class SeedAdvisory(Variant):
    name = "seed_advisory"

    def attempt(self, conn: psycopg.Connection[Any], a: Attempt) -> str:
        p = self.params(a)
        row = conn.execute("select public.acquire_booking_lock(%(table_id)s, %(night)s, %(start)s) as ok",
                           p).fetchone()
        if not row or not row["ok"]:
            return "lock_busy"
        try:
            row = conn.execute("select public.check_table_availability(%(table_id)s, %(night)s, %(start)s, "
                               "%(end)s) as ok", p).fetchone()
            if not row or not row["ok"]:
                return "taken"
            self.insert(conn, a)
            return "won"
        finally:
            conn.execute("select public.release_booking_lock(%(table_id)s, %(night)s, %(start)s)", p)


class Serializable(Variant):
    name = "serializable"

    def attempt(self, conn: psycopg.Connection[Any], a: Attempt) -> str:
        for _ in range(MAX_SERIALIZABLE_TRIES):
            try:
                with conn.transaction():
                    conn.execute("set transaction isolation level serializable")
                    if not self.free(conn, a):
                        return "taken"
                    self.insert(conn, a)
                return "won"
            except psycopg.errors.SerializationFailure:
                self.count("serialization_failures")
        return "gave_up"


class OursWithoutAlternatives(Ours):
    """Diagnostic: our path asking for refusals without alternatives (``p_alternatives => false``),
    as a client holding a live snapshot may."""

    name = "ours_no_alternatives"
    alternatives = False


VARIANTS: list[Callable[[], Variant]] = [Ours, OursWithoutAlternatives, Naive, SeedAdvisory, Serializable]


def classify(error: psycopg.Error) -> str:
    if isinstance(error, psycopg.errors.DeadlockDetected):
        return "deadlock"
    if isinstance(error, psycopg.errors.SerializationFailure):
        return "serialization_failure"
    if isinstance(error, psycopg.errors.ExclusionViolation):
        return "exclusion_violation"
    return f"error:{error.sqlstate}"


def run_variant(lab: Lab, variant: Variant, *, clients: int, pool_size: int, rounds: int,
                sampler: ServerSampler | None = None) -> dict[str, Any]:
    """Rounds of the rush on one clone; each round is a new night with every table free."""
    dsn = lab.clone(f"rush_{variant.name}")
    admin = psycopg.connect(dsn, autocommit=True)
    if variant.drops_constraint:
        admin.execute("alter table booking_tables drop constraint booking_tables_no_overlap")
    capacity_min = {leeds.TABLE_IDS[n]: int(r[0]) for n in leeds.TABLE_IDS
                    if (r := admin.execute("select capacity_min from venue_tables where id = %s",
                                           (leeds.TABLE_IDS[n],)).fetchone())}
    tables = list(capacity_min)
    outcomes: Counter[str] = Counter()
    e2e_ms: list[float] = []
    db_ms: list[float] = []
    lock = threading.Lock()
    pool = ConnectionPool(dsn, min_size=pool_size, max_size=pool_size, open=True,
                          kwargs={"autocommit": True, "row_factory": dict_row})
    pool.wait()
    busy_seconds = 0.0

    def client(k: int, night: dt.date, period: str, guest: int, start: threading.Barrier) -> None:
        order = random.Random(guest).sample(tables, len(tables))
        start.wait()
        for table_id in order:
            a = Attempt(guest, table_id, capacity_min[table_id], night, period)
            t0 = time.perf_counter()
            with pool.connection() as conn:
                t1 = time.perf_counter()
                try:
                    outcome = variant.attempt(conn, a)
                except psycopg.Error as error:
                    outcome = classify(error)
                t2 = time.perf_counter()
            with lock:
                outcomes[outcome] += 1
                e2e_ms.append((t2 - t0) * 1000)
                db_ms.append((t2 - t1) * 1000)
            if outcome == "won":
                return

    with contextlib.ExitStack() as stack:
        if sampler is not None:
            stack.enter_context(sampler.running())
        with ThreadPoolExecutor(clients) as threads:
            for round_no in range(rounds):
                night = leeds.next_open_night(weeks_ahead=1 + round_no)
                slot_row = admin.execute("select private.slot_range(%s, %s, %s)::text",
                                         (leeds.VENUE_ID, night, SLOT)).fetchone()
                assert slot_row is not None
                start = threading.Barrier(clients + 1)
                futures = [threads.submit(client, k, night, slot_row[0], round_no * clients + k, start)
                           for k in range(clients)]
                start.wait()
                t_start = time.perf_counter()
                for f in futures:
                    f.result()
                busy_seconds += time.perf_counter() - t_start
    pool.close()
    doubles = count_double_bookings(admin)
    admin.close()
    attempts = sum(outcomes.values())
    return {
        "variant": variant.name, "clients": clients, "pool_size": pool_size, "rounds": rounds,
        "tables": len(tables), "attempts": attempts, "attempts_per_s": round(attempts / busy_seconds, 1),
        "latency_ms": percentiles(e2e_ms), "db_latency_ms": percentiles(db_ms),
        "winners_per_round": round(outcomes["won"] / rounds, 2),
        "deadlocks": outcomes["deadlock"],
        "serialization_failures": outcomes["serialization_failure"] + variant.events["serialization_failures"],
        "double_bookings": doubles, "outcomes": dict(outcomes),
    }


def run(lab: Lab, *, clients: int, pool_size: int, rounds: int, step: Callable[[str], None]) -> dict[str, Any]:
    """The rush for our path and each baseline; the server's footprint during ours."""
    results = []
    footprint: dict[str, Any] = {}
    for make in VARIANTS:
        variant = make()
        step(f"rush: {variant.name}")
        sampler = None
        if isinstance(variant, Ours):
            sampler = ServerSampler(lab.server_dsn)
            footprint["before"] = sampler.baseline()
        results.append(run_variant(lab, variant, clients=clients, pool_size=pool_size, rounds=rounds,
                                   sampler=sampler))
        if sampler is not None:
            footprint["peak"] = sampler.peak()
            footprint["samples"] = len(sampler.samples)
    ours = results[0]
    for r in results:
        r["attempts_per_s_vs_ours"] = round(r["attempts_per_s"] / ours["attempts_per_s"], 2)
        r["p95_vs_ours"] = round((r["db_latency_ms"]["p95"] or 0) / (ours["db_latency_ms"]["p95"] or 1), 2)
    return {"variants": results, "footprint": footprint}
