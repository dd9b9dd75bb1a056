"""One short night that calls every RPC method of the client, for every transport to replay.

Each step names an actor, a client method, its arguments (from the night and the results
so far) and what must come back: a result type and a check, or a contract exception. The
transports' tests run the same steps, so both clients over both transports are held to one
specification.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from clubbooking.calls import Call
from clubbooking.client import rpc_methods
from clubbooking.errors import BookingError, InvalidInput, InvalidPartySize, InvalidTransition, NotAuthorized
from clubbooking.errors import SectionNotAvailable as Taken
from clubbooking.models import (
    AtomicBookingResult,
    AuditAnchor,
    AuditChainCheck,
    Availability,
    BlockResult,
    Booking,
    Catalogue,
    NightMetrics,
    StaffInvitation,
    StaffMember,
    TableCombination,
    VenueInfo,
    WaitlistEntry,
)
from clubbooking.monitoring import MetricsBatch
from clubbooking_dev import leeds

SLOT = "slot_23_30"
LATE, CLOSE = dt.time(23, 30), dt.time(4, 0)
VENUE = leeds.VENUE_ID


def table(n: int) -> str:
    return str(leeds.TABLE_IDS[n])


Args = tuple[tuple[Any, ...], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    label: str
    actor: str  # anon, guest, guest2, door, host, manager, admin, service
    method: str
    args: Callable[[dt.date, dict[str, Any]], Args]
    expect: type[Any]
    check: Callable[[Any], bool] = lambda result: True
    malformed: bool = False  # sends a value its SQL type refuses, on purpose


def a(*args: Any, **kwargs: Any) -> Args:
    return args, kwargs


def booking_id(label: str) -> Callable[[dict[str, Any]], Any]:
    return lambda r: r[label].booking_id


def status(expected: str) -> Callable[[Any], bool]:
    return lambda booking: bool(booking.status == expected)


STEPS = (
    Step("snapshot", "anon", "get_availability", lambda n, r: a(VENUE, n, SLOT), Availability,
         lambda s: len(s.tables) == 16 and s.view == "public"),
    Step("combinations", "anon", "get_optimal_table_combinations", lambda n, r: a(VENUE, n, LATE, CLOSE, 4), list,
         lambda rows: bool(rows) and all(isinstance(c, TableCombination) for c in rows)),
    Step("free", "anon", "check_table_availability", lambda n, r: a(table(3), n, LATE, CLOSE), bool, bool),
    Step("hold", "guest", "hold_tables", lambda n, r: a(VENUE, n, SLOT, [table(3)], 4, occasion="birthday",
                                                         idempotency_key="scenario-1"), Booking, status("held")),
    Step("submit", "guest", "submit_booking", lambda n, r: a(booking_id("hold")(r), payment_reference="pi_1"),
         Booking, lambda booking: booking.status == "held" and booking.awaiting_payment is True),
    Step("pay", "host", "record_payment", lambda n, r: a(booking_id("hold")(r), "card_terminal", "paid at the bar"),
         Booking, status("pending_approval")),
    Step("approve", "manager", "approve_booking", lambda n, r: a(booking_id("hold")(r), reason="regulars"),
         Booking, status("confirmed")),
    Step("check_in_early", "door", "check_in_booking", lambda n, r: a(booking_id("hold")(r)), InvalidTransition),
    Step("no_show_early", "host", "mark_no_show", lambda n, r: a(booking_id("hold")(r)), InvalidTransition),
    Step("modify", "guest", "modify_booking", lambda n, r: a(booking_id("hold")(r), party_size=5), Booking,
         lambda booking: booking.party_size == 5 and booking.status == "confirmed"),
    Step("modify_bad", "guest", "modify_booking", lambda n, r: a(r["hold"].reference, party_size=0), InvalidPartySize),
    Step("undo_check_in", "door", "undo_check_in", lambda n, r: a(r["hold"].reference), Booking, status("confirmed")),
    Step("undo_no_show", "host", "undo_no_show", lambda n, r: a(booking_id("hold")(r), reason="a mistake"), Booking,
         status("confirmed")),
    Step("seat_early", "host", "seat_walk_in",
         lambda n, r: a(VENUE, n, SLOT, [table(10)], 2, "Walk In", payment_method="cash"), InvalidTransition),
    Step("over_capacity", "manager", "approve_booking_over_capacity",
         lambda n, r: a(booking_id("hold")(r), 8, "birthday crowd"), Booking,
         lambda booking: booking.party_size == 8 and booking.status == "confirmed"),
    Step("refund", "manager", "refund_deposit", lambda n, r: a(booking_id("hold")(r), "goodwill"), Booking),
    Step("settings", "admin", "update_venue_settings", lambda n, r: a(VENUE, {"waitlist_offer_ttl": "15 minutes"}),
         dict, lambda settings: settings["waitlist_offer_ttl"] == "00:15:00"),
    Step("taken", "guest2", "hold_tables", lambda n, r: a(VENUE, n, SLOT, [table(3)], 4), Taken,
         lambda error: error.status == 409 and bool(error.alternatives)),
    Step("taken, no alternatives asked", "guest2", "hold_tables",
         lambda n, r: a(VENUE, n, SLOT, [table(3)], 4, alternatives=False), Taken,
         lambda error: error.status == 409 and error.alternatives == [] and error.data["reason"] == "taken"),
    Step("hold2", "guest2", "hold_tables", lambda n, r: a(VENUE, n, SLOT, [table(4)], 4), Booking, status("held")),
    Step("pay2", "host", "record_payment", lambda n, r: a(booking_id("hold2")(r), "cash", "paid at the door"),
         Booking, status("pending_approval")),
    Step("reject", "manager", "reject_booking", lambda n, r: a(booking_id("hold2")(r), "full"), Booking,
         status("rejected")),
    Step("hold3", "guest2", "hold_tables", lambda n, r: a(VENUE, n, SLOT, [table(5)], 6), Booking),
    Step("cancel", "guest2", "cancel_booking", lambda n, r: a(booking_id("hold3")(r), reason="plans changed"),
         Booking, status("cancelled")),
    # the door's night: the confirmed booking on table 3, found by its reference; a walk-in by a host
    Step("night", "door", "get_night_bookings", lambda n, r: a(VENUE, n, statuses=["confirmed"]), list,
         lambda rows: any(b.table_numbers == (3,) and b.slot_id == SLOT for b in rows)),
    Step("replay", "door", "get_availability_at",
         lambda n, r: a(VENUE, n, SLOT, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)), Availability,
         lambda s: len(s.tables) == 16 and s.view == "staff" and s.version == 0 and s.as_of is not None),
    Step("find", "door", "find_bookings", lambda n, r: a(VENUE, r["hold"].reference.lower()), list,
         lambda rows: len(rows) == 1 and rows[0].table_numbers == (3,)),
    Step("check_in_ref", "door", "check_in_booking", lambda n, r: a(r["hold"].reference), InvalidTransition),
    Step("guest_add", "host", "create_guest", lambda n, r: a(VENUE, "Walk In", "+44 7700 900333"), uuid.UUID),
    Step("walk_in", "host", "hold_tables", lambda n, r: a(VENUE, n, SLOT, [table(9)], 2, customer_id=r["guest_add"]),
         Booking, status("held")),
    Step("cancel_ref", "host", "cancel_booking", lambda n, r: a(r["walk_in"].reference, reason="left"), Booking,
         status("cancelled")),
    Step("invite", "admin", "invite_staff", lambda n, r: a(VENUE, "scenario.door@backroom.example", "door"),
         StaffInvitation, lambda invitation: invitation.status == "pending"),
    Step("invitations", "admin", "list_invitations", lambda n, r: a(VENUE), list,
         lambda rows: any(i.status == "pending" for i in rows)),
    Step("revoke", "admin", "revoke_invitation", lambda n, r: a(r["invite"].invitation_id), StaffInvitation,
         lambda invitation: invitation.status == "revoked"),
    Step("accept", "guest", "accept_invitation", lambda n, r: a("inv_no_such_token"), InvalidInput),
    Step("claim", "guest", "claim_booking", lambda n, r: a(r["walk_in"].reference), InvalidInput),
    Step("staff", "manager", "list_staff", lambda n, r: a(VENUE), list,
         lambda members: any(m.user_id == leeds.STAFF_IDS["door"] for m in members)),
    Step("staff_role", "admin", "set_staff_role", lambda n, r: a(VENUE, leeds.STAFF_IDS["door"], "door"), StaffMember,
         lambda member: member.role == "door"),
    Step("staff_remove", "admin", "remove_staff", lambda n, r: a(VENUE, leeds.STAFF_IDS["admin"]), InvalidTransition),
    Step("catalogue", "anon", "get_catalogue", lambda n, r: a(VENUE), Catalogue,
         lambda catalogue: len(catalogue.venue(VENUE).tables) == 16),
    Step("setup", "admin", "setup_venue", lambda n, r: a(VENUE, {"hold_ttl": "5 minutes"}), VenueInfo,
         lambda venue: len(venue.slots) == 2),
    Step("atomic", "guest", "create_booking_atomic",
         lambda n, r: a(VENUE, None, None, None, [table(6)], n, LATE, CLOSE, 6, stripe_payment_intent_id="pi_3"),
         AtomicBookingResult, lambda result: result.success and result.booking_id is not None),
    Step("block", "host", "block_tables", lambda n, r: a(VENUE, n, [table(7)], SLOT, reason="spill"), BlockResult,
         lambda result: len(result.block_ids) == 1),
    Step("unblock", "host", "unblock_tables", lambda n, r: a(r["block"].block_ids, reason="mopped"), list,
         lambda ids: len(ids) == 1),
    Step("waitlist", "guest2", "join_waitlist", lambda n, r: a(VENUE, n, SLOT, 6, occasion="stag_party"), WaitlistEntry,
         lambda entry: entry.position >= 1),
    Step("sweep", "service", "expire_holds", lambda n, r: a(), int),
    Step("role", "manager", "get_user_role", lambda n, r: a(venue_id=VENUE), str, lambda role: role == "manager"),
    Step("health", "manager", "booking_system_health", lambda n, r: a(), dict),
    Step("report", "guest", "report_client_metrics", lambda n, r: a(VENUE, n, MetricsBatch((120, 480), 2, 1, 1)),
         dict, lambda answer: answer == {"accepted": True, "samples": 2}),
    Step("metrics", "manager", "get_venue_metrics", lambda n, r: a(VENUE, n, n), list,
         lambda nights: len(nights) == 1 and isinstance(nights[0], NightMetrics) and nights[0].holds >= 4
         and nights[0].stale_hold_refusals == 1 and nights[0].snapshot_mismatch_rate == 0.5),
    Step("promoter", "guest", "get_promoter_bookings", lambda n, r: a(VENUE), NotAuthorized,
         lambda error: error.status == 403),
    Step("events", "anon", "get_availability_events", lambda n, r: a(r["snapshot"].channel, 0), list,
         lambda events: len(events) >= 5 and [e.version for e in events] == list(range(1, len(events) + 1))),
    # guest2's two bookings, and the hold the waitlist offered at the join's commit (table 5 is free again)
    Step("export", "guest2", "export_customer_data", lambda n, r: a(), dict,
         lambda export: len(export["bookings"]) == 3 and export["waitlist_entries"][0]["status"] == "offered"),
    Step("forget", "guest2", "forget_customer", lambda n, r: a(r["export"]["customer"]["id"]), dict),
    Step("anchor", "service", "anchor_audit_chains", lambda n, r: a(), int, lambda taken: taken >= 1),
    Step("anchors", "manager", "get_audit_anchors", lambda n, r: a(VENUE, n - dt.timedelta(days=60)), list,
         lambda anchors: any(isinstance(x, AuditAnchor) and x.night is not None for x in anchors)),
    Step("verify", "manager", "verify_audit_chain", lambda n, r: a(VENUE), AuditChainCheck,
         lambda check: check.ok and check.checked >= 10 and check.first_broken_id is None),
    Step("verify_host", "host", "verify_audit_chain", lambda n, r: a(VENUE), NotAuthorized),
    Step("anon_hold", "anon", "hold_tables", lambda n, r: a(VENUE, n, SLOT, [table(8)], 4), NotAuthorized,
         lambda error: error.status == 401),
    Step("bad_party", "guest", "hold_tables", lambda n, r: a(VENUE, n, SLOT, [table(8)], 0), InvalidPartySize,
         lambda error: error.status == 422),
    Step("bad_uuid", "guest", "cancel_booking", lambda n, r: a("not-a-uuid"), InvalidInput, malformed=True),
)


def actor_claims(admin: psycopg.Connection[Any], label: str) -> dict[str, dict[str, Any]]:
    """JWT claims of every actor of the scenario (two new guests per run)."""
    guest, guest2 = leeds.create_guests(admin, 2, prefix=label)
    return {"anon": {"role": "anon"}, "guest": guest, "guest2": guest2, "service": {"role": "service_role"},
            **{role: leeds.staff_claims(role, aal="aal2") for role in ("door", "host", "manager", "admin")}}


def outcome(step: Step, result: Any) -> str:
    """What a step gave, in words: "ok", or why it does not meet the step's specification."""
    if not isinstance(result, step.expect):
        return f"{step.label}: expected {step.expect.__name__}, got {result!r}"
    return "ok" if step.check(result) else f"{step.label}: check failed on {result!r}"


@dataclass
class Replay:
    """What a run gave: each step's outcome, and the ``Call`` each step made (what was sent)."""

    outcomes: dict[str, str]
    calls: list[Call[Any]]


async def run_async(call: Callable[[Step, tuple[Any, ...], dict[str, Any]], Awaitable[Any]],
                    night: dt.date) -> Replay:
    """Run the steps with ``await call(step, args, kwargs)`` (a client method); outcomes and calls."""
    results: dict[str, Any] = {}
    sent: list[Call[Any]] = []
    for step in STEPS:
        args, kwargs = step.args(night, results)
        sent.append(rpc_methods()[step.method](*args, **kwargs))
        try:
            results[step.label] = await call(step, args, kwargs)
        except BookingError as error:
            results[step.label] = error
    return Replay({step.label: outcome(step, results[step.label]) for step in STEPS}, sent)


def run(call: Callable[[Step, tuple[Any, ...], dict[str, Any]], Any], night: dt.date) -> Replay:
    """``run_async`` with a synchronous ``call``."""
    async def awaited(step: Step, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return call(step, args, kwargs)
    return asyncio.run(run_async(awaited, night))


ALL_OK = {step.label: "ok" for step in STEPS}
