"""One place maps errors to exceptions, the same for both transports and for every code.

The codes come from the live database (private.error_codes), so a code added in SQL without
an exception class fails here. Through psycopg each code is really raised by
private.raise_error; through supabase-py each arrives as the error JSON PostgREST makes of it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import respx
from clubbooking import BookingClient, BookingError, InvalidInput, NotAuthorized
from clubbooking.errors import ERRORS, from_database, from_parts
from postgrest.exceptions import APIError
from postgrest_emulator import ANON_KEY, BASE_URL, status_of

DETAIL = json.dumps({"reason": "taken", "alternatives": [{"table_ids": [], "table_numbers": [9]}]})


@pytest.fixture(scope="module")
def codes(db_dsn: str) -> list[tuple[str, str]]:
    with psycopg.connect(db_dsn) as conn:
        return [(code, state) for code, state in conn.execute("select code, sqlstate from private.error_codes")]


def test_every_database_error_code_has_its_exception_class(codes: list[tuple[str, str]]) -> None:
    assert {code for code, _ in codes} == set(ERRORS)


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


def test_malformed_input_is_422_in_every_copy_of_the_contract(codes: list[tuple[str, str]]) -> None:
    """INVALID_INPUT for malformed input has one status: the SQL code's, the Python client's (for a
    PostgreSQL data error and its own checks), the Edge Functions', openapi.yaml's and the docs'."""
    root = Path(__file__).resolve().parents[1]
    edge = re.search(r'state\.startsWith\("22"\)\) return new ApiError\((\d+), "INVALID_INPUT"',
                     (root / "supabase/functions/_shared/db.ts").read_text())
    edge_default = re.search(r"export function invalid\(message: string, status = (\d+)\)",
                             (root / "supabase/functions/_shared/http.ts").read_text())
    openapi = re.search(r"Malformed input \(a bad uuid, date or\s+number included\) is (\d+) `INVALID_INPUT`",
                        (root / "supabase/functions/openapi.yaml").read_text())
    docs = re.search(r"^\| `INVALID_INPUT` \| PT(\d+) \(PT404\) \| (\d+) \(404\) \|",
                     (root / "docs/security.md").read_text(), re.M)
    assert edge and edge_default and openapi and docs
    python = {from_parts(None, None, "22P02").status, InvalidInput("x").status}  # type: ignore[union-attr]
    statuses = {int(dict(codes)["INVALID_INPUT"][2:]), *python, int(edge.group(1)), int(edge_default.group(1)),
                int(openapi.group(1)), int(docs.group(1)), int(docs.group(2))}
    assert statuses == {422}
