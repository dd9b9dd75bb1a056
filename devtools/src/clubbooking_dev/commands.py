"""The dev commands of ``clubbooking`` (a plugin, entry point group ``clubbooking.cli``): a kept or
throw-away database from the repository's migrations and seed, the demo and the rush; and the seeded
Leeds club as the CLI's default venue (its late slot the default slot), with its staff as
``--as door/host/manager/admin``.

Exit code 4: ``rush`` found double bookings (must never happen). ``rush`` and ``demo`` play on a scratch
database of their own (exit 3 where none may be made); ``user add`` signs a user up locally.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
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


def with_db(ctx: typer.Context,
            pg_bin: Annotated[Path | None, typer.Option(
                help="a local cluster from these server binaries (another PostgreSQL version), "
                     "never $DATABASE_URL's server or a container")] = None) -> None:
    """Run a command with DATABASE_URL set to a migrated, seeded throw-away database."""
    with harness.throwaway_database(pg_bin) as db:
        env = {**os.environ, "DATABASE_URL": db.dsn}
        code = subprocess.run(ctx.args, env=env).returncode
    raise typer.Exit(code)


def play_demo(dsn: cli.DsnOption = None) -> None:
    """Play a busy night at the Leeds club on a scratch database of its own and print a summary."""
    with cli.handled(), refused_clearly():
        code = demo.main(dsn)
    raise typer.Exit(code)


def rush(guests: Annotated[int, typer.Option(min=1, max=500, help="guests racing for the tables")] = 48,
         workers: Annotated[int, typer.Option(min=1, max=32, help="guests booking at the same time")] = 8,
         seed: Annotated[int, typer.Option(help="random seed (same seed, same crowd)")] = 7,
         dsn: cli.DsnOption = None) -> None:
    """A simulated peak night, then a summary: on a scratch database of its own, created on the server of
    --dsn / $DATABASE_URL (else a throw-away server) and dropped afterwards; it never touches other data.

    Needs the schema owner's DSN (postgres, with CREATEDB: it makes the scratch database, the crowd's
    accounts, and moves the clock for the sweeper). Exits 4 if the independent SQL check finds a double booking.
    """
    with cli.handled(), refused_clearly(), harness.scratch_database(dsn) as db:
        raise typer.Exit(play_rush(db.dsn, guests=guests, workers=workers, seed=seed))


def play_rush(dsn: str, *, guests: int, workers: int, seed: int) -> int:
    """The rush on a database of its own: its summary, and the exit code (4 on any double booking)."""
    stats = demo.run_night(dsn, cli.console, guests=guests, workers=workers, seed=seed)
    with psycopg.connect(dsn) as conn:
        doubles = count_double_bookings(conn)
    cli.console.print(demo.summary_table(stats, doubles))
    return EXIT_DOUBLE_BOOKINGS if doubles else 0


@contextlib.contextmanager
def refused_clearly() -> Iterator[None]:
    """No scratch database on that server: say why, exit 3 (no database)."""
    try:
        yield
    except harness.ScratchRefused as error:
        cli.errors.print(f"[red]no database[/]: {error}")
        raise typer.Exit(cli.EXIT_NO_DATABASE) from error


def user_add(email: Annotated[str, typer.Argument()],
             name: Annotated[str | None, typer.Option(help="full name")] = None,
             dsn: cli.DsnOption = None) -> None:
    """Sign a user up (or in again) on a local database: a confirmed auth.users row; pending invitations apply.

    On a Supabase project people sign up through Supabase Auth instead.
    """
    with cli.handled(), psycopg.connect(cli.resolve_dsn(dsn), autocommit=True, connect_timeout=10) as conn:
        # signing in again (as GoTrue does, it touches the row) applies invitations made since
        row = conn.execute("update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()), "
                           "last_sign_in_at = now() where lower(email) = lower(%s) returning id::text",
                           (email,)).fetchone()
        if row is None:
            row = (str(uuid.uuid4()),)
            conn.execute(leeds.CONFIRMED_USER, (row[0], email.lower(), json.dumps({"full_name": name})))
        roles = conn.execute("select v.name || ': ' || sm.role from public.staff_members sm "
                             "join public.venues v on v.id = sm.venue_id where sm.user_id = %s::uuid",
                             (row[0],)).fetchall()
    cli.console.print(f"user {email}" + (f" (staff: {', '.join(r[0] for r in roles)})" if roles else ""))
    print(row[0])


def register(app: typer.Typer, extensions: cli.Extensions) -> None:
    """The plugin's entry point: the dev commands, the seeded staff and venue, the kept database."""
    for name, command in (("up", up), ("down", down), ("migrate", migrate), ("seed", seed),
                          ("demo", play_demo), ("rush", rush)):
        app.command(name)(command)
    app.command("with-db", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(with_db)
    users = typer.Typer(help="Local users (what Supabase Auth does on a project).", no_args_is_help=True)
    users.command("add")(user_add)
    app.add_typer(users, name="user")
    extensions.actors.update({role: leeds.staff_claims(role) for role in leeds.STAFF_IDS})
    extensions.default_venue = leeds.VENUE_ID
    extensions.default_slot = leeds.SLOTS[-1]  # the late slot, the busy one
    extensions.kept_dsn = kept_dsn
    extensions.no_database_hint = "run `clubbooking up` (or `make up`), or pass --dsn / set DATABASE_URL"
