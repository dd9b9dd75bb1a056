"""The migrations give exactly the schema of supabase/schemas/ (a change to the source without its
forward migration fails here), and supabase/schema.sql and docs/functions.md are what the source
gives (`make schema` rewrites them)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from clubbooking_dev import schema

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def generated(server_dsn: str) -> dict[Path, str]:
    with schema.fresh_database(server_dsn, source="schemas") as dsn:
        return schema.generated(dsn, ROOT)


def test_the_migrations_give_the_schema_files_schema(server_dsn: str) -> None:
    diff = schema.drift(server_dsn)
    assert not diff, ("supabase/migrations and supabase/schemas differ: `make migration NAME=...` writes the "
                      f"forward migration\n{diff[:4000]}")


@pytest.mark.parametrize("path", [schema.schema_path(ROOT), schema.index_path(ROOT)], ids=lambda p: p.name)
def test_the_committed_file_is_what_the_schema_files_give(generated: dict[Path, str], path: Path) -> None:
    committed = path.read_text() if path.exists() else ""
    diff = "".join(difflib.unified_diff(committed.splitlines(True), generated[path].splitlines(True),
                                        "committed", "from supabase/schemas", n=1))
    assert not diff, f"{path.relative_to(ROOT)} is stale: run `make schema` and commit it\n{diff[:3000]}"


def test_the_dump_has_every_table_and_function(generated: dict[Path, str]) -> None:
    text = generated[schema.schema_path(ROOT)]
    assert "CREATE TABLE public.bookings (" in text and "CREATE FUNCTION private.hold_tables(" in text
    assert "\\restrict" not in text
    index = generated[schema.index_path(ROOT)]
    assert "| `public.hold_tables(" in index and "| `?` |" not in index
