"""The ``clubbooking`` command: book tables, move bookings on, watch the floor, run the relay.

Every command that talks to the database takes ``--dsn`` (default: ``$DATABASE_URL``),
``--venue`` (default: ``$CLUBBOOKING_VENUE``) and ``--as`` (who to act as: ``service``, ``anon``,
``user:<uuid>``, or a name a plugin defines; ``--aal2`` for an MFA-verified session), and acts as
that user exactly as PostgREST would.

Plugins (entry point group ``clubbooking.cli``, a function ``register(app, extensions)``) add
commands, named actors, a default venue and a kept database: the repository's ``clubbooking_dev``
adds ``up``, ``down``, ``migrate``, ``seed``, ``with-db``, ``demo``, ``rush`` and the seeded club's
staff (``--as door/host/manager/admin``).

Exit codes:
  0  success
  1  the booking service refused: a contract error (its code, HTTP status, advice and detail are printed)
  2  bad usage (unknown option, malformed argument)
  3  no database: none configured, or it cannot be reached
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Annotated, Any, NoReturn

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from clubbooking.board import run_board
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError, DatabaseUnavailable, SectionNotAvailable
from clubbooking.models import Booking
from clubbooking.relay import run_relay
from clubbooking.watch import PsycopgListener, ThreadedSource

EXIT_BOOKING_ERROR, EXIT_USAGE, EXIT_NO_DATABASE = 1, 2, 3
PLUGIN_GROUP = "clubbooking.cli"

app = typer.Typer(help="clubbooking: table bookings for nightclubs, on PostgreSQL.", no_args_is_help=True,
                  epilog="Exit codes: 0 success; 1 a contract error (code printed); 2 bad usage; 3 no database.")
console = Console()
errors = Console(stderr=True)

DsnOption = Annotated[str | None, typer.Option("--dsn", help="PostgreSQL DSN (default: $DATABASE_URL, else `up`'s)")]
AsOption = Annotated[str, typer.Option("--as", help="act as: service (no JWT), anon, door, host, manager, admin, "
                                                     "or user:<uuid> (a customer)")]
Aal2Option = Annotated[bool, typer.Option("--aal2", help="the session passed MFA (aal2)")]
Night = Annotated[dt.datetime, typer.Argument(formats=["%Y-%m-%d"], help="the night (YYYY-MM-DD)")]
VenueOption = Annotated[uuid.UUID | None, typer.Option(help="venue id (default: $CLUBBOOKING_VENUE)")]
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


def resolve_venue(venue: uuid.UUID | None) -> uuid.UUID:
    """--venue, else $CLUBBOOKING_VENUE, else a plugin's default venue."""
    if venue is not None:
        return venue
    if env := os.environ.get("CLUBBOOKING_VENUE"):
        try:
            return uuid.UUID(env)
        except ValueError:
            raise typer.BadParameter(f"CLUBBOOKING_VENUE is not a uuid: {env!r}", param_hint="--venue") from None
    if extensions.default_venue is not None:
        return extensions.default_venue
    raise typer.BadParameter("which venue? pass --venue or set CLUBBOOKING_VENUE", param_hint="--venue")


def resolve_slot(slot: str | None) -> str:
    """SLOT, else $CLUBBOOKING_SLOT, else a plugin's default slot."""
    if found := slot or os.environ.get("CLUBBOOKING_SLOT") or extensions.default_slot:
        return found
    raise typer.BadParameter("which slot? pass SLOT or set CLUBBOOKING_SLOT", param_hint="SLOT")


def claims_for(actor: str, aal2: bool) -> dict[str, Any] | None:
    """JWT claims for --as."""
    aal = "aal2" if aal2 else "aal1"
    if actor == "service":
        return None
    if actor == "anon":
        return {"role": "anon"}
    if actor in extensions.actors:
        return {**extensions.actors[actor], "aal": aal}
    if actor.startswith("user:"):
        try:
            return {"sub": str(uuid.UUID(actor[5:])), "role": "authenticated", "aal": aal}
        except ValueError:
            pass
    raise typer.BadParameter(f"unknown actor {actor!r}", param_hint="--as")


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
        errors.print(f"[red]no database[/]: {error}")
        raise typer.Exit(EXIT_NO_DATABASE) from error


@contextlib.contextmanager
def client_for(dsn: str | None, actor: str, aal2: bool = False) -> Iterator[BookingClient]:
    """A client acting as --as, with errors handled as the exit codes say."""
    claims = claims_for(actor, aal2)
    with handled(), BookingClient.connect(resolve_dsn(dsn), claims, pool_size=1, timeout=10) as client:
        yield client


