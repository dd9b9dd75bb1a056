"""Typed results of the RPCs (built from the JSON the database returns, either transport)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


def _ts(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _fields(cls: type[T], data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class Booking:
    """A booking as the booking RPCs return it."""

    booking_id: uuid.UUID
    reference: str
    status: str
    venue_id: uuid.UUID
    booking_date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    party_size: int
    table_ids: tuple[uuid.UUID, ...]
    deposit: float
    minimum_spend: float
    hold_expires_at: dt.datetime | None = None
    payment_reference: str | None = None
    refund_eligible: bool | None = None
    deposit_paid: bool | None = None
    awaiting_payment: bool | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Booking:
        return cls(
            booking_id=_uuid(data["booking_id"]),
            reference=data["reference"],
            status=data["status"],
            venue_id=_uuid(data["venue_id"]),
            booking_date=_date(data["booking_date"]),
            starts_at=_ts(data["starts_at"]) or dt.datetime.min,
            ends_at=_ts(data["ends_at"]) or dt.datetime.min,
            party_size=int(data["party_size"]),
            table_ids=tuple(_uuid(t) for t in data.get("table_ids", [])),
            deposit=float(data.get("deposit") or 0),
            minimum_spend=float(data.get("minimum_spend") or 0),
            hold_expires_at=_ts(data.get("hold_expires_at")),
            payment_reference=data.get("payment_reference"),
            refund_eligible=data.get("refund_eligible"),
            deposit_paid=data.get("deposit_paid"),
            awaiting_payment=data.get("awaiting_payment"),
        )


@dataclass(frozen=True)
class TableState:
    """One table in an availability snapshot; staff views carry the booking in ``extra``."""

    table_id: uuid.UUID
    table_number: int
    name: str
    floor: str
    capacity_min: int
    capacity_max: int
    state: str
    is_vip: bool = False
    minimum_spend: float = 0
    deposit: float = 0
    is_shared: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TableState:
        known = _fields(cls, data)
        known["table_id"] = _uuid(known["table_id"])
        known["minimum_spend"] = float(known.get("minimum_spend") or 0)
        known["deposit"] = float(known.get("deposit") or 0)
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**known, extra=extra)


@dataclass(frozen=True)
class Availability:
    """A slot's snapshot: every table's state and the channel's version."""

    venue_id: uuid.UUID
    date: dt.date
    slot_id: str
    channel: str
    version: int
    view: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    tables: tuple[TableState, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Availability:
        return cls(
            venue_id=_uuid(data["venue_id"]),
            date=_date(data["date"]),
            slot_id=data["slot_id"],
            channel=data["channel"],
            version=int(data["version"]),
            view=data.get("view", "public"),
            starts_at=_ts(data.get("starts_at")),
            ends_at=_ts(data.get("ends_at")),
            tables=tuple(TableState.from_json(t) for t in data["tables"]),
        )

    def apply(self, event: AvailabilityEvent) -> Availability:
        """The snapshot after an event (the next version of this channel)."""
        tables = tuple(
            dataclasses.replace(t, state=event.new_state) if t.table_id == event.section_id else t
            for t in self.tables
        )
        return dataclasses.replace(self, tables=tables, version=event.version)


@dataclass(frozen=True)
class AvailabilityEvent:
    """An ``availability.updated`` event (the seed's payload; ``actor`` on staff views)."""

    section_id: uuid.UUID
    slot_id: str
    date: dt.date
    previous_state: str
    new_state: str
    reason: str
    updated_at: dt.datetime | None
    version: int
    actor: dict[str, Any] | None = None

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> AvailabilityEvent:
        return cls(
            section_id=_uuid(payload["sectionId"]),
            slot_id=payload["slotId"],
            date=_date(payload["date"]),
            previous_state=payload["previousState"],
            new_state=payload["newState"],
            reason=payload.get("reason") or "",
            updated_at=_ts(payload.get("updatedAt", "").replace("Z", "+00:00") or None),
            version=int(payload["version"]),
            actor=payload.get("actor"),
        )


@dataclass(frozen=True)
class BlockResult:
    """Staff blocks made by ``block_tables``, and the bookings a forced block cancelled."""

    block_ids: tuple[uuid.UUID, ...]
    cancelled_booking_ids: tuple[uuid.UUID, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BlockResult:
        return cls(tuple(_uuid(b) for b in data.get("block_ids") or []),
                   tuple(_uuid(b) for b in data.get("cancelled_booking_ids") or []))


@dataclass(frozen=True)
class WaitlistEntry:
    """A waitlist entry: its priority score and position in the slot's queue."""

    waitlist_entry_id: uuid.UUID
    status: str
    priority_score: int
    position: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WaitlistEntry:
        return cls(_uuid(data["waitlist_entry_id"]), data["status"], int(data["priority_score"]),
                   int(data["position"]))


@dataclass(frozen=True)
class TableCombination:
    """A set of free tables that fits a party (seed API), best first."""

    combination_id: int
    table_ids: tuple[uuid.UUID, ...]
    table_names: tuple[str, ...]
    total_capacity: int
    total_min_spend: float
    total_deposit: float
    is_optimal: bool
    combination_type: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TableCombination:
        return cls(int(data["combination_id"]), tuple(_uuid(t) for t in data["table_ids"]),
                   tuple(data["table_names"]), int(data["total_capacity"]), float(data["total_min_spend"]),
                   float(data["total_deposit"]), bool(data["is_optimal"]), data["combination_type"])


@dataclass(frozen=True)
class AtomicBookingResult:
    """The seeds' one-call booking: its id and reference, or ``success`` False and why."""

    booking_id: uuid.UUID | None
    booking_reference: str | None
    total_deposit: float | None
    success: bool
    error_message: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AtomicBookingResult:
        return cls(_uuid(data["booking_id"]) if data.get("booking_id") else None, data.get("booking_reference"),
                   float(data["total_deposit"]) if data.get("total_deposit") is not None else None,
                   bool(data["success"]), data.get("error_message"))


@dataclass(frozen=True)
class PromoterBooking:
    """A booking under the calling promoter's code (first name only, no contact details)."""

    reference: str
    booking_date: dt.date
    status: str
    party_size: int
    guest: str
    minimum_spend: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PromoterBooking:
        return cls(data["reference"], _date(data["booking_date"]), data["status"], int(data["party_size"]),
                   data["guest"], float(data.get("minimum_spend") or 0))


@dataclass(frozen=True)
class NightMetrics:
    """One night's figures for managers; rates are None where their denominator is 0."""

    night: dt.date
    holds: int
    submitted: int
    hold_to_booking_conversion: float | None
    expired: int
    expiry_rate: float | None
    confirmed: int
    checked_in: int
    no_shows: int
    no_show_rate: float | None
    cancelled: int
    conflicts_rejected: int | None  # None where the pg_cron samples do not cover the night

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NightMetrics:
        known = _fields(cls, data)
        known["night"] = _date(known["night"])
        for rate in ("hold_to_booking_conversion", "expiry_rate", "no_show_rate"):
            known[rate] = None if known.get(rate) is None else float(known[rate])
        return cls(**known)
