"""The documentation's examples run as written, in order, against a fresh database: the "Python
client" examples of docs/python-client.md, and the shell blocks of the README's "Quick start" and of
docs/operations.md exactly as a reader pastes them (twice: they run again)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "docs" / "python-client.md"
NEEDS_SUPABASE = "# needs a Supabase project"
# What each runnable example must print (in the page's order).
EXPECTED = [
    ["confirmed"],
    ["SECTION_NOT_AVAILABLE 409 try tables", "INVALID_PARTY_SIZE 422 party size must be 1-50, got 60"],
    ["slot_21_00 ", "slot_23_30 ", "free, version"],
    ["staff view", "pending_approval", "confirmed", "exit code 1", "double bookings (independent SQL check)"],
]


def examples() -> list[tuple[str, str]]:
    """(language, code) of every fenced block in the page's "Python client" section."""
    text = README.read_text()
    section = text.split("\n## Python client\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(python|sh)\n(.*?)```", section, flags=re.DOTALL)


def test_the_section_has_the_examples_this_test_expects() -> None:
    runnable = [code for _, code in examples() if not code.startswith(NEEDS_SUPABASE)]
    assert len(runnable) == len(EXPECTED)


def test_the_supabase_example_is_valid_python() -> None:
    supabase = [code for _, code in examples() if code.startswith(NEEDS_SUPABASE)]
    assert len(supabase) == 1
    compile(supabase[0], "the supabase example", "exec")


def test_the_readme_examples_run_as_written_twice(scratch_dsn: str) -> None:
    """In order, twice, on one database (the second run finds the first one's bookings); the
    Python ones with the repository's venv as the page says, the shell block from a clean shell
    (it activates the venv itself)."""
    runnable = [(lang, code) for lang, code in examples() if not code.startswith(NEEDS_SUPABASE)]
    clean = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
             "DATABASE_URL": scratch_dsn, "COLUMNS": "200"}
    for _ in range(2):
        for (lang, code), expected in zip(runnable, EXPECTED, strict=True):
            command = [str(ROOT / ".venv/bin/python"), "-c", code] if lang == "python" else [
                "bash", "-euo", "pipefail", "-c", code]
            result = subprocess.run(command, capture_output=True, text=True, env=clean, cwd=ROOT, timeout=180)
            assert result.returncode == 0, f"{code}\n{result.stdout}\n{result.stderr}"
            for text in expected:
                assert text in result.stdout, f"{text!r} not printed by:\n{code}\n{result.stdout}"


# The shell blocks to paste, and what each must print. `make up` and the `export DATABASE_URL`
# line provide a database: the test provides its own instead and skips those lines.
PASTED = {
    "Quick start": ["public view", "staff view", "Dana Cole, party of 10", "Dana Cole", ": cancelled"],
    "Operations: the door, the host and the admin": [
        "venue The Backroom Manchester ready", "invited sam.host@manchester.example",
        "joined as host", ": checked_in", "Priya Shah", "checked in"],
}
PROVIDED_BY_THE_TEST = ("make ", "export DATABASE_URL=")


PAGES = {"Quick start": ROOT / "README.md",
         "Operations: the door, the host and the admin": ROOT / "docs" / "operations.md"}


def shell_blocks(title: str) -> list[str]:
    text = PAGES[title].read_text()
    section = text.split(f"# {title}\n", 1)[1].split("\n## ", 1)[0]  # a page's title or a section's
    return ["\n".join(line for line in code.splitlines() if not line.startswith(PROVIDED_BY_THE_TEST))
            for code in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)]


def reader_at(local: dt.time, zone: str = "Europe/London") -> tuple[str, str]:
    """A reader whose venue-local clock reads ``local`` now: the shell's TZ (a fixed offset whose
    wall clock reads that time, so `date` and the CLI's `tonight` see it) and the database's
    clock at the same venue-local instant (PGOPTIONS, as the reader's database would read it)."""
    now = dt.datetime.now(dt.UTC)
    wall = min((dt.datetime.combine(now.date() + dt.timedelta(days=d), local) for d in (-1, 0, 1)),
               key=lambda w: abs(w - now.replace(tzinfo=None)))
    offset = round((wall - now.replace(tzinfo=None)).total_seconds() / 60)
    sign = "-" if offset >= 0 else "+"  # POSIX TZ offsets are west of Greenwich
    tz = f"DOC{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    instant = wall.replace(tzinfo=ZoneInfo(zone))
    return tz, f"-c clubbooking.now={instant.isoformat()}"


def clean_shell(dsn: str, tz: str, pgoptions: str) -> dict[str, str]:
    """A fresh login shell's environment: no venv on PATH, only what a reader's terminal has."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
            "TZ": tz, "DATABASE_URL": dsn, "COLUMNS": "200", "PGOPTIONS": pgoptions}


def test_the_quick_start_and_the_door_run_as_pasted_at_20_00_and_00_30(scratch_dsn: str) -> None:
    """Pasted from a clean shell at 20:00 and at 00:30 Leeds time (the hours a club works), each
    twice, on one database the earlier runs used; the clock moves only as the page tells the
    reader to move it."""
    for local in (dt.time(20, 0), dt.time(0, 30)):
        tz, pgoptions = reader_at(local)
        env = clean_shell(scratch_dsn, tz, pgoptions)
        for _ in range(2):
            for title, expected in PASTED.items():
                blocks = shell_blocks(title)
                assert len(blocks) == 1
                result = subprocess.run(["bash", "-euo", "pipefail", "-c", blocks[0]], capture_output=True,
                                        text=True, env=env, cwd=ROOT, timeout=300)
                assert result.returncode == 0, f"{title} at {local}:\n{result.stdout}\n{result.stderr}"
                for text in expected:
                    assert text in result.stdout, f"{text!r} not printed by {title} at {local}:\n{result.stdout}"


def test_the_realtime_example_is_a_whole_program() -> None:
    """docs/realtime.md's example follows a slot forever, so it is compiled here, not run
    (tests/test_realtime.py runs the watcher)."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "realtime.md").read_text(), flags=re.DOTALL)
    assert len(blocks) == 1 and "asyncio.run(" in blocks[0]
    compile(blocks[0], "README realtime example", "exec")
