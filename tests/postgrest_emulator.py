"""PostgREST's ``POST /rest/v1/rpc/<name>`` for respx, answered by the live test database.

No live PostgREST runs here, so supabase-py's HTTP requests are captured (respx, on httpx)
and answered the way PostgREST answers them: the function is chosen by the JSON body's
argument names from the catalogue (``PGRST202``/404 when none fits), the body becomes
arguments through ``json_to_record``, the call runs in a transaction acting as the JWT's
role and claims, and an error becomes PostgREST's error JSON with the status PostgREST gives
its SQLSTATE. The SQL functions themselves are the real ones: nothing of ours is mocked.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
from psycopg import sql
from rpc_catalogue import Overload, json_record_query, resolve

BASE_URL = "http://supabase.test"


def token(claims: dict[str, Any]) -> str:
    """A JWT-shaped token carrying ``claims`` (the emulator reads, and does not verify, it)."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.signature"


ANON_KEY = token({"role": "anon", "iss": "supabase"})


def claims_of(authorization: str) -> dict[str, Any]:
    payload = authorization.removeprefix("Bearer ").split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def status_of(sqlstate: str, anonymous: bool) -> int:
    """The HTTP status PostgREST gives a SQLSTATE (its documented table, the parts we can meet)."""
    if sqlstate.startswith("PT") and sqlstate[2:].isdigit():
        return int(sqlstate[2:])
    if sqlstate == "42501":
        return 401 if anonymous else 403
    if sqlstate == "42883":
        return 404
    if sqlstate[:2] in ("22", "23", "P0"):
        return 400
    return 500


def call_query(name: str, overload: Overload, body: dict[str, Any]) -> sql.Composed:
    """The call as PostgREST builds it: named arguments from the body, rows as a JSON array."""
    named = sql.SQL(", ").join(sql.SQL("{} => x.{}").format(sql.Identifier(a), sql.Identifier(a)) for a in body)
    function = sql.SQL("public.{}({})").format(sql.Identifier(name), named)
    source = sql.SQL(" from {}").format(json_record_query(overload, body)) if body else sql.SQL("")
    if overload.returns_rows:
        join = sql.SQL(" cross join lateral ") if body else sql.SQL(" from ")
        return sql.SQL("select coalesce(jsonb_agg(to_jsonb(r)), '[]'::jsonb){}{}{} r").format(source, join, function)
    return sql.SQL("select to_jsonb({}){}").format(function, source)


@dataclass
class PostgrestEmulator:
    """A respx side effect: records each request and answers it from the database at ``dsn``."""

    dsn: str
    requests: list[httpx.Request] = field(default_factory=list)

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """The captured calls: (RPC name, JSON body)."""
        return [(r.url.path.rsplit("/", 1)[-1], json.loads(r.content or b"{}")) for r in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        name, body = self.calls()[-1]
        claims = claims_of(request.headers["authorization"])
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            overload, reasons = resolve(conn, name, body, strict=False)
            if overload is None:
                return httpx.Response(404, json={"code": "PGRST202", "details": "; ".join(reasons), "hint": None,
                                                 "message": f"Could not find the function public.{name}"})
            try:
                with conn.transaction():
                    conn.execute("select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
                                 (claims.get("role", "anon"), json.dumps(claims)))
                    row = conn.execute(call_query(name, overload, body), {"body": json.dumps(body)}).fetchone()
            except psycopg.Error as error:
                state = error.diag.sqlstate or "XX000"
                return httpx.Response(status_of(state, claims.get("role") == "anon"), json={
                    "code": state, "message": error.diag.message_primary, "details": error.diag.message_detail,
                    "hint": error.diag.message_hint})
        return httpx.Response(200, json=row[0] if row else None)
