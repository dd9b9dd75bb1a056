"""``watch_availability``: a slot's snapshot, then its events, and never a missed change.

The database gives every change of a slot a version on its channel (1, 2, 3, ... with no gap,
in commit order). The watcher starts from a snapshot (which carries the version it shows),
then applies events strictly in version order. Whatever it hears is only a hint:

* ``PsycopgListener``: ``LISTEN clubbooking_availability``; ``private.relay_events`` sends one
  notification per batch of commits, ``{channel: newest version}`` (or ``*``). On a hint
  newer than what it shows, the watcher replays the missing events from
  ``get_availability_events``; a notification that names only other channels is no news.
* ``BroadcastListener``: Supabase Broadcast through supabase-py's realtime client; events
  arrive whole. The next version is applied at once; a jump replays the missing ones.

A version the events table can no longer fill (pruned) re-fetches the snapshot. With nothing
heard for ``idle_resync`` seconds, and after a reconnect, the watcher resyncs: it folds the
stream up to a fresh snapshot's version, compares the two (seed 003's mismatch figure) and
shows the snapshot, so even a lost last notification is found. A dropped connection yields a
``refreshing`` update, then the watcher reconnects with exponential backoff and jitter.

It measures as it goes (``clubbooking.monitoring``): each event's delivery latency and every
resync's mismatch, and reports them every ``report_every`` seconds through the source's
``report_client_metrics`` when it has one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import psycopg
import psycopg_pool

from clubbooking.errors import BookingError
from clubbooking.models import Availability, AvailabilityEvent
from clubbooking.monitoring import ClientMetrics, MetricsBatch, mismatched_tables

NOTIFY_CHANNEL = "clubbooking_availability"


class AvailabilitySource(Protocol):
    """Where snapshots and replays come from (``AsyncBookingClient``, or ``ThreadedSource``)."""

    async def get_availability(self, venue_id: uuid.UUID, date: dt.date, slot_id: str) -> Availability: ...

    async def get_availability_events(self, channel: str, after_version: int) -> Sequence[AvailabilityEvent]: ...


@dataclass(frozen=True)
class Hint:
    """Something changed on the channel: its newest version, or None when the relay did not say."""

    version: int | None


Signal = Hint | AvailabilityEvent


class ListenerLost(ConnectionError):
    """The listener's connection is gone; the watcher reconnects."""


