"""The invariants checked after every run, each against the database and the history.

Each check returns an ``Invariant``: what it covers, how many things it looked at, and the
violations it found (at most a few examples are kept in full). A correct system reports none.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg

from clubbooking_dev.checks import count_double_bookings, sql_text
from clubbooking_dev.reliability.history import FAIL, OK, History, Op

EXAMPLES = 5


@dataclass
class Invariant:
    name: str
    checked: int = 0
    violations: int = 0
    examples: list[str] = field(default_factory=list)

    def violate(self, example: str) -> None:
        self.violations += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(example)


def _as_clock(conn: psycopg.Connection[Any], clock: dt.datetime) -> None:
    conn.execute("select set_config('clubbooking.now', %s, false)", (clock.isoformat(),))


def _as_sweeper(conn: psycopg.Connection[Any], clock: dt.datetime, request_id: str) -> None:
    conn.execute("select set_config('clubbooking.now', %s, true), set_config('clubbooking.request_id', %s, true)",
                 (clock.isoformat(), request_id))


def sweep(conn: psycopg.Connection[Any], clock: dt.datetime, request_id: str) -> int:
    """Run a sweep's pg_cron jobs at the test clock as pg_cron does (a trusted caller, a
    transaction each): the hold sweeper, then the waitlist's pass. Returns how many holds expired."""
    with conn.transaction():
        _as_sweeper(conn, clock, request_id)
        row = conn.execute("select public.expire_holds()").fetchone()
    with conn.transaction():
        _as_sweeper(conn, clock, request_id)
        conn.execute("select private.retry_waitlist_offers()")
    return int(row[0]) if row else 0


def no_overlapping_claims(conn: psycopg.Connection[Any], venue_id: uuid.UUID) -> list[Invariant]:
    """Now (live claims at the end of the run) and over the whole history (claim lifetimes)."""
    now = Invariant("no two live claims overlap on a table (final state)")
    now.checked = _count(conn, "select count(*) from public.booking_tables where venue_id = %s", venue_id)
    doubles = count_double_bookings(conn)
    for _ in range(doubles):
        now.violate("a pair of live claims overlaps")
    ever = Invariant("no claim was created while an overlapping one was live (history)")
    ever.checked = now.checked
    for row in conn.execute(sql_text("reliability_claim_lifetimes"), {"venue_id": venue_id}):
        ever.violate(f"table {row[0]}: {row[2]} {row[4]} created while {row[1]} {row[3]} was live")
    return [now, ever]


def _count(conn: psycopg.Connection[Any], query: str, *params: Any) -> int:
    row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


def audit_matches_transitions(conn: psycopg.Connection[Any], venue_id: uuid.UUID) -> Invariant:
    inv = Invariant("audit rows equal the transitions (chains, final states)")
    inv.checked = _count(conn, "select count(*) from public.audit_log where venue_id = %s", venue_id)
    for row in conn.execute(sql_text("reliability_audit_chains"), {"venue_id": venue_id}):
        inv.violate(f"{row[0]} {row[1]}: {row[5]} ({row[2]} {row[3]} -> {row[4]})")
    return inv


def waitlist_priority(conn: psycopg.Connection[Any], venue_id: uuid.UUID) -> Invariant:
    inv = Invariant("waitlist offers respect priority")
    inv.checked = _count(conn, "select count(*) from public.audit_log where venue_id = %s "
                               "and action = 'waitlist_offered'", venue_id)
    for row in conn.execute(sql_text("reliability_waitlist_priority"), {"venue_id": venue_id}):
        inv.violate(f"entry {row[0]} (priority {row[2]}) offered before {row[1]} (priority {row[3]})")
    return inv


