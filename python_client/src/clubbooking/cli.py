"""The ``clubbooking`` command: run a database, book tables, watch the floor.

Exit codes: 0 success; 1 a contract error (its code is printed); 2 bad usage; 3 no database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from clubbooking import harness, leeds
from clubbooking.client import BookingClient
from clubbooking.errors import BookingError

app = typer.Typer(help="clubbooking: table bookings for nightclubs, on PostgreSQL.", no_args_is_help=True)
console = Console()
EXIT_BOOKING_ERROR, EXIT_NO_DATABASE = 1, 3

DsnOption = Annotated[str | None, typer.Option("--dsn", help="PostgreSQL DSN (default: $DATABASE_URL, else `up`'s)")]
AsOption = Annotated[str, typer.Option("--as", help="act as: service (no JWT), anon, door, host, manager, admin, "
                                                     "or user:<uuid> (a customer)")]
Aal2Option = Annotated[bool, typer.Option("--aal2", help="the session passed MFA (aal2)")]


def resolve_dsn(dsn: str | None) -> str:
    """--dsn, else $DATABASE_URL, else the database `clubbooking up` keeps running."""
    if dsn:
        return dsn
    if env := os.environ.get("DATABASE_URL"):
        return env
    state = harness.state_file()
    if state.exists():
        return str(json.loads(state.read_text())["dsn"])
    console.print("[red]no database[/]: run `clubbooking up` (or `make up`), or pass --dsn / set DATABASE_URL")
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
        return {"sub": str(uuid.UUID(actor[5:])), "role": "authenticated", "aal": aal}
    raise typer.BadParameter(f"unknown actor {actor!r}", param_hint="--as")


def client_for(dsn: str | None, actor: str, aal2: bool = False) -> BookingClient:
    return BookingClient.connect(resolve_dsn(dsn), claims_for(actor, aal2), pool_size=2)


def fail(error: BookingError) -> None:
    console.print(f"[red]{error.code}[/] (HTTP {error.status}): {error.detail or '-'}")
    raise typer.Exit(EXIT_BOOKING_ERROR)


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
    applied = harness.migrate(resolve_dsn(dsn))
    console.print(f"applied {len(applied)} migration(s)" + "".join(f"\n  {m}" for m in applied))


@app.command()
def seed(dsn: DsnOption = None) -> None:
    """Load the demo data (the Leeds club)."""
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
def availability(date: Annotated[dt.datetime, typer.Argument(formats=["%Y-%m-%d"])],
                 slot: Annotated[str, typer.Argument()] = "slot_23_30",
                 venue: Annotated[uuid.UUID, typer.Option()] = leeds.VENUE_ID,
                 dsn: DsnOption = None, actor: AsOption = "anon", aal2: Aal2Option = False) -> None:
    """Show a slot's tables and their states."""
    with client_for(dsn, actor, aal2) as client:
        try:
            snap = client.get_availability(venue, date.date(), slot)
        except BookingError as error:
            fail(error)
    table = Table(title=f"{snap.date} {snap.slot_id} (version {snap.version}, {snap.view} view)")
    for column in ("table", "floor", "seats", "min spend", "state"):
        table.add_column(column)
    for t in snap.tables:
        table.add_row(f"{t.table_number} {t.name}", t.floor, f"{t.capacity_min}-{t.capacity_max}",
                      f"{t.minimum_spend:.0f}", t.state)
    console.print(table)


@app.command()
def hold(date: Annotated[dt.datetime, typer.Argument(formats=["%Y-%m-%d"])],
         slot: Annotated[str, typer.Argument()],
         tables: Annotated[list[int], typer.Argument(help="table numbers")],
         party: Annotated[int, typer.Option(help="party size")] = 4,
         venue: Annotated[uuid.UUID, typer.Option()] = leeds.VENUE_ID,
         dsn: DsnOption = None, actor: AsOption = "service", aal2: Aal2Option = False) -> None:
    """Hold tables (by number) for a slot."""
    with client_for(dsn, actor, aal2) as client:
        try:
            booking = client.hold_tables(venue, date.date(), slot, [leeds.TABLE_IDS[n] for n in tables], party)
        except BookingError as error:
            fail(error)
    console.print(f"held {booking.reference} ({booking.booking_id}) until {booking.hold_expires_at:%H:%M:%S}, "
                  f"deposit {booking.deposit:.2f}")


def _transition(method: str, booking_id: uuid.UUID, dsn: str | None, actor: str, aal2: bool,
                *args: Any) -> None:
    with client_for(dsn, actor, aal2) as client:
        try:
            booking = getattr(client, method)(booking_id, *args)
        except BookingError as error:
            fail(error)
    console.print(f"{booking.reference}: {booking.status}")


@app.command()
def cancel(booking_id: uuid.UUID, reason: Annotated[str | None, typer.Option()] = None,
           dsn: DsnOption = None, actor: AsOption = "service", aal2: Aal2Option = False) -> None:
    """Cancel a booking."""
    _transition("cancel_booking", booking_id, dsn, actor, aal2, reason)


@app.command()
def approve(booking_id: uuid.UUID, dsn: DsnOption = None, actor: AsOption = "manager",
            aal2: Aal2Option = False) -> None:
    """Approve a pending booking (as a manager by default)."""
    _transition("approve_booking", booking_id, dsn, actor, aal2)


def main() -> None:
    sys.exit(app())
app.command("watch")(__import__("clubbooking.board", fromlist=["watch_command"]).watch_command)
