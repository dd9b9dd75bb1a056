"""The ``clubbooking`` command: run a database, run a night at the door, set up a venue, play a rush.

Every command that talks to the database takes ``--dsn`` (default: ``$DATABASE_URL``),
``--venue`` (an id or a name; default: ``$CLUBBOOKING_VENUE``) and ``--as`` (who to act as:
``service``, ``anon``, ``user:<uuid>`` or ``email:<address>`` of a signed-up user, or a name a
plugin defines; ``--aal2`` for an MFA-verified session), and acts as that user exactly as
PostgREST would. Bookings are named by id or by reference (``BR-261204-S5F7EY``), tables by number.

Plugins (entry point group ``clubbooking.cli``, a function ``register(app, extensions)``) add
commands, named actors, a default venue and a kept database: the repository's ``clubbooking_dev``
adds ``up``, ``down``, ``migrate``, ``seed``, ``with-db``, ``user add``, ``demo``, ``rush`` and the
seeded club's staff (``--as door/host/manager/admin``).

Exit codes:
  0  success
  1  the booking service refused: a contract error (its code, HTTP status, advice and detail are printed)
  2  bad usage (unknown option, malformed argument, unknown user, table, slot or venue: the valid ones are listed)
  3  no database: none configured, it cannot be reached, or (rush, demo) no scratch database may be made there
  4  ``rush`` found double bookings (must never happen; the dev plugin)
  5  the database failed in a way the contract does not name (the message is printed, never a traceback)
  6  `audit verify` found a broken audit chain
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import psycopg
import typer
import yaml
from rich.console import Console
from rich.table import Table

from clubbooking import render
from clubbooking.board import run_board
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError, DatabaseUnavailable, InvalidInput, SectionNotAvailable
from clubbooking.models import AuditAnchor, Availability, Booking, Money, StaffMember, VenueInfo
from clubbooking.relay import run_relay
from clubbooking.watch import PsycopgListener, ThreadedSource

EXIT_BOOKING_ERROR, EXIT_USAGE, EXIT_NO_DATABASE, EXIT_DATABASE_ERROR, EXIT_CHAIN_BROKEN = 1, 2, 3, 5, 6
PLUGIN_GROUP = "clubbooking.cli"

app = typer.Typer(help="clubbooking: table bookings for nightclubs, on PostgreSQL.", no_args_is_help=True,
                  epilog="Exit codes: 0 success; 1 a contract error (code printed); 2 bad usage; "
                         "3 no database; 4 rush found double bookings; 5 another database error; "
                         "6 `audit verify` found a broken audit chain.")
# Piped or captured output is not cut at 80 columns: a booking reference must stay whole.
console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

DsnOption = Annotated[str | None, typer.Option("--dsn", help="PostgreSQL DSN (default: $DATABASE_URL, else `up`'s)")]
AsOption = Annotated[str, typer.Option("--as", help="act as: service (no JWT), anon, door, host, manager, admin, "
                                                     "user:<uuid> or email:<address> (a signed-up user)")]
Aal2Option = Annotated[bool, typer.Option("--aal2", help="the session passed MFA (aal2)")]


def parse_night(value: str) -> dt.date:
    """A night: YYYY-MM-DD, ``tonight`` (before 06:00, the night that started yesterday) or ``tomorrow``."""
    now = dt.datetime.now()
    tonight = (now - dt.timedelta(hours=6)).date()
    named = {"tonight": tonight, "today": tonight, "tomorrow": tonight + dt.timedelta(days=1)}
    if value.lower() in named:
        return named[value.lower()]
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a night: use YYYY-MM-DD, tonight or tomorrow") from None


Night = Annotated[dt.date, typer.Argument(parser=parse_night, metavar="NIGHT",
                                          help="the night: YYYY-MM-DD, tonight or tomorrow")]
VenueOption = Annotated[str | None, typer.Option(help="venue id or name (default: $CLUBBOOKING_VENUE)")]
DefaultSlot = Annotated[str | None, typer.Argument(help="the slot id (default: $CLUBBOOKING_SLOT)")]


@dataclass
class Extensions:
    """What plugins add besides commands: named ``--as`` actors (their JWT claims, without ``aal``),
    a default venue and slot, where a kept database's DSN is found, and what to suggest when there
    is none."""

    actors: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_venue: uuid.UUID | None = None
    default_slot: str | None = None
    kept_dsn: Callable[[], str | None] = lambda: None
    no_database_hint: str = "pass --dsn or set DATABASE_URL"


extensions = Extensions()


def resolve_dsn(dsn: str | None) -> str:
    """--dsn, else $DATABASE_URL, else a plugin's kept database."""
    if found := dsn or os.environ.get("DATABASE_URL") or extensions.kept_dsn():
        return found
    errors.print(f"[red]no database[/]: {extensions.no_database_hint}")
    raise typer.Exit(EXIT_NO_DATABASE)


def claims_for(actor: str, aal2: bool, dsn: str | None = None) -> dict[str, Any] | None:
    """JWT claims for --as; a ``user:`` or ``email:`` user must exist in auth.users (checked on ``dsn``)."""
    aal = "aal2" if aal2 else "aal1"
    if actor == "service":
        return None
    if actor == "anon":
        return {"role": "anon"}
    if actor in extensions.actors:
        return {**extensions.actors[actor], "aal": aal}
    kind, _, value = actor.partition(":")
    if kind == "user":
        try:
            user_id = str(uuid.UUID(value))
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not a user id (a uuid)", param_hint="--as") from None
        return {"sub": lookup_user(dsn, "id = %s::uuid", user_id, actor), "role": "authenticated", "aal": aal}
    if kind == "email" and "@" in value:
        return {"sub": lookup_user(dsn, "lower(email) = lower(%s)", value, actor), "role": "authenticated",
                "aal": aal, "email": value.lower()}
    named = ", ".join(["service", "anon", *extensions.actors])
    raise typer.BadParameter(f"unknown actor {actor!r}: use {named}, user:<uuid> or email:<address>",
                             param_hint="--as")


