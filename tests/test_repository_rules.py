"""Rules of the repository's own files that nothing else checks: the pgTAP files are numbered once
each and found where `supabase test db` looks, the Makefile names each rule once and marks every
rule that makes no file .PHONY, and code comments say what is, not which issue it came from."""

from __future__ import annotations

import collections
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PGTAP = ROOT / "sql" / "tests"
ISSUE_NUMBER = re.compile(r"\bissues? \d+|[(]issue\b|\bissue-\d+", re.I)


def tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z", "--", *patterns], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    return [ROOT / name for name in listed.split("\0") if name]


def test_pgtap_files_are_numbered_once_each() -> None:
    names = sorted(path.name for path in PGTAP.glob("*.sql"))
    assert len(names) > 20
    assert not [name for name in names if not re.fullmatch(r"\d{2}_[a-z0-9_]+\.sql", name)]
    prefixes = collections.Counter(name[:2] for name in names)
    assert not {prefix for prefix, count in prefixes.items() if count > 1}, names


def test_supabase_test_db_finds_the_pgtap_suite_through_its_link() -> None:
    link = ROOT / "supabase" / "tests"
    assert link.is_symlink() and link.readlink() == Path("../sql/tests")
    assert link.resolve() == PGTAP.resolve()


def test_the_makefile_names_each_rule_once_and_every_rule_that_makes_no_file_is_phony() -> None:
    text = (ROOT / "Makefile").read_text()
    rules = collections.Counter(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, re.M))
    assert not {rule for rule, count in rules.items() if count > 1}
    phony = re.findall(r"^\.PHONY:(.*)$", text, re.M)
    assert len(phony) == 1
    assert sorted(phony[0].split()) == sorted(rules)  # no target of ours is a file


def test_code_comments_name_no_issue_numbers() -> None:
    """History lives in the changelog and the commits; a comment says what the code is."""
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in tracked("*.py", "*.ts", "*.sh", "Makefile")
             for number, line in enumerate(path.read_text().splitlines(), 1) if ISSUE_NUMBER.search(line)]
    assert not found, "\n".join(found)
