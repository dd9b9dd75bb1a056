"""The ``clubbooking`` command: run a database, run a night at the door, set up a venue, play a rush.

Every command that talks to the database takes ``--dsn`` (default: ``$DATABASE_URL``, else
the database ``clubbooking up`` keeps running) and ``--as`` (who to act as: ``service``,
``anon``, ``door``, ``host``, ``manager``, ``admin`` (the seeded Leeds staff), ``user:<uuid>``
or ``email:<address>`` of a signed-up user; ``--aal2`` for an MFA-verified session), and acts
as that user exactly as PostgREST would. Bookings are named by id or by reference
(``BR-261204-S5F7EY``), tables by number, venues by id or name.

Exit codes:
  0  success
  1  the booking service refused: a contract error (its code, HTTP status, advice and detail are printed)
  2  bad usage (unknown option, malformed argument, unknown user, table, slot or venue: the valid ones are listed)
  3  no database: none configured, it cannot be reached, or (rush, demo) no scratch database may be made there
  4  ``rush`` found double bookings (must never happen)
  5  the database failed in a way the contract does not name (the message is printed, never a traceback)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import psycopg
import typer
import yaml
from rich.console import Console
from rich.table import Table

from clubbooking import harness, leeds, render
from clubbooking.checks import count_double_bookings
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError, DatabaseUnavailable, SectionNotAvailable
from clubbooking.models import Booking, Money, VenueInfo
from clubbooking.relay import run_relay

EXIT_BOOKING_ERROR, EXIT_USAGE, EXIT_NO_DATABASE, EXIT_DOUBLE_BOOKINGS, EXIT_DATABASE_ERROR = 1, 2, 3, 4, 5

app = typer.Typer(help="clubbooking: table bookings for nightclubs, on PostgreSQL.", no_args_is_help=True,
                  epilog="Exit codes: 0 success; 1 a contract error (code printed); 2 bad usage; "
                         "3 no database; 4 rush found double bookings; 5 another database error.")
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
VenueOption = Annotated[str, typer.Option(help="venue id or name (default: the seeded Leeds club)")]
LEEDS = str(leeds.VENUE_ID)


def resolve_dsn(dsn: str | None) -> str:
    """--dsn, else $DATABASE_URL, else the database `clubbooking up` keeps running."""
    if dsn:
        return dsn
    if env := os.environ.get("DATABASE_URL"):
        return env
    state = harness.state_file()
    if state.exists():
        return str(json.loads(state.read_text())["dsn"])
    errors.print("[red]no database[/]: run `clubbooking up` (or `make up`), or pass --dsn / set DATABASE_URL")
    raise typer.Exit(EXIT_NO_DATABASE)


def claims_for(actor: str, aal2: bool, dsn: str | None = None) -> dict[str, Any] | None:
    """JWT claims for --as; a ``user:`` or ``email:`` user must exist in auth.users (checked on ``dsn``)."""
    aal = "aal2" if aal2 else "aal1"
    if actor == "service":
        return None
    if actor == "anon":
        return {"role": "anon"}
    if actor in leeds.STAFF_IDS:
        return leeds.staff_claims(actor, aal=aal)
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
    raise typer.BadParameter(f"unknown actor {actor!r}: use service, anon, door, host, manager, admin, "
                             "user:<uuid> or email:<address>", param_hint="--as")


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
                                 "(sign up first: locally `clubbooking user add EMAIL`)", param_hint="--as")
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
    except (DatabaseUnavailable, psycopg.OperationalError, harness.ScratchRefused) as error:
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


def venue_of(client: BookingClient, venue: str) -> VenueInfo:
    """The venue named by id or name, from the catalogue; bad usage listing the venues otherwise."""
    catalogue = client.get_catalogue()
    try:
        return catalogue.venue(venue)
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0]), param_hint="--venue") from None


def table_ids(venue: VenueInfo, numbers: list[int]) -> list[uuid.UUID]:
    """Table numbers as ids; bad usage listing the venue's tables otherwise."""
    try:
        return [venue.table(n).table_id for n in numbers]
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0]), param_hint="TABLES") from None