@app.command()
def availability(date: Night, slot: DefaultSlot = None,
                 venue: VenueOption = None, dsn: DsnOption = None, actor: AsOption = "anon",
                 aal2: Aal2Option = False) -> None:
    """Show a slot's tables and their states (staff see who holds what)."""
    venue_id, slot_id = resolve_venue(venue), resolve_slot(slot)
    with client_for(dsn, actor, aal2) as client:
        snap = client.get_availability(venue_id, date.date(), slot_id)
    table = Table(title=f"{snap.date} {snap.slot_id} (version {snap.version}, {snap.view} view)")
    for column in ("table", "floor", "seats", "min spend", "state"):
        table.add_column(column)
    for t in snap.tables:
        table.add_row(f"{t.table_number} {t.name}", t.floor, f"{t.capacity_min}-{t.capacity_max}",
                      f"{t.minimum_spend:.0f}", t.state)
    console.print(table)


@app.command()
def hold(date: Night, slot: Annotated[str, typer.Argument()],
         tables: Annotated[list[int], typer.Argument(help="table numbers")],
         party: Annotated[int, typer.Option(help="party size")] = 4,
         customer: Annotated[uuid.UUID | None, typer.Option(help="book for this customer (host and up)")] = None,
         venue: VenueOption = None,
         dsn: DsnOption = None, actor: AsOption = "host", aal2: Aal2Option = False) -> None:
    """Hold tables (by number) for a slot; prints the booking's id and reference."""
    venue_id = resolve_venue(venue)
    with client_for(dsn, actor, aal2) as client:
        numbered = {t.table_number: t.table_id for t in client.get_availability(venue_id, date.date(), slot).tables}
        if unknown := [n for n in tables if n not in numbered]:
            raise typer.BadParameter(f"no table {unknown[0]} at this venue ({min(numbered, default=0)}-"
                                     f"{max(numbered, default=0)})", param_hint="TABLES")
        booking = client.hold_tables(venue_id, date.date(), slot, [numbered[n] for n in tables], party,
                                     customer_id=customer)
    console.print(f"held {booking.reference} until {booking.hold_expires_at:%H:%M:%S}, deposit {booking.deposit:.2f}")
    print(booking.booking_id)


def _transition(method: str, booking_id: uuid.UUID, dsn: str | None, actor: str, aal2: bool, *args: Any) -> None:
    with client_for(dsn, actor, aal2) as client:
        booking: Booking = getattr(client, method)(booking_id, *args)
    console.print(f"{booking.reference}: {booking.status}")


BookingArg = Annotated[uuid.UUID, typer.Argument(help="the booking's id")]
ReasonOption = Annotated[str | None, typer.Option(help="why (kept in the audit log)")]


@app.command()
def submit(booking_id: BookingArg,
           payment: Annotated[str | None, typer.Option(help="the deposit's payment reference")] = None,
           dsn: DsnOption = None, actor: AsOption = "host", aal2: Aal2Option = False) -> None:
    """Submit a held booking for approval (its deposit paid; a PaymentIntent id waits for the payment)."""
    _transition("submit_booking", booking_id, dsn, actor, aal2, payment)


@app.command()
def pay(booking_id: BookingArg,
        method: Annotated[str, typer.Option(help="cash, card_terminal or bank_transfer")] = "card_terminal",
        reason: Annotated[str, typer.Option(help="why (kept in the audit log)")] = "paid at the venue",
        dsn: DsnOption = None, actor: AsOption = "host", aal2: Aal2Option = False) -> None:
    """Record a deposit taken at the venue (host and above); submits the hold."""
    _transition("record_payment", booking_id, dsn, actor, aal2, method, reason)


def _reasoned_transition(name: str, method: str, default_actor: str, doc: str) -> None:
    """Register a command that moves a booking on, with a reason for the audit log."""
    def command(booking_id: BookingArg, reason: ReasonOption = None, dsn: DsnOption = None,
                actor: AsOption = default_actor, aal2: Aal2Option = False) -> None:
        _transition(method, booking_id, dsn, actor, aal2, reason)
    command.__doc__ = doc
    app.command(name)(command)


_reasoned_transition("approve", "approve_booking", "manager", "Approve a pending booking (as a manager by default).")
_reasoned_transition("reject", "reject_booking", "manager", "Reject a pending booking (as a manager by default).")
_reasoned_transition("cancel", "cancel_booking", "host", "Cancel an open booking (as a host by default).")


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
    venue_id, slot_id = resolve_venue(venue), resolve_slot(slot)
    url = resolve_dsn(dsn)
    with client_for(url, actor, aal2) as client:
        try:
            asyncio.run(run_board(ThreadedSource(client), venue_id, date.date(), slot_id,
                                  listen=lambda: PsycopgListener(url), console=console, updates=updates))
        except BookingError as error:
            fail(error)
        except KeyboardInterrupt:
            pass


def load_plugins() -> None:
    """Let every installed plugin add its commands and extensions."""
    for plugin in entry_points(group=PLUGIN_GROUP):
        plugin.load()(app, extensions)


def main() -> None:
    """The ``clubbooking`` script: the commands above and the installed plugins'."""
    load_plugins()
    sys.exit(app())