def lookup_user(dsn: str | None, condition: str, value: str, actor: str) -> str:
    """The id of the auth.users row matching, or bad usage naming what to do (sign up first)."""
    if dsn is None:
        return value
    try:
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            row = conn.execute(f"select id::text from auth.users where {condition}", (value,)).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        if condition.startswith("id"):
            return value  # a DSN that can't read auth.users: the database checks the user itself
        raise typer.BadParameter("this DSN cannot look users up by email; use user:<uuid>", param_hint="--as") from None
    if row is None:
        raise typer.BadParameter(f"no signed-up user {actor.partition(':')[2]} in this project's auth.users "
                                 "(sign up first; locally `clubbooking user add EMAIL`)", param_hint="--as")
    return str(row[0])


def describe(error: BookingError) -> str:
    """The message for a contract error: code, HTTP status, what it means, and the detail."""
    lines = [f"[red]{error.code}[/] (HTTP {error.status}): {error.advice}"]
    if error.detail and error.data is None:
        lines.append(f"  detail: {error.detail}")
    elif isinstance(error.data, dict):
        lines += [f"  {key}: {value}" for key, value in error.data.items() if key != "alternatives"]
    if isinstance(error, SectionNotAvailable):
        lines += [f"  alternative: tables {', '.join(map(str, alt.get('table_numbers', alt.get('table_ids', []))))}"
                  for alt in error.alternatives[:3]]
    return "\n".join(lines)


def fail(error: BookingError) -> NoReturn:
    """Print a contract error's message and exit 1 (for commands that catch errors themselves)."""
    errors.print(describe(error))
    raise typer.Exit(EXIT_BOOKING_ERROR) from error


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Contract errors and an unreachable database become a message and their exit code."""
    try:
        yield
    except BookingError as error:
        fail(error)
    except (DatabaseUnavailable, psycopg.OperationalError) as error:
        errors.print(f"[red]no database[/]: {str(error).strip()}")
        raise typer.Exit(EXIT_NO_DATABASE) from error
    except psycopg.ProgrammingError as error:
        if error.sqlstate is None:  # raised by the connection string, before any server answered
            errors.print(f"[red]no database[/]: not a PostgreSQL DSN ({str(error).strip()}); "
                         "use postgresql://user@host:port/dbname")
            raise typer.Exit(EXIT_NO_DATABASE) from error
        errors.print(f"[red]database error[/]: {str(error).strip()}")
        raise typer.Exit(EXIT_DATABASE_ERROR) from error
    except psycopg.Error as error:
        errors.print(f"[red]database error[/]: {str(error).strip()}")
        raise typer.Exit(EXIT_DATABASE_ERROR) from error


@contextlib.contextmanager
def client_for(dsn: str | None, actor: str, aal2: bool = False) -> Iterator[BookingClient]:
    """A client acting as --as, with errors handled as the exit codes say."""
    with handled():
        url = resolve_dsn(dsn)
        claims = claims_for(actor, aal2, url)
        with BookingClient.connect(url, claims, pool_size=1, timeout=10) as client:
            yield client


def venue_of(client: BookingClient, venue: str | None) -> VenueInfo:
    """The venue named by id or name (else $CLUBBOOKING_VENUE, else a plugin's default), from the
    catalogue; bad usage listing the venues otherwise."""
    catalogue = client.get_catalogue()
    key = venue or os.environ.get("CLUBBOOKING_VENUE") or extensions.default_venue
    if key is None:
        raise typer.BadParameter(f"which venue? pass --venue (venues: {', '.join(v.name for v in catalogue.venues)}) "
                                 "or set CLUBBOOKING_VENUE", param_hint="--venue")
    try:
        return catalogue.venue(key)
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0]), param_hint="--venue") from None


def table_ids(venue: VenueInfo, numbers: list[int]) -> list[uuid.UUID]:
    """Table numbers as ids; bad usage listing the venue's tables otherwise."""
    try:
        return [venue.table(n).table_id for n in numbers]
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0]), param_hint="TABLES") from None


def check_slot(venue: VenueInfo, slot: str | None) -> str:
    """A slot of the venue (default: $CLUBBOOKING_SLOT, else a plugin's); bad usage listing its slots otherwise."""
    slot = slot or os.environ.get("CLUBBOOKING_SLOT") or extensions.default_slot
    if slot is None:
        raise typer.BadParameter(f"which slot? pass SLOT or set CLUBBOOKING_SLOT; slots at {venue.name} are "
                                 f"{', '.join(s.slot_id for s in venue.slots) or 'none yet'}", param_hint="SLOT")
    if slot not in {s.slot_id for s in venue.slots}:
        raise typer.BadParameter(f"no slot {slot!r} at {venue.name}; slots are "
                                 f"{', '.join(s.slot_id for s in venue.slots) or 'none yet'}", param_hint="SLOT")
    return slot


@app.command()
def availability(date: Night, slot: DefaultSlot = None,
                 venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "anon",
                 aal2: Aal2Option = False) -> None:
    """Show a slot's tables and their states (staff see who holds what)."""
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        snap = client.get_availability(place.venue_id, date, check_slot(place, slot))
    print_board(snap, place)


def print_board(snap: Availability, place: VenueInfo) -> None:
    """A snapshot as a table: each table's floor, seats, minimum spend and state (and for staff, who and why)."""
    closed = "" if snap.bookable else "; past or closed: nothing can be booked"
    print_floor(snap, place, f"version {snap.version}, {snap.view} view{closed}")


def parse_at(night: dt.date, value: str, timezone: str) -> dt.datetime:
    """An instant of a night: HH:MM in the venue's time (noon to midnight on NIGHT, 00:00-11:59 the
    morning after), or a full ISO date and time (with an offset, else the venue's time)."""
    try:
        if "T" in value or " " in value.strip():
            instant = dt.datetime.fromisoformat(value)
        else:
            clock = dt.time.fromisoformat(value)
            instant = dt.datetime.combine(night + dt.timedelta(days=1 if clock.hour < 12 else 0), clock)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a time: use HH:MM (the venue's time on the night) "
                                 "or YYYY-MM-DDTHH:MM", param_hint="--at") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=ZoneInfo(timezone))