def check_slot(venue: VenueInfo, slot: str) -> str:
    """A slot of the venue; bad usage listing its slots otherwise."""
    if slot not in {s.slot_id for s in venue.slots}:
        raise typer.BadParameter(f"no slot {slot!r} at {venue.name}; slots are "
                                 f"{', '.join(s.slot_id for s in venue.slots) or 'none yet'}", param_hint="SLOT")
    return slot


@app.command()
def up() -> None:
    """Start a database (kept running), migrate and seed it, and print its DSN."""
    db = harness.up()
    console.print(f"{db.kind} database ready")
    print(db.dsn)


@app.command()
def down() -> None:
    """Stop the database `up` started."""
    console.print("stopped" if harness.down() else "nothing was running")


@app.command()
def migrate(dsn: DsnOption = None) -> None:
    """Apply sql/compat (plain PostgreSQL) and the migrations not applied yet."""
    with handled():
        applied = harness.migrate(resolve_dsn(dsn))
    console.print(f"applied {len(applied)} migration(s)" + "".join(f"\n  {m}" for m in applied))


@app.command()
def seed(dsn: DsnOption = None) -> None:
    """Load the demo data (the Leeds club)."""
    with handled():
        harness.seed(resolve_dsn(dsn))
    console.print("seeded The Backroom Leeds")


@app.command("with-db", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def with_db(ctx: typer.Context) -> None:
    """Run a command with DATABASE_URL set to a migrated, seeded throw-away database."""
    with harness.throwaway_database() as db:
        env = {**os.environ, "DATABASE_URL": db.dsn}
        code = subprocess.run(ctx.args, env=env).returncode
    raise typer.Exit(code)


@app.command()
def demo(dsn: DsnOption = None) -> None:
    """Play a busy night at the Leeds club on a scratch database of its own and print a summary."""
    from clubbooking import demo as demo_module

    with handled():
        code = demo_module.main(dsn)
    raise typer.Exit(code)


@app.command()
def availability(date: Night, slot: Annotated[str, typer.Argument()] = "slot_23_30",
                 venue: VenueOption = LEEDS, dsn: DsnOption = None, actor: AsOption = "anon",
                 aal2: Aal2Option = False) -> None:
    """Show a slot's tables and their states (staff see who holds what)."""
    with client_for(dsn, actor, aal2) as client:
        place = venue_of(client, venue)
        snap = client.get_availability(place.venue_id, date, check_slot(place, slot))
    closed = "" if snap.bookable else "; past or closed: nothing can be booked"
    table = Table(title=f"{snap.date} {snap.slot_id} (version {snap.version}, {snap.view} view{closed})")
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
         venue: VenueOption = LEEDS,
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


def booking_id_of(client: BookingClient, booking: str, venue: str) -> str:
    """A booking id from an id or a reference (found at --venue) for the RPCs that take ids only."""
    if not booking.strip().upper().startswith("BR-"):
        return booking
    found = [b for b in client.find_bookings(venue_of(client, venue).venue_id, booking)
             if b.reference == booking.strip().upper()]
    if not found:
        raise typer.BadParameter(f"no booking {booking} at this venue", param_hint="BOOKING")
    return str(found[0].booking_id)


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
                venue: str = LEEDS) -> None:
    with client_for(dsn, actor, aal2) as client:
        by_reference = method in ("cancel_booking", "check_in_booking", "mark_no_show")
        target = booking if by_reference else booking_id_of(client, booking, venue)
        result: Booking = getattr(client, method)(target, *args)
    console.print(f"{result.reference}: {result.status}")


BookingArg = Annotated[str, typer.Argument(metavar="BOOKING", help="the booking's reference (BR-...) or id")]
ReasonOption = Annotated[str | None, typer.Option(help="why (kept in the audit log)")]


@app.command()
def submit(booking: BookingArg,
           payment: Annotated[str | None, typer.Option(help="the deposit's payment reference")] = None,
           venue: VenueOption = LEEDS, dsn: DsnOption = None, actor: AsOption = "host",
           aal2: Aal2Option = False) -> None:
    """Submit a held booking for approval (its deposit paid)."""
    _transition("submit_booking", booking, dsn, actor, aal2, payment, venue=venue)