@dataclass
class Stored:
    """What the database holds at the end, indexed for the history checks."""

    audit_by_request: dict[str, list[tuple[str, str, str]]]   # request id -> (entity id, action, new status)
    statuses_seen: dict[str, set[str]]                         # booking id -> every status its audit rows show
    bookings: dict[str, tuple[str, str | None]]                # booking id -> (status, idempotency key)
    blocks: dict[str, bool]                                    # block id -> is_active
    waitlist: set[str]
    reachable: dict[str, set[str]]                             # status -> statuses reachable from it

    @classmethod
    def load(cls, conn: psycopg.Connection[Any], venue_id: uuid.UUID) -> Stored:
        audit: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        seen: dict[str, set[str]] = defaultdict(set)
        for request_id, entity, entity_id, action, new_status in conn.execute(
                "select request_id, entity, entity_id::text, action, new_status from public.audit_log "
                "where venue_id = %s order by id", (venue_id,)):
            if request_id:
                audit[request_id].append((entity_id, action, new_status))
            if entity == "booking":
                seen[entity_id].add(new_status)
        bookings = {r[0]: (r[1], r[2]) for r in conn.execute(
            "select id::text, status, idempotency_key from public.bookings where venue_id = %s", (venue_id,))}
        blocks = {r[0]: r[1] for r in conn.execute(
            "select id::text, is_active from public.table_blocks where venue_id = %s", (venue_id,))}
        waitlist = {r[0] for r in conn.execute(
            "select id::text from public.waitlist_entries where venue_id = %s", (venue_id,))}
        edges: dict[str, set[str]] = defaultdict(set)
        for a, b in conn.execute(sql_text("reliability_transitions")):
            edges[a].add(b)
        statuses = {*edges, *(b for targets in edges.values() for b in targets)}
        reachable = {s: _closure(s, edges) for s in statuses}
        return cls(dict(audit), dict(seen), bookings, blocks, waitlist, reachable)


def _closure(start: str, edges: dict[str, set[str]]) -> set[str]:
    found, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), set()):
            if nxt not in found:
                found.add(nxt)
                todo.append(nxt)
    return found


def acknowledged_outcomes(history: History, stored: Stored) -> list[Invariant]:
    """Acked successes survived (crashes included); acked failures left nothing behind."""
    kept = Invariant("every acknowledged write survives (crashes included)")
    clean = Invariant("no acknowledged failure left a row behind")
    for op in history.ops:
        if op.outcome == OK and op.kind not in ("get_availability",):
            kept.checked += 1
            problem = _ack_problem(op, stored)
            if problem:
                kept.violate(f"{op.request_id} {op.kind}: {problem}")
        elif op.outcome == FAIL:
            clean.checked += 1
            written = stored.audit_by_request.get(op.request_id, [])
            leftover = op.kind == "hold_tables" and any(
                key == op.request_id for _, key in stored.bookings.values())
            if written or leftover:
                clean.violate(f"{op.request_id} {op.kind} failed with {op.code} but wrote {written[:3]}")
    return [kept, clean]


def _ack_problem(op: Op, stored: Stored) -> str | None:
    result: Any = op.result
    written = stored.audit_by_request.get(op.request_id, [])
    if isinstance(result, dict) and "booking_id" in result:
        booking_id, acked = str(result["booking_id"]), str(result["status"])
        if booking_id not in stored.bookings:
            return f"booking {booking_id} is gone"
        final = stored.bookings[booking_id][0]
        if acked not in stored.statuses_seen.get(booking_id, set()):
            return f"acked status {acked} of {booking_id} has no audit row"
        if final not in stored.reachable.get(acked, {acked}):
            return f"{booking_id} acked {acked} but is {final}"
        if op.kind == "hold_tables" and (booking_id, "hold_created", "held") not in written:
            return f"hold {booking_id} has no audit row with the request id"
        return None
    if op.kind == "block_tables":
        for block_id in result.get("block_ids") or []:
            if (str(block_id), "table_blocked", "blocked") not in written:
                return f"block {block_id} is gone or unaudited"
        for booking_id in result.get("cancelled_booking_ids") or []:
            if stored.bookings.get(str(booking_id), ("?", None))[0] != "cancelled":
                return f"booking {booking_id} the block cancelled is not cancelled"
        return None
    if op.kind == "unblock_tables":
        for block_id in result.get("unblocked_ids") or []:
            if stored.blocks.get(str(block_id)) is not False:
                return f"block {block_id} is active again"
        return None
    if op.kind == "join_waitlist":
        return None if str(result["waitlist_entry_id"]) in stored.waitlist else "waitlist entry is gone"
    if op.kind == "expire_holds":
        expired = sum(1 for _, action, new in written if new == "expired")
        return None if expired == int(result) else f"reported {result} expired, audit shows {expired}"
    return None


def no_internal_errors(history: History) -> Invariant:
    inv = Invariant("no internal error under load (only contract codes)")
    for op in history.ops:
        inv.checked += 1
        if op.internal_error:
            inv.violate(f"{op.request_id} {op.kind}: {op.code} {op.error}")
    return inv


