"""docs/frontend.md's TypeScript examples are whole modules that type-check (`deno check`,
strict, DOM) against the client's source, imported as an app imports the package."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "frontend.md"
PACKAGE = ROOT / "clients" / "typescript"
DENO = ROOT / ".tools/node_modules/.bin/deno"


def examples() -> list[str]:
    return re.findall(r"```ts\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)


def test_the_page_has_its_two_examples_and_states_the_node_version() -> None:
    assert len(examples()) == 2
    assert "Node 22 or later" in PAGE.read_text()
    assert '"node": ">=22"' in (PACKAGE / "package.json").read_text()


def test_every_frontend_example_type_checks_as_written() -> None:
    # inside the package, so "@clubbooking/client" and supabase-js resolve through its deno.json
    with tempfile.TemporaryDirectory(dir=PACKAGE, prefix=".doc-examples-") as folder:
        files = []
        for number, code in enumerate(examples(), 1):
            file = Path(folder) / f"example_{number}.ts"
            file.write_text(code)
            files.append(str(file))
        result = subprocess.run([str(DENO), "check", "--quiet", *files], cwd=PACKAGE, capture_output=True,
                                text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_example_swallows_what_it_does_not_handle() -> None:
    for code in examples():
        if "catch (error)" in code:
            assert "else throw error" in code, "a catch that handles some errors rethrows the rest"
