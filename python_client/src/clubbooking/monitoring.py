"""Seed 003's monitoring, measured in the client where it happens (as the TypeScript client does).

* stream delivery latency: commit to applied, the event's ``updatedAt`` (stamped by the committing
  transaction) to the moment the watcher applied it, whichever way it arrived;
* the mismatch between the folded stream and a fresh snapshot at every resync (after a
  reconnect, and after ``idle_resync`` seconds with nothing heard);
* holds refused (``SectionNotAvailable``) for tables the client showed as available.

``watch_availability(..., metrics=ClientMetrics())`` measures and reports batches through
``report_client_metrics`` (numbers only, bounded, rate-limited by the database);
``get_venue_metrics`` shows them per night.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from clubbooking.models import Availability

MAX_SAMPLES_PER_REPORT = 500


@dataclass(frozen=True)
class MetricsBatch:
    """What a client measured for one venue and night since its last report."""

    latencies_ms: tuple[int, ...]
    resyncs: int
    mismatched_resyncs: int
    stale_hold_refusals: int


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class ClientMetrics:
    """The counters of one watched venue-night, until they are taken for a report."""

    now: Callable[[], dt.datetime] = field(default=_utc_now, repr=False)
    latencies_ms: list[int] = field(default_factory=list)
    resyncs: int = 0
    mismatched_resyncs: int = 0
    stale_hold_refusals: int = 0

    def record_delivery(self, committed_at: dt.datetime | None) -> None:
        """An event applied now whose transaction committed at ``committed_at``."""
        if committed_at is None or len(self.latencies_ms) >= MAX_SAMPLES_PER_REPORT:
            return
        # a clock behind the server's would give a negative figure: count it as immediate
        self.latencies_ms.append(max(0, round((self.now() - committed_at).total_seconds() * 1000)))

    def record_resync(self, mismatched: int) -> None:
        """A resync compared the folded stream with a fresh snapshot; ``mismatched`` tables differed."""
        self.resyncs += 1
        if mismatched > 0:
            self.mismatched_resyncs += 1

    def record_hold_refused(self, shown: Availability | None, table_ids: Sequence[object]) -> bool:
        """A hold on ``table_ids`` was refused: count it as stale when ``shown`` had them all available."""
        states = {str(t.table_id): t.state for t in shown.tables} if shown else {}
        stale = bool(table_ids) and all(states.get(str(t)) == "available" for t in table_ids)
        if stale:
            self.stale_hold_refusals += 1
        return stale

    def take(self) -> MetricsBatch | None:
        """The batch so far, and the counters back to zero; None when there is nothing to report."""
        if not self.latencies_ms and not self.resyncs and not self.stale_hold_refusals:
            return None
        batch = MetricsBatch(tuple(self.latencies_ms), self.resyncs, self.mismatched_resyncs, self.stale_hold_refusals)
        self.latencies_ms, self.resyncs, self.mismatched_resyncs, self.stale_hold_refusals = [], 0, 0, 0
        return batch

    def restore(self, batch: MetricsBatch) -> None:
        """Put back a batch that could not be sent (a later report carries it, within the bounds)."""
        self.latencies_ms = [*batch.latencies_ms, *self.latencies_ms][:MAX_SAMPLES_PER_REPORT]
        self.resyncs += batch.resyncs
        self.mismatched_resyncs += batch.mismatched_resyncs
        self.stale_hold_refusals += batch.stale_hold_refusals


def mismatched_tables(folded: Availability, fresh: Availability) -> int:
    """How many tables differ between the folded stream and a snapshot of the same version."""
    states = {t.table_id: t.state for t in fresh.tables}
    return sum(1 for t in folded.tables if states.get(t.table_id) != t.state)