def _reasoned_transition(name: str, method: str, default_actor: str, doc: str) -> None:
    """Register a command that moves a booking on, with a reason for the audit log."""
    def command(booking: BookingArg, reason: ReasonOption = None, venue: VenueOption = LEEDS,
                dsn: DsnOption = None, actor: AsOption = default_actor, aal2: Aal2Option = False) -> None:
        _transition(method, booking, dsn, actor, aal2, reason, venue=venue)
    command.__doc__ = doc
    app.command(name)(command)


_reasoned_transition("approve", "approve_booking", "manager", "Approve a pending booking (as a manager by default).")
_reasoned_transition("reject", "reject_booking", "manager", "Reject a pending booking (as a manager by default).")
_reasoned_transition("cancel", "cancel_booking", "host", "Cancel an open booking (as a host by default).")


@app.command("check-in")
def check_in(booking: BookingArg, dsn: DsnOption = None, actor: AsOption = "door", aal2: Aal2Option = False) -> None:
    """Check a guest in at the door by the reference they read out (from an hour before their time)."""
    _transition("check_in_booking", booking, dsn, actor, aal2)


@app.command("no-show")
def no_show(booking: BookingArg, dsn: DsnOption = None, actor: AsOption = "host", aal2: Aal2Option = False) -> None:
    """Mark a confirmed booking a no-show once its time has started; its tables are freed."""
    _transition("mark_no_show", booking, dsn, actor, aal2)


# ---------- the door's night ----------

StatusOption = Annotated[list[str] | None, typer.Option(
    "--status", "-s", help="only these statuses (repeat): held, pending_approval, confirmed, checked_in, "
                           "no_show, expired, cancelled, rejected")]


@app.command()
def bookings(date: Night, status: StatusOption = None,
             csv_out: Annotated[Path | None, typer.Option("--csv", help="also write the rows as CSV to this file "
                                                                        "(- for stdout instead of the table)")] = None,
             venue: VenueOption = LEEDS, dsn: DsnOption = None, actor: AsOption = "door",
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
         venue: VenueOption = LEEDS, dsn: DsnOption = None, actor: AsOption = "door",
         aal2: Aal2Option = False) -> None:
    """Find bookings by reference, guest name, phone or email (nearest nights first)."""
    with client_for(dsn, actor, aal2) as client:
        rows = client.find_bookings(venue_of(client, venue).venue_id, query)
    console.print(render.bookings_table(f"{len(rows)} booking(s) matching {query!r}", rows))


@app.command()
def block(date: Night, tables: Annotated[list[int], typer.Argument(help="table numbers")],
          slot: Annotated[str | None, typer.Option(help="one slot (default: the whole night)")] = None,
          kind: Annotated[str, typer.Option(help="maintenance, vip_override, private_event or other")] = "maintenance",
          reason: ReasonOption = None, venue: VenueOption = LEEDS, dsn: DsnOption = None,
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
            reason: ReasonOption = None, venue: VenueOption = LEEDS, dsn: DsnOption = None,
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
             venue: VenueOption = LEEDS, dsn: DsnOption = None, actor: AsOption = "anon",
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
              venue: VenueOption = LEEDS, dsn: DsnOption = None, actor: AsOption = "host",
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
           venue: VenueOption = LEEDS, dsn: DsnOption = None, actor: AsOption = "admin",
           aal2: Aal2Option = False) -> None:
    """Invite a person to the venue's staff (admin, with --aal2); it takes effect when they sign up or in."""
    with client_for(dsn, actor, aal2) as client:
        invitation = client.invite_staff(venue_of(client, venue).venue_id, email, role)
    console.print(f"invited {invitation.email} as {invitation.role}: {invitation.status} until they sign up or sign in")


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


