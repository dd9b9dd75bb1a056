"""A booking's life from the CLI: a booking changed (`modify`), a walk-in seated (`seat`), partial
arrivals and a double check-in answered (`check-in --arrived`), and the door's undo
(`undo-check-in`, `undo-no-show`), each in staff words and never a traceback.

The venue is The Backroom Manchester (open every night, confirmed on submit), set up from its
example file; the database clock is tonight's 18:30 there, the early slot under way.
"""

from __future__ import annotations

import re

import pytest
from clubbooking import cli
from test_door_cli import MANCHESTER, VENUE_FILE, clock_at, reference_in, run, tonight


@pytest.fixture(scope="module")
def door(db_dsn: str) -> dict[str, str]:
    env = {"dsn": db_dsn, "PGOPTIONS": clock_at(tonight(), "18:30")}
    code, _, err = run(env, "venue", "setup", VENUE_FILE, "--as", "admin", "--aal2")
    assert code == 0, err
    return env


STAFF = ("--venue", MANCHESTER, "--as", "admin")


def booked(door: dict[str, str], table: str, party: str, guest: str) -> str:
    code, out, err = run(door, "hold", "tonight", "early", table, "--party", party, "--guest", guest, *STAFF)
    assert code == 0, err
    reference = reference_in(out)
    code, out, err = run(door, "submit", reference, *STAFF)
    assert (code, out.split()[-1]) == (0, "confirmed"), err
    return reference


def test_a_booking_changes_party_and_tables_in_one_step(door: dict[str, str]) -> None:
    reference = booked(door, "1", "3", "Priya Shah")
    code, out, err = run(door, "modify", reference, "--party", "6", "-t", "1", "-t", "2", *STAFF)
    assert code == 0, err
    assert out.strip() == f"{reference}: confirmed, party of 6, tables 1+2, 18:00-22:00"
    code, out, err = run(door, "modify", reference, "--party", "12", *STAFF)
    assert code == cli.EXIT_BOOKING_ERROR and "CAPACITY_MISMATCH" in err
    code, out, err = run(door, "modify", reference, "-t", "7", "--party", "6", *STAFF)
    assert code == 0 and "tables 7," in out, err
    code, out, err = run(door, "hold", "tonight", "early", "1", "--party", "2", "--guest", "Next", *STAFF)
    assert code == 0, err  # the tables it let go are free again


def test_a_walk_in_is_seated_in_one_call(door: dict[str, str]) -> None:
    code, out, err = run(door, "seat", "tonight", "early", "3", "--party", "2", "--guest", "Walk In", *STAFF)
    assert code == 0, err
    assert re.match(r"seated Walk In: BR-\d{6}-[A-Z0-9]{6}: checked_in, party of 2, tables 3, 18:00-22:00", out), out
    code, out, err = run(door, "seat", "tonight", "early", "3", "--party", "2", "--guest", "Too Late", *STAFF)
    assert code == cli.EXIT_BOOKING_ERROR and "SECTION_NOT_AVAILABLE" in err


def test_the_door_answers_a_double_check_in_and_undoes_mistakes(door: dict[str, str]) -> None:
    reference = booked(door, "4", "4", "Tom Reed")
    code, out, err = run(door, "check-in", reference, "--arrived", "3", "--as", "admin")
    assert (code, out.strip()) == (0, f"{reference}: checked_in, 3 of 4 arrived"), err
    code, out, err = run(door, "check-in", reference, "--as", "admin")
    assert code == 0, err
    assert re.fullmatch(rf"{reference}: ALREADY checked in at \d\d:\d\d:\d\d \w+ by Ada Admin, 3 of 4 arrived",
                        out.strip()), out
    code, out, err = run(door, "undo-check-in", reference, "--reason", "wrong group", "--as", "admin")
    assert (code, out.strip()) == (0, f"{reference}: confirmed"), err

    code, out, err = run(door, "no-show", reference, "--as", "admin")
    assert (code, out.strip()) == (0, f"{reference}: no_show"), err
    code, out, err = run(door, "undo-no-show", reference, "--reason", "at the bar", "--as", "admin")
    assert (code, out.strip()) == (0, f"{reference}: confirmed"), err
    # Leeds' door is no staff of this venue: its booking is as unknown to them as an invented one
    code, out, err = run(door, "undo-no-show", reference, "--as", "door")
    assert code == cli.EXIT_BOOKING_ERROR and "no booking with reference" in err
