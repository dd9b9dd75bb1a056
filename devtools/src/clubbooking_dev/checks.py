"""Independent checks over the database, shared by the demo, tests and benchmarks."""

from __future__ import annotations

from importlib import resources

import psycopg


def sql_text(name: str) -> str:
    """A query shipped with the package (clubbooking_dev/sql/<name>.sql)."""
    return resources.files("clubbooking_dev").joinpath("sql", f"{name}.sql").read_text()


def count_double_bookings(conn: psycopg.Connection[object]) -> int:
    """Pairs of live claims that overlap on one table (must be 0)."""
    row = conn.execute(sql_text("double_bookings")).fetchone()
    assert row is not None
    return int(row[0])  # type: ignore[index]
