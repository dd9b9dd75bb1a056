"""Lifecycle rules under concurrency and time: combinations are all-or-nothing, shared sections
never oversell, and an expired hold is bookable at TTL + 1 s with no sweeper running."""

from __future__ import annotations

import datetime as dt
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError
from clubbooking_dev import leeds
from clubbooking_dev.checks import count_double_bookings
from conftest import client_at

SLOT = "slot_23_30"


def run_together(count: int, work: Any) -> list[str]:
    """Run work(i) for i in range(count) on 32 threads, released together."""
    start = threading.Barrier(min(count, 32))
    outcomes: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        if i < 32:
            start.wait()
        result = work(i)
        with lock:
            outcomes.append(result)

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(one, range(count)))
    return outcomes


def test_a_hundred_guests_racing_for_a_combination_never_get_a_partial_set(
        db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    guests = leeds.create_guests(admin, 100, prefix="combo")
    night = leeds.next_open_night(weeks_ahead=2)
    combo, t15, t16 = [leeds.TABLE_IDS[15], leeds.TABLE_IDS[16]], [leeds.TABLE_IDS[15]], [leeds.TABLE_IDS[16]]
    base = BookingClient.connect(db_dsn, pool_size=32)

    def guest(i: int) -> str:
        tables, party = random.Random(i).choice([(combo, 10), (combo, 8), (t15, 4), (t16, 5)])
        try:
            base.as_user(guests[i]).hold_tables(leeds.VENUE_ID, night, SLOT, tables, party)
        except BookingError as error:
            return error.code
        return "won"

    outcomes = run_together(len(guests), guest)
    base.close()
    assert set(outcomes) <= {"won", "SECTION_NOT_AVAILABLE"}
    assert 1 <= outcomes.count("won") <= 2
    claims = admin.execute(
        "select b.party_size, count(*) from bookings b join booking_tables bt on bt.booking_id = b.id "
        "where b.booking_date = %s group by b.id, b.party_size", (night,)).fetchall()
    for party, tables in claims:
        assert tables == (2 if party >= 7 else 1), claims  # a combination booking holds both tables
    assert count_double_bookings(admin) == 0


def test_a_shared_section_never_sells_more_guests_than_its_capacity(scratch_dsn: str) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as admin:
        admin.execute("update venue_tables set is_shared = true, capacity_min = 1, capacity_max = 30 "
                      "where id = %s", (leeds.TABLE_IDS[13],))
        guests = leeds.create_guests(admin, 60, prefix="floor")
        night = leeds.next_open_night()
        base = BookingClient.connect(scratch_dsn, pool_size=32)

        def guest(i: int) -> str:
            party = random.Random(i).randint(1, 6)
            try:
                base.as_user(guests[i]).hold_tables(leeds.VENUE_ID, night, SLOT, [leeds.TABLE_IDS[13]], party)
            except BookingError as error:
                return error.code
            return "won"

        outcomes = run_together(len(guests), guest)
        base.close()
        sold = admin.execute("select coalesce(sum(party_size), 0) from booking_tables "
                             "where table_id = %s and is_active", (leeds.TABLE_IDS[13],)).fetchone()
        assert sold is not None
        assert outcomes.count("won") >= 5
        assert 24 < sold[0] <= 30, (sold, outcomes.count("won"))  # nearly full, never over
        assert set(outcomes) <= {"won", "SECTION_NOT_AVAILABLE"}


def test_a_hold_is_bookable_by_another_guest_at_ttl_plus_one_second_with_no_sweeper(
        db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    sweeper_here = admin.execute("select current_database() = current_setting('cron.database_name')").fetchone()
    assert sweeper_here == (False,)  # pg_cron runs no job in this database: the sweeper is stopped
    first, second = leeds.create_guests(admin, 2, prefix="ttl")
    night = leeds.next_open_night(weeks_ahead=3)
    table = [leeds.TABLE_IDS[4]]
    with BookingClient.connect(db_dsn, first) as client:
        hold = client.hold_tables(leeds.VENUE_ID, night, SLOT, table, 4)
    assert hold.hold_expires_at is not None
    ttl = hold.hold_expires_at - admin.execute("select created_at from bookings where id = %s",
                                               (hold.booking_id,)).fetchone()[0]  # type: ignore[index]
    assert ttl == dt.timedelta(minutes=5)

    with client_at(db_dsn, hold.hold_expires_at - dt.timedelta(seconds=1), second) as early:
        try:
            early.hold_tables(leeds.VENUE_ID, night, SLOT, table, 4)
            raise AssertionError("a live hold must block the table")
        except BookingError as error:
            assert error.code == "SECTION_NOT_AVAILABLE"
    with client_at(db_dsn, hold.hold_expires_at + dt.timedelta(seconds=1), second) as late:
        taken = late.hold_tables(leeds.VENUE_ID, night, SLOT, table, 4)
    assert taken.status == "held"
    statuses = admin.execute("select status from bookings where id = %s", (hold.booking_id,)).fetchone()
    assert statuses == ("expired",)  # expired lazily under the lock, without the sweeper
