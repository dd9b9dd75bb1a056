"""Waitlist offers respect priority across transactions: an entry another transaction has locked
stops the offers below it and queues the slot for the sweeper's pass, and the checker's priority invariant
catches offer code that passes such an entry over, or that ignores priority under load."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from clubbooking.client import BookingClient
from clubbooking_dev import leeds
from clubbooking_dev.checks import sql_text
from clubbooking_dev.reliability import runner

SCHEMAS = Path(__file__).parents[1] / "supabase/schemas"
SLOT = "slot_21_00"


def source_function(name: str, *edits: tuple[str, str]) -> str:
    """The schema files' definition of private.<name> as `create or replace`, with text edits
    applied (each must match): a deliberately broken variant of the real code."""
    text = "\n".join(path.read_text() for path in sorted(SCHEMAS.glob("*.sql")))
    found = re.search(rf"create function private\.{name}\(.*?\n\$\$;\n", text, re.S)
    assert found, name
    body = found.group(0).replace("create function", "create or replace function", 1)
    for old, new in edits:
        assert old in body, old
        body = body.replace(old, new)
    return body


def entry_statuses(admin: psycopg.Connection[Any], night: Any) -> dict[int, str]:
    return dict(admin.execute("select priority_score, status from waitlist_entries where booking_date = %s",
                              (night,)).fetchall())


@pytest.mark.parametrize("skip_locked_entries", [False, True], ids=["real", "skips-a-locked-entry"])
def test_an_entry_locked_at_commit_stops_the_offers_below_it_until_the_sweepers_pass(
        scratch_dsn: str, skip_locked_entries: bool) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as admin:
        if skip_locked_entries:
            admin.execute(source_function("offer_to_entry", (
                "    return 'busy';\n  elsif v_status <> 'waiting' then",
                "    return 'gone';\n  elsif v_status <> 'waiting' then")))
        night = leeds.next_open_night(weeks_ahead=2)
        admin.execute("select public.block_tables(%s, %s, %s, null, 'private_event', 'launch')",
                      (leeds.VENUE_ID, night, [leeds.TABLE_IDS[n] for n in range(2, 17)]))
        ann, high, low = leeds.create_guests(admin, 3, prefix="wlock")
        client = BookingClient.connect(scratch_dsn)
        booking = client.as_user(ann).hold_tables(leeds.VENUE_ID, night, SLOT, [leeds.TABLE_IDS[1]], 2)
        client.as_user(high).join_waitlist(leeds.VENUE_ID, night, SLOT, 2, "birthday")
        client.as_user(low).join_waitlist(leeds.VENUE_ID, night, SLOT, 2)
        time.sleep(1.1)  # the invariant counts entries that were waiting a second before the offer
        (high_score, high_id), (low_score, _) = admin.execute(
            "select priority_score, id from waitlist_entries where booking_date = %s "
            "order by priority_score desc", (night,)).fetchall()
        assert high_score > low_score

        with psycopg.connect(scratch_dsn) as other:  # the better-placed guest leaving the list, in flight
            other.execute("select 1 from waitlist_entries where id = %s for update", (high_id,))
            client.as_user(ann).cancel_booking(booking.booking_id)
            statuses = entry_statuses(admin, night)
            passed_over = admin.execute(sql_text("reliability_waitlist_priority"),
                                        {"venue_id": leeds.VENUE_ID}).fetchall()
            other.rollback()
        client.close()
        if skip_locked_entries:
            assert statuses == {high_score: "waiting", low_score: "offered"}
            assert len(passed_over) == 1, "the checker's invariant catches the pass-over"
            return
        assert statuses == {high_score: "waiting", low_score: "waiting"}, "nobody below a busy entry is offered"
        assert passed_over == []
        assert admin.execute("select slot_id from private.waitlist_retries").fetchall() == [(SLOT,)], "queued"
        assert admin.execute("select private.retry_waitlist_offers()").fetchone() == (1,)
        assert entry_statuses(admin, night) == {high_score: "offered", low_score: "waiting"}


def test_the_checker_catches_offers_that_ignore_priority(scratch_dsn: str) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as admin:
        admin.execute(source_function("offer_to_waitlist", (
            "order by w.priority_score desc, w.created_at", "order by w.priority_score, w.created_at")))
    config = runner.RunConfig(seconds=8, workers=6, crash_every=0, kill_every=0, hot_tables=(1, 2, 3), seed=5,
                              mix={"hold_tables": 6, "join_waitlist": 6, "cancel_booking": 4, "expire_holds": 1})
    report = runner.run(scratch_dsn, config)
    report.print()
    found = {i.name: i.violations for i in report.invariants}
    assert found["waitlist offers respect priority"] > 0, found
