"""What is particular to AsyncBookingClient: the lazily opened pool, as_user, and watch_availability."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from clubbooking import AsyncBookingClient, BookingError
from clubbooking_dev import leeds


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


def test_watch_availability_follows_the_slot_through_this_client(db_dsn: str) -> None:
    """The snapshot first, then the hold another guest makes (polling this client: no listener)."""
    night = leeds.next_open_night(weeks_ahead=6)

    async def watch_a_hold() -> tuple[Any, Any]:
        async with AsyncBookingClient.connect(db_dsn, claims={"role": "anon"}) as client, \
                AsyncBookingClient.connect(db_dsn, claims=leeds.staff_claims("host")) as host:
            updates = client.watch_availability(leeds.VENUE_ID, night, "slot_23_30")
            first = await anext(updates)
            await host.hold_tables(leeds.VENUE_ID, night, "slot_23_30", [leeds.TABLE_IDS[9]], 2)
            async for update in updates:
                if update.kind == "event":
                    await updates.aclose()
                    return first, update
        raise AssertionError("the watcher stopped")

    first, update = asyncio.run(asyncio.wait_for(watch_a_hold(), timeout=60))  # a bound, not a speed check
    assert first.kind == "snapshot" and first.availability.version == 0
    assert update.event.section_id == leeds.TABLE_IDS[9] and update.event.new_state == "unavailable"
    assert update.availability.version == first.availability.version + 1
