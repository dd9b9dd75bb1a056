"""The ``clubbooking`` command: run a database, book tables, watch the floor, play a rush.

Every command that talks to the database takes ``--dsn`` (default: ``$DATABASE_URL``, else
the database ``clubbooking up`` keeps running) and ``--as`` (who to act as: ``service``,
``anon``, ``door``, ``host``, ``manager``, ``admin`` or ``user:<uuid>``; ``--aal2`` for an
MFA-verified session), and acts as that user exactly as PostgREST would.

Exit codes:
  0  success
  1  the booking service refused: a contract error (its code, HTTP status, advice and detail are printed)
  2  bad usage (unknown option, malformed argument)
  3  no database: none configured, or it cannot be reached
  4  ``rush`` found double bookings (must never happen)
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
from typing import Annotated, Any, NoReturn

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from clubbooking import harness, leeds
from clubbooking.checks import count_double_bookings
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError, DatabaseUnavailable, SectionNotAvailable
from clubbooking.models import Booking
from clubbooking.relay import run_relay

EXIT_BOOKING_ERROR, EXIT_USAGE, EXIT_NO_DATABASE, EXIT_DOUBLE_BOOKINGS = 1, 2, 3, 4

app = typer.Typer(help="clubbooking: table bookings for nightclubs, on PostgreSQL.", no_args_is_help=True,
                  epilog="Exit codes: 0 success; 1 a contract error (code printed); 2 bad usage; "
                         "3 no database; 4 rush found double bookings.")
console = Console()
errors = Console(stderr=True)

DsnOption = Annotated[str | None, typer.Option("--dsn", help="PostgreSQL DSN (default: $DATABASE_URL, else `up`'s)")]
AsOption = Annotated[str, typer.Option("--as", help="act as: service (no JWT), anon, door, host, manager, admin, "
                                                     "or user:<uuid> (a customer)")]
Aal2Option = Annotated[bool, typer.Option("--aal2", help="the session passed MFA (aal2)")]
Night = Annotated[dt.datetime, typer.Argument(formats=["%Y-%m-%d"], help="the night (YYYY-MM-DD)")]
VenueOption = Annotated[uuid.UUID, typer.Option(help="venue id (default: the seeded Leeds club)")]


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


def claims_for(actor: str, aal2: bool) -> dict[str, Any] | None:
    """JWT claims for --as."""
    aal = "aal2" if aal2 else "aal1"
    if actor == "service":
        return None
    if actor == "anon":
        return {"role": "anon"}
    if actor in leeds.STAFF_IDS:
        return leeds.staff_claims(actor, aal=aal)
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
def demo() -> None:
    """Play a busy night at the Leeds club on a throw-away database and print a summary."""
    from clubbooking import demo as demo_module

    raise typer.Exit(demo_module.main())


@app.command()
def availability(date: Night, slot: Annotated[str, typer.Argument()] = "slot_23_30",
                 venue: VenueOption = leeds.VENUE_ID, dsn: DsnOption = None, actor: AsOption = "anon",
                 aal2: Aal2Option = False) -> None:
    """Show a slot's tables and their states (staff see who holds what)."""
    with client_for(dsn, actor, aal2) as client:
        snap = client.get_availability(venue, date.date(), slot)
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
         venue: VenueOption = leeds.VENUE_ID,
         dsn: DsnOption = None, actor: AsOption = "host", aal2: Aal2Option = False) -> None:
    """Hold tables (by number) for a slot; prints the booking's id and reference."""
    if unknown := [n for n in tables if n not in leeds.TABLE_IDS]:
        raise typer.BadParameter(f"no table {unknown[0]} at the Leeds club (1-16)", param_hint="TABLES")
    with client_for(dsn, actor, aal2) as client:
        booking = client.hold_tables(venue, date.date(), slot, [leeds.TABLE_IDS[n] for n in tables], party,
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
def rush(guests: Annotated[int, typer.Option(min=1, max=500, help="guests racing for the tables")] = 48,
         workers: Annotated[int, typer.Option(min=1, max=32, help="guests booking at the same time")] = 8,
         seed: Annotated[int, typer.Option(help="random seed (same seed, same crowd)")] = 7,
         dsn: DsnOption = None) -> None:
    """A simulated peak night on this database: a crowd races for one slot, then a summary.

    Needs the schema owner's DSN (postgres: it creates the crowd's accounts and moves the clock for the sweeper).
    Exits 4 if the independent SQL check finds a double booking.
    """
    from clubbooking import demo as night

    with handled():
        target = resolve_dsn(dsn)
        stats = night.run_night(target, console, guests=guests, workers=workers, seed=seed)
        with psycopg.connect(target) as conn:
            doubles = count_double_bookings(conn)
    console.print(night.summary_table(stats, doubles))
    if doubles:
        raise typer.Exit(EXIT_DOUBLE_BOOKINGS)


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


def main() -> None:
    sys.exit(app())
app.command("watch")(__import__("clubbooking.board", fromlist=["watch_command"]).watch_command)
