"""One error table, generated, and one place that maps errors to exceptions, the same for both
transports and for every code.

private.error_codes is the source: the files generated from it (clubbooking_dev.error_codes, `make
types`) must be what the database gives, and every code in them must have its exception class, so a
code added in SQL fails here until it is generated and has a class. Through psycopg each code is
really raised by private.raise_error; through supabase-py each arrives as the error JSON PostgREST
makes of it.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import respx
from clubbooking import BookingClient, BookingError, InvalidInput, NotAuthorized
from clubbooking.error_codes import ERROR_CODES
from clubbooking.errors import ERRORS, from_database
from clubbooking_dev import error_codes
from postgrest.exceptions import APIError
from postgrest_emulator import ANON_KEY, BASE_URL, status_of

ROOT = Path(__file__).resolve().parents[1]
DETAIL = json.dumps({"reason": "taken", "alternatives": [{"table_ids": [], "table_numbers": [9]}]})


@pytest.fixture(scope="module")
def generated(db_dsn: str) -> dict[Path, str]:
    return error_codes.generated(error_codes.read(db_dsn), ROOT)


@pytest.mark.parametrize("path", error_codes.paths(ROOT), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_committed_error_table_is_what_the_database_gives(generated: dict[Path, str], path: Path) -> None:
    committed = path.read_text() if path.exists() else ""
    diff = "".join(difflib.unified_diff(committed.splitlines(True), generated[path].splitlines(True),
                                        "committed", "from private.error_codes", n=1))
    assert not diff, f"{path.relative_to(ROOT)} is stale: run `make types` and commit it\n{diff[:3000]}"


def test_the_generator_keeps_a_long_description_whole_within_the_line_width() -> None:
    long = error_codes.ErrorCode("TEAPOT_REFUSED", "PT418", "A description that runs on, " * 8 + "and ends */ here.")
    python = error_codes.python_module([long])
    namespace: dict[str, Any] = {}
    exec(compile(python, "error_codes.py", "exec"), namespace)
    assert namespace["ERROR_CODES"] == ((long.code, "PT418", 418, "TeapotRefused", long.description),)
    typescript = error_codes.client_module([long])
    assert "ends *\\/ here." in typescript and typescript.count("*/") == typescript.count("/**")
    assert max(len(line) for line in python.splitlines()) <= error_codes.LINE_WIDTH


@pytest.fixture(scope="module")
def codes() -> list[tuple[str, str]]:
    """Each code and its SQLSTATE, from the generated table (the test above ties it to the database)."""
    return [(row.code, row.sqlstate) for row in ERROR_CODES]


def test_every_error_code_has_its_exception_class_with_the_tables_name_and_status() -> None:
    assert set(ERRORS) == {row.code for row in ERROR_CODES}
    for row in ERROR_CODES:
        assert (ERRORS[row.code].__name__, ERRORS[row.code].http_status) == (row.class_name, row.status)


def test_every_code_raised_in_sql_maps_to_its_class_status_and_data(admin: psycopg.Connection[Any],
                                                                   codes: list[tuple[str, str]]) -> None:
    for code, state in codes:
        with pytest.raises(psycopg.Error) as raised:
            admin.execute("select private.raise_error(%s, %s)", (code, DETAIL))
        error = from_database(raised.value)
        assert type(error) is ERRORS[code]
        assert (error.sqlstate, error.status, error.data) == (state, int(state[2:]), json.loads(DETAIL))


def reply(status: int, body: dict[str, Any]) -> BookingClient:
    """A supabase-py client whose RPCs PostgREST answers with ``status`` and ``body``."""
    respx.route(method="POST", url__startswith=f"{BASE_URL}/rest/v1/rpc/").mock(
        return_value=httpx.Response(status, json=body))
    return BookingClient.from_supabase(BASE_URL, ANON_KEY)


@respx.mock
def test_every_code_in_postgrest_error_json_maps_to_its_class(codes: list[tuple[str, str]]) -> None:
    for code, state in codes:
        client = reply(status_of(state, False), {"code": state, "message": code, "details": DETAIL, "hint": None})
        with pytest.raises(BookingError) as raised:
            client.get_user_role()
        assert type(raised.value) is ERRORS[code]
        assert (raised.value.status, raised.value.detail, raised.value.data) == (int(state[2:]), DETAIL,
                                                                                 json.loads(DETAIL))


@pytest.mark.parametrize(("body", "status", "expected"), [
    ({"code": "PGRST301", "message": "JWT expired", "details": None, "hint": None}, 401, 401),
    ({"code": "42501", "message": "permission denied for function hold_tables", "details": None, "hint": None},
     401, 401),
    ({"code": "22P02", "message": "invalid input syntax for type uuid", "details": None, "hint": None}, 400, 422),
])
@respx.mock
def test_postgrest_and_postgresql_refusals_map_to_contract_errors(body: dict[str, Any], status: int,
                                                                  expected: int) -> None:
    with pytest.raises(BookingError) as raised:
        reply(status, body).get_user_role()
    assert raised.value.status == expected
    assert isinstance(raised.value, NotAuthorized) == (expected == 401)


@respx.mock
def test_an_error_outside_the_contract_stays_postgrests() -> None:
    body = {"code": "PGRST100", "message": "\"failed to parse select parameter\"", "details": None,
            "hint": None}
    with pytest.raises(APIError) as raised:
        reply(400, body).get_user_role()
    assert raised.value.code == "PGRST100"


def test_a_malformed_id_is_invalid_input_before_anything_is_sent(db_dsn: str) -> None:
    with BookingClient.connect(db_dsn, claims={"role": "anon"}) as client, pytest.raises(InvalidInput) as raised:
        client.unblock_tables(["44444444-4444-4444-8444-444444444401", "table 2"])
    assert (raised.value.detail, raised.value.status) == ("not a uuid: 'table 2'", 422)


def test_the_docs_and_openapi_say_what_the_error_table_says() -> None:
    """The prose copies: docs/security.md's error table (each code's SQLSTATE and status, before any
    variant) and openapi.yaml's status for malformed input. The code copies import the table."""
    docs = {code: (state, int(status)) for code, state, status in re.findall(
        r"^\| `([A-Z_]+)` \| (PT\d{3})[^|]*\| (\d{3})[^|]*\|", (ROOT / "docs/security.md").read_text(), re.M)}
    assert docs == {row.code: (row.sqlstate, row.status) for row in ERROR_CODES}
    openapi = re.search(r"Malformed input \(a bad uuid, date or\s+number included\) is (\d+) `INVALID_INPUT`",
                        (ROOT / "supabase/functions/openapi.yaml").read_text())
    assert openapi and int(openapi.group(1)) == InvalidInput.http_status == 422
