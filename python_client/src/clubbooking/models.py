"""Typed results of the RPCs (built from the JSON the database returns, either transport)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

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


CURRENCY_SIGNS = {"gbp": "£", "eur": "€", "usd": "$"}


@dataclass(frozen=True)
class Money:
    """An amount of money in a currency (ISO 4217, lower case as Stripe writes it): never a float."""

    amount: Decimal
    currency: str = "gbp"

    @classmethod
    def of(cls, value: Any, currency: str | None = None) -> Money:
        return cls(Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01")), currency or "gbp")

    def __str__(self) -> str:
        sign = CURRENCY_SIGNS.get(self.currency)
        return f"{sign}{self.amount:,.2f}" if sign else f"{self.amount:,.2f} {self.currency.upper()}"


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
    deposit: Decimal
    minimum_spend: Decimal
    hold_expires_at: dt.datetime | None = None
    payment_reference: str | None = None
    refund_eligible: bool | None = None
    currency: str = "gbp"
    deposit_paid: bool | None = None
    awaiting_payment: bool | None = None
    approval_expires_at: dt.datetime | None = None
    deposit_due: Decimal = Decimal("0.00")
    deposit_refundable: Decimal = Decimal("0.00")
    arrived_count: int | None = None
    already_checked_in_at: dt.datetime | None = None
    checked_in_by: uuid.UUID | None = None
    checked_in_by_name: str | None = None
    guest_id: uuid.UUID | None = None

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
            deposit=Money.of(data.get("deposit"), data.get("currency")).amount,
            minimum_spend=Money.of(data.get("minimum_spend"), data.get("currency")).amount,
            hold_expires_at=_ts(data.get("hold_expires_at")),
            payment_reference=data.get("payment_reference"),
            refund_eligible=data.get("refund_eligible"),
            currency=data.get("currency") or "gbp",
            deposit_paid=data.get("deposit_paid"),
            awaiting_payment=data.get("awaiting_payment"),
            approval_expires_at=_ts(data.get("approval_expires_at")),
            deposit_due=Money.of(data.get("deposit_due"), data.get("currency")).amount,
            deposit_refundable=Money.of(data.get("deposit_refundable"), data.get("currency")).amount,
            arrived_count=data.get("arrived_count"),
            already_checked_in_at=_ts(data.get("already_checked_in_at")),
            checked_in_by=_uuid(data["checked_in_by"]) if data.get("checked_in_by") else None,
            checked_in_by_name=data.get("checked_in_by_name"),
            guest_id=_uuid(data["guest_id"]) if data.get("guest_id") else None,
        )

    @property
    def deposit_money(self) -> Money:
        """The deposit with its currency."""
        return Money(self.deposit, self.currency)


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
    bookable: bool = True  # False for a slot that has ended or a night the venue is closed
    as_of: dt.datetime | None = None  # a replay (get_availability_at): the instant it shows; its version is 0

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
            bookable=bool(data.get("bookable", True)),
            as_of=_ts(data.get("as_of")),
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
    # seed 003's monitoring, as the clients reported it (None where no client did)
    delivery_p95_ms: float | None = None
    delivery_samples: int = 0
    resyncs: int = 0
    snapshot_mismatch_rate: float | None = None
    stale_hold_refusals: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NightMetrics:
        known = _fields(cls, data)
        known["night"] = _date(known["night"])
        for rate in ("hold_to_booking_conversion", "expiry_rate", "no_show_rate", "delivery_p95_ms",
                     "snapshot_mismatch_rate"):
            known[rate] = None if known.get(rate) is None else float(known[rate])
        return cls(**known)


@dataclass(frozen=True)
class NightBooking:
    """A booking as staff see it on the night: tables by number, slot, guest, status, local times.

    Hosts and above also get the guest's contact details, requests and money (``deposit``,
    ``minimum_spend`` as ``Money``); managers and above the payment reference. Fields the
    caller's role does not see are None.
    """

    booking_id: uuid.UUID
    reference: str
    status: str
    venue_id: uuid.UUID
    booking_date: dt.date
    slot_id: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    party_size: int
    table_numbers: tuple[int, ...]
    table_ids: tuple[uuid.UUID, ...]
    floors: tuple[str, ...]
    guest_id: uuid.UUID
    guest_name: str
    occasion: str | None = None
    hold_expires_at: dt.datetime | None = None
    guest_phone: str | None = None
    guest_email: str | None = None
    special_requests: str | None = None
    status_reason: str | None = None
    deposit: Money | None = None
    minimum_spend: Money | None = None
    deposit_paid: bool | None = None
    promoter_code: str | None = None
    payment_reference: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NightBooking:
        known = _fields(cls, data)
        currency = data.get("currency")
        return cls(**{
            **known,
            "booking_id": _uuid(data["booking_id"]), "venue_id": _uuid(data["venue_id"]),
            "booking_date": _date(data["booking_date"]),
            "starts_at": _ts(data["starts_at"]) or dt.datetime.min, "ends_at": _ts(data["ends_at"]) or dt.datetime.min,
            "table_numbers": tuple(int(n) for n in data.get("table_numbers") or []),
            "table_ids": tuple(_uuid(t) for t in data.get("table_ids") or []),
            "floors": tuple(data.get("floors") or []), "guest_id": _uuid(data["guest_id"]),
            "hold_expires_at": _ts(data.get("hold_expires_at")),
            "deposit": Money.of(data["deposit"], currency) if "deposit" in data else None,
            "minimum_spend": Money.of(data["minimum_spend"], currency) if "minimum_spend" in data else None,
        })

    @property
    def local_start(self) -> dt.datetime:
        """When it starts, in the venue's zone."""
        return self.starts_at.astimezone(ZoneInfo(self.timezone))

    @property
    def local_end(self) -> dt.datetime:
        """When it ends, in the venue's zone."""
        return self.ends_at.astimezone(ZoneInfo(self.timezone))