def holds_expire_on_time(history: History, conn: psycopg.Connection[Any], venue_id: uuid.UUID,
                         final_clock: dt.datetime) -> Invariant:
    """No hold expired before its TTL (judged at the clock of the op that expired it), and none
    is left held past its expiry once the sweeper has run at the final clock."""
    inv = Invariant("holds expire at TTL, never early, none left after the sweep")
    clocks = {op.request_id: op.clock for op in history.ops}
    for booking_id, expires_at, request_id in conn.execute(sql_text("reliability_expiries"), {"venue_id": venue_id}):
        inv.checked += 1
        clock = clocks.get(request_id)
        if clock is not None and expires_at > clock:
            inv.violate(f"hold {booking_id} expiring {expires_at} was expired at {clock} by {request_id}")
    for (booking_id,) in conn.execute("select id from public.bookings where venue_id = %s and status = 'held' "
                                      "and hold_expires_at <= %s", (venue_id, final_clock)):
        inv.violate(f"hold {booking_id} still held after the final sweep")
    return inv


class SweepWatch:
    """The pg_cron sweeper, run by the checker at the test clock every interval: after each sweep,
    the overdue holds nobody has locked must be gone by the sweeps after it. A hold may be
    missed by one sweep (it was locked, or committed after the sweep began), never by three."""

    def __init__(self, dsn: str, history: History, clock: Any) -> None:
        self.dsn, self.history, self.clock = dsn, history, clock
        self.inv = Invariant("no hold outlives TTL plus the sweep interval (during the run)")
        self._recent: list[set[str]] = []
        self._conn: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()

    def tick(self) -> None:
        with self._lock:
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=3,
                                                 application_name="clubbooking-reliability-sweeper")
                now = self.clock.now()
                op = self.history.begin("expire_holds", "sweeper", {}, now)
                op.result, op.outcome = sweep(self._conn, now, op.request_id), OK
                with self._conn.transaction():
                    overdue = {r[0] for r in self._conn.execute(sql_text("reliability_overdue_holds"),
                                                                 {"now": now})}
            except psycopg.Error:
                if self._conn is not None:
                    self._conn.close()
                self._recent = []
                return
            self.inv.checked += 1
            self._recent = [*self._recent[-2:], overdue]
            if len(self._recent) == 3:
                for booking_id in set.intersection(*self._recent):
                    self.inv.violate(f"hold {booking_id} overdue and unswept through three sweeps")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def events_replay_to_snapshot(conn: psycopg.Connection[Any], venue_id: uuid.UUID,
                              final_clock: dt.datetime) -> list[Invariant]:
    """Every channel's versions are 1..n without gaps; folding its events (each one's previous
    state must be the state so far) gives the snapshot's state of every table."""
    gaps = Invariant("event versions are gap-free per channel")
    replay = Invariant("replaying a channel's events gives the final snapshot")
    _as_clock(conn, final_clock)
    channels = conn.execute(
        "select cv.channel, cv.version from private.channel_versions cv where cv.channel like %s",
        (f"availability:%:{venue_id}:%",)).fetchall()
    for channel, version in channels:
        gaps.checked += 1
        events = conn.execute("select version, staff_payload from public.availability_events "
                              "where channel = %s order by version", (channel,)).fetchall()
        if [e[0] for e in events] != list(range(1, version + 1)):
            gaps.violate(f"{channel}: versions {[e[0] for e in events][:10]}... but counter {version}")
        state: dict[str, str] = {}
        for number, payload in events:
            table = payload["sectionId"]
            if payload["previousState"] != state.get(table, "available"):
                replay.violate(f"{channel} v{number}: previousState {payload['previousState']} "
                               f"but replay says {state.get(table, 'available')}")
            state[table] = payload["newState"]
        _, _, _, night, slot = channel.split(":")
        snapshot = conn.execute("select private.get_availability(%s, %s, %s)", (venue_id, night, slot)).fetchone()
        assert snapshot is not None
        replay.checked += 1
        if snapshot[0]["version"] != version:
            replay.violate(f"{channel}: snapshot version {snapshot[0]['version']} but counter {version}")
        for table in snapshot[0]["tables"]:
            replayed = state.get(str(table["table_id"]), "available")
            if replayed != table["state"]:
                replay.violate(f"{channel} table {table['table_number']}: replay {replayed}, snapshot {table['state']}")
    conn.execute("reset clubbooking.now")
    return [gaps, replay]


def as_json(invariants: list[Invariant]) -> str:
    return json.dumps([inv.__dict__ for inv in invariants], default=str)
