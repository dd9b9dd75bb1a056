"""The floor at any past instant, across committed transactions: a scripted night played through
the client as the API roles call it, each step committed with the database clock at its minute
(holds, a hold that dies with nothing written, a waitlist entry offered a table at its commit, a
cancellation, a block and its lifting, the sweeper), what get_availability served a manager
recorded at many minutes, then every minute replayed with get_availability_at an hour later:
identical, but for the version (0 in a replay) and as_of. (sql/tests/85_replay.sql plays a
longer night in one transaction: payments, approvals, check-ins.)
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from clubbooking_dev import leeds
from conftest import client_at

NIGHT = leeds.next_open_night(weeks_ahead=4)
SLOTS = ("slot_21_00", "slot_23_30")


def at(minute: float) -> dt.datetime:
    return dt.datetime.combine(NIGHT, dt.time(20, 0), ZoneInfo("Europe/London")) + dt.timedelta(minutes=minute)


def as_manager(admin: psycopg.Connection[Any], instant: dt.datetime, query: str, args: tuple[Any, ...]) -> Any:
    """One statement as the venue's manager, in a transaction whose database clock reads ``instant``."""
    with admin.transaction():
        admin.execute("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true),"
                      " set_config('clubbooking.now', %s, true)",
                      (json.dumps(leeds.staff_claims("manager")), instant.isoformat()))
        row = admin.execute(query, args).fetchone()
        admin.execute("reset role")
    assert row is not None
    return row[0]


def timeless(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in snapshot.items() if key not in ("version", "as_of")}


def test_every_snapshot_served_during_a_night_replays_identically(db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    guests = leeds.create_guests(admin, 3, prefix="replay")
    served: list[tuple[dt.datetime, str, dict[str, Any]]] = []

    def serve(*minutes: float) -> None:
        for minute in minutes:
            served.extend((at(minute), slot, as_manager(admin, at(minute), "select public.get_availability(%s, %s, %s)",
                                                        (leeds.VENUE_ID, NIGHT, slot))) for slot in SLOTS)

    def step(minute: float, claims: dict[str, Any] | None) -> Any:
        return client_at(db_dsn, at(minute), claims)

    serve(0)
    with step(1, guests[0]) as ana:
        ana.hold_tables(leeds.VENUE_ID, NIGHT, SLOTS[0], [leeds.TABLE_IDS[9]], 2)
    serve(1, 2)
    with step(3, guests[1]) as ben:
        ben_hold = ben.hold_tables(leeds.VENUE_ID, NIGHT, SLOTS[0], [leeds.TABLE_IDS[10]], 2)
    with step(3.5, guests[2]) as cat:
        cat.join_waitlist(leeds.VENUE_ID, NIGHT, SLOTS[0], 2)  # offered a free table at its commit
    serve(3.5, 5.9, 6, 6.5)  # ana's hold dies at 6 with nothing written
    with step(7, guests[1]) as ben:
        ben.cancel_booking(ben_hold.booking_id, reason="plans changed")
    serve(7, 7.5)
    with step(8, leeds.staff_claims("host")) as host:
        block = host.block_tables(leeds.VENUE_ID, NIGHT, [leeds.TABLE_IDS[11]], SLOTS[1], reason="spill")
    serve(8, 9)
    with step(10, leeds.staff_claims("host")) as host:
        host.unblock_tables(block.block_ids, reason="mopped")
    serve(10, 11)
    with step(20, None) as sweeper:
        assert sweeper.expire_holds() >= 1  # ana's hold (and the offer's, when it has died) written expired now
    serve(20, 21)

    states = {(instant, slot): {t["table_number"]: t["state"] for t in snapshot["tables"]}
              for instant, slot, snapshot in served}
    assert states[at(1), SLOTS[0]][9] == "held" and states[at(6), SLOTS[0]][9] == "available"
    assert states[at(8), SLOTS[1]][11] == "blocked" and states[at(10), SLOTS[1]][11] == "available"

    replayed = [as_manager(admin, at(60), "select public.get_availability_at(%s, %s, %s, %s)",
                           (leeds.VENUE_ID, NIGHT, slot, instant)) for instant, slot, _ in served]
    differ = [(instant.isoformat(), slot) for (instant, slot, snapshot), replay in zip(served, replayed, strict=True)
              if timeless(replay) != timeless(snapshot)]
    assert not differ, differ
    assert {replay["version"] for replay in replayed} == {0}
