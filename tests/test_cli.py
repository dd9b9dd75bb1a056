"""Acceptance tests of the ``clubbooking`` command: the real CLI in a subprocess, the test database.

Each documented exit code is produced for real: 0 success, 1 a contract error (with its
code, HTTP status and advice on stderr), 2 bad usage, 3 no database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from clubbooking import cli
from clubbooking.errors import ERRORS
from clubbooking_dev import commands, leeds
from conftest import sql_file

CLUBBOOKING = str(Path(sys.executable).parent / "clubbooking")
SLOT = "slot_23_30"


def clubbooking(*args: str, dsn: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with DATABASE_URL set to ``dsn``."""
    environment = {**os.environ, "COLUMNS": "200", **env}
    environment.pop("DATABASE_URL", None)
    if dsn:
        environment["DATABASE_URL"] = dsn
    return subprocess.run([CLUBBOOKING, *args], capture_output=True, text=True, env=environment, timeout=120)


@pytest.fixture(scope="module")
def night() -> str:
    return leeds.next_open_night(weeks_ahead=3).isoformat()


@pytest.fixture(scope="module")
def guest(db_dsn: str) -> str:
    """``--as`` for a new adult guest."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        claims = leeds.create_guests(conn, 1, prefix="cli")[0]
    return f"user:{claims['sub']}"


def test_availability_prints_every_table_of_the_slot(db_dsn: str, night: str) -> None:
    result = clubbooking("availability", night, SLOT, dsn=db_dsn)
    assert result.returncode == 0, result.stderr
    assert "public view" in result.stdout
    assert sum(line.count("available") for line in result.stdout.splitlines()) == 16


def test_a_booking_goes_from_hold_to_confirmed_to_cancelled(db_dsn: str, night: str, guest: str) -> None:
    held = clubbooking("hold", night, SLOT, "11", "--party", "5", "--as", guest, dsn=db_dsn)
    assert held.returncode == 0, held.stderr
    booking_id = str(uuid.UUID(held.stdout.split()[-1]))
    submitted = clubbooking("submit", booking_id, "--payment", "pi_cli", "--as", guest, dsn=db_dsn)
    assert (submitted.returncode, submitted.stdout.split()[-1]) == (0, "held"), submitted.stderr  # waits for the money
    paid = clubbooking("pay", booking_id, "--method", "cash", "--reason", "paid at the door", dsn=db_dsn)
    assert (paid.returncode, paid.stdout.split()[-1]) == (0, "pending_approval"), paid.stderr
    approved = clubbooking("approve", booking_id, dsn=db_dsn)
    assert (approved.returncode, approved.stdout.split()[-1]) == (0, "confirmed"), approved.stderr
    staff_view = clubbooking("availability", night, SLOT, "--as", "host", dsn=db_dsn)
    assert "staff view" in staff_view.stdout and "confirmed" in staff_view.stdout
    cancelled = clubbooking("cancel", booking_id, "--reason", "guest called", dsn=db_dsn)
    assert (cancelled.returncode, cancelled.stdout.split()[-1]) == (0, "cancelled"), cancelled.stderr


def test_a_taken_table_exits_1_with_code_status_advice_and_alternatives(db_dsn: str, night: str) -> None:
    first = clubbooking("hold", night, SLOT, "12", "--party", "4", dsn=db_dsn)
    assert first.returncode == 0, first.stderr
    second = clubbooking("hold", night, SLOT, "12", "--party", "4", "--as", "manager", dsn=db_dsn)
    assert second.returncode == cli.EXIT_BOOKING_ERROR == 1
    assert "SECTION_NOT_AVAILABLE (HTTP 409)" in second.stderr
    assert ERRORS["SECTION_NOT_AVAILABLE"].advice in " ".join(second.stderr.split())
    assert "alternative: tables" in second.stderr


@pytest.mark.parametrize(("args", "code", "status"), [
    (("--as", "anon"), "NOT_AUTHORIZED", 401),
    (("--party", "60"), "INVALID_PARTY_SIZE", 422),
])
def test_a_refused_hold_exits_1_and_names_its_code(db_dsn: str, night: str, args: tuple[str, ...], code: str,
                                                   status: int) -> None:
    result = clubbooking("hold", night, SLOT, "13", *args, dsn=db_dsn)
    assert result.returncode == 1
    assert f"{code} (HTTP {status})" in result.stderr


def test_every_error_code_has_its_own_clear_message() -> None:
    messages = {code: cli.describe(cls("some detail", sqlstate=None)) for code, cls in ERRORS.items()}
    for code, message in messages.items():
        assert message.startswith(f"[red]{code}[/] (HTTP {ERRORS[code].http_status}): ")
        assert "some detail" in message
    assert len({ERRORS[code].advice for code in ERRORS}) == len(ERRORS)


def test_bad_usage_exits_2(db_dsn: str, night: str) -> None:
    assert clubbooking("hold", night, SLOT, "3", "--as", "bob", dsn=db_dsn).returncode == cli.EXIT_USAGE == 2
    assert clubbooking("hold", "next friday", SLOT, "17", dsn=db_dsn).returncode == 2


def test_no_database_exits_3(night: str, tmp_path: Path) -> None:
    unreachable = clubbooking("availability", night, "--dsn", "postgresql://postgres@127.0.0.1:1/postgres")
    assert unreachable.returncode == cli.EXIT_NO_DATABASE == 3
    assert "no database" in unreachable.stderr
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    unconfigured = clubbooking("availability", night, CLUBBOOKING_ROOT=str(tmp_path))
    assert unconfigured.returncode == 3
    assert "clubbooking up" in unconfigured.stderr


def summary_of(stdout: str) -> dict[str, str]:
    """The rush's summary table as {measure: value}."""
    summary: dict[str, str] = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│") if c.strip()]
        if len(cells) == 2:
            summary[cells[0]] = cells[1]
    return summary


