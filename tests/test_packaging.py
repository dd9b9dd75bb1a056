"""The shipped package holds the client and nothing else: its wheel, installed into a clean venv
(no repository tooling, outside the repository), has the booking CLI and no dev commands, and a
call against the test database works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV_MODULES = ("harness", "demo", "leeds", "checks", "reliability", "sql/")
DEV_COMMANDS = ("up", "down", "migrate", "seed", "with-db", "demo", "rush")
VENUE_ID = "22222222-2222-4222-8222-222222222222"  # the seeded club, passed as a user would


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = shutil.copytree(ROOT / "python_client", out / "source",  # pip builds in the tree: a copy's
                             ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
                   check=True, capture_output=True)
    return next(out.glob("clubbooking-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean venv with only the wheel and its dependencies: the path of its ``clubbooking``."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home / "venv", with_pip=True)
    subprocess.run([str(home / "venv/bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    str(wheel)], check=True, capture_output=True)
    return home / "venv/bin/clubbooking"


def run(command: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, run outside the repository with no repository settings."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "CLUBBOOKING_ROOT", "CLUBBOOKING_VENUE", "PYTHONPATH")}
    return subprocess.run([str(command), *args], capture_output=True, text=True, timeout=120,
                          cwd=command.parent, env={**env, "COLUMNS": "200"})


def test_the_wheel_ships_no_repository_tooling(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "clubbooking/client.py" in names
    shipped = [n.removeprefix("clubbooking/") for n in names if n.startswith("clubbooking/")]
    assert not [n for n in shipped if n.startswith(DEV_MODULES)]
    assert not [n for n in names if n.startswith("clubbooking_dev")]


def test_the_installed_cli_has_the_booking_commands_and_no_dev_commands(installed: Path) -> None:
    result = run(installed, "--help")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("│ ")]
    commands = {row[1] for row in rows if len(row) > 1}
    assert {"availability", "hold", "submit", "approve", "cancel", "watch", "relay"} <= commands
    assert not commands & set(DEV_COMMANDS)


def test_the_installed_cli_has_no_default_venue_or_slot(installed: Path, db_dsn: str) -> None:
    no_venue = run(installed, "availability", "2030-01-04", "slot_23_30", "--dsn", db_dsn)
    assert no_venue.returncode == 2
    assert "--venue" in no_venue.stderr
    no_slot = run(installed, "availability", "2030-01-04", "--venue", VENUE_ID, "--dsn", db_dsn)
    assert no_slot.returncode == 2
    assert "CLUBBOOKING_SLOT" in no_slot.stderr


def test_the_installed_cli_reads_a_slot_from_the_database(installed: Path, db_dsn: str) -> None:
    result = run(installed, "availability", "2030-01-04", "slot_23_30", "--venue", VENUE_ID, "--dsn", db_dsn)
    assert result.returncode == 0, result.stderr
    assert "public view" in result.stdout
    assert sum(line.count("available") for line in result.stdout.splitlines()) == 16
