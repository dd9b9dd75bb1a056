"""The "Python client" examples of docs/python-client.md run as written, in order, against a fresh database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "docs" / "python-client.md"
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


def test_the_readme_examples_run_as_written(scratch_dsn: str) -> None:
    runnable = [(lang, code) for lang, code in examples() if not code.startswith(NEEDS_SUPABASE)]
    env = {**os.environ, "DATABASE_URL": scratch_dsn, "COLUMNS": "200",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for (lang, code), expected in zip(runnable, EXPECTED, strict=True):
        command = [sys.executable, "-c", code] if lang == "python" else ["bash", "-euo", "pipefail", "-c", code]
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, f"{code}\n{result.stdout}\n{result.stderr}"
        for text in expected:
            assert text in result.stdout, f"{text!r} not printed by:\n{code}\n{result.stdout}"