@app.command()
def replay(date: Night, slot: DefaultSlot = None,
           at: Annotated[str, typer.Option("--at", help="HH:MM, the venue's time on the night (00:00-11:59: the "
                                                        "morning after), or YYYY-MM-DDTHH:MM")] = "",
           venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "host",
           aal2: Aal2Option = False) -> None:
    """Show a slot as it was at a past instant (staff): who held what, and why, then."""
    if not at:
        raise typer.BadParameter("which instant? pass --at HH:MM", param_hint="--at")
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        instant = parse_at(date, at, place.timezone)
        snap = client.get_availability_at(place.venue_id, date, check_slot(place, slot), instant)
    local = instant.astimezone(ZoneInfo(place.timezone))
    print_floor(snap, place, f"as it was at {local:%Y-%m-%d %H:%M} {place.timezone}, {snap.view} view")


def print_floor(snap: Availability, place: VenueInfo, heading: str) -> None:
    """A snapshot as a table: each table's seats, minimum spend and state (and for staff, who and why)."""
    table = Table(title=f"{snap.date} {snap.slot_id} ({heading})")
    staff = snap.view == "staff"
    for column in ("table", "floor", "seats", "min spend", "state", *(("who / why",) if staff else ())):
        table.add_column(column)
    for t in snap.tables:
        table.add_row(f"{t.table_number} {t.name}", t.floor, f"{t.capacity_min}-{t.capacity_max}",
                      str(Money.of(t.minimum_spend, place.currency)), t.state,
                      *((who_and_why(t.extra),) if staff else ()))
    console.print(table)


def who_and_why(extra: dict[str, Any]) -> str:
    """What staff see beside a taken table: the booking (reference, guest, party) or the block and its reason."""
    if extra.get("block_id"):
        return " ".join(filter(None, (f"block: {extra.get('block_kind')}", extra.get("block_reason"))))
    if extra.get("reference"):
        return f"{extra['reference']} {extra.get('customer_name') or 'guest'}, party of {extra.get('party_size')}"
    return ""


@app.command()
def hold(date: Night, slot: Annotated[str, typer.Argument()],
         tables: Annotated[list[int] | None, typer.Argument(help="table numbers (none: the best free fit)")] = None,
         party: Annotated[int, typer.Option(help="party size")] = 4,
         customer: Annotated[uuid.UUID | None, typer.Option(help="book for this guest id (host and up)")] = None,
         guest: Annotated[str | None, typer.Option(help="book for a walk-in: the guest's name (host and up)")] = None,
         phone: Annotated[str | None, typer.Option(help="the walk-in's phone")] = None,
         email: Annotated[str | None, typer.Option(help="the walk-in's email")] = None,
         venue: VenueOption = None,
         dsn: DsnOption = None, actor: AsOption = "host", aal2: Aal2Option = False) -> None:
    """Hold tables (by number) for a slot; prints the booking's reference and id.

    Staff book for a guest: ``--customer ID`` (from ``guest add``) or ``--guest NAME`` for a
    walk-in (created for the club), never under their own name.
    """
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        ids = table_ids(place, tables) if tables else best_fit(client, place, date, check_slot(place, slot), party)
        tables = [t.number for t in place.tables if t.table_id in ids]
        if guest is not None:
            customer = client.create_guest(place.venue_id, guest, phone, email)
        booking = client.hold_tables(place.venue_id, date, check_slot(place, slot), ids, party, customer_id=customer)
    expires = booking.hold_expires_at.astimezone(ZoneInfo(place.timezone)) if booking.hold_expires_at else None
    console.print(f"held {booking.reference} (tables {'+'.join(map(str, tables))}) until "
                  f"{expires:%H:%M:%S %Z}, deposit {booking.deposit_money}" if expires else f"held {booking.reference}")
    print(booking.booking_id)


FULL_REFERENCE = re.compile(r"BR-\d{6}-[A-Z0-9]{6}")


def resolve_booking(client: BookingClient, booking: str, venue: str | None) -> str:
    """A booking as the door names it: its id, its reference, or the end of its reference
    (``ncallu``, ``261206-ncallu``) when one booking at --venue has it. Anything else is the
    contract's INVALID_INPUT: text that is not a uuid never reaches PostgreSQL as one."""
    text = booking.strip().upper()
    if not text:
        fail(InvalidInput("no booking given: pass its reference (BR-...), the end of it, or its id"))
    with contextlib.suppress(ValueError):
        return str(uuid.UUID(text))
    if FULL_REFERENCE.fullmatch(text):
        return text
    place = venue_of(client, venue)
    matches = sorted({b.reference for b in client.find_bookings(place.venue_id, text) if b.reference.endswith(text)})
    if len(matches) == 1:
        return matches[0]
    if not matches:
        fail(InvalidInput(f"no booking with reference ending {text} at {place.name}"))
    fail(InvalidInput(f"{text} ends {len(matches)} references at {place.name}: {', '.join(matches)}; "
                      "give more of it"))


def booking_id_of(client: BookingClient, booking: str, venue: str | None) -> str:
    """A booking id from an id or a reference (whole or its end, found at --venue) for the RPCs that take ids only."""
    found = resolve_booking(client, booking, venue)
    if not found.startswith("BR-"):
        return found
    ids = [b.booking_id for b in client.find_bookings(venue_of(client, venue).venue_id, found) if b.reference == found]
    if not ids:
        fail(InvalidInput(f"no booking with reference {found} at this venue"))
    return str(ids[0])


