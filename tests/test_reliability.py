"""The reliability checker: a short fault-injecting run finds nothing wrong with the real
booking core, and the same checker finds the double bookings of deliberately broken ones."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from clubbooking_dev import harness
from clubbooking_dev.reliability import faults, runner
from conftest import sql_file

SHORT_RUN = runner.RunConfig(seconds=52, workers=8, crash_every=12, kill_every=0.7, jump_every=1.0, seed=9)
# Broken variants: everyone fights over two tables of one night with holds and cancels only.
RACE = runner.RunConfig(seconds=6, workers=8, crash_every=0, kill_every=0, hot_tables=(1, 2), seed=3,
                        mix={"hold_tables": 10, "cancel_booking": 3, "submit_booking": 2, "expire_holds": 1})


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[tuple[harness.Database, str]]:
    """A local cluster of this module's own: crash faults stop and restart it."""
    db, dsn = runner.own_cluster()
    yield db, dsn
    db.stop()


def test_a_short_run_with_crash_kill_timeout_and_clock_faults_violates_nothing(
        own_cluster: tuple[harness.Database, str]) -> None:
    db, dsn = own_cluster
    report = runner.run(dsn, SHORT_RUN, faults.ServerControl(db))
    report.print()
    assert not [i for i in report.invariants if i.violations]
    for fault in ("server crash", "session killed", "statement timeout", "clock jump"):
        assert report.faults.get(fault, 0) >= 1, report.faults
    assert report.operations >= 1000
    assert all(i.checked > 0 for i in report.invariants), report.invariants
    assert set(report.tally) >= {"hold_tables", "submit_booking", "approve_booking", "reject_booking",
                                 "cancel_booking", "check_in_booking", "mark_no_show", "block_tables",
                                 "unblock_tables", "join_waitlist", "expire_holds"}


@pytest.mark.parametrize(("drop_constraint", "caught_by"), [
    (True, "no claim was created while an overlapping one was live (history)"),
    (False, "no internal error under load (only contract codes)"),
], ids=["locks-and-exclusion-constraint-gone", "locks-gone"])
def test_the_checker_catches_a_booking_core_without_table_locks(scratch_dsn: str, drop_constraint: bool,
                                                                caught_by: str) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        conn.execute(sql_file("broken_lock_tables"))
        if drop_constraint:
            conn.execute("alter table public.booking_tables drop constraint booking_tables_no_overlap")
    report = runner.run(scratch_dsn, RACE)
    report.print()
    found = {i.name: i.violations for i in report.invariants}
    assert found[caught_by] > 0, found
