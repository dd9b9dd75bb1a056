"""The dev commands of ``clubbooking`` (a plugin, entry point group ``clubbooking.cli``): a kept or
throw-away database from the repository's migrations and seed, the demo and the rush; and the seeded
Leeds club as the CLI's default venue (its late slot the default slot), with its staff as
``--as door/host/manager/admin``.

Exit code 4: ``rush`` found double bookings (must never happen).
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Annotated

import psycopg
import typer
from clubbooking import cli

from clubbooking_dev import demo, harness, leeds
from clubbooking_dev.checks import count_double_bookings

EXIT_DOUBLE_BOOKINGS = 4


def kept_dsn() -> str | None:
    """The DSN of the database `clubbooking up` keeps running, if any."""
    try:
        state = harness.state_file()
    except RuntimeError:  # not inside the repository
        return None
    return str(json.loads(state.read_text())["dsn"]) if state.exists() else None


def up() -> None:
    """Start a database (kept running), migrate and seed it, and print its DSN."""
    db = harness.up()
    cli.console.print(f"{db.kind} database ready")
    print(db.dsn)


def down() -> None:
    """Stop the database `up` started."""
    cli.console.print("stopped" if harness.down() else "nothing was running")


def migrate(dsn: cli.DsnOption = None) -> None:
    """Apply sql/compat (plain PostgreSQL) and the migrations not applied yet."""
    with cli.handled():
        applied = harness.migrate(cli.resolve_dsn(dsn))
    cli.console.print(f"applied {len(applied)} migration(s)" + "".join(f"\n  {m}" for m in applied))


def seed(dsn: cli.DsnOption = None) -> None:
    """Load the demo data (the Leeds club)."""
    with cli.handled():
        harness.seed(cli.resolve_dsn(dsn))
    cli.console.print("seeded The Backroom Leeds")


def with_db(ctx: typer.Context) -> None:
    """Run a command with DATABASE_URL set to a migrated, seeded throw-away database."""
    with harness.throwaway_database() as db:
        env = {**os.environ, "DATABASE_URL": db.dsn}
        code = subprocess.run(ctx.args, env=env).returncode
    raise typer.Exit(code)


def play_demo() -> None:
    """Play a busy night at the Leeds club on a throw-away database and print a summary."""
    raise typer.Exit(demo.main())


def rush(guests: Annotated[int, typer.Option(min=1, max=500, help="guests racing for the tables")] = 48,
         workers: Annotated[int, typer.Option(min=1, max=32, help="guests booking at the same time")] = 8,
         seed: Annotated[int, typer.Option(help="random seed (same seed, same crowd)")] = 7,
         dsn: cli.DsnOption = None) -> None:
    """A simulated peak night on this database: a crowd races for one slot, then a summary.

    Needs the schema owner's DSN (postgres: it creates the crowd's accounts and moves the clock for the sweeper).
    Exits 4 if the independent SQL check finds a double booking.
    """
    with cli.handled():
        target = cli.resolve_dsn(dsn)
        stats = demo.run_night(target, cli.console, guests=guests, workers=workers, seed=seed)
        with psycopg.connect(target) as conn:
            doubles = count_double_bookings(conn)
    cli.console.print(demo.summary_table(stats, doubles))
    if doubles:
        raise typer.Exit(EXIT_DOUBLE_BOOKINGS)


def register(app: typer.Typer, extensions: cli.Extensions) -> None:
    """The plugin's entry point: the dev commands, the seeded staff and venue, the kept database."""
    for name, command in (("up", up), ("down", down), ("migrate", migrate), ("seed", seed),
                          ("demo", play_demo), ("rush", rush)):
        app.command(name)(command)
    app.command("with-db", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(with_db)
    extensions.actors.update({role: leeds.staff_claims(role) for role in leeds.STAFF_IDS})
    extensions.default_venue = leeds.VENUE_ID
    extensions.default_slot = leeds.SLOTS[-1]  # the late slot, the busy one
    extensions.kept_dsn = kept_dsn
    extensions.no_database_hint = "run `clubbooking up` (or `make up`), or pass --dsn / set DATABASE_URL"