def best_fit(client: BookingClient, venue: VenueInfo, date: dt.date, slot: str, party: int) -> list[uuid.UUID]:
    """The best free table set for a party in a slot (fewest wasted seats first), as the door would seat them."""
    info = next(s for s in venue.slots if s.slot_id == slot)
    hours, minutes, seconds = (int(float(part)) for part in info.duration.split(":"))
    end = (dt.datetime.combine(date, info.starts_at) + dt.timedelta(hours=hours, minutes=minutes,
                                                                    seconds=seconds)).time()
    fits = client.get_optimal_table_combinations(venue.venue_id, date, info.starts_at, end, party)
    if not fits:
        errors.print(f"[red]SECTION_NOT_AVAILABLE[/]: no free table at {venue.name} fits a party of {party} "
                     f"in {slot} on {date}")
        raise typer.Exit(EXIT_BOOKING_ERROR)
    return list(fits[0].table_ids)


def _transition(method: str, booking: str, dsn: str | None, actor: str, aal2: bool, *args: Any,
                venue: str | None = None) -> None:
    with client_for(dsn, actor, aal2) as client:
        by_reference = method in ("cancel_booking", "check_in_booking", "mark_no_show", "undo_check_in",
                                  "undo_no_show", "modify_booking")
        target = resolve_booking(client, booking, venue) if by_reference else booking_id_of(client, booking, venue)
        result: Booking = getattr(client, method)(target, *args)
    console.print(f"{result.reference}: {result.status}")


BookingArg = Annotated[str, typer.Argument(metavar="BOOKING", help="the booking's reference (BR-...), its end, or id")]
ReasonOption = Annotated[str | None, typer.Option(help="why (kept in the audit log)")]


@app.command()
def submit(booking: BookingArg,
           payment: Annotated[str | None, typer.Option(help="the deposit's payment reference")] = None,
           venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "host",
           aal2: Aal2Option = False) -> None:
    """Submit a held booking for approval (its deposit paid; a PaymentIntent id waits for the payment)."""
    _transition("submit_booking", booking, dsn, actor, aal2, payment, venue=venue)


@app.command()
def pay(booking: BookingArg,
        method: Annotated[str, typer.Option(help="cash, card_terminal or bank_transfer")] = "card_terminal",
        reason: Annotated[str, typer.Option(help="why (kept in the audit log)")] = "paid at the venue",
        venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "host", aal2: Aal2Option = False) -> None:
    """Record a deposit taken at the venue (host and above); submits the hold."""
    _transition("record_payment", booking, dsn, actor, aal2, method, reason, venue=venue)


def _reasoned_transition(name: str, method: str, default_actor: str, doc: str) -> None:
    """Register a command that moves a booking on, with a reason for the audit log."""
    def command(booking: BookingArg, reason: ReasonOption = None, venue: VenueOption = None,
                dsn: DsnOption = None, actor: AsOption = default_actor, aal2: Aal2Option = False) -> None:
        _transition(method, booking, dsn, actor, aal2, reason, venue=venue)
    command.__doc__ = doc
    app.command(name)(command)


_reasoned_transition("approve", "approve_booking", "manager", "Approve a pending booking (as a manager by default).")
_reasoned_transition("reject", "reject_booking", "manager", "Reject a pending booking (as a manager by default).")
_reasoned_transition("cancel", "cancel_booking", "host", "Cancel an open booking (as a host by default).")


@app.command()
def refund(booking: BookingArg, reason: Annotated[str, typer.Option(help="why (kept in the audit log)")],
           venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "manager",
           aal2: Aal2Option = False) -> None:
    """Refund a deposit as the venue's cancellation policy allows (a manager with --aal2); a Stripe
    deposit is queued for the worker (``notify --stripe-key``), a late cancellation's is kept."""
    with client_for(dsn, actor, aal2) as client:
        result = client.refund_deposit(booking_id_of(client, booking, venue), reason)
    console.print(f"{result.reference}: {result.status}, deposit {result.deposit_money} refund requested")


_reasoned_transition("undo-check-in", "undo_check_in", "door",
                     "Undo a mistaken check-in (back to confirmed), within the venue's undo window.")
_reasoned_transition("undo-no-show", "undo_no_show", "host",
                     "Undo a mistaken no-show (back to confirmed, its tables taken again), within the undo window.")


@app.command("check-in")
def check_in(booking: BookingArg,
             arrived: Annotated[int | None, typer.Option("--arrived", help="how many of the party came in "
                                                                           "(default: all)")] = None,
             venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "door",
             aal2: Aal2Option = False) -> None:
    """Check a guest in at the door by the reference they read out, or its end (from an hour before their time).

    Checking the same reference in again changes nothing and says when and by whom it was.
    """
    with client_for(dsn, actor, aal2) as client:
        result = client.check_in_booking(resolve_booking(client, booking, venue), arrived)
    partial = result.arrived_count is not None and result.arrived_count != result.party_size
    arrivals = f", {result.arrived_count} of {result.party_size} arrived" if partial else ""
    if result.already_checked_in_at is not None:
        by = result.checked_in_by_name or (str(result.checked_in_by) if result.checked_in_by else "the system")
        console.print(f"{result.reference}: ALREADY checked in at {result.already_checked_in_at:%H:%M:%S %Z} "
                      f"by {by}{arrivals}")
    else:
        console.print(f"{result.reference}: {result.status}{arrivals}")


def describe_booking(result: Booking, venue: VenueInfo) -> str:
    """A booking in one line as the door reads it: status, party, tables, local time, money owed either way."""
    zone = ZoneInfo(venue.timezone)
    numbers = "+".join(str(t.number) for t in venue.tables if t.table_id in result.table_ids)
    owed = (f", deposit due {Money(result.deposit_due, result.currency)}" if result.deposit_due else "") + (
        f", refundable {Money(result.deposit_refundable, result.currency)}" if result.deposit_refundable else "")
    return (f"{result.reference}: {result.status}, party of {result.party_size}, tables {numbers}, "
            f"{result.starts_at.astimezone(zone):%H:%M}-{result.ends_at.astimezone(zone):%H:%M}{owed}")


