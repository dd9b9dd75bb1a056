"""supabase/schemas/ is a stack: each file uses only what it or an earlier file defines, as a Python
module imports only what sits below it (tests/test_import_graph.py), and defines each object once."""

from __future__ import annotations

from pathlib import Path

from clubbooking_dev.layering import Stack, read_statements

ROOT = Path(__file__).resolve().parents[1]
STACK = Stack.read(ROOT / "supabase" / "schemas")


def test_no_schema_file_uses_what_a_later_file_defines() -> None:
    found = [f"{file}:{line} uses {name}, defined later in {home}"
             for file, line, name, home in STACK.forward_references()]
    assert not found, "forward references (move the object down to the file that owns it):\n" + "\n".join(found)


def test_each_object_is_defined_in_one_file() -> None:
    assert not STACK.redefined, STACK.redefined


def test_the_stack_is_the_readable_source() -> None:
    names = [f.name for f in STACK.files]
    assert names[0] == "00_foundation.sql" and names[-1] == "19_scheduled_jobs.sql", names
    assert "public.bookings" in STACK.defined_in and "private.hold_tables" in STACK.defined_in


def test_the_checker_catches_a_forward_reference(tmp_path: Path) -> None:
    """The test above can fail: a file that calls a function of a later file is reported, and a
    name in a comment is not a use."""
    (tmp_path / "01_a.sql").write_text("-- private.later() is mentioned here only\n"
                                       "create function private.early() returns int language sql\n"
                                       "as $$ select private.later() $$;\n")
    (tmp_path / "02_b.sql").write_text("create function private.later() returns int language sql as $$ select 1 $$;\n"
                                       "create function private.early() returns int language sql as $$ select 2 $$;\n")
    stack = Stack.read(tmp_path)
    assert [(f, n, h) for f, _, n, h in stack.forward_references()] == [("01_a.sql", "private.later", "02_b.sql")]
    assert stack.redefined == [("private.early", "01_a.sql", "02_b.sql")]
    assert read_statements(tmp_path / "01_a.sql")[0].line == 2
