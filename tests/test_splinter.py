"""Supabase's database linter (supabase/splinter, the lints Studio's advisors show) finds no
WARN or ERROR on the migrated schema: tests/sql/splinter.sql is its own SQL, unchanged."""

from __future__ import annotations

from typing import Any

import psycopg
from conftest import sql_file


def test_splinter_reports_no_warning_or_error(admin: psycopg.Connection[Any]) -> None:
    with admin.transaction(force_rollback=True):
        cursor = admin.cursor()
        cursor.execute(sql_file("splinter"))  # `set local search_path = ''`, then the lints
        while cursor.description is None and cursor.nextset():
            pass
        columns = [c.name for c in cursor.description or []]
        findings = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    serious = [f"{f['level']} {f['name']}: {f['detail']}" for f in findings if f["level"] in ("WARN", "ERROR")]
    assert serious == []
