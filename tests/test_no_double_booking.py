"""Racing guests never share a table: 32 threads against the real booking path, and the same
checker run against a deliberately naive check-then-insert path to prove it can see doubles."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError
from clubbooking_dev import leeds
from clubbooking_dev.checks import count_double_bookings
from conftest import sql_file

THREADS = 32
HOT_TABLES = [leeds.TABLE_IDS[n] for n in (1, 2, 9, 10)]  # 2-4 seats each
SLOT = "slot_23_30"


def race(worker: Any, guests: list[dict[str, Any]]) -> Counter[str]:
    """Start every guest at the same instant; each tries the hot tables in a random order."""
    start = threading.Barrier(len(guests))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def one(i: int) -> None:
        order = random.Random(i).sample(HOT_TABLES, len(HOT_TABLES))
        start.wait()
        for table_id in order:
            result = worker(guests[i], table_id)
            with lock:
                outcomes[result] += 1
            if result == "won":
                return

    with ThreadPoolExecutor(len(guests)) as pool:
        list(pool.map(one, range(len(guests))))
    return outcomes


def test_racing_guests_never_hold_a_table_twice(db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    guests = leeds.create_guests(admin, THREADS, prefix="racer")
    night = leeds.next_open_night()
    base = BookingClient.connect(db_dsn, pool_size=THREADS)

    def real_path(claims: dict[str, Any], table_id: uuid.UUID) -> str:
        try:
            base.as_user(claims).hold_tables(leeds.VENUE_ID, night, SLOT, [table_id], 2)
        except BookingError as error:
            return error.code
        return "won"

    outcomes = race(real_path, guests)
    base.close()
    assert outcomes["won"] == len(HOT_TABLES), outcomes
    assert set(outcomes) <= {"won", "SECTION_NOT_AVAILABLE"}, outcomes
    assert count_double_bookings(admin) == 0
    winners = admin.execute("select count(distinct table_id) from booking_tables where is_active").fetchone()
    assert winners == (len(HOT_TABLES),)


def test_the_checker_catches_a_naive_check_then_insert_path(scratch_dsn: str) -> None:
    """Without the locks and the exclusion constraint, the same race double-books, and the
    same independent checker sees it: the real test above could have failed."""
    db_dsn = scratch_dsn
    admin = psycopg.connect(db_dsn, autocommit=True)
    admin.execute("alter table booking_tables drop constraint booking_tables_no_overlap")
    guests = leeds.create_guests(admin, THREADS, prefix="naive")
    night = leeds.next_open_night(weeks_ahead=2)
    period = admin.execute("select private.slot_range(%s, %s, %s)::text", (leeds.VENUE_ID, night, SLOT)).fetchone()
    assert period is not None
    connections = [psycopg.connect(db_dsn, autocommit=True) for _ in guests]
    customer_of = {}
    for claims in guests:
        row = admin.execute("insert into customers (user_id) values (%s) returning id", (claims["sub"],)).fetchone()
        assert row is not None
        customer_of[claims["sub"]] = row[0]

    def naive_path(claims: dict[str, Any], table_id: uuid.UUID) -> str:
        conn = connections[guests.index(claims)]
        params = {"table_id": table_id, "period": period[0], "venue_id": leeds.VENUE_ID, "night": night,
                  "customer_id": customer_of[claims["sub"]], "reference": f"BR-000000-{uuid.uuid4().hex[:6].upper()}"}
        free = conn.execute(sql_file("naive_free_check"), params).fetchone()
        if not free or not free[0]:
            return "SECTION_NOT_AVAILABLE"
        time.sleep(0.005)  # the window every real system has between a check and its insert
        conn.execute(sql_file("naive_insert"), params)
        return "won"

    outcomes = race(naive_path, guests)
    for conn in connections:
        conn.close()
    doubles = count_double_bookings(admin)
    admin.close()
    assert outcomes["won"] > len(HOT_TABLES), outcomes
    assert doubles > 0


def test_a_combination_is_held_all_or_nothing(db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    """A combination whose second table is taken holds neither table."""
    first, second = leeds.create_guests(admin, 2, prefix="combo")
    night = leeds.next_open_night(weeks_ahead=3)
    with BookingClient.connect(db_dsn) as client:
        client.as_user(first).hold_tables(leeds.VENUE_ID, night, SLOT, [leeds.TABLE_IDS[16]], 4)
        with pytest.raises(BookingError) as caught:
            client.as_user(second).hold_tables(
                leeds.VENUE_ID, night, SLOT, [leeds.TABLE_IDS[15], leeds.TABLE_IDS[16]], 10)
    assert caught.value.code == "SECTION_NOT_AVAILABLE"
    held = admin.execute("select count(*) from booking_tables bt join bookings b on b.id = bt.booking_id "
                         "where b.booking_date = %s and bt.table_id = %s", (night, leeds.TABLE_IDS[15])).fetchone()
    assert held == (0,)
