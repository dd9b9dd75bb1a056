"""What is particular to AsyncBookingClient: the lazily opened pool, as_user, and watch_availability."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import types
from typing import Any

import pytest
from clubbooking import AsyncBookingClient, BookingError, leeds


def test_the_pool_opens_on_first_use_and_many_calls_share_it(db_dsn: str) -> None:
    async def scenario() -> list[Any]:
        client = AsyncBookingClient.connect(db_dsn, claims={"role": "anon"}, pool_size=3)
        night = leeds.next_open_night()
        try:
            return await asyncio.gather(*(client.get_availability(leeds.VENUE_ID, night, slot)
                                          for slot in leeds.SLOTS * 4))
        finally:
            await client.aclose()

    snapshots = asyncio.run(scenario())
    assert [s.slot_id for s in snapshots] == list(leeds.SLOTS * 4)


def test_as_user_acts_as_that_user_on_the_same_pool(db_dsn: str) -> None:
    async def roles() -> tuple[str, str]:
        async with AsyncBookingClient.connect(db_dsn, pool_size=1) as base:
            door = await base.as_user(leeds.staff_claims("door"))
            anon = await base.as_user({"role": "anon"})
            return (await door.get_user_role(venue_id=leeds.VENUE_ID), await anon.get_user_role())

    assert asyncio.run(roles()) == ("door", "anon")


def test_contract_errors_are_raised_from_the_coroutine(db_dsn: str) -> None:
    async def unknown_slot() -> None:
        async with AsyncBookingClient.connect(db_dsn, claims={"role": "anon"}) as client:
            await client.get_availability(leeds.VENUE_ID, leeds.next_open_night(), "slot_09_00")

    with pytest.raises(BookingError) as raised:
        asyncio.run(unknown_slot())
    assert (raised.value.code, raised.value.status) == ("INVALID_INPUT", 404)


def test_watch_availability_hands_this_client_to_clubbooking_watch(db_dsn: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The delegation only (clubbooking.watch is the realtime part's; its own tests cover it)."""
    seen: list[tuple[Any, ...]] = []
    stand_in = types.ModuleType("clubbooking.watch")
    stand_in.watch_availability = lambda *args, **options: seen.append((*args, options)) or "watching"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "clubbooking.watch", stand_in)
    client = AsyncBookingClient.connect(db_dsn)
    night = dt.date(2026, 12, 4)
    assert client.watch_availability(leeds.VENUE_ID, night, "slot_23_30", max_backoff=5) == "watching"
    assert seen == [(client, leeds.VENUE_ID, night, "slot_23_30", {"max_backoff": 5})]
