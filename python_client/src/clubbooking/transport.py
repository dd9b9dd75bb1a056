"""Two ways to call the RPCs, with the same results and the same exceptions.

``PsycopgTransport`` acts as a user exactly as PostgREST does: in one transaction per call,
``set_config('role', ...)`` and ``set_config('request.jwt.claims', ...)`` (both local), then
the function. ``SupabaseTransport`` calls ``rpc()`` of supabase-py against a Supabase project
and maps PostgREST's error JSON to the same exceptions.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from clubbooking.errors import from_database, from_postgrest
from clubbooking.rpc import RPCS


class Transport(Protocol):
    def call(self, name: str, args: Mapping[str, Any]) -> Any:
        """Call RPC ``name`` with named arguments; JSON-like result (rows: a list of dicts)."""

    def close(self) -> None: ...


def role_of(claims: Mapping[str, Any] | None) -> str | None:
    """The database role for a set of JWT claims (None: keep the connection's own role)."""
    if claims is None:
        return None
    return str(claims.get("role") or ("authenticated" if claims.get("sub") else "anon"))


def rpc_query(name: str, args: Mapping[str, Any]) -> sql.Composed:
    """``select public.name(arg => %(arg)s::type, ...)`` (or rows as JSON objects)."""
    rpc = RPCS[name]
    named = sql.SQL(", ").join(
        sql.SQL("{} => {}::{}").format(sql.Identifier(a), sql.Placeholder(a), sql.SQL(rpc.arg_type(a)))
        for a in args)
    call = sql.SQL("public.{}({})").format(sql.Identifier(name), named)
    if rpc.returns_rows:
        return sql.SQL("select to_jsonb(r) as result from {} r").format(call)
    return sql.SQL("select {} as result").format(call)


class PsycopgTransport:
    """RPCs over a psycopg connection pool, acting as the user of ``claims``."""

    def __init__(self, pool: ConnectionPool, claims: Mapping[str, Any] | None, *, owns_pool: bool) -> None:
        self.pool = pool
        self.claims = dict(claims) if claims is not None else None
        self.owns_pool = owns_pool

    @classmethod
    def open(cls, dsn: str, claims: Mapping[str, Any] | None = None, *, pool_size: int = 4) -> PsycopgTransport:
        pool = ConnectionPool(dsn, min_size=1, max_size=pool_size, open=True,
                              kwargs={"autocommit": True, "row_factory": dict_row})
        return cls(pool, claims, owns_pool=True)

    def with_claims(self, claims: Mapping[str, Any] | None) -> PsycopgTransport:
        return PsycopgTransport(self.pool, claims, owns_pool=False)

    def call(self, name: str, args: Mapping[str, Any]) -> Any:
        query = rpc_query(name, args)
        try:
            with self.pool.connection() as conn, conn.transaction(), conn.pipeline():
                role = role_of(self.claims)
                if role is not None:
                    conn.execute("select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
                                 (role, json.dumps(self.claims)))
                params = {k: Jsonb(v) if isinstance(v, dict) else v for k, v in args.items()}
                rows: list[dict[str, Any]] = conn.execute(query, params).fetchall()  # type: ignore[assignment]
        except psycopg.Error as error:
            mapped = from_database(error)
            if mapped is not None:
                raise mapped from error
            raise
        if RPCS[name].returns_rows:
            return [r["result"] for r in rows]
        return rows[0]["result"] if rows else None

    def close(self) -> None:
        if self.owns_pool:
            self.pool.close()


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID | dt.date | dt.datetime | dt.time):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class SupabaseTransport:
    """RPCs through supabase-py (PostgREST ``/rpc/<name>``) under the caller's access token."""

    def __init__(self, postgrest: Any) -> None:
        self.postgrest = postgrest

    @classmethod
    def open(cls, url: str, key: str, access_token: str | None = None) -> SupabaseTransport:
        from supabase import create_client  # optional extra: clubbooking[supabase]

        client = create_client(url, key)
        if access_token:
            client.postgrest.auth(access_token)
        return cls(client.postgrest)

    def call(self, name: str, args: Mapping[str, Any]) -> Any:
        from postgrest.exceptions import APIError

        try:
            response = self.postgrest.rpc(name, {k: _jsonable(v) for k, v in args.items()}).execute()
        except APIError as error:
            body = error.json() if hasattr(error, "json") else {}
            mapped = from_postgrest(body if isinstance(body, dict) else {})
            if mapped is not None:
                raise mapped from error
            raise
        return response.data

    def close(self) -> None:
        return None
