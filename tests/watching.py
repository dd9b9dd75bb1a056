"""Running a watcher in a test: the relay in a thread, the watcher in a task while a script makes
changes, and waits bounded by WAIT (a condition's upper bound, never a speed assertion)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import psycopg
from clubbooking.models import Availability
from clubbooking.relay import run_relay
from clubbooking.watch import Backoff, Listener, ThreadedSource, Update, watch_availability
from clubbooking_dev import leeds

WAIT = 30.0


def states(snap: Availability) -> tuple[int, tuple[tuple[int, str], ...]]:
    return snap.version, tuple((t.table_number, t.state) for t in snap.tables)


@contextlib.contextmanager
def relay_running(dsn: str) -> Iterator[None]:
    """The event relay (`clubbooking relay`) in a background thread for the length of a block."""
    stop = threading.Event()

    def run() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            run_relay(conn, poll=0.02, stop=stop)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


async def watch_while(source: ThreadedSource, night: dt.date, slot: str, listen: Callable[[], Listener],
                      script: Callable[[list[Update]], Awaitable[None]], idle_resync: float = 120,
                      **options: Any) -> list[Update]:
    """Run the watcher in a task while ``script`` makes changes; returns every update it yielded."""
    seen: list[Update] = []

    async def consume() -> None:
        async for update in watch_availability(source, leeds.VENUE_ID, night, slot, listen=listen,
                                               idle_resync=idle_resync, backoff=Backoff(base=0.05, cap=0.5),
                                               **options):
            seen.append(update)

    task = asyncio.create_task(consume())
    try:
        await until(lambda: bool(seen))
        await script(seen)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return seen


async def until(condition: Callable[[], bool]) -> None:
    """Wait for a condition (bounded by WAIT; the test fails on timeout, it never measures speed)."""
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.02)


def shown(seen: list[Update]) -> Availability:
    return next(u.availability for u in reversed(seen) if u.availability is not None)