def jsonable(value: Any) -> Any:
    """YAML's times and dates as the text the database reads."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


user_app = typer.Typer(help="Local users (what Supabase Auth does on a project).", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(email: Annotated[str, typer.Argument()],
             name: Annotated[str | None, typer.Option(help="full name")] = None,
             dsn: DsnOption = None) -> None:
    """Sign a user up (or in again) on a local database: a confirmed auth.users row; pending invitations apply.

    On a Supabase project people sign up through Supabase Auth instead.
    """
    with handled(), psycopg.connect(resolve_dsn(dsn), autocommit=True, connect_timeout=10) as conn:
        # signing in again (as GoTrue does, it touches the row) applies invitations made since
        row = conn.execute("update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()), "
                           "last_sign_in_at = now() where lower(email) = lower(%s) returning id::text",
                           (email,)).fetchone()
        if row is None:
            user_id = str(uuid.uuid4())
            conn.execute(leeds.CONFIRMED_USER, (user_id, email.lower(), json.dumps({"full_name": name})))
            row = (user_id,)
        roles = conn.execute("select v.name || ': ' || sm.role from public.staff_members sm "
                             "join public.venues v on v.id = sm.venue_id where sm.user_id = %s::uuid",
                             (row[0] if row else None,)).fetchall()
    console.print(f"user {email}" + (f" (staff: {', '.join(r[0] for r in roles)})" if roles else ""))
    print(row[0] if row else "")


@app.command()
def rush(guests: Annotated[int, typer.Option(min=1, max=500, help="guests racing for the tables")] = 48,
         workers: Annotated[int, typer.Option(min=1, max=32, help="guests booking at the same time")] = 8,
         seed: Annotated[int, typer.Option(help="random seed (same seed, same crowd)")] = 7,
         dsn: DsnOption = None) -> None:
    """A simulated peak night, then a summary: on a scratch database of its own, created on the server of
    --dsn / $DATABASE_URL (else a throw-away server) and dropped afterwards; it never touches other data.

    Needs the schema owner's DSN (postgres, with CREATEDB: it makes the scratch database, the crowd's accounts,
    and moves the clock for the sweeper). Exits 4 if the independent SQL check finds a double booking.
    """
    with handled(), harness.scratch_database(dsn) as db:
        raise typer.Exit(play_rush(db.dsn, guests=guests, workers=workers, seed=seed))


def play_rush(dsn: str, *, guests: int, workers: int, seed: int) -> int:
    """The rush on a database of its own: its summary, and the exit code (4 on any double booking)."""
    from clubbooking import demo as night

    stats = night.run_night(dsn, console, guests=guests, workers=workers, seed=seed)
    with psycopg.connect(dsn) as conn:
        doubles = count_double_bookings(conn)
    console.print(night.summary_table(stats, doubles))
    return EXIT_DOUBLE_BOOKINGS if doubles else 0


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
def notify(webhook: Annotated[str, typer.Option(envvar="CLUBBOOKING_WEBHOOK_URL", help="where to POST notifications")],
           secret: Annotated[str, typer.Option(envvar="CLUBBOOKING_WEBHOOK_SECRET",
                                               help="the HMAC-SHA256 signing secret the receiver shares")],
           once: Annotated[bool, typer.Option(help="deliver what is due now and stop (for cron)")] = False,
           minutes: Annotated[float, typer.Option(help="stop after this long (0: until interrupted)")] = 0,
           max_attempts: Annotated[int, typer.Option(min=1, help="attempts before a delivery is dead")] = 8,
           base_delay: Annotated[float, typer.Option(min=0, help="first retry after this many seconds, "
                                                                 "doubling each time")] = 5.0,
           timeout: Annotated[float, typer.Option(min=0.1, help="seconds to wait for the webhook")] = 10.0,
           dsn: DsnOption = None) -> None:
    """Deliver notifications to a webhook: signed, once per delivery id, retried with backoff, dead after N.

    Needs a DSN of the database owner (postgres): it reads the private delivery queue.
    """
    from clubbooking import notify as worker

    policy = worker.Policy(timeout=timeout, base_delay=base_delay, max_attempts=max_attempts)
    with handled():
        url = resolve_dsn(dsn)
        done = (worker.deliver_due(url, webhook, secret, policy) if once
                else worker.run(url, webhook, secret, policy, minutes=minutes))
    for error in done.errors:
        errors.print(f"[yellow]failed[/] {error}")
    console.print(f"delivered {done.delivered}, to retry {done.retried}, dead {done.dead}")


def main() -> None:
    sys.exit(app())
app.command("watch")(__import__("clubbooking.board", fromlist=["watch_command"]).watch_command)
