"""What the clients asked for and what they were told: the history the invariants judge.

Every operation gets a request id that reaches the database as ``clubbooking.request_id``
(the audit log records it) and, for holds, as the idempotency key, so the checker can find
exactly which rows an operation wrote. Outcomes follow Jepsen: ``ok`` (acknowledged success),
``fail`` (acknowledged failure: a contract error, a statement timeout or an internal error;
nothing may have been written) and ``info`` (indeterminate: the connection died, so the
transaction may or may not have committed).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

OK, FAIL, INFO = "ok", "fail", "info"
TIMEOUT = "STATEMENT_TIMEOUT"
SEATED = ("pending_approval", "confirmed", "checked_in")  # statuses that keep a table until cancelled
CONNECTION_LOST = "CONNECTION_LOST"


@dataclass
class Op:
    """One request and its outcome."""

    seq: int
    request_id: str
    kind: str                      # the RPC
    actor: str                     # guest, door, host, manager, manager_aal2, service_role, anon
    args: dict[str, Any]
    clock: dt.datetime             # the test clock the transaction ran at
    outcome: str = INFO
    code: str | None = None        # contract code, TIMEOUT, CONNECTION_LOST or the SQLSTATE of an internal error
    result: Any = None
    error: str | None = None

    @property
    def internal_error(self) -> bool:
        """A failure that is neither a contract error nor an injected fault."""
        return self.outcome == FAIL and self.code is not None and self.code.startswith("SQLSTATE ")


class History:
    """A thread-safe append-only list of operations, plus what the workload learnt from acks."""

    def __init__(self, run_id: str, seed: int) -> None:
        self.run_id = run_id
        self.ops: list[Op] = []
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self.rng = random.Random(seed)
        self.bookings: dict[str, dict[str, Any]] = {}   # booking id -> {status, guest, ...} as last acked
        self._by_status: dict[str, dict[str, None]] = {}  # status -> booking ids (insertion-ordered set)
        self._taken: dict[tuple[Any, ...], str] = {}     # (table, night, slot) -> booking sitting there
        self.blocks: list[str] = []                      # acked active block ids

    def begin(self, kind: str, actor: str, args: dict[str, Any], clock: dt.datetime) -> Op:
        with self._lock:
            seq = next(self._seq)
            op = Op(seq, f"rel-{self.run_id}-{seq}", kind, actor, args, clock)
            self.ops.append(op)
            return op

    def count(self) -> int:
        return len(self.ops)

    def learn_booking(self, booking_id: str, **facts: Any) -> None:
        with self._lock:
            known = self.bookings.setdefault(booking_id, {})
            self._by_status.get(known.get("status", ""), {}).pop(booking_id, None)
            known.update(facts)
            self._by_status.setdefault(known.get("status", ""), {})[booking_id] = None
            for spot in known.get("spots", ()):
                if known["status"] in SEATED:
                    self._taken[spot] = booking_id
                elif self._taken.get(spot) == booking_id:
                    del self._taken[spot]

    def looks_taken(self, spot: tuple[Any, ...]) -> bool:
        """Whether an acked booking that is not a hold sits on (table, night, slot), as far as we know."""
        with self._lock:
            return spot in self._taken

    def pick_booking(self, rng: random.Random, statuses: tuple[str, ...]) -> tuple[str, dict[str, Any]] | None:
        """A known booking last seen in one of ``statuses`` (the most recent ones more likely)."""
        with self._lock:
            candidates = [b for s in statuses for b in itertools.islice(reversed(self._by_status.get(s, {})), 50)]
            if not candidates:
                return None
            picked = candidates[min(int(rng.expovariate(1 / 12)), len(candidates) - 1)]
            return picked, dict(self.bookings[picked])

    def learn_blocks(self, added: list[str], removed: list[str]) -> None:
        with self._lock:
            self.blocks = [b for b in self.blocks if b not in removed] + added

    def pick_blocks(self, rng: random.Random) -> list[str]:
        with self._lock:
            blocks = list(self.blocks[-20:])
        return rng.sample(blocks, min(len(blocks), rng.randint(1, 2))) if blocks else []

    def tally(self) -> dict[str, Counter[str]]:
        """Per RPC, how many ops ended ok, fail and info."""
        table: dict[str, Counter[str]] = {}
        for op in self.ops:
            table.setdefault(op.kind, Counter())[op.outcome] += 1
        return table

    def failure_codes(self) -> Counter[str]:
        """Why acknowledged failures failed: contract codes, timeouts, internal errors."""
        return Counter(op.code or "?" for op in self.ops if op.outcome == FAIL)


@dataclass
class FaultLog:
    """How many faults of each kind were injected (thread-safe counters)."""

    counts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self.counts[kind] += n

    def summary(self) -> str:
        with self._lock:
            return ", ".join(f"{kind} {count}" for kind, count in sorted(self.counts.items()))