class Listener(Protocol):
    """How the watcher hears about changes: opened on a channel, polled for signals, closed."""

    async def open(self, channel: str) -> None: ...

    async def signals(self, timeout: float) -> list[Signal]:
        """The signals that arrive within ``timeout`` seconds (empty when none); ListenerLost when the
        connection is gone."""

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Update:
    """What the watcher yields: ``availability`` is the slot as it now stands.

    ``snapshot``: a fresh snapshot (at the start, or after a gap the events could not fill).
    ``event``: one event applied (``event`` is set). ``refreshing``: the connection was lost
    (``error`` says why); ``availability`` is the last known state (None before the first
    snapshot) until the watcher has reconnected and caught up.
    """

    kind: Literal["snapshot", "event", "refreshing"]
    availability: Availability | None
    event: AvailabilityEvent | None = None
    error: BaseException | None = None


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with equal jitter: attempt n waits between d/2 and d, d = min(cap, base * 2^n)."""

    base: float = 0.2
    cap: float = 10.0
    rng: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, attempt: int) -> float:
        ceiling: float = min(self.cap, self.base * 2.0 ** min(attempt, 30))
        return ceiling / 2 + float(self.rng()) * ceiling / 2


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError, OSError, psycopg.OperationalError, psycopg_pool.PoolTimeout)


async def catch_up(source: AvailabilitySource, current: Availability) -> list[Update]:
    """The updates that bring ``current`` to the channel's newest version: the missing events in
    order, or a fresh snapshot when the events table cannot fill the gap."""
    events = sorted(await source.get_availability_events(current.channel, current.version), key=lambda e: e.version)
    updates: list[Update] = []
    for event in events:
        if event.version != current.version + 1:
            fresh = await source.get_availability(current.venue_id, current.date, current.slot_id)
            return [*updates, Update("snapshot", fresh)]
        current = current.apply(event)
        updates.append(Update("event", current, event))
    return updates


async def resync(source: AvailabilitySource, current: Availability, metrics: ClientMetrics) -> list[Update]:
    """Replay what the channel has after ``current``, then compare the folded stream with a fresh
    snapshot (its mismatch is recorded) and show the snapshot."""
    updates = await catch_up(source, current)
    folded = next((u.availability for u in reversed(updates) if u.availability), current)
    fresh = await source.get_availability(current.venue_id, current.date, current.slot_id)
    if fresh.version > folded.version:  # more committed between the replay and the snapshot
        for event in sorted(await source.get_availability_events(folded.channel, folded.version),
                            key=lambda e: e.version):
            if event.version > fresh.version or event.version != folded.version + 1:
                break
            folded = folded.apply(event)
    if folded.version == fresh.version:
        metrics.record_resync(mismatched_tables(folded, fresh))
    if fresh.version >= folded.version:
        updates.append(Update("snapshot", fresh))
    return updates


async def report(source: AvailabilitySource, venue_id: uuid.UUID, date: dt.date, metrics: ClientMetrics,
                 transient: tuple[type[BaseException], ...] = TRANSIENT_ERRORS) -> None:
    """Send what was measured through the source's ``report_client_metrics`` (kept for the next
    report when the database refuses it, e.g. rate limited, or the link is down)."""
    send: Callable[[uuid.UUID, dt.date, MetricsBatch], Awaitable[object]] | None = getattr(
        source, "report_client_metrics", None)
    batch = metrics.take()
    if send is None or batch is None:
        return
    refused: tuple[type[BaseException], ...] = (BookingError, *transient)
    try:
        await send(venue_id, date, batch)
    except refused:
        metrics.restore(batch)


async def watch_availability(source: AvailabilitySource, venue_id: uuid.UUID, date: dt.date, slot_id: str, *,
                             listen: Callable[[], Listener] | None = None, idle_resync: float = 30.0,
                             backoff: Backoff | None = None,
                             transient: tuple[type[BaseException], ...] = TRANSIENT_ERRORS,
                             sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                             metrics: ClientMetrics | None = None, report_every: float = 60.0,
                             clock: Callable[[], float] = time.monotonic) -> AsyncIterator[Update]:
    """Yield the slot's snapshot, then an update per event, forever (until the consumer stops).

    ``listen`` makes a new listener for each connection (``lambda: PsycopgListener(dsn)``, or a
    ``BroadcastListener``); without one the watcher polls the source every second
    (``PollingListener``): never stale by more than that, with no realtime connection at all.
    Errors in ``transient`` (a dropped connection, a database restarting) yield ``refreshing``
    and are retried with ``backoff``; any other error (a contract error such as an unknown
    slot) is raised. ``metrics`` collects the monitoring figures (a new ``ClientMetrics`` by
    default), reported every ``report_every`` seconds.
    """
    backoff = backoff or Backoff()
    listen = listen or PollingListener
    metrics = metrics if metrics is not None else ClientMetrics()
    current: Availability | None = None
    attempt = 0
    reconnecting = False
    reported_at = clock()
    while True:
        listener = listen()
        try:
            if current is None:
                current = await source.get_availability(venue_id, date, slot_id)
                yield Update("snapshot", current)
            # Listen first, then replay: whatever committed before the listener was in place
            # is in the events table.
            await listener.open(current.channel)
            attempt = 0
            pending: list[Signal] | None = None if reconnecting else [Hint(None)]
            reconnecting = False
            while True:
                updates = (await _handle(source, current, pending, metrics) if pending
                           else await resync(source, current, metrics))
                for update in updates:
                    current = update.availability or current
                    yield update
                if clock() - reported_at >= report_every:
                    reported_at = clock()
                    await report(source, venue_id, date, metrics, transient)
                pending = await listener.signals(idle_resync)
        except transient as error:
            await listener.close()
            reconnecting = current is not None
            yield Update("refreshing", current, error=error)
            await sleep(backoff.delay(attempt))
            attempt += 1
        finally:
            await listener.close()


async def _handle(source: AvailabilitySource, current: Availability, signals: list[Signal],
                  metrics: ClientMetrics) -> list[Update]:
    """Apply whole events that are next in line; one replay for anything else that is newer.
    Every event applied here is a delivery: its latency is recorded."""
    updates: list[Update] = []
    for signal in signals:
        if signal.version is not None and signal.version <= current.version:
            continue  # already shown
        if isinstance(signal, AvailabilityEvent) and signal.version == current.version + 1:
            current = current.apply(signal)
            updates.append(Update("event", current, signal))
        else:
            caught = await catch_up(source, current)
            updates.extend(caught)
            current = next((u.availability for u in reversed(caught) if u.availability), current)
    for update in updates:
        if update.event is not None:
            metrics.record_delivery(update.event.updated_at)
    return updates


# ---------- listeners ----------

def parse_relay_payload(payload: str, channel: str) -> Hint | None:
    """A relay notification as a hint for ``channel``: its version there, Hint(None) for ``*``
    (too many channels to name), None when the batch did not touch the channel."""
    if payload == "*":
        return Hint(None)
    try:
        versions = json.loads(payload)
    except ValueError:
        return Hint(None)
    if not isinstance(versions, dict) or channel not in versions:
        return None
    return Hint(int(versions[channel]))


class PollingListener:
    """No push at all: every ``interval`` seconds, a hint that makes the watcher ask the source."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval

    async def open(self, channel: str) -> None:
        return None

    async def signals(self, timeout: float) -> list[Signal]:
        await asyncio.sleep(min(self.interval, timeout))
        return [Hint(None)]

    async def close(self) -> None:
        return None


