"""The documentation's shell blocks run as a reader pastes them, from a clean shell, on one database
earlier blocks used: the README's, CONTRIBUTING's and every page of docs/. A block that cannot run on
this machine says why in an HTML comment right above it (`<!-- not run in tests: ... -->`), and
`test_every_shell_block_of_the_docs_runs_in_a_test_or_says_why_not` fails on one that does neither.
The "Python client" examples of docs/python-client.md run as written too."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import re
import signal
import subprocess
import tempfile
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "docs" / "python-client.md"
NEEDS_SUPABASE = "# needs a Supabase project"
# A fresh login shell's PATH (Debian's /etc/profile): root's has the sbin folders (runuser, which the
# local cluster is started with as root), no one's has the venv.
READER_PATH = ("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" if os.geteuid() == 0
               else "/usr/local/bin:/usr/bin:/bin")
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


def test_the_python_client_examples_run_as_written_at_20_00_and_00_30(scratch_dsn: str) -> None:
    """In order, at 20:00 and then at 00:30 Leeds time, on one database (the second run finds the
    first one's bookings); the Python ones with the repository's venv as the page says, the shell
    block from a clean shell (it activates the venv itself)."""
    runnable = [(lang, code) for lang, code in examples() if not code.startswith(NEEDS_SUPABASE)]
    for local in (dt.time(20, 0), dt.time(0, 30)):
        env = clean_shell(scratch_dsn, *reader_at(local))
        for (lang, code), expected in zip(runnable, EXPECTED, strict=True):
            command = [str(ROOT / ".venv/bin/python"), "-c", code] if lang == "python" else [
                "bash", "-euo", "pipefail", "-c", code]
            result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=180)
            assert result.returncode == 0, f"at {local}: {code}\n{result.stdout}\n{result.stderr}"
            for text in expected:
                assert text in result.stdout, f"{text!r} not printed at {local} by:\n{code}\n{result.stdout}"


# The shell blocks to paste, by (page, section), and what each must print. `make up` and the
# `export DATABASE_URL` line provide a database: the test provides its own instead and skips those lines.
PASTED = {
    ("README.md", "Quick start"): ["public view", "staff view", "Dana Cole, party of 10", "Dana Cole", ": cancelled"],
    ("docs/operations.md", "Operations: the door, the host and the admin"): [
        "venue The Backroom Manchester ready", "invited sam.host@manchester.example",
        "joined as host", ": checked_in", "Priya Shah", "checked in"],
    ("docs/operations.md", "Guests hear about their booking"): ["delivered"],
    ("docs/realtime.md", "The floor at any past instant"): ["as it was at 2026-12-04 23:41", "staff view"],
}
PROVIDED_BY_THE_TEST = ("make up", "export DATABASE_URL=")
# Shell blocks the other tests of this module run: the Python client's (with its Python examples),
# `make demo` (a scratch database of its own), the checker at a smaller size the page offers, and the
# refund worker against the Stripe stand-in (once: `make serve` beside it takes a bundle to start), and
# CONTRIBUTING's loop (its pgTAP file and pytest module keep clocks of their own).
RUN_ELSEWHERE = {("docs/python-client.md", "The `clubbooking` command"), ("README.md", "Two commands"),
                 ("docs/reliability.md", "Reliability: a fault-injecting checker"),
                 ("docs/operations.md", "Money online: deposits, the cancellation policy, refunds"),
                 ("CONTRIBUTING.md", "Contributing")}
SHELL_LANGUAGES = ("sh", "bash", "console", "shell", "zsh")
NOT_RUN = re.compile(r"<!-- not run in tests: (?P<reason>.*\S.*) -->")
DOC_PAGES = (ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md")))


@dataclasses.dataclass(frozen=True)
class ShellBlock:
    page: str  # relative to the repository's root
    section: str  # the nearest heading above it
    line: int
    code: str
    not_run_because: str | None  # the reason an HTML comment right above it gives


def doc_shell_blocks(page: Path) -> list[ShellBlock]:
    """Every shell block of a page (indented ones too), with its section and its "not run" mark."""
    blocks: list[ShellBlock] = []
    section, above, fence = "", "", None
    lines = page.read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if fence is not None:
            if stripped == "```":
                if fence[1] in SHELL_LANGUAGES:
                    mark = NOT_RUN.fullmatch(fence[2])
                    code = textwrap.dedent("\n".join(lines[fence[0]:number - 1])) + "\n"
                    blocks.append(ShellBlock(str(page.relative_to(ROOT)), section, fence[0], code,
                                             mark["reason"] if mark else None))
                fence = None
        elif stripped.startswith("```"):
            fence = (number, stripped[3:].strip(), above)
        elif stripped.startswith("#"):
            section = stripped.lstrip("#").strip()
        if stripped and fence is None:
            above = stripped
    return blocks


def shell_blocks(page: str, section: str) -> list[str]:
    """The blocks of a section a reader pastes, without the lines the test provides."""
    return ["\n".join(line for line in block.code.splitlines() if not line.startswith(PROVIDED_BY_THE_TEST))
            for block in doc_shell_blocks(ROOT / page) if block.section == section and block.not_run_because is None]


def test_every_shell_block_of_the_docs_runs_in_a_test_or_says_why_not() -> None:
    """A new shell block in the README, CONTRIBUTING or docs/ fails here until a test runs it or an
    HTML comment right above it says why it cannot run on this machine."""
    blocks = [block for page in DOC_PAGES for block in doc_shell_blocks(page)]
    unmarked = {(block.page, block.section) for block in blocks if block.not_run_because is None}
    assert unmarked == set(PASTED) | RUN_ELSEWHERE, "\n".join(
        f"{block.page}:{block.line} ({block.section}): add it to a test, or mark it "
        "<!-- not run in tests: REASON -->" for block in blocks
        if block.not_run_because is None and (block.page, block.section) not in set(PASTED) | RUN_ELSEWHERE)


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
    return {"PATH": READER_PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
            "TZ": tz, "DATABASE_URL": dsn, "COLUMNS": "200", "PGOPTIONS": pgoptions}


def paste(code: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Runs a block as a reader pastes it into a terminal; what it started in the background
    (`... &`) is stopped with it, as closing the terminal would."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        shell = subprocess.Popen(["bash", "-euo", "pipefail", "-c", code], stdout=out, stderr=err, text=True,
                                 env=env, cwd=ROOT, start_new_session=True)
        try:
            returncode = shell.wait(timeout=timeout)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(shell.pid, signal.SIGTERM)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(shell.args, returncode, out.read(), err.read())


def test_the_pages_shell_blocks_run_as_pasted_at_20_00_and_00_30(scratch_dsn: str) -> None:
    """The quick start, the door, the notification worker and the replay, pasted from a clean shell
    at 20:00 and at 00:30 Leeds time (the hours a club works), each twice, on one database the
    earlier runs used; the clock moves only as the page tells the reader to move it."""
    for local in (dt.time(20, 0), dt.time(0, 30)):
        tz, pgoptions = reader_at(local)
        env = clean_shell(scratch_dsn, tz, pgoptions)
        for _ in range(2):
            for (page, title), expected in PASTED.items():
                blocks = shell_blocks(page, title)
                assert len(blocks) == 1
                result = paste(blocks[0], env)
                assert result.returncode == 0, f"{title} at {local}:\n{result.stdout}\n{result.stderr}"
                for text in expected:
                    assert text in result.stdout, f"{text!r} not printed by {title} at {local}:\n{result.stdout}"


def test_the_realtime_example_is_a_whole_program() -> None:
    """docs/realtime.md's example follows a slot forever, so it is compiled here, not run
    (tests/test_realtime.py runs the watcher)."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "realtime.md").read_text(), flags=re.DOTALL)
    assert len(blocks) == 1 and "asyncio.run(" in blocks[0]
    compile(blocks[0], "README realtime example", "exec")


def test_make_demo_runs_as_pasted(scratch_dsn: str) -> None:
    """The README's first command, from a clean shell: with DATABASE_URL set, a scratch database of
    its own on that server, dropped afterwards."""
    (block,) = shell_blocks("README.md", "Two commands")
    result = paste(block, clean_shell(scratch_dsn, "Europe/London", ""))
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "double bookings (independent SQL check)" in result.stdout


def test_the_checker_runs_as_pasted_at_a_size_the_page_offers() -> None:
    """docs/reliability.md's own run, at 5 seconds instead of 60 ("any size you like"): it starts a
    cluster of its own and checks every invariant."""
    (block,) = shell_blocks("docs/reliability.md", "Reliability: a fault-injecting checker")
    assert "--seconds 60 " in block
    result = paste(block.replace("--seconds 60 ", "--seconds 5 "), clean_shell("", "Europe/London", ""))
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "no internal error under load" in result.stdout


def test_the_refund_worker_runs_as_pasted_against_the_stand_in(scratch_dsn: str) -> None:
    """docs/operations.md's local Stripe: the stand-in and `make serve` in the background (stopped
    with the block, as closing the terminal would), the worker once in the foreground."""
    (block,) = shell_blocks("docs/operations.md", "Money online: deposits, the cancellation policy, refunds")
    result = paste(block, clean_shell(scratch_dsn, "Europe/London", ""))
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "refunds sent" in result.stdout


def test_the_contributors_loop_runs_as_pasted(scratch_dsn: str) -> None:
    """CONTRIBUTING's kept-database loop, one pgTAP file and one pytest module, on a database the
    quick start used. At the machine's hour only: the pgTAP file moves its own clock and goes back to
    the database's (`tests.freeze_time(null)`), and the pytest module clones a database of its own,
    so a reader's hour reaches neither (`make test` runs both at whatever hour CI runs)."""
    env = clean_shell(scratch_dsn, "Europe/London", "")
    for page, section in (("README.md", "Quick start"), ("CONTRIBUTING.md", "Contributing")):
        (block,) = shell_blocks(page, section)
        result = paste(block, env)
        assert result.returncode == 0, f"{page}:\n{result.stdout}\n{result.stderr}"
    assert "Result: PASS" in result.stdout and " passed" in result.stdout, result.stdout