@app.command()
def modify(booking: BookingArg,
           party: Annotated[int | None, typer.Option(help="the new party size")] = None,
           tables: Annotated[list[int] | None, typer.Option("--table", "-t",
                                                            help="the new tables (repeat: -t 3 -t 4)")] = None,
           slot: Annotated[str | None, typer.Option(help="another slot the same night")] = None,
           reason: Annotated[str | None, typer.Option(help="why; with a party beyond the tables' capacity, "
                                                           "a manager's override (--aal2)")] = None,
           venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "host",
           aal2: Aal2Option = False) -> None:
    """Change a booking's party size, tables or slot (same night) in one step; refused like a hold."""
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        new_tables = table_ids(place, tables) if tables else None
        result = client.modify_booking(resolve_booking(client, booking, venue), party_size=party, table_ids=new_tables,
                                       slot_id=check_slot(place, slot) if slot else None, reason=reason)
    console.print(describe_booking(result, place))


@app.command()
def seat(date: Night, slot: Annotated[str, typer.Argument()],
         tables: Annotated[list[int] | None, typer.Argument(help="table numbers (none: the best free fit)")] = None,
         party: Annotated[int, typer.Option(help="party size")] = 4,
         guest: Annotated[str, typer.Option(help="the walk-in's name")] = "Walk-in",
         phone: Annotated[str | None, typer.Option(help="the walk-in's phone")] = None,
         pay: Annotated[str | None, typer.Option(
             "--pay", help="a deposit the tables carry: cash or card_terminal taken now, or waived "
                           "(manager, --aal2, --reason)")] = None,
         reason: ReasonOption = None, venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "host",
         aal2: Aal2Option = False) -> None:
    """Seat a walk-in now: a guest, the tables and a checked-in booking in one step (no hold, no approval)."""
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        slot = check_slot(place, slot)
        ids = table_ids(place, tables) if tables else best_fit(client, place, date, slot, party)
        result = client.seat_walk_in(place.venue_id, date, slot, ids, party, guest, phone=phone,
                                     payment_method=pay, reason=reason)
    console.print(f"seated {guest}: " + describe_booking(result, place))
    print(result.booking_id)


@app.command()
def claim(reference: Annotated[str, typer.Argument(metavar="REF", help="the reference from the venue's message")],
          dsn: DsnOption = None, actor: AsOption = "anon", aal2: Aal2Option = False) -> None:
    """Take a booking a venue made for your address into your account (--as email:<your address>)."""
    with client_for(dsn, actor, aal2) as client:
        result = client.claim_booking(reference)
    console.print(f"{result.reference}: {result.status}, yours now")


@app.command("no-show")
def no_show(booking: BookingArg, venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "host",
            aal2: Aal2Option = False) -> None:
    """Mark a confirmed booking a no-show once its time has started; its tables are freed."""
    _transition("mark_no_show", booking, dsn, actor, aal2, venue=venue)


# ---------- the door's night ----------

StatusOption = Annotated[list[str] | None, typer.Option(
    "--status", "-s", help="only these statuses (repeat): held, pending_approval, confirmed, checked_in, "
                           "no_show, expired, cancelled, rejected")]


@app.command()
def bookings(date: Night, status: StatusOption = None,
             csv_out: Annotated[Path | None, typer.Option("--csv", help="also write the rows as CSV to this file "
                                                                        "(- for stdout instead of the table)")] = None,
             venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "door",
             aal2: Aal2Option = False) -> None:
    """A night's bookings: reference, time (venue's zone), slot, tables, guest, party, status.

    Hosts and above also see phone, email and money; every status unless --status narrows it.
    """
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        rows = client.get_night_bookings(place.venue_id, date, status)
    if csv_out is not None and str(csv_out) == "-":
        print(render.bookings_csv(rows), end="")
        return
    console.print(render.bookings_table(f"{place.name}, night of {date:%a %d %b %Y}: {len(rows)} booking(s)", rows))
    if csv_out is not None:
        csv_out.write_text(render.bookings_csv(rows))
        console.print(f"wrote {csv_out}")


@app.command()
def find(query: Annotated[str, typer.Argument(help="a reference (or part), a name; hosts: a phone or email")],
         venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "door",
         aal2: Aal2Option = False) -> None:
    """Find bookings by reference, guest name, phone or email (nearest nights first)."""
    with client_for(dsn, actor, aal2) as client:
        rows = client.find_bookings(venue_of(client, venue).venue_id, query)
    console.print(render.bookings_table(f"{len(rows)} booking(s) matching {query!r}", rows))


@app.command()
def block(date: Night, tables: Annotated[list[int], typer.Argument(help="table numbers")],
          slot: Annotated[str | None, typer.Option(help="one slot (default: the whole night)")] = None,
          kind: Annotated[str, typer.Option(help="maintenance, vip_override, private_event or other")] = "maintenance",
          reason: ReasonOption = None, venue: VenueOption = None, dsn: DsnOption = None,
          actor: AsOption = "host", aal2: Aal2Option = False) -> None:
    """Block tables for a slot or a whole night (host and up)."""
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        result = client.block_tables(place.venue_id, date, table_ids(place, tables),
                                     check_slot(place, slot) if slot else None, kind=kind, reason=reason)
    console.print(f"blocked tables {'+'.join(map(str, tables))} on {date} ({slot or 'all night'}); "
                  f"{len(result.block_ids)} block(s)")