def double_book(dsn: str) -> None:
    """Two overlapping claims on one table, written past the (dropped) exclusion constraint."""
    night = leeds.next_open_night(weeks_ahead=10)
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("alter table booking_tables drop constraint booking_tables_no_overlap")
        period = admin.execute("select private.slot_range(%s, %s, %s)::text", (leeds.VENUE_ID, night, SLOT)).fetchone()
        for claims in leeds.create_guests(admin, 2, prefix="double"):
            customer = admin.execute("insert into customers (user_id) values (%s) returning id", (claims["sub"],))
            admin.execute(sql_file("naive_insert"), {
                "venue_id": leeds.VENUE_ID, "customer_id": customer.fetchone()[0],  # type: ignore[index]
                "reference": f"BR-000000-{uuid.uuid4().hex[:6].upper()}", "night": night,
                "period": period[0] if period else None, "table_id": leeds.TABLE_IDS[1]})
        # Holds that outlive the rush's sweeper (it runs six minutes ahead).
        admin.execute("update bookings set hold_expires_at = now() + interval '1 day' where booking_date = %s",
                      (night,))


def test_rush_plays_a_peak_night_and_exits_4_only_on_a_double_booking(scratch_dsn: str) -> None:
    result = clubbooking("rush", "--guests", "12", "--workers", "3", dsn=scratch_dsn)
    assert result.returncode == 0, result.stderr
    summary = summary_of(result.stdout)
    assert summary["double bookings (independent SQL check)"] == "0"
    assert int(summary["holds won"]) >= 1
    assert "23:00 rush" in result.stdout
    double_book(scratch_dsn)  # the rush plays on a database of its own: the check is played here directly
    assert commands.play_rush(scratch_dsn, guests=1, workers=1, seed=7) == commands.EXIT_DOUBLE_BOOKINGS == 4


def test_rush_never_touches_the_database_it_is_given(scratch_dsn: str) -> None:
    def footprint() -> tuple[object, ...]:
        with psycopg.connect(scratch_dsn) as conn:
            return tuple(conn.execute(
                "select (select count(*) from bookings), (select count(*) from auth.users), "
                "(select coalesce(max(version), 0) from private.channel_versions), "
                "(select count(*) from pg_database where datname like 'clubbooking_scratch_%')").fetchone() or ())
    night = leeds.next_open_night(weeks_ahead=2).isoformat()
    held = clubbooking("hold", night, SLOT, "5", "--party", "6", "--as", "host", "--guest", "Someone Else",
                       dsn=scratch_dsn)
    assert held.returncode == 0, held.stderr
    before = footprint()
    result = clubbooking("rush", "--guests", "6", "--workers", "2", dsn=scratch_dsn)
    assert result.returncode == 0, result.stderr
    assert footprint() == before  # no booking, user or event added; its scratch database is gone
    assert "held" in clubbooking("bookings", night, "--as", "host", dsn=scratch_dsn).stdout


def test_the_relay_worker_wakes_listeners_once_per_batch_and_stops_by_itself(db_dsn: str, night: str) -> None:
    """`clubbooking relay` (the worker that replaces a pg_cron job) sends a NOTIFY naming the
    channel of a committed hold."""
    with psycopg.connect(db_dsn, autocommit=True) as listener:
        listener.execute("listen clubbooking_availability")
        worker = threading.Thread(target=clubbooking, args=("relay", "--minutes", "0.05"), kwargs={"dsn": db_dsn})
        worker.start()
        time.sleep(0.5)  # the relay starts from the newest event; commit after it is running
        held = clubbooking("hold", night, SLOT, "7", "--party", "3", dsn=db_dsn)
        assert held.returncode == 0, held.stderr
        notices = [n.payload for n in listener.notifies(timeout=10, stop_after=1)]
        worker.join()
    assert notices and f"{night}:{SLOT}" in notices[0]
