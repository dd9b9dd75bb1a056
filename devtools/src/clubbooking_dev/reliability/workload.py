"""The workload: concurrent clients calling every RPC on a few hot slots, each call recorded.

Each worker owns one connection and acts as a user exactly as PostgREST does (transaction-local
role and JWT claims), with the test clock, the operation's request id and (sometimes) a tiny
statement timeout set in the same transaction. When its connection dies the operation is
recorded as indeterminate and the worker reconnects with backoff, until the run stops.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from clubbooking.transport import rpc_query

from clubbooking_dev import leeds
from clubbooking_dev.reliability.faults import LONDON, WORKER_APP, FakeClock, weekend_nights
from clubbooking_dev.reliability.history import CONNECTION_LOST, FAIL, INFO, OK, TIMEOUT, FaultLog, History, Op

SETUP = ("select set_config('role', %s, true), set_config('request.jwt.claims', %s, true), "
         "set_config('clubbooking.now', %s, true), set_config('clubbooking.request_id', %s, true), "
         "set_config('statement_timeout', %s, true)")
# SQLSTATEs after which the connection is gone and the outcome unknown: admin shutdown
# (pg_terminate_backend), crash shutdown, cannot connect now, and class 08 (connection).
LOST_STATES = ("57P01", "57P02", "57P03")
SAFETY_TIMEOUT_MS = 30000

STAFF_ACTORS = {"door": "door", "host": "host", "manager": "manager"}


@dataclass
class Floor:
    """The hot slots and tables the workload fights over, and who plays the guests."""

    venue_id: uuid.UUID
    slots: list[str]
    tables: dict[uuid.UUID, tuple[int, int]]          # table -> (capacity_min, capacity_max)
    combinations: list[tuple[list[uuid.UUID], int, int]]
    guests: list[dict[str, Any]]


def actor_claims(actor: str, guest: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """The database role and JWT claims of an actor name."""
    if actor == "guest":
        assert guest is not None
        return "authenticated", guest
    if actor in ("service_role", "anon"):
        return actor, {"role": actor}
    if actor == "manager_aal2":
        return "authenticated", leeds.staff_claims("manager", aal="aal2")
    return "authenticated", leeds.staff_claims(STAFF_ACTORS[actor])


Plan = tuple[str, str, dict[str, Any] | None, dict[str, Any]]   # rpc, actor, guest claims, args


@dataclass
class Workload:
    """Many workers, one history. ``max_ops`` and ``stop`` bound the run."""

    dsn: str
    floor: Floor
    clock: FakeClock
    history: History
    faults: FaultLog
    stop: threading.Event
    workers: int = 8
    max_ops: int = 10_000
    timeout_rate: float = 0.03
    mix: dict[str, int] = field(default_factory=lambda: {
        "hold_tables": 30, "submit_booking": 14, "approve_booking": 9, "reject_booking": 3,
        "cancel_booking": 8, "check_in_booking": 4, "mark_no_show": 2, "block_tables": 4,
        "unblock_tables": 4, "join_waitlist": 5, "expire_holds": 3, "get_availability": 6,
        "modify_booking": 6, "seat_walk_in": 3, "undo_check_in": 2, "undo_no_show": 1})

    def run(self) -> None:
        threads = [threading.Thread(target=self._worker, args=(i,), name=f"worker-{i}", daemon=True)
                   for i in range(self.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    # ---------- one worker ----------
    def _worker(self, index: int) -> None:
        rng = random.Random(self.history.rng.random() + index)
        conn: psycopg.Connection[Any] | None = None
        kinds, weights = list(self.mix), list(self.mix.values())
        while not self.stop.is_set() and self.history.count() < self.max_ops:
            if conn is None or conn.closed:
                conn = self._connect()
                if conn is None:
                    continue
            plan = PLANS[rng.choices(kinds, weights)[0]](self, rng)
            if plan is None:
                continue
            op = self.history.begin(plan[0], plan[1], plan[3], self.clock.now())
            if op.kind == "hold_tables":
                op.args["p_idempotency_key"] = op.request_id   # lets the checker find what it wrote
            if not self._call(conn, op, plan[2], rng):
                conn.close()
        if conn is not None:
            conn.close()

    def _connect(self) -> psycopg.Connection[Any] | None:
        try:
            return psycopg.connect(self.dsn, autocommit=True, application_name=WORKER_APP, connect_timeout=3)
        except psycopg.Error:
            self.stop.wait(0.2)
            return None

    def _call(self, conn: psycopg.Connection[Any], op: Op, guest: dict[str, Any] | None,
              rng: random.Random) -> bool:
        """Run one operation; False when the connection is gone."""
        role, claims = actor_claims(op.actor, guest)
        args = {k: v for k, v in op.args.items() if not k.startswith("_")}
        timeout = rng.randint(1, 4) if rng.random() < self.timeout_rate else SAFETY_TIMEOUT_MS
        try:
            with conn.transaction():
                conn.execute(SETUP, (role, json.dumps(claims), op.clock.isoformat(), op.request_id, f"{timeout}ms"))
                rows = conn.execute(rpc_query(op.kind, args), args).fetchall()
        except psycopg.errors.QueryCanceled:
            op.outcome, op.code = FAIL, TIMEOUT
            self.faults.add("statement timeout")
            return self._idle(conn)
        except psycopg.Error as error:
            state = error.sqlstate
            if conn.broken or conn.closed or state is None or state in LOST_STATES or state.startswith("08"):
                op.outcome, op.code, op.error = INFO, CONNECTION_LOST, str(error)[:200]
                return False
            op.outcome, op.error = FAIL, str(error).splitlines()[0][:300]
            op.code = error.diag.message_primary if state.startswith("PT") else f"SQLSTATE {state}"
            self._learn_failure(op)
            return self._idle(conn)
        op.outcome, op.result = OK, rows[0][0] if rows else None
        self._learn_success(op)
        return True

    @staticmethod
    def _idle(conn: psycopg.Connection[Any]) -> bool:
        """Whether the connection is usable after a failure. On a loaded machine a 1 ms statement
        timeout can cancel the ROLLBACK too, leaving the session in an aborted transaction
        (SQLSTATE 25P02 for whatever comes next): such a connection is closed, which rolls back."""
        return conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE

    # ---------- what acks teach the workload (for choosing what to act on next) ----------
    def _learn_success(self, op: Op) -> None:
        result = op.result
        if isinstance(result, dict) and "booking_id" in result:
            facts = {"status": result["status"]}
            if op.kind == "hold_tables":
                facts["guest"] = op.args["_guest"]
                facts["spots"] = [(t, op.args["p_date"], op.args["p_slot_id"]) for t in op.args["p_table_ids"]]
            self.history.learn_booking(result["booking_id"], **facts)
        elif op.kind == "block_tables" and isinstance(result, dict):
            self.history.learn_blocks([str(b) for b in result.get("block_ids") or []], [])
            for booking_id in result.get("cancelled_booking_ids") or []:
                self.history.learn_booking(str(booking_id), status="cancelled")
        elif op.kind == "unblock_tables":
            self.history.learn_blocks([], [str(b) for b in op.args["p_block_ids"]])

    def _learn_failure(self, op: Op) -> None:
        if op.code == "HOLD_EXPIRED":
            self.history.learn_booking(str(op.args["p_booking_id"]), status="expired")


# ---------- plans: what to call, as whom, with which arguments ----------
def _slot(w: Workload, rng: random.Random) -> tuple[dt.date, str]:
    """A hot slot: the Friday or Saturday of the weekend the test clock is in."""
    return rng.choice(weekend_nights(w.clock.now())), rng.choice(w.floor.slots)


def plan_hold(w: Workload, rng: random.Random) -> Plan:
    """Mostly tables the workload does not know to be booked (everyone races for those), now
    and then one it does (the SECTION_NOT_AVAILABLE path, which computes alternatives)."""
    night, slot = _slot(w, rng)
    roll = rng.random()
    for _ in range(4):
        if roll < 0.1 and w.floor.combinations:
            tables, low, high = rng.choice(w.floor.combinations)
        else:
            table = rng.choice(list(w.floor.tables))
            tables, (low, high) = [table], w.floor.tables[table]
        if rng.random() < 0.1 or not any(w.history.looks_taken((t, night, slot)) for t in tables):
            break
    party = rng.randint(low, high) if roll < 0.97 else rng.choice([0, high + 1, 51])
    guest_index = rng.randrange(len(w.floor.guests))
    args = {"p_venue_id": w.floor.venue_id, "p_date": night, "p_slot_id": slot, "p_table_ids": tables,
            "p_party_size": party, "p_idempotency_key": None}
    args["_guest"] = guest_index
    return "hold_tables", "guest", w.floor.guests[guest_index], args


def _actor_for(w: Workload, rng: random.Random, facts: dict[str, Any],
               actors: tuple[str, ...]) -> tuple[str, dict[str, Any] | None]:
    """One of ``actors``; a guest only for a booking whose guest the workload knows (else a host)."""
    actor = rng.choice(actors)
    guest = w.floor.guests[facts["guest"]] if actor == "guest" and "guest" in facts else None
    return ("host", None) if actor == "guest" and guest is None else (actor, guest)


def _booking_plan(rpc: str, statuses: tuple[str, ...], actors: tuple[str, ...]) -> Callable[[Workload, random.Random],
                                                                                         Plan | None]:
    def plan(w: Workload, rng: random.Random) -> Plan | None:
        picked = w.history.pick_booking(rng, statuses)
        facts: dict[str, Any] = {}
        if rng.random() < 0.02:
            booking_id = str(uuid.uuid4())   # now and then a booking that does not exist
        elif picked is None:
            return None
        else:
            booking_id, facts = picked
        actor, guest = _actor_for(w, rng, facts, actors)
        args: dict[str, Any] = {"p_booking_id": booking_id}
        if rpc == "submit_booking" and rng.random() < 0.9:
            args["p_payment_reference"] = f"pi_{uuid.uuid4().hex[:16]}"
        return rpc, actor, guest, args
    return plan


def plan_modify(w: Workload, rng: random.Random) -> Plan | None:
    """A known open booking changed: another table (a party that fits it, now and then one that
    doesn't), the other slot the same night, or another party size on its table."""
    picked = w.history.pick_booking(rng, ("held", "pending_approval", "confirmed", "checked_in"))
    if picked is None:
        return None
    booking_id, facts = picked
    actor, guest = _actor_for(w, rng, facts, ("guest", "host", "host"))
    spots = facts.get("spots") or []
    args: dict[str, Any] = {"p_booking_id": booking_id}
    roll = rng.random()
    if roll < 0.45 or not spots:
        table = rng.choice(list(w.floor.tables))
        low, high = w.floor.tables[table]
        args["p_table_ids"] = [table]
        args["p_party_size"] = rng.randint(low, high) if rng.random() < 0.95 else high + 1
    elif roll < 0.7:
        args["p_slot_id"] = rng.choice([s for s in w.floor.slots if s != spots[0][2]] or w.floor.slots)
    else:
        low, high = w.floor.tables.get(spots[0][0], (1, 4))
        args["p_party_size"] = rng.randint(low, high)
    return "modify_booking", actor, guest, args


def plan_seat(w: Workload, rng: random.Random) -> Plan:
    """A walk-in at the door: mostly the night the clock is in, a deposit taken (now and then
    waived by a manager, or forgotten: INVALID_INPUT)."""
    nights = weekend_nights(w.clock.now())
    tonight = (w.clock.now().astimezone(LONDON) - dt.timedelta(hours=4)).date()
    night = tonight if tonight in nights and rng.random() < 0.9 else rng.choice(nights)
    table = rng.choice(list(w.floor.tables))
    low, high = w.floor.tables[table]
    roll = rng.random()
    method = "waived" if roll < 0.1 else None if roll < 0.13 else rng.choice(["cash", "card_terminal"])
    args: dict[str, Any] = {"p_venue_id": w.floor.venue_id, "p_date": night, "p_slot_id": rng.choice(w.floor.slots),
                            "p_table_ids": [table], "p_party_size": rng.randint(low, high),
                            "p_full_name": "Walk In", "p_phone": None, "p_payment_method": method,
                            "p_reason": "reliability" if method == "waived" else None}
    return "seat_walk_in", "manager_aal2" if method == "waived" else "host", None, args


def plan_block(w: Workload, rng: random.Random) -> Plan:
    night, slot = _slot(w, rng)
    tables = rng.sample(list(w.floor.tables), rng.randint(1, 2))
    force = rng.random() < 0.2
    args: dict[str, Any] = {"p_venue_id": w.floor.venue_id, "p_date": night, "p_table_ids": tables,
                            "p_slot_id": None if rng.random() < 0.2 else slot, "p_kind": "maintenance",
                            "p_reason": "reliability", "p_force": force}
    return "block_tables", "manager_aal2" if force else "host", None, args


def plan_unblock(w: Workload, rng: random.Random) -> Plan | None:
    blocks = w.history.pick_blocks(rng)
    if not blocks:
        return None
    return "unblock_tables", "host", None, {"p_block_ids": blocks, "p_reason": "reliability"}


def plan_waitlist(w: Workload, rng: random.Random) -> Plan:
    night, slot = _slot(w, rng)
    guest = rng.choice(w.floor.guests)
    args = {"p_venue_id": w.floor.venue_id, "p_date": night, "p_slot_id": slot, "p_party_size": rng.randint(2, 8),
            "p_occasion": rng.choice([None, "birthday"])}
    return "join_waitlist", "guest", guest, args


def plan_expire(w: Workload, rng: random.Random) -> Plan:
    return "expire_holds", "service_role", None, {}


def plan_read(w: Workload, rng: random.Random) -> Plan:
    night, slot = _slot(w, rng)
    args = {"p_venue_id": w.floor.venue_id, "p_date": night, "p_slot_id": slot}
    return "get_availability", rng.choice(["anon", "door"]), None, args


PLANS: dict[str, Callable[[Workload, random.Random], Plan | None]] = {
    "hold_tables": plan_hold,
    "submit_booking": _booking_plan("submit_booking", ("held",), ("guest", "guest", "host")),
    "approve_booking": _booking_plan("approve_booking", ("pending_approval",), ("manager",)),
    "reject_booking": _booking_plan("reject_booking", ("pending_approval",), ("manager",)),
    "cancel_booking": _booking_plan("cancel_booking", ("held", "pending_approval", "confirmed"), ("guest", "host")),
    "check_in_booking": _booking_plan("check_in_booking", ("confirmed",), ("door",)),
    "mark_no_show": _booking_plan("mark_no_show", ("confirmed",), ("host",)),
    "block_tables": plan_block,
    "unblock_tables": plan_unblock,
    "join_waitlist": plan_waitlist,
    "expire_holds": plan_expire,
    "get_availability": plan_read,
    "modify_booking": plan_modify,
    "seat_walk_in": plan_seat,
    "undo_check_in": _booking_plan("undo_check_in", ("checked_in",), ("door",)),
    "undo_no_show": _booking_plan("undo_no_show", ("no_show",), ("host",)),
}