@app.command()
def unblock(date: Night, tables: Annotated[list[int], typer.Argument(help="table numbers")],
            slot: Annotated[str, typer.Option(help="the slot the block covers")] = "slot_23_30",
            reason: ReasonOption = None, venue: VenueOption = None, dsn: DsnOption = None,
            actor: AsOption = "host", aal2: Aal2Option = False) -> None:
    """Lift the blocks on tables for a slot (host and up)."""
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        wanted = set(table_ids(place, tables))
        snap = client.get_availability(place.venue_id, date, check_slot(place, slot))
        blocks = [t.extra["block_id"] for t in snap.tables if t.table_id in wanted and t.extra.get("block_id")]
        if not blocks:
            raise typer.BadParameter(f"no blocked table among {', '.join(map(str, tables))} in {slot} on {date}",
                                     param_hint="TABLES")
        lifted = client.unblock_tables(blocks, reason)
    console.print(f"unblocked {len(lifted)} block(s)")


@app.command()
def waitlist(date: Night, slot: Annotated[str, typer.Argument()],
             party: Annotated[int, typer.Option(help="party size")] = 4,
             occasion: Annotated[str | None, typer.Option(help="birthday, anniversary, ...")] = None,
             venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "anon",
             aal2: Aal2Option = False) -> None:
    """Join a slot's waitlist as a signed-in guest (--as user:... or email:...); a freed table is offered."""
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        entry = client.join_waitlist(place.venue_id, date, check_slot(place, slot), party, occasion)
    console.print(f"on the waitlist: position {entry.position}, priority {entry.priority_score} ({entry.status})")


guest_app = typer.Typer(help="Guests of the club: walk-ins and phone bookings.", no_args_is_help=True)
app.add_typer(guest_app, name="guest")


@guest_app.command("add")
def guest_add(name: Annotated[str, typer.Argument(help="the guest's full name")],
              phone: Annotated[str | None, typer.Option()] = None, email: Annotated[str | None, typer.Option()] = None,
              venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "host",
              aal2: Aal2Option = False) -> None:
    """Add a walk-in guest for the venue's club (host and up); prints their id for `hold --customer`."""
    with client_for(dsn, actor, aal2) as client:
        guest_id = client.create_guest(venue_of(client, venue).venue_id, name, phone, email)
    console.print(f"guest {name}")
    print(guest_id)


@app.command()
def catalogue(venue: Annotated[str | None, typer.Option(help="one venue (id or name)")] = None,
              dsn: DsnOption = None, actor: AsOption = "anon", aal2: Aal2Option = False) -> None:
    """Venues with their slots and tables (numbers, seats, money)."""
    with client_for(dsn, actor, aal2) as client:
        cat = client.get_catalogue(venue_of(client, venue).venue_id if venue else None)
    for table in render.catalogue_tables(cat):
        console.print(table)


