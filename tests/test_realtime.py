"""Realtime: versions stay gap-free under 32 concurrent writers, snapshot + replay equals a fresh
snapshot after a random workload, and the watcher never drifts: not after a skipped
notification, not after its connection is killed, not over Broadcast."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import random
import subprocess
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import psycopg.sql
import pytest
from clubbooking.board import Board, render_text
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError
from clubbooking.models import Availability
from clubbooking.monitoring import ClientMetrics
from clubbooking.watch import (
    NOTIFY_CHANNEL,
    Backoff,
    BroadcastListener,
    Hint,
    Listener,
    ListenerLost,
    PollingListener,
    PsycopgListener,
    Signal,
    ThreadedSource,
    Update,
    report,
)
from clubbooking_dev import leeds
from conftest import sql_file
from watching import WAIT, relay_running, shown, states, until, watch_while

SLOTS = leeds.SLOTS
L = TypeVar("L", bound=Listener)


@pytest.fixture
def client(db_dsn: str) -> Iterator[BookingClient]:
    """A trusted client (no JWT): staff view, may act for anyone."""
    with BookingClient.connect(db_dsn, pool_size=8) as c:
        yield c


@pytest.fixture
def relay(db_dsn: str) -> Iterator[None]:
    """The event relay (`clubbooking relay`) running in a background thread."""
    with relay_running(db_dsn):
        yield


def smallest_party(admin: psycopg.Connection[Any]) -> dict[uuid.UUID, int]:
    """The smallest party each table takes."""
    return dict(admin.execute("select id, capacity_min from venue_tables").fetchall())


# ---------- the database side ----------

def test_32_concurrent_writers_on_one_channel_get_versions_1_to_n(db_dsn: str, admin: psycopg.Connection[Any],
                                                                   client: BookingClient) -> None:
    night = leeds.next_open_night(weeks_ahead=1)
    guests = leeds.create_guests(admin, 32, prefix="writer")
    base = BookingClient.connect(db_dsn, pool_size=32)
    start = threading.Barrier(len(guests))

    party = smallest_party(admin)

    def writer(i: int) -> int:
        me = base.as_user(guests[i])
        table = leeds.TABLE_IDS[i % 16 + 1]
        start.wait()
        wins = 0
        for _ in range(3):
            try:
                booking = me.hold_tables(leeds.VENUE_ID, night, "slot_21_00", [table], party[table])
            except BookingError:
                continue
            me.cancel_booking(booking.booking_id)
            wins += 1
        return wins

    with ThreadPoolExecutor(len(guests)) as pool:
        wins = sum(pool.map(writer, range(len(guests))))
    base.close()
    channel = client.get_availability(leeds.VENUE_ID, night, "slot_21_00").channel
    versions = [r[0] for r in admin.execute(
        "select version from availability_events where channel = %s order by id", (channel,))]
    assert wins >= 16
    assert sorted(versions) == list(range(1, 2 * wins + 1))
    assert versions == sorted(versions), "versions are assigned in commit (id) order"
    broken = admin.execute(sql_file("event_chain_breaks"), {"channel": channel}).fetchone()
    assert broken == (0,)


def random_workload(db_dsn: str, guests: list[dict[str, Any]], party: dict[uuid.UUID, int], night: dt.date,
                    seed: int, steps: int) -> None:
    """One worker's random night: holds, submits, approvals, rejections, cancellations, blocks,
    and bookings by time range (which may span both slots or share a slot with another)."""
    rng = random.Random(seed)
    with BookingClient.connect(db_dsn, pool_size=2) as trusted:
        host = trusted.as_user(leeds.staff_claims("host"))
        manager = trusted.as_user(leeds.staff_claims("manager", aal="aal2"))
        mine: list[uuid.UUID] = []
        blocks: list[uuid.UUID] = []
        for _ in range(steps):
            guest = trusted.as_user(rng.choice(guests))
            table = leeds.TABLE_IDS[rng.randint(1, 6)]  # few tables: claims meet often
            action = rng.choice(["hold", "range", "range", "range", "advance", "cancel", "block", "unblock"])
            with contextlib.suppress(BookingError):
                if action == "hold":
                    slot = rng.choice(SLOTS)
                    mine.append(guest.hold_tables(leeds.VENUE_ID, night, slot, [table], party[table]).booking_id)
                elif action == "range":  # an hour: two of them may share a slot on one table
                    hour = rng.choice([21, 22, 23, 0, 1])
                    start, end = dt.time(hour), dt.time((hour + 1) % 24)
                    result = host.create_booking_atomic(leeds.VENUE_ID, f"r{rng.random()}@guests.example", None,
                                                        "Range", [table], night, start, end, party[table],
                                                        stripe_payment_intent_id=f"pi_range_{rng.getrandbits(64):x}")
                    if result.booking_id:
                        mine.append(result.booking_id)
                elif action == "advance" and mine:
                    booking_id = rng.choice(mine)
                    if rng.random() < 0.5:
                        host.record_payment(booking_id, "cash", "paid at the door")
                    else:
                        rng.choice([manager.approve_booking, manager.reject_booking])(booking_id)
                elif action == "cancel" and mine:
                    host.cancel_booking(mine.pop(rng.randrange(len(mine))))
                elif action == "block":
                    blocks.extend(manager.block_tables(leeds.VENUE_ID, night, [table], rng.choice([*SLOTS, None]),
                                                       kind="maintenance", force=rng.random() < 0.5).block_ids)
                elif action == "unblock" and blocks:
                    host.unblock_tables([blocks.pop(rng.randrange(len(blocks)))])


def test_snapshot_plus_replay_equals_a_fresh_snapshot_after_a_random_workload(
        db_dsn: str, admin: psycopg.Connection[Any], client: BookingClient) -> None:
    night = leeds.next_open_night(weeks_ahead=2)
    guests = leeds.create_guests(admin, 12, prefix="random")
    public = client.as_user({"role": "anon"})
    views = {"staff": client, "public": public}
    taken: list[tuple[str, Availability]] = []
    done = threading.Event()

    def snapshotter() -> None:
        rng = random.Random(7)
        while not done.is_set() and len(taken) < 60:
            done.wait(0.05)
            view = rng.choice(list(views))
            taken.append((view, views[view].get_availability(leeds.VENUE_ID, night, rng.choice(SLOTS))))

    watcher = threading.Thread(target=snapshotter)
    watcher.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: random_workload(db_dsn, guests, smallest_party(admin), night, i, 40), range(4)))
    done.set()
    watcher.join()

    assert len({s.version for _, s in taken}) > 3, "snapshots were taken while the workload ran"
    mismatches = 0
    for view, snap in taken:
        replayed = snap
        for event in views[view].get_availability_events(snap.channel, snap.version):
            replayed = replayed.apply(event)
        fresh = views[view].get_availability(leeds.VENUE_ID, night, snap.slot_id)
        mismatches += states(replayed) != states(fresh)
    assert mismatches == 0, f"{mismatches} of {len(taken)} snapshots drifted"


# ---------- the watcher ----------

class DroppingListener:
    """A real listener that loses the first notification it hears (an injected gap)."""

    def __init__(self, inner: Listener) -> None:
        self.inner = inner
        self.dropped = 0
        self.polls = 0

    async def open(self, channel: str) -> None:
        await self.inner.open(channel)

    async def signals(self, timeout: float) -> list[Signal]:
        self.polls += 1
        batch = await self.inner.signals(timeout)
        if batch and not self.dropped:
            self.dropped = len(batch)
            return await self.inner.signals(timeout)  # lost: keep waiting as if nothing came
        return batch

    async def close(self) -> None:
        await self.inner.close()


def hold_one(client: BookingClient, guest: dict[str, Any], night: dt.date, slot: str, table: int) -> Awaitable[Any]:
    return asyncio.to_thread(client.as_user(guest).hold_tables, leeds.VENUE_ID, night, slot,
                             [leeds.TABLE_IDS[table]], 4)


def recorded(make: Callable[[], L]) -> tuple[list[L], Callable[[], Listener]]:
    """A listener factory for the watcher that keeps every listener it made (to inspect or kill)."""
    made: list[L] = []

    def listen() -> Listener:
        made.append(make())
        return made[-1]

    return made, listen


def announce(admin: psycopg.Connection[Any], versions: dict[str, int]) -> None:
    """A notification as ``private.relay_events`` sends it: ``{channel: newest version}``."""
    admin.execute("select pg_notify(%s, %s)", (NOTIFY_CHANNEL, json.dumps(versions)))


def test_the_watcher_replays_a_gap_left_by_a_skipped_notification(
        db_dsn: str, admin: psycopg.Connection[Any], client: BookingClient, relay: None) -> None:
    night = leeds.next_open_night(weeks_ahead=3)
    guests = leeds.create_guests(admin, 2, prefix="gap")
    listeners, listen = recorded(lambda: DroppingListener(PsycopgListener(db_dsn)))

    async def script(seen: list[Update]) -> None:
        await until(lambda: listeners[0].polls > 0)  # listening, and caught up once
        start = shown(seen).version
        await hold_one(client, guests[0], night, "slot_23_30", 3)
        announce(admin, {"availability:another-night": 9})  # before or after the hold's batch: no news here
        await until(lambda: listeners[0].dropped > 0)
        assert shown(seen).version == start, "the dropped notification was the only news of the first hold"
        await hold_one(client, guests[1], night, "slot_23_30", 4)
        await until(lambda: shown(seen).version >= start + 2)

    seen = asyncio.run(watch_while(ThreadedSource(client), night, "slot_23_30", listen, script))
    events = [u.event.version for u in seen if u.event is not None]
    assert events == sorted(events) and len(events) == len(set(events))
    assert events[-2:] == [events[-1] - 1, events[-1]], "the missed event was replayed, in order"
    assert states(shown(seen)) == states(client.get_availability(leeds.VENUE_ID, night, "slot_23_30"))


def test_a_listener_waits_through_notifications_about_other_channels(
        db_dsn: str, admin: psycopg.Connection[Any], client: BookingClient) -> None:
    """A relay batch that names only other channels is no news to a slot's listener: it keeps
    waiting, so the watcher neither re-reads the events table for every batch of the night nor
    learns of its own channel's commit without that commit's notification."""
    night = leeds.next_open_night(weeks_ahead=3)
    mine, other = (client.get_availability(leeds.VENUE_ID, night, slot).channel
                   for slot in ("slot_23_30", "slot_21_00"))
    quiet = 1.0

    async def check() -> None:
        listener = PsycopgListener(db_dsn)
        await listener.open(mine)
        try:
            loop = asyncio.get_running_loop()
            announce(admin, {other: 4})
            started = loop.time()
            assert await listener.signals(quiet) == []
            assert loop.time() - started >= quiet, "a batch about another channel ended the wait"
            announce(admin, {other: 5})
            announce(admin, {other: 6, mine: 1})
            assert await listener.signals(WAIT) == [Hint(1)]
        finally:
            await listener.close()

    asyncio.run(check())


def test_the_watcher_reconnects_and_resumes_after_its_connection_is_killed(
        db_dsn: str, admin: psycopg.Connection[Any], client: BookingClient, relay: None) -> None:
    night = leeds.next_open_night(weeks_ahead=4)
    guests = leeds.create_guests(admin, 2, prefix="killed")
    listeners, listen = recorded(lambda: PsycopgListener(db_dsn))

    async def script(seen: list[Update]) -> None:
        await until(lambda: listeners[0].backend_pid is not None)
        await hold_one(client, guests[0], night, "slot_21_00", 1)
        await until(lambda: shown(seen).version >= 1)
        admin.execute("select pg_terminate_backend(%s)", (listeners[0].backend_pid,))
        await hold_one(client, guests[1], night, "slot_21_00", 2)  # committed while the watcher is cut off
        await until(lambda: shown(seen).version >= 2 and len(listeners) > 1)

    seen = asyncio.run(watch_while(ThreadedSource(client), night, "slot_21_00", listen, script))
    kinds = [u.kind for u in seen]
    assert "refreshing" in kinds, kinds
    assert [u.event.version for u in seen if u.event is not None] == [1, 2], "no event lost or repeated"
    assert states(shown(seen)) == states(client.get_availability(leeds.VENUE_ID, night, "slot_21_00"))


def test_without_a_listener_the_watcher_polls_and_still_misses_nothing(
        admin: psycopg.Connection[Any], client: BookingClient) -> None:
    night = leeds.next_open_night(weeks_ahead=8)
    guests = leeds.create_guests(admin, 2, prefix="poll")

    async def script(seen: list[Update]) -> None:
        await hold_one(client, guests[0], night, "slot_21_00", 1)
        await hold_one(client, guests[1], night, "slot_21_00", 2)
        await until(lambda: shown(seen).version >= 2)

    seen = asyncio.run(watch_while(ThreadedSource(client), night, "slot_21_00", PollingListener, script))
    assert [u.event.version for u in seen if u.event is not None] == [1, 2]
    assert states(shown(seen)) == states(client.get_availability(leeds.VENUE_ID, night, "slot_21_00"))


class RecordedBroadcast(BroadcastListener):
    """The Broadcast listener at its boundary: no Realtime server here, so the test hands it the
    messages Supabase would deliver, read from realtime.messages (what realtime.send recorded)."""

    polls = 0

    async def open(self, channel: str) -> None:
        self.channel = channel

    async def signals(self, timeout: float) -> list[Signal]:
        self.polls += 1
        return await super().signals(timeout)


def test_broadcast_messages_drive_the_watcher_and_a_missing_one_is_replayed(
        db_dsn: str, admin: psycopg.Connection[Any], client: BookingClient) -> None:
    night = leeds.next_open_night(weeks_ahead=5)
    guests = leeds.create_guests(admin, 3, prefix="broadcast")
    door = client.as_user(leeds.staff_claims("door"))
    listener = RecordedBroadcast("http://localhost:54321", "anon-key", private=True)

    def deliver(skip: int | None = None) -> None:
        for event, payload in admin.execute(sql_file("broadcast_messages"), {"topic": channel, "private": True}):
            if payload["version"] != skip:
                listener.receive({"event": event, "payload": payload})

    channel = door.get_availability(leeds.VENUE_ID, night, "slot_21_00").channel

    async def script(seen: list[Update]) -> None:
        await until(lambda: listener.polls > 0)  # joined, and caught up once
        for i, table in enumerate((7, 9, 10)):
            await hold_one(client, guests[i], night, "slot_21_00", table)
        deliver(skip=2)
        await until(lambda: shown(seen).version >= 3)

    seen = asyncio.run(watch_while(ThreadedSource(door), night, "slot_21_00", lambda: listener, script))
    events = [u.event for u in seen if u.event is not None]
    assert [e.version for e in events] == [1, 2, 3]
    assert all(e.actor and e.actor["role"] == "customer" for e in events), "the staff channel names the actor"
    assert states(shown(seen)) == states(door.get_availability(leeds.VENUE_ID, night, "slot_21_00"))


def test_a_broadcast_lost_to_a_missing_partition_is_recovered_from_the_events_table(
        admin: psycopg.Connection[Any], client: BookingClient) -> None:
    """On Supabase, realtime.send() into a day the Realtime server made no partition for only
    logs a warning: the commit stands and the message is gone. The watcher still converges,
    because the events table, not Broadcast, is the source of truth."""
    night = leeds.next_open_night(weeks_ahead=6)
    guests = leeds.create_guests(admin, 2, prefix="lost")
    door = client.as_user(leeds.staff_claims("door"))
    listener = RecordedBroadcast("http://localhost:54321", "anon-key", private=True)
    channel = door.get_availability(leeds.VENUE_ID, night, "slot_21_00").channel
    delivered: list[int] = []

    def deliver() -> None:
        for event, payload in admin.execute(sql_file("broadcast_messages"), {"topic": channel, "private": True}):
            if payload["version"] not in delivered:
                delivered.append(payload["version"])
                listener.receive({"event": event, "payload": payload})

    row = admin.execute("select 'messages_' || to_char(now() at time zone 'utc', 'YYYY_MM_DD'), "
                        "(now() at time zone 'utc')::date").fetchone()
    assert row is not None
    partition, today = psycopg.sql.Identifier(row[0]), row[1]

    async def script(seen: list[Update]) -> None:
        await until(lambda: listener.polls > 0)
        await hold_one(client, guests[0], night, "slot_21_00", 7)
        deliver()
        await until(lambda: shown(seen).version >= 1)
        admin.execute(psycopg.sql.SQL("drop table realtime.{}").format(partition))
        await hold_one(client, guests[1], night, "slot_21_00", 9)  # commits; realtime.send only warns
        deliver()
        assert delivered == [1], "the second Broadcast was lost with the partition"
        await until(lambda: shown(seen).version >= 2)  # the idle resync replays it from the events table

    try:
        seen = asyncio.run(watch_while(ThreadedSource(door), night, "slot_21_00", lambda: listener, script,
                                       idle_resync=1))
    finally:  # as the Realtime server's janitor would
        admin.execute(psycopg.sql.SQL("create table if not exists realtime.{} partition of realtime.messages "
                                      "for values from ({}) to ({})").format(
            partition, psycopg.sql.Literal(str(today)), psycopg.sql.Literal(str(today + dt.timedelta(days=1)))))
    assert [u.event.version for u in seen if u.event is not None] == [1, 2]
    assert states(shown(seen)) == states(door.get_availability(leeds.VENUE_ID, night, "slot_21_00"))


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    low, high = Backoff(base=0.1, cap=2.0, rng=lambda: 0.0), Backoff(base=0.1, cap=2.0, rng=lambda: 1.0)
    assert [low.delay(n) for n in range(6)] == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.0])
    assert [high.delay(n) for n in range(6)] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 2.0])
    jittered = {Backoff(base=0.1).delay(3) for _ in range(20)}
    assert len(jittered) > 1 and all(0.4 <= d <= 0.8 for d in jittered)


# ---------- the board ----------

def test_the_board_shows_both_floors_states_in_colour_and_who_changed_them(
        admin: psycopg.Connection[Any], client: BookingClient) -> None:
    night = leeds.next_open_night(weeks_ahead=6)
    guest = leeds.create_guests(admin, 1, prefix="board")[0]
    host = client.as_user(leeds.staff_claims("host"))
    booking = client.as_user(guest).hold_tables(leeds.VENUE_ID, night, "slot_23_30", [leeds.TABLE_IDS[12]], 4)
    host.block_tables(leeds.VENUE_ID, night, [leeds.TABLE_IDS[3]], "slot_23_30")
    staff_snap = host.get_availability(leeds.VENUE_ID, night, "slot_23_30")
    board = Board(staff_snap)
    board.apply(Update("snapshot", staff_snap))
    for event in host.get_availability_events(staff_snap.channel, 0):
        board.apply(Update("event", staff_snap, event))
    text = render_text(board)
    assert "upstairs" in text and "downstairs" in text
    row = next(line for line in text.splitlines() if "Table 12" in line)
    assert "held" in row and "Board 0 (customer)" in row, "staff see who changed a table by name and role"
    assert "Hana Host (host)" in next(line for line in text.splitlines() if "Table 3 " in line)
    assert "blocked" in text and "staff view" in text

    public = client.as_user({"role": "anon"}).get_availability(leeds.VENUE_ID, night, "slot_23_30")
    public_text = render_text(Board(public))
    assert "unavailable" in public_text and "customer" not in public_text and "changed by" not in public_text
    coloured = render_text(board, color=True)
    assert "\x1b[1;32mavailable" in coloured and "\x1b[33mheld" in coloured
    assert booking.status == "held"


def test_clubbooking_watch_draws_the_board_from_the_real_cli(db_dsn: str) -> None:
    night = leeds.next_open_night(weeks_ahead=7)
    cli = Path(sys.executable).parent / "clubbooking"
    result = subprocess.run([str(cli), "watch", str(night), "slot_23_30",
                             "--dsn", db_dsn, "--as", "door", "--updates", "1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "upstairs" in result.stdout and "downstairs" in result.stdout and "staff view" in result.stdout


# ---------- seed 003's monitoring, measured by the watcher ----------

class DropsOnce(PollingListener):
    """A polling listener whose first connection is lost at its first poll."""

    dropped = False

    async def signals(self, timeout: float) -> list[Signal]:
        if not DropsOnce.dropped:
            DropsOnce.dropped = True
            raise ListenerLost("dropped")
        return await super().signals(timeout)


def test_the_watcher_measures_delivery_latency_and_resync_mismatch_and_reports_them(
        admin: psycopg.Connection[Any], client: BookingClient) -> None:
    night = leeds.next_open_night(weeks_ahead=7)
    viewer, rival = leeds.create_guests(admin, 2, prefix="monitor")
    # reports come from the night's guests: the viewer has a booking that night (another slot)
    client.as_user(viewer).hold_tables(leeds.VENUE_ID, night, "slot_23_30", [leeds.TABLE_IDS[9]], 2)
    metrics = ClientMetrics()
    source = ThreadedSource(client.as_user(viewer))

    async def script(seen: list[Update]) -> None:
        await until(lambda: any(u.kind == "refreshing" for u in seen) and seen[-1].kind == "snapshot")
        base = shown(seen).version
        await asyncio.to_thread(client.as_user(rival).hold_tables, leeds.VENUE_ID, night, "slot_21_00",
                                [leeds.TABLE_IDS[2]], 2)
        await until(lambda: shown(seen).version > base)

    asyncio.run(watch_while(source, night, "slot_21_00", lambda: DropsOnce(0.05), script, metrics=metrics,
                            report_every=3600))
    assert len(metrics.latencies_ms) == 1 and 0 <= metrics.latencies_ms[0] < WAIT * 1000, metrics
    assert (metrics.resyncs, metrics.mismatched_resyncs) == (1, 0), "the reconnect compared stream and snapshot"
    stale = client.as_user(viewer)
    with pytest.raises(BookingError):
        stale.hold_tables(leeds.VENUE_ID, night, "slot_21_00", [leeds.TABLE_IDS[2]], 2)
    before = client.get_availability(leeds.VENUE_ID, night, "slot_21_00")
    assert not metrics.record_hold_refused(before, [leeds.TABLE_IDS[2]]), "it showed the table taken: not stale"
    first = dataclasses.replace(before, tables=tuple(dataclasses.replace(t, state="available") for t in before.tables))
    assert metrics.record_hold_refused(first, [leeds.TABLE_IDS[2]]), "it showed the table free: stale"

    asyncio.run(report(source, leeds.VENUE_ID, night, metrics))
    assert metrics.take() is None, "the batch was sent"
    [figures] = client.as_user(leeds.staff_claims("manager")).get_venue_metrics(leeds.VENUE_ID, night, night)
    assert (figures.delivery_samples, figures.resyncs, figures.snapshot_mismatch_rate,
            figures.stale_hold_refusals) == (1, 1, 0.0, 1)
    assert figures.delivery_p95_ms is not None and figures.delivery_p95_ms < WAIT * 1000
