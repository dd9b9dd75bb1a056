"""The statement-level triggers of bookings and claims keep a set-based sweep set-based whatever
plan a session made first: a plan is made at a session's first call, with the size its
transition tables had then (one row for a booking), and kept. A join of two transition tables
planned for one row is a nested loop, quadratic in a sweep of thousands (5,000 holds took 21 s
after one booking in the same session); the triggers look old values up in a map and find
claims by index instead."""

from __future__ import annotations

import time

import psycopg
from conftest import sql_file

HOLDS = 5000


def test_a_sweep_after_a_single_booking_update_in_the_same_session_stays_linear(scratch_dsn: str) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        with conn.transaction():
            conn.execute(sql_file("expired_holds_everywhere").replace("%(count)s", str(HOLDS)).encode())
        conn.execute("vacuum analyze public.bookings, public.booking_tables")
        with conn.transaction():  # the session's first bookings update: one row, no status change
            conn.execute("update public.bookings set special_requests = 'by the window' "
                         "where id = (select id from public.bookings order by id limit 1)")
        with conn.transaction():  # and one status change
            conn.execute("update public.bookings set status = 'cancelled', status_reason = 'booking_cancelled' "
                         "where id = (select id from public.bookings order by id limit 1)")
        began = time.perf_counter()
        row = conn.execute("select public.expire_holds()").fetchone()
        seconds = time.perf_counter() - began
        events = conn.execute("select count(*) from public.availability_events "
                              "where staff_payload ->> 'reason' = 'hold_expired'").fetchone()
    assert row == (HOLDS - 1,)
    assert events == (HOLDS - 1,)
    # linear: about a second on a quiet machine; the quadratic plans took ten
    assert seconds < 4.0, f"the sweep of {HOLDS - 1} holds took {seconds:.1f} s"
