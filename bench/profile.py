"""Profile: what one booking costs in counts, which stay true on a busy machine where times do
not. One client makes bookings exactly as hold.pgbench does, and the server's own counters say
per booking: nested SQL statements (pg_stat_statements), function calls (track_functions),
subtransactions (transaction ids used beyond the booking's own) and WAL bytes; plus the
functions called most. Needs pg_stat_statements preloaded (the harness's cluster has it); the
statement count is left out where it is not."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from clubbooking_dev import harness

from bench.lab import Lab, sql_file

# The booking transaction of hold.pgbench, one statement a line, :i as a query parameter.
HOLD_STATEMENTS = [line.rstrip(";").replace(":i", "%(i)s") for line in sql_file("hold.pgbench").splitlines()
                   if line and not line.startswith(("--", "\\"))]


def _booking(conn: psycopg.Connection[Any], i: int) -> None:
    for statement in HOLD_STATEMENTS:
        conn.execute(statement, {"i": i} if "%(i)s" in statement else None, prepare=True)


def _counters(conn: psycopg.Connection[Any], has_statements: bool) -> dict[str, Any]:
    conn.execute("select pg_stat_clear_snapshot()")
    row = conn.execute(
        "select pg_current_wal_insert_lsn(), txid_current(), "
        "(select coalesce(sum(calls), 0) from pg_stat_user_functions)").fetchone()
    assert row is not None
    statements = plans = None
    replanned: list[tuple[str, int]] = []
    if has_statements:
        where = "where dbid = (select oid from pg_database where datname = current_database()) and not toplevel"
        got = conn.execute(f"select coalesce(sum(calls), 0), coalesce(sum(plans), 0) from pg_stat_statements {where}"
                           ).fetchone()
        statements, plans = (int(got[0]), int(got[1])) if got else (None, None)
        replanned = [(str(r[0]), int(r[1])) for r in conn.execute(
            f"select left(regexp_replace(query, '\\s+', ' ', 'g'), 100), plans from pg_stat_statements {where} "
            "and plans > 0 order by plans desc limit 8").fetchall()]
    functions = {r[0]: int(r[1]) for r in conn.execute(
        "select schemaname || '.' || funcname, calls from pg_stat_user_functions").fetchall()}
    return {"lsn": row[0], "xid": int(row[1]), "calls": int(row[2]), "statements": statements, "plans": plans,
            "replanned": replanned, "functions": functions}


def run(lab: Lab, *, bookings: int, step: Callable[[str], None]) -> dict[str, Any]:
    step("profile: one client, per-booking counts")
    dsn = lab.clone("profile")
    with psycopg.connect(harness.admin_dsn(dsn), autocommit=True) as admin:
        database = dsn.rsplit("/", 1)[-1].split("?")[0]
        for setting in ("track_functions = 'all'", "pg_stat_statements.track = 'all'",
                        "pg_stat_statements.track_planning = on"):
            admin.execute(f"alter database {database} set {setting}")
    with psycopg.connect(harness.admin_dsn(dsn), autocommit=True) as admin, \
            psycopg.connect(dsn, autocommit=True) as conn:
        has_statements = admin.execute(
            "select exists (select 1 from pg_settings where name = 'shared_preload_libraries' "
            "and setting ~ 'pg_stat_statements')").fetchone() == (True,)
        if has_statements:
            admin.execute("create extension if not exists pg_stat_statements")
        for i in range(20):  # warm the plan caches of this backend
            _booking(conn, i)
        conn.execute("select pg_stat_force_next_flush()")
        if has_statements:
            admin.execute("select pg_stat_statements_reset()")
        before = _counters(admin, has_statements)
        began = time.perf_counter()
        for i in range(20, 20 + bookings):
            _booking(conn, i)
        seconds = time.perf_counter() - began
        conn.execute("select pg_stat_force_next_flush()")
        conn.execute("select 1")
        after = _counters(admin, has_statements)
        wal = admin.execute("select pg_wal_lsn_diff(%s, %s)", (after["lsn"], before["lsn"])).fetchone()
        made = admin.execute("select count(*) from public.bookings where status = 'held'").fetchone()
    # Two xids are the counters' own txid_current() calls; the rest: one per booking and one per
    # subtransaction that wrote.
    xids = after["xid"] - before["xid"] - 1
    top = sorted(((name, calls - before["functions"].get(name, 0)) for name, calls in after["functions"].items()),
                 key=lambda nc: -nc[1])
    return {
        "bookings": bookings, "made": int(made[0]) if made else 0,
        "ms_per_booking": round(seconds * 1000 / bookings, 3),
        "statements_per_booking": None if after["statements"] is None
        else round(after["statements"] / bookings, 1),
        "plans_per_booking": None if after["plans"] is None else round(after["plans"] / bookings, 1),
        "replanned": [{"statement": q, "plans_per_booking": round(n / bookings, 2)} for q, n in after["replanned"]],
        "function_calls_per_booking": round((after["calls"] - before["calls"]) / bookings, 1),
        "subtransactions_per_booking": round(xids / bookings - 1, 2),
        "wal_bytes_per_booking": round(float(wal[0]) / bookings) if wal else None,
        "top_functions": [{"function": n, "calls_per_booking": round(c / bookings, 2)} for n, c in top[:40] if c],
    }
