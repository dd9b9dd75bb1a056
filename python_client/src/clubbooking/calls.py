"""One function per RPC of the contract: its arguments in, a ``Call`` out.

A ``Call`` names the RPC, carries the arguments exactly as the SQL function names them, and
knows how to turn the JSON result into a typed model. ``BookingClient`` runs calls
synchronously and ``AsyncBookingClient`` awaits them, so the API is written once and both
clients (over either transport) send the same arguments and return the same types.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from clubbooking import models
from clubbooking.errors import InvalidInput
from clubbooking.monitoring import MetricsBatch

T = TypeVar("T")
Id = uuid.UUID | str
"""A uuid, as ``uuid.UUID`` or its text."""


@dataclass(frozen=True)
class Call(Generic[T]):
    """An RPC to run: ``name``, SQL-named ``args``, and ``parse`` for its JSON result."""

    name: str
    args: dict[str, Any]
    parse: Callable[[Any], T]


def _args(required: Mapping[str, Any], **optional: Any) -> dict[str, Any]:
    """Required arguments always (None reaches SQL as NULL); optional ones only when given."""
    return {**required, **{k: v for k, v in optional.items() if v is not None}}


def _ids(values: Iterable[Id]) -> list[uuid.UUID]:
    """Ids as uuids; a malformed one is the caller's INVALID_INPUT, as the database would say."""
    ids = []
    for value in values:
        try:
            ids.append(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            raise InvalidInput(f"not a uuid: {value!r}", sqlstate="PT422") from None
    return ids


def _p(**optional: Any) -> dict[str, Any]:
    """Optional arguments of the product's RPCs, whose SQL names carry a ``p_`` prefix."""
    return {f"p_{k}": v for k, v in optional.items()}


def _booking(name: str, args: dict[str, Any]) -> Call[models.Booking]:
    return Call(name, args, models.Booking.from_json)


# ---------- availability ----------

def get_availability(venue_id: Id, date: dt.date, slot_id: str) -> Call[models.Availability]:
    """The slot's snapshot (every table's state), shaped by the caller's role, with the channel's version."""
    return Call("get_availability", {"p_venue_id": venue_id, "p_date": date, "p_slot_id": slot_id},
                models.Availability.from_json)


def get_availability_at(venue_id: Id, date: dt.date, slot_id: str, at: dt.datetime) -> Call[models.Availability]:
    """Staff: the slot's snapshot (the staff view) as it was at ``at`` (``as_of``; version 0)."""
    return Call("get_availability_at", {"p_venue_id": venue_id, "p_date": date, "p_slot_id": slot_id, "p_at": at},
                models.Availability.from_json)


def get_availability_events(channel: str, after_version: int = 0) -> Call[list[models.AvailabilityEvent]]:
    """The channel's ``availability.updated`` events after a version, oldest first (replay after a gap)."""
    return Call("get_availability_events", {"p_channel": channel, "p_after_version": after_version},
                lambda rows: [models.AvailabilityEvent.from_payload(r["payload"]) for r in rows])


def check_table_availability(table_id: Id, booking_date: dt.date, start_time: dt.time, end_time: dt.time,
                             exclude_booking_id: Id | None = None) -> Call[bool]:
    """Seed API: is the table free for that local time range of the night?"""
    return Call("check_table_availability", _args(
        {"table_id": table_id, "booking_date": booking_date, "start_time": start_time, "end_time": end_time},
        exclude_booking_id=exclude_booking_id), bool)


def get_optimal_table_combinations(venue_id: Id, booking_date: dt.date, start_time: dt.time, end_time: dt.time,
                                   party_size: int) -> Call[list[models.TableCombination]]:
    """Seed API: free table sets that fit the party, best first."""
    return Call("get_optimal_table_combinations", {
        "venue_id": venue_id, "booking_date": booking_date, "start_time": start_time, "end_time": end_time,
        "party_size": party_size}, lambda rows: [models.TableCombination.from_json(r) for r in rows])


# ---------- bookings ----------

def hold_tables(venue_id: Id, date: dt.date, slot_id: str, table_ids: Sequence[Id], party_size: int, *,
                idempotency_key: str | None = None, special_requests: str | None = None,
                occasion: str | None = None, promoter_code: str | None = None,
                customer_id: Id | None = None, alternatives: bool = True) -> Call[models.Booking]:
    """Hold tables (all or none) for a slot; the hold lives the venue's TTL (5 minutes).

    ``customer_id`` books for another customer (host and up); the same ``idempotency_key``
    returns the first booking instead of a second one. A refusal (``SECTION_NOT_AVAILABLE``)
    lists alternatives; ``alternatives=False`` asks for none (cheaper, for a caller that holds a
    live snapshot).
    """
    return _booking("hold_tables", _args(
        {"p_venue_id": venue_id, "p_date": date, "p_slot_id": slot_id, "p_table_ids": _ids(table_ids),
         "p_party_size": party_size},
        **_p(idempotency_key=idempotency_key, special_requests=special_requests, occasion=occasion,
             promoter_code=promoter_code, customer_id=customer_id,
             alternatives=None if alternatives else False)))


def submit_booking(booking_id: Id, payment_reference: str | None = None) -> Call[models.Booking]:
    """held -> pending_approval (or confirmed where the venue auto-confirms) once the deposit is paid; a
    PaymentIntent id (``pi_...``) with a deposit due only waits for the payment (``awaiting_payment``)."""
    return _booking("submit_booking", _args({"p_booking_id": booking_id}, **_p(payment_reference=payment_reference)))


def record_payment(booking_id: Id, method: str, reason: str) -> Call[models.Booking]:
    """Host+: a deposit taken at the venue (``cash``, ``card_terminal``, ``bank_transfer``); submits the hold."""
    return _booking("record_payment", {"p_booking_id": booking_id, "p_method": method, "p_reason": reason})


def _with_reason(name: str, booking_id: Id, reason: str | None) -> Call[models.Booking]:
    return _booking(name, _args({"p_booking_id": booking_id}, **_p(reason=reason)))


def approve_booking(booking_id: Id, reason: str | None = None) -> Call[models.Booking]:
    """pending_approval -> confirmed (manager)."""
    return _with_reason("approve_booking", booking_id, reason)


def reject_booking(booking_id: Id, reason: str | None = None) -> Call[models.Booking]:
    """pending_approval -> rejected (manager)."""
    return _with_reason("reject_booking", booking_id, reason)


def _id_or_reference(booking: Id) -> dict[str, Any]:
    """A booking named by its id, else by its reference (BR-261204-S5F7EY, any case): text that
    is not a uuid goes as a reference, so the database answers it as an unknown booking
    (INVALID_INPUT), never with PostgreSQL's uuid syntax error."""
    if isinstance(booking, str):
        try:
            return {"p_booking_id": uuid.UUID(booking.strip())}
        except ValueError:
            return {"p_reference": booking.strip()}
    return {"p_booking_id": booking}


def cancel_booking(booking: Id, reason: str | None = None) -> Call[models.Booking]:
    """Cancel an open booking, by id or reference (its guest, or host and up); ``refund_eligible``:
    a paid deposit comes back."""
    return _booking("cancel_booking", _args(_id_or_reference(booking), **_p(reason=reason)))


def claim_booking(reference: str) -> Call[models.Booking]:
    """Take a booking a venue made for the caller's (confirmed) address into their own account, by its reference."""
    return _booking("claim_booking", {"p_reference": reference})



def check_in_booking(booking: Id, arrived_count: int | None = None) -> Call[models.Booking]:
    """confirmed -> checked_in (door and up), by id or by the reference the guest reads out, with how many
    of the party arrived (all by default). A repeat changes nothing else and says when and by whom
    (``already_checked_in_at``, ``checked_in_by``)."""
    return _booking("check_in_booking", _args(_id_or_reference(booking), **_p(arrived_count=arrived_count)))


def undo_check_in(booking: Id, reason: str | None = None) -> Call[models.Booking]:
    """checked_in -> confirmed (door and up), within the venue's undo window; by id or reference."""
    return _booking("undo_check_in", _args(_id_or_reference(booking), **_p(reason=reason)))


def undo_no_show(booking: Id, reason: str | None = None) -> Call[models.Booking]:
    """no_show -> confirmed (host and up), within the venue's undo window, if its tables are still free."""
    return _booking("undo_no_show", _args(_id_or_reference(booking), **_p(reason=reason)))


def modify_booking(booking: Id, *, party_size: int | None = None, table_ids: Sequence[Id] | None = None,
                   slot_id: str | None = None, reason: str | None = None) -> Call[models.Booking]:
    """Change a booking's party size, tables or slot (same night) in one step, refused like a hold; by id
    or reference. ``reason`` with a party beyond the tables' capacity is a manager's override (aal2).
    A paid deposit that grows leaves ``deposit_due``; one that shrinks, ``deposit_refundable``."""
    return _booking("modify_booking", _args(_id_or_reference(booking), **_p(
        party_size=party_size, table_ids=_ids(table_ids) if table_ids is not None else None,
        slot_id=slot_id, reason=reason)))


def seat_walk_in(venue_id: Id, date: dt.date, slot_id: str, table_ids: Sequence[Id], party_size: int,
                 full_name: str, *, phone: str | None = None, payment_method: str | None = None,
                 reason: str | None = None) -> Call[models.Booking]:
    """Staff (host and up): a walk-in guest, the tables and a checked_in booking in one call. A deposit is
    taken at the venue (``cash``, ``card_terminal``) or ``waived`` by a manager (aal2) with a reason."""
    return _booking("seat_walk_in", _args(
        {"p_venue_id": venue_id, "p_date": date, "p_slot_id": slot_id, "p_table_ids": _ids(table_ids),
         "p_party_size": party_size, "p_full_name": full_name},
        **_p(phone=phone, payment_method=payment_method, reason=reason)))


def mark_no_show(booking: Id) -> Call[models.Booking]:
    """confirmed -> no_show (host and up), once the booking has started; by id or reference."""
    return _booking("mark_no_show", _id_or_reference(booking))


def create_booking_atomic(venue_id: Id, customer_email: str | None, customer_phone: str | None,
                          customer_name: str | None, table_ids: Sequence[Id], booking_date: dt.date,
                          start_time: dt.time, end_time: dt.time, party_size: int, *,
                          customer_id: Id | None = None, special_requests: str | None = None,
                          occasion: str | None = None,
                          stripe_payment_intent_id: str | None = None) -> Call[models.AtomicBookingResult]:
    """Seed API: hold and submit in one call; errors come back in the result, not as exceptions."""
    return Call("create_booking_atomic", _args(
        {"venue_id": venue_id, "customer_email": customer_email, "customer_phone": customer_phone,
         "customer_name": customer_name, "table_ids": _ids(table_ids), "booking_date": booking_date,
         "start_time": start_time, "end_time": end_time, "party_size": party_size},
        customer_id=customer_id, special_requests=special_requests, occasion=occasion,
        stripe_payment_intent_id=stripe_payment_intent_id), lambda rows: models.AtomicBookingResult.from_json(rows[0]))


# ---------- staff ----------

def block_tables(venue_id: Id, date: dt.date, table_ids: Sequence[Id], slot_id: str | None = None, *,
                 kind: str | None = None, reason: str | None = None, release_at: dt.datetime | None = None,
                 force: bool | None = None) -> Call[models.BlockResult]:
    """Block tables for a slot (or the whole night); ``force`` (manager, aal2) cancels live bookings."""
    return Call("block_tables", _args(
        {"p_venue_id": venue_id, "p_date": date, "p_table_ids": _ids(table_ids)},
        **_p(slot_id=slot_id, kind=kind, reason=reason, release_at=release_at, force=force)),
        models.BlockResult.from_json)


def unblock_tables(block_ids: Sequence[Id], reason: str | None = None) -> Call[list[uuid.UUID]]:
    """Lift staff blocks (host and up); returns the ids it lifted."""
    return Call("unblock_tables", _args({"p_block_ids": _ids(block_ids)}, **_p(reason=reason)),
                lambda data: _ids(data.get("unblocked_ids") or []))


def join_waitlist(venue_id: Id, date: dt.date, slot_id: str, party_size: int,
                  occasion: str | None = None) -> Call[models.WaitlistEntry]:
    """Join a slot's waitlist: the entry with its priority score and position."""
    return Call("join_waitlist", _args(
        {"p_venue_id": venue_id, "p_date": date, "p_slot_id": slot_id, "p_party_size": party_size},
        **_p(occasion=occasion)), models.WaitlistEntry.from_json)


def expire_holds() -> Call[int]:
    """Run the hold sweeper now (service_role); returns how many holds it expired."""
    return Call("expire_holds", {}, int)


def get_user_role(user_id: Id | None = None, venue_id: Id | None = None) -> Call[str]:
    """Seed API: admin, manager, host, door, customer, anon or service_role."""
    return Call("get_user_role", _args({}, user_id=user_id, venue_id=venue_id), str)


def booking_system_health() -> Call[dict[str, Any]]:
    """Seed API: health figures for managers."""
    return Call("booking_system_health", {}, dict)


# ---------- reports ----------

def get_promoter_bookings(venue_id: Id, date_from: dt.date | None = None,
                          date_to: dt.date | None = None) -> Call[list[models.PromoterBooking]]:
    """The calling promoter's own bookings at a venue, optionally within nights ``date_from``-``date_to``."""
    return Call("get_promoter_bookings", _args({"p_venue_id": venue_id}, **_p(**{"from": date_from, "to": date_to})),
                lambda rows: [models.PromoterBooking.from_json(r) for r in rows])


def report_client_metrics(venue_id: Id, date: dt.date, batch: MetricsBatch) -> Call[dict[str, Any]]:
    """One batch of this client's monitoring figures for a venue's night (signed in; rate-limited)."""
    return Call("report_client_metrics", {
        "p_venue_id": venue_id, "p_date": date, "p_client": "python", "p_latencies_ms": list(batch.latencies_ms),
        "p_resyncs": batch.resyncs, "p_mismatched_resyncs": batch.mismatched_resyncs,
        "p_stale_hold_refusals": batch.stale_hold_refusals}, dict)


def get_venue_metrics(venue_id: Id, date_from: dt.date, date_to: dt.date) -> Call[list[models.NightMetrics]]:
    """Per-night conversion, expiry, no-show and conflict figures, ``date_from`` to ``date_to`` (manager+)."""
    return Call("get_venue_metrics", {"p_venue_id": venue_id, "p_from": date_from, "p_to": date_to},
                lambda rows: [models.NightMetrics.from_json(r) for r in rows])


# ---------- security: overrides (manager/admin with aal2) and GDPR ----------

def approve_booking_over_capacity(booking_id: Id, party_size: int, reason: str) -> Call[models.Booking]:
    """Manager override (aal2): confirm a party size beyond the tables' capacity rules."""
    return _booking("approve_booking_over_capacity",
                    {"p_booking_id": booking_id, "p_party_size": party_size, "p_reason": reason})


def refund_deposit(booking_id: Id, reason: str) -> Call[models.Booking]:
    """Manager override (aal2) or back office: refund a deposit as the venue's cancellation policy allows
    (a Stripe payment through the worker: refund_status ``refund_pending`` until Stripe confirms)."""
    return _booking("refund_deposit", {"p_booking_id": booking_id, "p_reason": reason})


def update_venue_settings(venue_id: Id, settings: Mapping[str, Any]) -> Call[dict[str, Any]]:
    """Admin (aal2): change venue settings, e.g. ``{"max_held_tables_per_customer": 3}``; the settings after."""
    return Call("update_venue_settings", {"p_venue_id": venue_id, "p_settings": dict(settings)}, dict)


def forget_customer(customer_id: Id) -> Call[dict[str, Any]]:
    """GDPR erasure (the customer, service_role, or an aal2 admin of every venue involved)."""
    return Call("forget_customer", {"p_customer_id": customer_id}, dict)


def set_notification_channels(channels: Sequence[str], customer_id: Id | None = None) -> Call[dict[str, Any]]:
    """The channels (``email``, ``sms``) the guest (the caller by default) agrees to hear about their bookings
    on; an empty list opts out. ``{customer_id, notification_channels, notification_consent_at}``."""
    return Call("set_notification_channels",
                _args({"p_channels": list(channels)}, **_p(customer_id=customer_id)), dict)


def export_customer_data(customer_id: Id | None = None) -> Call[dict[str, Any]]:
    """GDPR access: everything held about a customer (the caller by default), as one document."""
    return Call("export_customer_data", _args({}, **_p(customer_id=customer_id)), dict)


# ---------- operations: the door's views, walk-ins, invitations, the catalogue, venue setup ----------

def _night_bookings(rows: Any) -> list[models.NightBooking]:
    return [models.NightBooking.from_json(r) for r in rows]


def get_night_bookings(venue_id: Id, date: dt.date,
                       statuses: Sequence[str] | None = None) -> Call[list[models.NightBooking]]:
    """A night's bookings (door and up), earliest first, one per booking with its table numbers;
    ``statuses`` filters (e.g. ``["confirmed", "checked_in"]``). Fields by role."""
    return Call("get_night_bookings", _args({"p_venue_id": venue_id, "p_date": date},
                                            **_p(statuses=list(statuses) if statuses is not None else None)),
                _night_bookings)


def find_bookings(venue_id: Id, query: str) -> Call[list[models.NightBooking]]:
    """A venue's bookings by reference or guest name (host and up: also phone or email), at most 50."""
    return Call("find_bookings", {"p_venue_id": venue_id, "p_query": query}, _night_bookings)


def create_guest(venue_id: Id, full_name: str, phone: str | None = None,
                 email: str | None = None) -> Call[uuid.UUID]:
    """A walk-in guest of the venue's club (host and up); the club's existing guest when the email matches.
    Hold tables for them with ``hold_tables(..., customer_id=guest_id)``."""
    return Call("create_guest", _args({"p_venue_id": venue_id, "p_full_name": full_name},
                                      **_p(phone=phone, email=email)), lambda value: _ids([value])[0])


def invite_staff(venue_id: Id, email: str, role: str) -> Call[models.StaffInvitation]:
    """Invite a person by email as door, host, manager or admin (admin, aal2): a single-use token goes to that
    address, valid 7 days; they accept it with ``accept_invitation``."""
    return Call("invite_staff", {"p_venue_id": venue_id, "p_email": email, "p_role": role},
                models.StaffInvitation.from_json)


def accept_invitation(token: str) -> Call[models.StaffInvitation]:
    """Accept an invitation by the token from its message (signed in with the invited address, confirmed)."""
    return Call("accept_invitation", {"p_token": token}, models.StaffInvitation.from_json)


def list_invitations(venue_id: Id) -> Call[list[models.StaffInvitation]]:
    """A venue's invitations with their status, newest first (admin, aal2)."""
    return Call("list_invitations", {"p_venue_id": venue_id},
                lambda rows: [models.StaffInvitation.from_json(r) for r in rows])


def revoke_invitation(invitation_id: Id) -> Call[models.StaffInvitation]:
    """Revoke an open invitation: its token stops working (admin, aal2)."""
    return Call("revoke_invitation", {"p_invitation_id": invitation_id}, models.StaffInvitation.from_json)


def list_staff(venue_id: Id) -> Call[list[models.StaffMember]]:
    """A venue's staff with email, name and role (manager and up)."""
    return Call("list_staff", {"p_venue_id": venue_id}, lambda rows: [models.StaffMember.from_json(r) for r in rows])


def remove_staff(venue_id: Id, user_id: Id) -> Call[models.StaffMember]:
    """Remove a person from a venue's staff (admin, aal2; never its last admin)."""
    return Call("remove_staff", {"p_venue_id": venue_id, "p_user_id": user_id}, models.StaffMember.from_json)


def set_staff_role(venue_id: Id, user_id: Id, role: str) -> Call[models.StaffMember]:
    """Give a staff member another role (admin, aal2; never demoting the last admin)."""
    return Call("set_staff_role", {"p_venue_id": venue_id, "p_user_id": user_id, "p_role": role},
                models.StaffMember.from_json)


def get_catalogue(venue_id: Id | None = None) -> Call[models.Catalogue]:
    """Every venue (or one) with its floors, slots, tables and combinations: no ids to hard-code."""
    return Call("get_catalogue", _args({}, **_p(venue_id=venue_id)), models.Catalogue.from_json)


def setup_venue(venue_id: Id | None, spec: Mapping[str, Any]) -> Call[models.VenueInfo]:
    """Create (``venue_id`` None, ``spec["club_id"]`` set) or change a venue from a spec: settings, floors,
    tables, slots, combinations (admin, aal2). Refused, changing nothing, if a live booking would be stranded."""
    return Call("setup_venue", {"p_venue_id": venue_id, "p_spec": dict(spec)}, models.VenueInfo.from_json)


# ---------- history: the audit chain ----------

def verify_audit_chain(venue_id: Id, date_from: dt.datetime | None = None,
                       date_to: dt.datetime | None = None) -> Call[models.AuditChainCheck]:
    """Recompute the venue's audit chains over the rows written from ``date_from`` to ``date_to`` (manager+):
    ok, how many rows were checked, and the first broken row's id."""
    return Call("verify_audit_chain", _args({"p_venue_id": venue_id}, **_p(**{"from": date_from, "to": date_to})),
                models.AuditChainCheck.from_json)


def get_audit_anchors(venue_id: Id, since: dt.date | None = None) -> Call[list[models.AuditAnchor]]:
    """The venue's audit chain anchors taken since a day (all by default), oldest first, to keep
    elsewhere (manager+)."""
    return Call("get_audit_anchors", _args({"p_venue_id": venue_id}, **_p(since=since)),
                lambda rows: [models.AuditAnchor.from_json(r) for r in rows])


def anchor_audit_chains() -> Call[int]:
    """The back office: anchor the head of every audit chain that moved (pg_cron does it daily); how many."""
    return Call("anchor_audit_chains", {}, int)
