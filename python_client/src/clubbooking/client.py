"""``BookingClient``: one method per RPC of the contract, typed results, contract exceptions."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clubbooking.models import (
    AtomicBookingResult,
    Availability,
    AvailabilityEvent,
    BlockResult,
    Booking,
    TableCombination,
    WaitlistEntry,
)
from clubbooking.transport import PsycopgTransport, SupabaseTransport, Transport

Id = uuid.UUID | str


def _args(required: Mapping[str, Any], **optional: Any) -> dict[str, Any]:
    """Required arguments always (None reaches SQL as NULL); optional ones only when given."""
    return {**required, **{f"p_{k}": v for k, v in optional.items() if v is not None}}


def _ids(values: Iterable[Id]) -> list[uuid.UUID]:
    return [v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)) for v in values]


class BookingClient:
    """The clubbooking API for Python.

    >>> client = BookingClient.connect(dsn, claims={"sub": user_id, "role": "authenticated"})
    >>> booking = client.hold_tables(venue_id, night, "slot_21_00", [table_id], party_size=4)

    Every method raises the contract's exception (``SectionNotAvailable``, ...) on a domain
    error; all of them are ``BookingError``.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @classmethod
    def connect(cls, dsn: str, claims: Mapping[str, Any] | None = None, *, pool_size: int = 4) -> BookingClient:
        """Over psycopg: act as the user of ``claims`` (None: the DSN's own role, e.g. a trusted script)."""
        return cls(PsycopgTransport.open(dsn, claims, pool_size=pool_size))

    @classmethod
    def from_supabase(cls, url: str, key: str, access_token: str | None = None) -> BookingClient:
        """Over supabase-py: RPCs through PostgREST with the project's key and the user's token."""
        return cls(SupabaseTransport.open(url, key, access_token))

    def as_user(self, claims: Mapping[str, Any] | None) -> BookingClient:
        """The same pool, acting as another user (psycopg transport only)."""
        if not isinstance(self.transport, PsycopgTransport):
            raise TypeError("as_user needs the psycopg transport; use from_supabase with another token")
        return BookingClient(self.transport.with_claims(claims))

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> BookingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------- availability ----------
    def get_availability(self, venue_id: Id, date: dt.date, slot_id: str) -> Availability:
        """The slot's snapshot, shaped by the caller's role, with the channel's version."""
        data = self.transport.call("get_availability",
                                   {"p_venue_id": venue_id, "p_date": date, "p_slot_id": slot_id})
        return Availability.from_json(data)

    def get_availability_events(self, channel: str, after_version: int = 0) -> list[AvailabilityEvent]:
        """The channel's events after a version, oldest first."""
        rows = self.transport.call("get_availability_events",
                                   {"p_channel": channel, "p_after_version": after_version})
        return [AvailabilityEvent.from_payload(r["payload"]) for r in rows]

    def check_table_availability(self, table_id: Id, booking_date: dt.date, start_time: dt.time,
                                 end_time: dt.time, exclude_booking_id: Id | None = None) -> bool:
        args: dict[str, Any] = {"table_id": table_id, "booking_date": booking_date, "start_time": start_time,
                                "end_time": end_time}
        if exclude_booking_id is not None:
            args["exclude_booking_id"] = exclude_booking_id
        return bool(self.transport.call("check_table_availability", args))

    def get_optimal_table_combinations(self, venue_id: Id, booking_date: dt.date, start_time: dt.time,
                                       end_time: dt.time, party_size: int) -> list[TableCombination]:
        rows = self.transport.call("get_optimal_table_combinations", {
            "venue_id": venue_id, "booking_date": booking_date, "start_time": start_time, "end_time": end_time,
            "party_size": party_size})
        return [TableCombination.from_json(r) for r in rows]

    # ---------- bookings ----------
    def hold_tables(self, venue_id: Id, date: dt.date, slot_id: str, table_ids: Sequence[Id], party_size: int, *,
                    idempotency_key: str | None = None, special_requests: str | None = None,
                    occasion: str | None = None, promoter_code: str | None = None,
                    customer_id: Id | None = None) -> Booking:
        """Hold tables (all or none) for a slot; the hold lives the venue's TTL (5 minutes)."""
        return Booking.from_json(self.transport.call("hold_tables", _args(
            {"p_venue_id": venue_id, "p_date": date, "p_slot_id": slot_id, "p_table_ids": _ids(table_ids),
             "p_party_size": party_size},
            idempotency_key=idempotency_key, special_requests=special_requests, occasion=occasion,
            promoter_code=promoter_code, customer_id=customer_id)))

    def submit_booking(self, booking_id: Id, payment_reference: str | None = None) -> Booking:
        """held -> pending_approval (or confirmed where the venue auto-confirms)."""
        return Booking.from_json(self.transport.call(
            "submit_booking", _args({"p_booking_id": booking_id}, payment_reference=payment_reference)))

    def approve_booking(self, booking_id: Id, reason: str | None = None) -> Booking:
        return self._transition("approve_booking", booking_id, reason)

    def reject_booking(self, booking_id: Id, reason: str | None = None) -> Booking:
        return self._transition("reject_booking", booking_id, reason)

    def cancel_booking(self, booking_id: Id, reason: str | None = None) -> Booking:
        """Cancel an open booking; ``refund_eligible`` says whether a paid deposit comes back."""
        return self._transition("cancel_booking", booking_id, reason)

    def check_in_booking(self, booking_id: Id) -> Booking:
        return Booking.from_json(self.transport.call("check_in_booking", {"p_booking_id": booking_id}))

    def mark_no_show(self, booking_id: Id) -> Booking:
        return Booking.from_json(self.transport.call("mark_no_show", {"p_booking_id": booking_id}))

    def _transition(self, name: str, booking_id: Id, reason: str | None) -> Booking:
        return Booking.from_json(self.transport.call(name, _args({"p_booking_id": booking_id}, reason=reason)))

    def create_booking_atomic(self, venue_id: Id, customer_email: str | None, customer_phone: str | None,
                              customer_name: str | None, table_ids: Sequence[Id], booking_date: dt.date,
                              start_time: dt.time, end_time: dt.time, party_size: int, *,
                              customer_id: Id | None = None, special_requests: str | None = None,
                              occasion: str | None = None,
                              stripe_payment_intent_id: str | None = None) -> AtomicBookingResult:
        """The seeds' one-call booking (hold and submit); errors come back in the result."""
        args: dict[str, Any] = {
            "venue_id": venue_id, "customer_email": customer_email, "customer_phone": customer_phone,
            "customer_name": customer_name, "table_ids": _ids(table_ids), "booking_date": booking_date,
            "start_time": start_time, "end_time": end_time, "party_size": party_size}
        optional = {"customer_id": customer_id, "special_requests": special_requests, "occasion": occasion,
                    "stripe_payment_intent_id": stripe_payment_intent_id}
        args.update({k: v for k, v in optional.items() if v is not None})
        rows = self.transport.call("create_booking_atomic", args)
        return AtomicBookingResult.from_json(rows[0])

    # ---------- staff ----------
    def block_tables(self, venue_id: Id, date: dt.date, table_ids: Sequence[Id], slot_id: str | None = None, *,
                     kind: str | None = None, reason: str | None = None, release_at: dt.datetime | None = None,
                     force: bool | None = None) -> BlockResult:
        """Block tables for a slot (or the whole night); ``force`` (manager, aal2) cancels bookings."""
        return BlockResult.from_json(self.transport.call("block_tables", _args(
            {"p_venue_id": venue_id, "p_date": date, "p_table_ids": _ids(table_ids)},
            slot_id=slot_id, kind=kind, reason=reason, release_at=release_at, force=force)))

    def unblock_tables(self, block_ids: Sequence[Id], reason: str | None = None) -> list[uuid.UUID]:
        data = self.transport.call("unblock_tables", _args({"p_block_ids": _ids(block_ids)}, reason=reason))
        return _ids(data.get("unblocked_ids") or [])

    def join_waitlist(self, venue_id: Id, date: dt.date, slot_id: str, party_size: int,
                      occasion: str | None = None) -> WaitlistEntry:
        return WaitlistEntry.from_json(self.transport.call("join_waitlist", _args(
            {"p_venue_id": venue_id, "p_date": date, "p_slot_id": slot_id, "p_party_size": party_size},
            occasion=occasion)))

    def expire_holds(self) -> int:
        """Run the hold sweeper now (service_role); returns how many holds it expired."""
        return int(self.transport.call("expire_holds", {}))

    def get_user_role(self, user_id: Id | None = None, venue_id: Id | None = None) -> str:
        args = {k: v for k, v in {"user_id": user_id, "venue_id": venue_id}.items() if v is not None}
        return str(self.transport.call("get_user_role", args))

    def booking_system_health(self) -> dict[str, Any]:
        return dict(self.transport.call("booking_system_health", {}))

    # ---------- security: overrides (manager/admin with aal2) and GDPR ----------
    def approve_booking_over_capacity(self, booking_id: Id, party_size: int, reason: str) -> Booking:
        """Manager override (aal2): confirm a party size beyond the tables' capacity rules."""
        return Booking.from_json(self.transport.call("approve_booking_over_capacity", {
            "p_booking_id": booking_id, "p_party_size": party_size, "p_reason": reason}))

    def refund_deposit(self, booking_id: Id, reason: str) -> Booking:
        """Manager override (aal2) or back office: record a paid deposit as refunded."""
        return Booking.from_json(self.transport.call("refund_deposit",
                                                     {"p_booking_id": booking_id, "p_reason": reason}))

    def update_venue_settings(self, venue_id: Id, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Admin (aal2): change venue settings, e.g. ``{"max_held_tables_per_customer": 3}``."""
        return dict(self.transport.call("update_venue_settings",
                                        {"p_venue_id": venue_id, "p_settings": dict(settings)}))

    def forget_customer(self, customer_id: Id) -> dict[str, Any]:
        """GDPR erasure (the customer, service_role, or an aal2 admin of every venue involved)."""
        return dict(self.transport.call("forget_customer", {"p_customer_id": customer_id}))

    def export_customer_data(self, customer_id: Id | None = None) -> dict[str, Any]:
        """GDPR access: everything held about a customer (the caller by default), as one document."""
        return dict(self.transport.call("export_customer_data", _args({}, customer_id=customer_id)))
