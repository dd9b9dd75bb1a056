"""What a guest reads about their booking: a notification rendered as a subject and a text.

Everything comes from the notification's payload (``private.booking_notice``: the venue's name,
zone and currency, the local start, party, deposit and how to pay) and the guest's name read at
sending time. Times are in the venue's zone, money in its currency. Nothing here sends anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

SYMBOLS = {"gbp": "£", "eur": "€", "usd": "$"}
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf",
                "xof", "xpf"}

# kind -> (subject, the first line); {venue}, {when}, {reference}, {party} are filled in.
WORDING = {
    "booking_held": ("Your table at {venue} is held", "We're holding your table for {party} on {when}."),
    "booking_requested": ("Request received: {venue}, {when}", "{venue} has your request for {party} on {when}."),
    "booking_confirmed": ("Confirmed: {venue}, {when}", "Your table for {party} on {when} is confirmed."),
    "booking_approved": ("Approved: {venue}, {when}", "{venue} approved your request for {party} on {when}."),
    "booking_rejected": ("{venue} couldn't take your booking", "{venue} couldn't take your request for {when}."),
    "booking_request_expired": ("Your request to {venue} lapsed",
                                "Your request for {when} wasn't answered in time, so it has lapsed."),
    "booking_changed": ("Changed: {venue}, {when}", "Your booking at {venue} changed: now {party} on {when}."),
    "booking_cancelled": ("Cancelled: {venue}, {when}", "You cancelled your booking for {when}."),
    "booking_cancelled_by_venue": ("{venue} cancelled your booking", "{venue} had to cancel your booking for {when}."),
    "booking_reminder_24h": ("Tomorrow at {venue}", "A reminder: your table for {party} is booked for {when}."),
    "booking_reminder_2h": ("See you soon at {venue}", "Your table for {party} is ready from {when}."),
    "waitlist_offer": ("A table at {venue} is yours to take", "A table came free for {when}: it's held for you."),
}

OPT_OUT = ("You get these because you booked at {venue}. To stop them, choose no channels in your account "
           "(set_notification_channels), or reply STOP to a text.")


@dataclass(frozen=True)
class Message:
    """A rendered notification: subject and plain text."""

    subject: str
    text: str


def money(amount: Any, currency: str) -> str:
    """An amount in the venue's currency: £50.00, €20.00, 5000 JPY."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return f"{amount} {currency.upper()}"
    places = "1" if currency in ZERO_DECIMAL else "0.01"
    number = f"{value.quantize(Decimal(places)):,}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"


def local_time(at: Any, zone: str) -> str:
    """An instant in the venue's zone, as guests read it: Fri 11 Dec, 23:30 GMT."""
    instant = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} {local.tzname()}"


def invitation(payload: Mapping[str, Any]) -> Message:
    """A staff invitation, to the invited address: the venue, the role and how to accept."""
    venue = str(payload.get("venue") or "a venue")
    lines = ["Hi,", "", f"You're invited to join the staff of {venue} as {payload.get('role', 'staff')}."]
    if payload.get("token"):
        lines.append(f"Sign in with this address, then accept: clubbooking invitations accept {payload['token']}")
    if payload.get("expires_at"):
        lines.append(f"The invitation expires at {payload['expires_at']}.")
    return Message(f"Join {venue}'s staff", "\n".join(lines))


def render(kind: str, payload: Mapping[str, Any], guest_name: str | None = None) -> Message:
    """The message for one notification (its kind and payload)."""
    if kind == "staff_invitation":
        return invitation(payload)
    zone = str(payload.get("timezone") or "UTC")
    currency = str(payload.get("currency") or "gbp")
    venue = str(payload.get("venue_name") or "the venue")
    when = local_time(payload["starts_at"], zone) if payload.get("starts_at") else "your night"
    party = payload.get("party_size")
    fill = {"venue": venue, "when": when, "reference": payload.get("reference", ""),
            "party": f"{party} guests" if party else "your party"}
    subject, first = WORDING.get(kind, ("News about your booking at {venue}", "Your booking at {venue} changed."))
    lines = [f"Hi {guest_name}," if guest_name else "Hi,", "", first.format(**fill)]
    if payload.get("reference"):
        lines.append(f"Reference: {payload['reference']}")
    if kind == "booking_changed" and isinstance(payload.get("before"), Mapping):
        before = payload["before"]
        lines.append(f"Before: party of {before.get('party_size')}, deposit {money(before.get('deposit'), currency)}")
    if payload.get("note") and kind in ("booking_rejected", "booking_cancelled_by_venue"):
        lines.append(f"From {venue}: {payload['note']}")
    if payload.get("pay"):
        expires = payload.get("hold_expires_at")
        by = f" by {local_time(expires, zone)}" if expires else ""
        lines.append(f"To keep it, pay the deposit of {money(payload.get('deposit'), currency)}{by}: "
                     f"{payload['pay']} (the app does this when you tap Pay).")
    elif payload.get("deposit") not in (None, "0", "0.00", 0) and kind in ("booking_confirmed", "booking_approved"):
        lines.append(f"Deposit paid: {money(payload['deposit'], currency)}.")
    if payload.get("free_cancellation_until") and kind in ("booking_confirmed", "booking_approved",
                                                           "booking_reminder_24h"):
        lines.append(f"Free cancellation until {local_time(payload['free_cancellation_until'], zone)}; after that, "
                     "and if you don't come, the deposit is kept.")
    lines += ["", OPT_OUT.format(venue=venue)]
    return Message(subject.format(**fill), "\n".join(lines))
