"""A sweep in a session that has already changed single bookings: the statement-level triggers of
bookings and claims keep the plans a session made at its first call, sized for one row, and
must still expire every hold of a batch of thousands with its audit row and events. (How fast:
bench/expiry.py sweeps in such a session; a join of two transition tables planned for one row
made it quadratic, 21 s for 5,000 holds; the triggers look old values up in a map and find
claims by index instead.)"""

from __future__ import annotations

import psycopg
from conftest import sql_file

HOLDS = 5000


def test_a_sweep_after_single_booking_updates_in_the_same_session_expires_every_hold(scratch_dsn: str) -> None:
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
        row = conn.execute("select public.expire_holds()").fetchone()
        audit = conn.execute("select count(*) from public.audit_log where new_status = 'expired'").fetchone()
        live = conn.execute("select count(*) from public.booking_tables where is_active").fetchone()
        events = conn.execute("select count(*) from public.availability_events "
                              "where staff_payload ->> 'reason' = 'hold_expired'").fetchone()
    assert row == (HOLDS - 1,)
    assert events == (HOLDS - 1,)
    assert audit == (HOLDS - 1,), "one audit row per expired hold"
    assert live == (0,), "every claim of the batch is freed"
