"""A night run from the CLI alone: set up a venue from a file, invite a host who then signs up,
take walk-ins, find them and check them in by reference; and every failure a documented exit
code in staff words, never a traceback.

The database clock is set to tonight's 19:30 in Leeds (``PGOPTIONS``, honoured for the local
superuser only), so the night can be played at any hour of the day.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from clubbooking import cli
from clubbooking.client import BookingClient
from clubbooking.errors import DatabaseUnavailable, InvalidInput, NotAuthorized, from_postgrest
from clubbooking_dev import leeds
from test_cli import clubbooking

ROOT = Path(__file__).resolve().parent.parent
VENUE_FILE = str(ROOT / "docs" / "examples" / "the-backroom-manchester.yaml")
MANCHESTER = "The Backroom Manchester"


def tonight() -> dt.date:
    return (dt.datetime.now() - dt.timedelta(hours=6)).date()


def clock_at(night: dt.date, at: str) -> str:
    """PGOPTIONS setting the database clock to a local time of a night in Leeds."""
    instant = dt.datetime.combine(night, dt.time.fromisoformat(at), ZoneInfo("Europe/London"))
    return f"-c clubbooking.now={instant.isoformat()}"


@pytest.fixture(scope="module")
def door(db_dsn: str) -> Iterator[dict[str, str]]:
    """The CLI's environment for the night: the test database, the clock at 19:30 tonight."""
    yield {"dsn": db_dsn, "PGOPTIONS": clock_at(tonight(), "19:30")}


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = clubbooking(*args, **env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def reference_in(text: str) -> str:
    match = re.search(r"BR-\d{6}-[A-Z0-9]{6}", text)
    assert match, text
    return match.group(0)


def test_a_night_at_the_door_from_the_cli_alone(door: dict[str, str]) -> None:
    code, out, err = run(door, "venue", "setup", VENUE_FILE, "--as", "admin", "--aal2")
    assert code == 0, err
    assert "7 tables on 2 floor(s), slots early, late" in out
    assert run(door, "venue", "setup", VENUE_FILE, "--as", "admin", "--aal2")[0] == 0  # the same file twice

    code, out, err = run(door, "invite", "sam.host@manchester.example", "--role", "host", "--venue", MANCHESTER,
                         "--as", "admin", "--aal2")
    assert code == 0 and "a token went to that address" in out, err
    code, out, err = run(door, "user", "add", "sam.host@manchester.example", "--name", "Sam Host")
    assert code == 0 and "staff:" not in out, err  # signing up makes nobody staff: acceptance is explicit
    token = re.search(r"invitations accept (inv_[0-9a-f]+)", out)
    assert token, out
    code, out, err = run(door, "invitations", "accept", token.group(1), "--as", "email:sam.host@manchester.example")
    assert (code, out.strip()) == (0, "joined as host"), err
    host = ("--as", "email:sam.host@manchester.example", "--venue", MANCHESTER)

    references = []
    for name, table, party in (("Priya Shah", "1", "3"), ("Tom Reed", "2", "2"), ("Ana Lima", "3", "4")):
        code, out, err = run(door, "hold", "tonight", "early", table, "--party", party, "--guest", name, *host)
        assert code == 0, err  # three walk-ins by one host: each booked to its guest, none refused as hers
        references.append(reference_in(out))
        code, out, err = run(door, "submit", references[-1], *host)
        assert (code, out.split()[-1]) == (0, "confirmed"), err

    code, out, err = run(door, "find", "priya", *host)
    assert code == 0 and references[0] in out, err
    code, out, err = run(door, "check-in", references[0].lower(), *host[:2])
    assert (code, out.strip()) == (0, f"{references[0]}: checked_in"), err
    # the end of a reference is enough at the door, --venue as on every staff command
    code, out, err = run(door, "check-in", references[2][-6:].lower(), "--arrived", "3", *host)
    assert (code, out.strip()) == (0, f"{references[2]}: checked_in, 3 of 4 arrived"), err

    code, out, err = run(door, "bookings", "tonight", "--venue", MANCHESTER, "--csv", "-", *host[:2])
    rows = {line.split(",")[0]: line for line in out.splitlines()[1:]}
    assert code == 0 and set(rows) == set(references), err
    assert "checked in" in rows[references[0]] and ",1,Priya Shah,3," in rows[references[0]]
    assert "18:00-22:00 GMT" in rows[references[0]] or "18:00-22:00 BST" in rows[references[0]]
    code, out, err = run(door, "bookings", "tonight", "--venue", MANCHESTER, "--status", "confirmed", *host[:2])
    assert code == 0 and references[1] in out and references[0] not in out, err


def test_a_change_that_would_strand_a_live_booking_is_refused(door: dict[str, str], tmp_path: Path) -> None:
    assert run(door, "venue", "setup", VENUE_FILE, "--as", "admin", "--aal2")[0] == 0
    code, out, err = run(door, "hold", "tonight", "early", "7", "--party", "8", "--guest", "Big Party",
                         "--venue", MANCHESTER, "--as", "admin")
    assert code == 0, err
    smaller = tmp_path / "venue.json"
    smaller.write_text('{"tables": [{"number": 1, "floor": "ground", "capacity_min": 2, "capacity_max": 4}]}')
    code, out, err = run(door, "venue", "setup", str(smaller), "--venue", MANCHESTER, "--as", "admin", "--aal2")
    assert code == cli.EXIT_BOOKING_ERROR
    assert "would strand" in err and reference_in(out + err) and "table 7 is no longer active" in " ".join(err.split())


def test_the_floor_at_2341_from_the_cli(db_dsn: str) -> None:
    """`clubbooking replay NIGHT SLOT --at HH:MM`: a hold made at 23:38 shows at 23:41 with who
    holds it, and is gone at 23:45 (it died at 23:43, with nothing written); HH:MM before noon is
    the morning after, so at 00:30 01:00 is still to come; guests may not look back."""
    night = leeds.next_open_night(weeks_ahead=6)
    at_2338 = {"dsn": db_dsn, "PGOPTIONS": clock_at(night, "23:38")}
    code, out, err = run(at_2338, "hold", night.isoformat(), "slot_23_30", "15", "16", "--party", "8",
                         "--guest", "Lou Late", "--as", "host")
    assert code == 0, err
    reference = reference_in(out)
    at_0030 = {"dsn": db_dsn, "PGOPTIONS": clock_at(night + dt.timedelta(days=1), "00:30")}
    replay = ("replay", night.isoformat(), "slot_23_30")
    code, out, err = run(at_0030, *replay, "--at", "23:41", "--as", "host")
    assert code == 0, err
    assert f"as it was at {night.isoformat()} 23:41 Europe/London" in " ".join(out.split())
    rows = {line.split()[1]: line for line in out.splitlines() if line.startswith("│ 1")}
    assert "held" in rows["15"] and reference in rows["15"] and "Lou Late" in rows["15"], out
    code, out, err = run(at_0030, *replay, "--at", "23:45", "--as", "host")
    assert code == 0 and reference not in out and "held" not in out, err
    code, out, err = run(at_0030, *replay, "--at", "01:00", "--as", "host")
    assert code == cli.EXIT_BOOKING_ERROR and "still to come" in " ".join(err.split()), (out, err)
    code, out, err = run(at_0030, *replay, "--at", "23:41", "--as", "anon")
    assert code == cli.EXIT_BOOKING_ERROR and "NOT_AUTHORIZED" in err, (out, err)


@pytest.mark.parametrize(("args", "code", "words"), [
    (("bookings", "tonight", "--as", f"user:{uuid.UUID(int=7)}"), cli.EXIT_USAGE, "no signed-up user"),
    (("bookings", "tonight", "--as", "email:nobody@nowhere.example"), cli.EXIT_USAGE, "sign up first"),
    (("bookings", "tonight", "--dsn", "foo"), cli.EXIT_NO_DATABASE, "not a PostgreSQL DSN"),
    (("bookings", "next friday"), cli.EXIT_USAGE, "use YYYY-MM-DD, tonight or tomorrow"),
    (("bookings", "tonight", "--status", "seated"), cli.EXIT_BOOKING_ERROR,
     "choose from held, pending_approval, confirmed"),
    (("bookings", "tonight", "--venue", "Nowhere"), cli.EXIT_USAGE, "venues are"),
    (("hold", "tonight", "slot_99", "3"), cli.EXIT_USAGE, "slots are slot_21_00, slot_23_30"),
    (("hold", "tonight", "slot_23_30", "17"), cli.EXIT_USAGE, "tables are 1, 2, 3"),
    (("check-in", "BR-000000-NOPE00"), cli.EXIT_BOOKING_ERROR, "no booking with reference BR-000000-NOPE00"),
    (("check-in", "261206-ncallu"), cli.EXIT_BOOKING_ERROR, "no booking with reference ending 261206-NCALLU at"),
    (("check-in", "ncallu", "--venue", "The Backroom Leeds"), cli.EXIT_BOOKING_ERROR,
     "no booking with reference ending NCALLU at The Backroom Leeds"),
    (("check-in", ""), cli.EXIT_BOOKING_ERROR, "INVALID_INPUT"),
    (("submit", ""), cli.EXIT_BOOKING_ERROR, "no booking given"),
    (("submit", "not-a-uuid"), cli.EXIT_BOOKING_ERROR, "no booking with reference ending NOT-A-UUID"),
    (("bookings", "tonight", "--as", "anon"), cli.EXIT_BOOKING_ERROR, "NOT_AUTHORIZED"),
    (("guest", "add", "Al", "--phone", "call me"), cli.EXIT_BOOKING_ERROR, "is not a phone number"),
    (("invite", "x@example.com", "--role", "bouncer", "--aal2"), cli.EXIT_BOOKING_ERROR,
     "choose from door, host, manager, admin"),
])
def test_every_failure_is_a_documented_exit_code_in_staff_words(door: dict[str, str], args: tuple[str, ...],
                                                                 code: int, words: str) -> None:
    result = run(door, *args)
    assert result[0] == code, result
    assert words in " ".join((result[1] + result[2]).split())
    assert "syntax for type uuid" not in result[1] + result[2], "no text that isn't a uuid reaches PostgreSQL as one"


def test_rush_refuses_clearly_where_it_may_not_make_a_database_of_its_own(db_dsn: str) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("drop role if exists rush_nocreatedb")
        conn.execute("create role rush_nocreatedb login nocreatedb")
    try:
        code, _, err = run({"dsn": re.sub(r"//postgres@", "//rush_nocreatedb@", db_dsn)}, "rush", "--guests", "1")
    finally:
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            conn.execute("drop role rush_nocreatedb")
    assert code == cli.EXIT_NO_DATABASE
    assert "never run in an existing database" in " ".join(err.split())


def test_an_unreachable_supabase_project_is_database_unavailable() -> None:
    client = BookingClient.from_supabase("http://127.0.0.1:1", "anon-key")
    with pytest.raises(DatabaseUnavailable, match="did not answer"):
        client.get_catalogue()


def test_permission_denied_and_unknown_functions_read_as_staff_words() -> None:
    denied = from_postgrest({"code": "42501", "message": "permission denied for function hold_tables"})
    assert isinstance(denied, NotAuthorized) and "permission denied" not in denied.detail
    assert denied.detail == "this account may not do that (hold_tables); act as someone with the right role"
    missing = from_postgrest({"code": "PGRST202", "message": "Could not find the function public.nope"})
    assert isinstance(missing, InvalidInput) and missing.status == 404 and "no such operation" in missing.detail


def test_staff_and_invitations_are_managed_from_the_cli(door: dict[str, str]) -> None:
    admin = ("--as", "admin", "--aal2")
    code, out, err = run(door, "invite", "kit.door@leeds.example", "--role", "door", *admin)
    assert code == 0, err
    code, out, err = run(door, "invitations", "list", *admin)
    line = next(line for line in out.splitlines() if "kit.door@leeds.example" in line)
    assert code == 0 and line.split()[0] == "pending", out
    code, out, err = run(door, "invitations", "revoke", line.split()[-1], *admin)
    assert (code, out.strip()) == (0, "kit.door@leeds.example: revoked"), err
    code, out, err = run(door, "invitations", "list", "--as", "admin")
    assert code == cli.EXIT_BOOKING_ERROR and "MFA_REQUIRED" in err, (out, err)

    code, out, err = run(door, "staff", "list")
    assert code == 0 and "door@backroom.example" in out and "admin@backroom.example" in out, err
    code, out, err = run(door, "staff", "role", "door@backroom.example", "host", *admin)
    assert (code, out.strip()) == (0, "door@backroom.example: door -> host"), err
    assert run(door, "staff", "role", "door@backroom.example", "door", *admin)[0] == 0
    code, out, err = run(door, "staff", "remove", "admin@backroom.example", *admin)
    assert code == cli.EXIT_BOOKING_ERROR and "INVALID_TRANSITION" in err, (out, err)  # the venue keeps an admin


def test_every_command_that_names_a_booking_takes_venue() -> None:
    """The door names a booking by the end of its reference, found at --venue: every command that
    takes a BOOKING takes --venue, as every other staff command does."""
    commands = {command.name or command.callback.__name__: inspect.signature(command.callback).parameters
                for command in cli.app.registered_commands if command.callback}
    naming = {name for name, params in commands.items() if "booking" in params}
    assert {"check-in", "no-show", "submit", "cancel", "modify", "undo-check-in"} <= naming
    assert [name for name in sorted(naming) if "venue" not in commands[name]] == []