@dataclass(frozen=True)
class SlotInfo:
    """A named slot of a venue's night: local start and length."""

    slot_id: str
    label: str
    starts_at: dt.time
    duration: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SlotInfo:
        return cls(data["slot_id"], data["label"], dt.time.fromisoformat(str(data["starts_at"])), str(data["duration"]))


@dataclass(frozen=True)
class TableInfo:
    """A table of the catalogue: number, floor, seats, money."""

    table_id: uuid.UUID
    number: int
    name: str
    floor: str
    capacity_min: int
    capacity_max: int
    vip: bool
    minimum_spend: Money
    deposit: Money
    shared: bool

    @classmethod
    def from_json(cls, data: dict[str, Any], currency: str) -> TableInfo:
        return cls(_uuid(data["table_id"]), int(data["number"]), data["name"], data["floor"],
                   int(data["capacity_min"]), int(data["capacity_max"]), bool(data["vip"]),
                   Money.of(data["minimum_spend"], currency), Money.of(data["deposit"], currency), bool(data["shared"]))


@dataclass(frozen=True)
class VenueInfo:
    """A venue of the catalogue with its floors, slots, tables and combinations."""

    venue_id: uuid.UUID
    club: str
    name: str
    timezone: str
    currency: str
    opens_at: dt.time
    closes_at: dt.time
    open_days: tuple[int, ...]
    floors: tuple[str, ...]
    slots: tuple[SlotInfo, ...]
    tables: tuple[TableInfo, ...]
    combinations: tuple[dict[str, Any], ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VenueInfo:
        currency = data.get("currency") or "gbp"
        return cls(_uuid(data["venue_id"]), data["club"], data["name"], data["timezone"], currency,
                   dt.time.fromisoformat(str(data["opens_at"])), dt.time.fromisoformat(str(data["closes_at"])),
                   tuple(data["open_days"]), tuple(f["name"] for f in data["floors"]),
                   tuple(SlotInfo.from_json(s) for s in data["slots"]),
                   tuple(TableInfo.from_json(t, currency) for t in data["tables"]), tuple(data["combinations"]))

    def table(self, number: int) -> TableInfo:
        """The table with that number; ``KeyError`` naming the valid numbers otherwise."""
        for t in self.tables:
            if t.number == number:
                return t
        raise KeyError(f"no table {number} at {self.name}; tables are {', '.join(str(t.number) for t in self.tables)}")


@dataclass(frozen=True)
class Catalogue:
    """Every venue (or one) with what it sells."""

    venues: tuple[VenueInfo, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Catalogue:
        return cls(tuple(VenueInfo.from_json(v) for v in data["venues"]))

    def venue(self, key: str | uuid.UUID) -> VenueInfo:
        """A venue by id or by name (any case); ``KeyError`` naming the venues otherwise."""
        for v in self.venues:
            if str(v.venue_id) == str(key) or v.name.lower() == str(key).lower():
                return v
        raise KeyError(f"no venue {key}; venues are {', '.join(v.name for v in self.venues) or 'none'}")


@dataclass(frozen=True)
class StaffInvitation:
    """An invitation to a venue's staff: pending (until ``expires_at``), accepted, revoked or expired.

    The token that accepts it goes only to the invited address; it is never part of this."""

    invitation_id: uuid.UUID
    venue_id: uuid.UUID
    email: str
    role: str
    status: str
    expires_at: dt.datetime | None = None
    invited_by: uuid.UUID | None = None
    accepted_user_id: uuid.UUID | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StaffInvitation:
        return cls(_uuid(data["invitation_id"]), _uuid(data["venue_id"]), data["email"], data["role"], data["status"],
                   _ts(data.get("expires_at")), _optional_uuid(data.get("invited_by")),
                   _optional_uuid(data.get("accepted_user_id")))


@dataclass(frozen=True)
class AuditChainCheck:
    """What ``verify_audit_chain`` found: every chain intact, how many rows it checked, and the audit row
    (its ``audit_log.row_id``) where the first break is."""

    ok: bool
    checked: int
    first_broken_id: uuid.UUID | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditChainCheck:
        return cls(bool(data["ok"]), int(data["checked"]), _optional_uuid(data.get("first_broken_id")))


@dataclass(frozen=True)
class AuditAnchor:
    """The head of an audit chain (a venue's night, or the venue itself when ``night`` is None) at a time:
    its position and hash. ``kind`` is ``daily``, or ``pruned`` for the last row of a pruned prefix."""

    venue_id: uuid.UUID
    night: dt.date | None
    chain_seq: int
    row_hash: str
    kind: str
    anchored_at: dt.datetime

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditAnchor:
        night = data.get("night")
        return cls(_uuid(data["venue_id"]), None if night is None else dt.date.fromisoformat(str(night)),
                   int(data["chain_seq"]), str(data["row_hash"]), str(data["kind"]),
                   dt.datetime.fromisoformat(str(data["anchored_at"])))

    def as_json(self) -> dict[str, Any]:
        """The anchor as exported (one JSON object per line)."""
        return {"venue_id": str(self.venue_id), "night": None if self.night is None else self.night.isoformat(),
                "chain_seq": self.chain_seq, "row_hash": self.row_hash, "kind": self.kind,
                "anchored_at": self.anchored_at.isoformat()}


def _optional_uuid(value: Any) -> uuid.UUID | None:
    return None if value is None else _uuid(value)


@dataclass(frozen=True)
class StaffMember:
    """A person on a venue's staff and their role there (``role`` None once removed)."""

    user_id: uuid.UUID
    role: str | None
    email: str | None = None
    name: str | None = None
    previous_role: str | None = None
    invitations_revoked: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StaffMember:
        return cls(_uuid(data["user_id"]), data.get("role"), data.get("email"), data.get("name"),
                   data.get("previous_role"), int(data.get("invitations_revoked") or 0))