class PsycopgListener:
    """``LISTEN clubbooking_availability`` on a connection of its own (the relay's notifications)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.channel = ""
        self.conn: psycopg.AsyncConnection[Any] | None = None

    @property
    def backend_pid(self) -> int | None:
        return self.conn.info.backend_pid if self.conn is not None else None

    async def open(self, channel: str) -> None:
        self.channel = channel
        self.conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
        await self.conn.execute(f"listen {NOTIFY_CHANNEL}")

    async def signals(self, timeout: float) -> list[Signal]:
        """The hints of the first notification that names this channel (or ``*``). A notification
        about other channels only is not news here: the wait goes on, so an empty list always
        means ``timeout`` seconds of silence on this channel (the watcher's idle resync), never
        a re-read of the events table for every batch the relay announces."""
        if self.conn is None:
            raise ListenerLost("not listening")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        hints: list[Signal] = []
        try:
            while not hints and (left := deadline - loop.time()) > 0:
                async for notify in self.conn.notifies(timeout=left, stop_after=1):
                    hint = parse_relay_payload(notify.payload, self.channel)
                    if hint is not None:
                        hints.append(hint)
        except psycopg.OperationalError as error:
            raise ListenerLost(str(error)) from error
        return hints

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()
            self.conn = None


class BroadcastListener:
    """Supabase Broadcast through supabase-py's realtime client: the public channel, or with
    ``private=True`` the staff channel (RLS lets only the venue's staff join it)."""

    def __init__(self, url: str, key: str, access_token: str | None = None, *, private: bool = False) -> None:
        self.url, self.key, self.access_token, self.private = url, key, access_token, private
        self.queue: asyncio.Queue[Signal | ListenerLost] = asyncio.Queue()
        self.client: Any = None

    async def open(self, channel: str) -> None:
        from realtime import AsyncRealtimeClient, RealtimeSubscribeStates  # optional extra: clubbooking[supabase]

        self.client = AsyncRealtimeClient(f"{self.url.rstrip('/')}/realtime/v1", self.key, auto_reconnect=False)
        await self.client.connect()
        if self.access_token:
            await self.client.set_auth(self.access_token)
        joined = self.client.channel(channel, {"config": {"private": self.private}})
        joined.on_broadcast("availability.updated", self.receive)

        def on_state(state: Any, error: Exception | None) -> None:
            if state != RealtimeSubscribeStates.SUBSCRIBED:
                self.queue.put_nowait(ListenerLost(f"channel {state}: {error}"))

        await joined.subscribe(on_state)

    def receive(self, message: Mapping[str, Any]) -> None:
        """A Broadcast message ``{event, payload}``, as realtime-py hands it to the callback."""
        if message.get("event") == "availability.updated":
            self.queue.put_nowait(AvailabilityEvent.from_payload(dict(message["payload"])))

    async def signals(self, timeout: float) -> list[Signal]:
        try:
            first = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return []
        batch = [first]
        while not self.queue.empty():
            batch.append(self.queue.get_nowait())
        for item in batch:
            if isinstance(item, ListenerLost):
                raise item
        return [item for item in batch if not isinstance(item, ListenerLost)]

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None


# ---------- a source over the synchronous client ----------

class BlockingSource(Protocol):
    """What ``ThreadedSource`` needs of a synchronous client (``BookingClient``; named here so that
    the client imports this module, not the other way round)."""

    def get_availability(self, venue_id: uuid.UUID, date: dt.date, slot_id: str) -> Availability: ...

    def get_availability_events(self, channel: str, after_version: int) -> Sequence[AvailabilityEvent]: ...

    def report_client_metrics(self, venue_id: uuid.UUID, date: dt.date, batch: MetricsBatch) -> dict[str, Any]: ...


class ThreadedSource:
    """``AvailabilitySource`` over the synchronous ``BookingClient`` (each call in a worker thread)."""

    def __init__(self, client: BlockingSource) -> None:
        self.client = client

    async def get_availability(self, venue_id: uuid.UUID, date: dt.date, slot_id: str) -> Availability:
        return await asyncio.to_thread(self.client.get_availability, venue_id, date, slot_id)

    async def get_availability_events(self, channel: str, after_version: int) -> Sequence[AvailabilityEvent]:
        return await asyncio.to_thread(self.client.get_availability_events, channel, after_version)

    async def report_client_metrics(self, venue_id: uuid.UUID, date: dt.date, batch: MetricsBatch) -> dict[str, Any]:
        return await asyncio.to_thread(self.client.report_client_metrics, venue_id, date, batch)