@app.command()
def invite(email: Annotated[str, typer.Argument(help="the person's email address")],
           role: Annotated[str, typer.Option(help="door, host, manager or admin")] = "host",
           venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "admin",
           aal2: Aal2Option = False) -> None:
    """Invite a person to the venue's staff (admin, with --aal2): a single-use token goes to their address."""
    with client_for(dsn, actor, aal2) as client:
        invitation = client.invite_staff(venue_of(client, venue).venue_id, email, role)
    console.print(f"invited {invitation.email} as {invitation.role}: a token went to that address, valid until "
                  f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC; `clubbooking invitations accept TOKEN` takes it")


staff_app = typer.Typer(help="A venue's staff: list (managers), remove or change a role (admins, --aal2).",
                        no_args_is_help=True)
app.add_typer(staff_app, name="staff")
UserArgument = Annotated[str, typer.Argument(metavar="USER", help="the staff member's user id or email")]


def staff_user_id(client: BookingClient, venue_id: uuid.UUID, user: str) -> uuid.UUID:
    """A staff member by user id or (any case) email; bad usage naming the staff otherwise."""
    members = client.list_staff(venue_id)
    for member in members:
        if str(member.user_id) == user or (member.email or "").lower() == user.lower():
            return member.user_id
    raise typer.BadParameter(f"no staff member {user}; the staff are "
                             f"{', '.join(m.email or str(m.user_id) for m in members) or 'none'}", param_hint="USER")


@staff_app.command("list")
def staff_list(venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "manager",
               aal2: Aal2Option = False) -> None:
    """The venue's staff: role, email, name (managers and admins)."""
    with client_for(dsn, actor, aal2) as client:
        members = client.list_staff(venue_of(client, venue).venue_id)
    for member in members:
        console.print(f"{member.role:<8} {member.email or '-':<36} {member.name or ''}  {member.user_id}")


def _change_staff(dsn: str | None, actor: str, aal2: bool, venue: str | None, user: str,
                  change: Callable[[BookingClient, uuid.UUID, uuid.UUID], StaffMember]) -> StaffMember:
    with client_for(dsn, actor, aal2) as client:
        venue_id = venue_of(client, venue).venue_id
        return change(client, venue_id, staff_user_id(client, venue_id, user))


@staff_app.command("remove")
def staff_remove(user: UserArgument, venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "admin",
                 aal2: Aal2Option = False) -> None:
    """Remove a person from the venue's staff (never its last admin); an admin removed loses their invitations."""
    removed = _change_staff(dsn, actor, aal2, venue, user, lambda client, venue_id, user_id:
                            client.remove_staff(venue_id, user_id))
    console.print(f"removed {user} (was {removed.previous_role}); invitations revoked: {removed.invitations_revoked}")


@staff_app.command("role")
def staff_role(user: UserArgument, role: Annotated[str, typer.Argument(help="door, host, manager or admin")],
               venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "admin",
               aal2: Aal2Option = False) -> None:
    """Give a staff member another role (never demoting the last admin)."""
    changed = _change_staff(dsn, actor, aal2, venue, user, lambda client, venue_id, user_id:
                            client.set_staff_role(venue_id, user_id, role))
    console.print(f"{user}: {changed.previous_role} -> {changed.role}")


invitations_app = typer.Typer(help="Staff invitations: list and revoke (admins, --aal2), accept (the invited person).",
                              no_args_is_help=True)
app.add_typer(invitations_app, name="invitations")


@invitations_app.command("list")
def invitations_list(venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "admin",
                     aal2: Aal2Option = False) -> None:
    """The venue's invitations, newest first, with their status."""
    with client_for(dsn, actor, aal2) as client:
        invitations = client.list_invitations(venue_of(client, venue).venue_id)
    for invitation in invitations:
        console.print(f"{invitation.status:<9} {invitation.role:<8} {invitation.email:<36} {invitation.invitation_id}")


@invitations_app.command("revoke")
def invitations_revoke(invitation_id: Annotated[str, typer.Argument(metavar="ID", help="the invitation's id")],
                       dsn: DsnOption = None, actor: AsOption = "admin", aal2: Aal2Option = False) -> None:
    """Revoke an open invitation: its token stops working."""
    with client_for(dsn, actor, aal2) as client:
        invitation = client.revoke_invitation(invitation_id)
    console.print(f"{invitation.email}: {invitation.status}")


@invitations_app.command("accept")
def invitations_accept(token: Annotated[str, typer.Argument(help="the token from the invitation's message")],
                       dsn: DsnOption = None, actor: AsOption = "anon", aal2: Aal2Option = False) -> None:
    """Accept an invitation, signed in (--as email:<address>) with the invited address confirmed."""
    with client_for(dsn, actor, aal2) as client:
        invitation = client.accept_invitation(token)
    console.print(f"joined as {invitation.role}")


venue_app = typer.Typer(help="Venue setup (admins).", no_args_is_help=True)
app.add_typer(venue_app, name="venue")


@venue_app.command("setup")
def venue_setup(spec_file: Annotated[Path, typer.Argument(metavar="FILE", help="the venue as YAML or JSON",
                                                          exists=True, dir_okay=False)],
                venue: Annotated[str | None, typer.Option(help="change this venue (id or name); default: the "
                                                               "file's club_id venue of the file's name, "
                                                               "made if new")] = None,
                dsn: DsnOption = None, actor: AsOption = "admin", aal2: Aal2Option = False) -> None:
    """Create or change a venue from a file: settings, floors, tables, slots, combinations.

    Refused, changing nothing, if a live booking would be stranded (each is named).
    """
    try:
        spec = yaml.safe_load(spec_file.read_text())
    except yaml.YAMLError as error:
        raise typer.BadParameter(f"not YAML or JSON: {error}", param_hint="FILE") from None
    if not isinstance(spec, dict):
        raise typer.BadParameter("the file must hold one venue (a mapping)", param_hint="FILE")
    with client_for(dsn, actor, aal2) as client:
        place = client.setup_venue(venue_of(client, venue).venue_id if venue else None, jsonable(spec))
    console.print(f"venue {place.name} ready: {len(place.tables)} tables on {len(place.floors)} floor(s), "
                  f"slots {', '.join(s.slot_id for s in place.slots)}")
    print(place.venue_id)


audit_app = typer.Typer(help="The audit log's hash chains: verify them, export their anchors (managers).",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def parse_instant(value: str) -> dt.datetime:
    """A time: ISO 8601 (a date alone is its midnight, local unless an offset is given)."""
    try:
        return dt.datetime.fromisoformat(value).astimezone()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[+HH:MM]") from None


@audit_app.command("verify")
def audit_verify(date_from: Annotated[dt.datetime | None, typer.Option("--from", parser=parse_instant, metavar="TIME",
                                                                       help="rows written from (default: all)")] = None,
                 date_to: Annotated[dt.datetime | None, typer.Option("--to", parser=parse_instant, metavar="TIME",
                                                                     help="rows written until (default: now)")] = None,
                 anchors: Annotated[Path | None, typer.Option(help="anchors exported by `audit anchors` (JSON lines), "
                                                                   "kept elsewhere: each must still be in the database",
                                                              exists=True, dir_okay=False)] = None,
                 venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "manager",
                 aal2: Aal2Option = False) -> None:
    """Recompute the venue's audit chains: every row's hash, its link to the row before it, and the anchors.

    Exit 6 names the first broken row (or the exported anchor the database no longer has).
    """
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        check = client.verify_audit_chain(place.venue_id, date_from, date_to)
        kept = {(a.night, a.chain_seq, a.kind): a.row_hash for a in client.get_audit_anchors(place.venue_id)}
    missing = [a for a in read_anchors(anchors) if a.venue_id == place.venue_id
               and kept.get((a.night, a.chain_seq, a.kind)) != a.row_hash] if anchors else []
    if check.ok and not missing:
        console.print(f"audit chains of {place.name} intact: {check.checked} rows checked")
        return
    if not check.ok:
        errors.print(f"[red]broken[/]: {place.name}'s audit chain breaks at audit row {check.first_broken_id} "
                     f"({check.checked} rows checked)")
    for anchor in missing:
        errors.print(f"[red]broken[/]: the anchor of {anchor.night or 'the venue'} at position {anchor.chain_seq} "
                     f"({anchor.kind}, {anchor.anchored_at:%Y-%m-%d}) is not in the database as exported")
    raise typer.Exit(EXIT_CHAIN_BROKEN)


def read_anchors(path: Path) -> list[AuditAnchor]:
    """Anchors as `audit anchors` wrote them; bad usage for a line that is not one."""
    try:
        return [AuditAnchor.from_json(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]
    except (ValueError, KeyError, TypeError) as error:
        raise typer.BadParameter(f"not an anchors export: {error}", param_hint="--anchors") from None


@audit_app.command("anchors")
def audit_anchors(since: Annotated[dt.date | None, typer.Option(parser=parse_night, metavar="DATE",
                                                                help="anchors taken from this day")] = None,
                  take: Annotated[bool, typer.Option("--take", help="first anchor every chain's head now "
                                                                    "(the back office: --as service)")] = False,
                  venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "manager",
                  aal2: Aal2Option = False) -> None:
    """Export the venue's audit chain anchors (one JSON object a line) to keep outside the database."""
    with client_for(dsn, actor, aal2) as client:
        if take:
            errors.print(f"anchored {client.anchor_audit_chains()} chain head(s)")
        found = client.get_audit_anchors(venue_of(client, venue).venue_id, since)
    for anchor in found:
        print(json.dumps(anchor.as_json()))


def jsonable(value: Any) -> Any:
    """YAML's times and dates as the text the database reads."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


@app.command()
def relay(dsn: DsnOption = None,
          minutes: Annotated[float, typer.Option(help="stop after this long (0: run until interrupted)")] = 0) -> None:
    """Run the event relay: wakes `LISTEN clubbooking_availability` once per batch of new events.

    A worker process rather than a pg_cron job (a long pg_cron job holds up DROP DATABASE,
    pg_cron issue #318). Reconnects after a dropped connection.
    """
    url = resolve_dsn(dsn)
    deadline = time.monotonic() + minutes * 60 if minutes else None
    console.print("relay running (Ctrl-C to stop)")
    while deadline is None or time.monotonic() < deadline:
        run_for = 58.0 if deadline is None else max(0.01, min(58.0, deadline - time.monotonic()))
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                run_relay(conn, seconds=run_for)
        except psycopg.OperationalError as error:
            console.print(f"[yellow]relay: {error}; reconnecting[/]")
            time.sleep(1)


@app.command()
def watch(date: Night, slot: DefaultSlot = None, venue: VenueOption = None,
          dsn: DsnOption = None, actor: AsOption = "host", aal2: Aal2Option = False,
          updates: Annotated[int | None, typer.Option(help="stop after this many updates")] = None) -> None:
    """A live floor board of a slot: both floors, each table's state in colour, who changed it (staff)."""
    url = resolve_dsn(dsn)
    with client_for(url, actor, aal2) as client:
        place = venue_of(client, venue)
        try:
            asyncio.run(run_board(ThreadedSource(client), place.venue_id, date, check_slot(place, slot),
                                  listen=lambda: PsycopgListener(url), console=console, updates=updates))
        except BookingError as error:
            fail(error)
        except KeyboardInterrupt:
            pass


@app.command()
def notify(webhook: Annotated[str | None, typer.Option(
               envvar="CLUBBOOKING_WEBHOOK_URL", help="the SMS provider's webhook to POST sms deliveries to")] = None,
           secret: Annotated[str | None, typer.Option(
               envvar="CLUBBOOKING_WEBHOOK_SECRET", help="the HMAC-SHA256 signing secret the receiver shares")] = None,
           smtp: Annotated[str | None, typer.Option(envvar="CLUBBOOKING_SMTP",
                                                    help="host:port of the SMTP server for email deliveries")] = None,
           mail_from: Annotated[str, typer.Option(envvar="CLUBBOOKING_MAIL_FROM", help="the sender of the emails")]
           = "bookings@clubbooking.invalid",
           smtp_starttls: Annotated[bool, typer.Option(help="STARTTLS before sending")] = False,
           smtp_user: Annotated[str | None, typer.Option(envvar="CLUBBOOKING_SMTP_USER")] = None,
           smtp_password: Annotated[str | None, typer.Option(envvar="CLUBBOOKING_SMTP_PASSWORD")] = None,
           stripe_key: Annotated[str | None, typer.Option(envvar="STRIPE_SECRET_KEY",
                                                          help="send queued deposit refunds to Stripe")] = None,
           stripe_api_base: Annotated[str | None, typer.Option(envvar="STRIPE_API_BASE",
                                                               help="Stripe's API address (a local stand-in)")] = None,
           once: Annotated[bool, typer.Option(help="deliver what is due now and stop (for cron)")] = False,
           minutes: Annotated[float, typer.Option(help="stop after this long (0: until interrupted)")] = 0,
           max_attempts: Annotated[int, typer.Option(min=1, help="attempts before a delivery is dead")] = 8,
           base_delay: Annotated[float, typer.Option(min=0, help="first retry after this many seconds, "
                                                                 "doubling each time")] = 5.0,
           timeout: Annotated[float, typer.Option(min=0.1, help="seconds to wait for the webhook")] = 10.0,
           dsn: DsnOption = None) -> None:
    """Tell guests about their bookings (email over SMTP, SMS through a signed webhook) and send queued refunds.

    Each delivery once per delivery id, retried with backoff, dead after N. Needs a DSN of the database
    owner (postgres): it reads the private delivery and refund queues.
    """
    from clubbooking import notify as worker

    if not (webhook or smtp or stripe_key):
        raise typer.BadParameter("give --smtp, --webhook (with --secret) or --stripe-key: something to send")
    policy = worker.Policy(timeout=timeout, base_delay=base_delay, max_attempts=max_attempts)
    mailer = worker.Mailer.parse(smtp, mail_from, starttls=smtp_starttls, username=smtp_user,
                                 password=smtp_password) if smtp else None
    with handled():
        url = resolve_dsn(dsn)
        if once:
            done = worker.deliver_due(url, webhook, secret, policy, mailer=mailer)
            refunds = (worker.send_due_refunds(url, stripe_key, policy, api_base=stripe_api_base) if stripe_key
                       else worker.Outcome())
        else:
            done = worker.run(url, webhook, secret, policy, minutes=minutes, mailer=mailer, stripe_key=stripe_key,
                              stripe_api_base=stripe_api_base)
            refunds = worker.Outcome()
    for error in done.errors + refunds.errors:
        errors.print(f"[yellow]failed[/] {error}")
    console.print(f"delivered {done.delivered}, to retry {done.retried}, dead {done.dead}")
    if stripe_key and once:
        console.print(f"refunds sent {refunds.delivered}, to retry {refunds.retried}, failed {refunds.dead}")


def load_plugins() -> None:
    """Let every installed plugin add its commands and extensions."""
    for plugin in entry_points(group=PLUGIN_GROUP):
        plugin.load()(app, extensions)


def main() -> None:
    """The ``clubbooking`` script: the commands above and the installed plugins'."""
    load_plugins()
    sys.exit(app())
