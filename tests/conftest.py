"""pytest fixtures: one server per run, a migrated template database, a fresh clone per module.

With DATABASE_URL set (as `make test` does) the server is that database's; otherwise the
harness starts a throw-away one. Test modules get their own database, cloned from the
template (`create database ... template ...`), so they never see each other's bookings.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from clubbooking.client import BookingClient
from clubbooking_dev import harness

SQL_DIR = Path(__file__).parent / "sql"


def sql_file(name: str) -> str:
    """A test query from tests/sql/<name>.sql."""
    return (SQL_DIR / f"{name}.sql").read_text()


def client_at(dsn: str, instant: dt.datetime, claims: dict[str, Any] | None) -> BookingClient:
    """A client whose database clock (private.now()) reads ``instant``: the test hook, not the system clock."""
    options = quote(f"-c clubbooking.now={instant.isoformat()}")
    separator = "&" if "?" in dsn else "?"
    return BookingClient.connect(f"{dsn}{separator}options={options}", claims, pool_size=1)


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    with harness.throwaway_database() as db:
        yield db.dsn


@pytest.fixture(scope="session")
def template_name(server_dsn: str) -> Iterator[str]:
    name = f"clubbooking_template_{os.getpid()}"
    dsn = harness.create_database(server_dsn, name)
    harness.apply_schema(dsn)
    yield name
    harness.drop_database(server_dsn, name)


def fresh_database(server_dsn: str, template_name: str, label: str) -> Iterator[str]:
    name = re.sub(r"[^a-z0-9_]", "_", f"cb_{label}_{os.getpid()}".lower())[:60]
    dsn = harness.create_database(server_dsn, name, template=template_name)
    yield dsn
    harness.drop_database(server_dsn, name)


@pytest.fixture(scope="module")
def db_dsn(server_dsn: str, template_name: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated, seeded database of this test module's own."""
    yield from fresh_database(server_dsn, template_name, request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def scratch_dsn(server_dsn: str, template_name: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database of this test's own, for tests that break the schema on purpose."""
    yield from fresh_database(server_dsn, template_name, request.node.name)


@pytest.fixture
def admin(db_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection as postgres (the schema owner: BYPASSRLS, not a superuser) to the module's database."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        yield conn
