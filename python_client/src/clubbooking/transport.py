"""Two ways to call the RPCs, each sync and async, with the same results and exceptions.

``PsycopgTransport`` / ``AsyncPsycopgTransport`` act as a user exactly as PostgREST does: in
one transaction per call, ``set_config('role', ...)`` (``set local role``) and
``set_config('request.jwt.claims', ...)``, both transaction-local, then the function. Both
statements go as one query string (the simple protocol, values bound by the client): the server
runs them in one implicit transaction, committed or rolled back as a whole, and a call costs one
round trip instead of four (BEGIN, the pipeline, its sync, COMMIT).
``SupabaseTransport`` / ``AsyncSupabaseTransport`` call ``rpc()`` of supabase-py (PostgREST
``/rpc/<name>``) and map PostgREST's error JSON to the same exceptions.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from clubbooking.errors import DatabaseUnavailable, from_database, from_postgrest
from clubbooking.rpc import RPCS

Claims = Mapping[str, Any] | None
"""JWT claims to act with (``sub``, ``role``, ``aal``, ...); None: the connection's own role."""


class Transport(Protocol):
    """Runs an RPC and returns its JSON-like result (set-returning functions: a list of dicts)."""

    def call(self, name: str, args: Mapping[str, Any]) -> Any: ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    """``Transport``, awaited."""

    async def call(self, name: str, args: Mapping[str, Any]) -> Any: ...

    async def close(self) -> None: ...


def role_of(claims: Claims) -> str | None:
    """The database role for a set of JWT claims (None: keep the connection's own role)."""
    if claims is None:
        return None
    return str(claims.get("role") or ("authenticated" if claims.get("sub") else "anon"))


def rpc_query(name: str, args: Mapping[str, Any]) -> sql.Composed:
    """``select public.name(arg => %(arg)s::type, ...)`` (or rows as JSON objects)."""
    rpc = RPCS[name]
    rpc.check(args)
    named = sql.SQL(", ").join(
        sql.SQL("{} => {}::{}").format(sql.Identifier(a), sql.Placeholder(a), sql.SQL(rpc.arg_type(a)))
        for a in args)
    call = sql.SQL("public.{}({})").format(sql.Identifier(name), named)
    if rpc.returns_rows:
        return sql.SQL("select to_jsonb(r) as result from {} r").format(call)
    return sql.SQL("select {} as result").format(call)


# What PostgREST sets in each request's transaction (all transaction-local). Its parameters
# start with an underscore: no RPC argument does.
ACT_AS = sql.SQL("select set_config('role', %(_role)s, true), set_config('request.jwt.claims', %(_claims)s, true), "
                 "set_config('request.method', 'POST', true), set_config('request.path', %(_path)s, true)")


def act_as_params(name: str, claims: Claims) -> dict[str, str] | None:
    """Parameters of ``ACT_AS`` for a call, or None to keep the connection's role."""
    role = role_of(claims)
    if role is None:
        return None
    return {"_role": role, "_claims": json.dumps(dict(claims or {})), "_path": f"/rpc/{name}"}


@functools.cache
def request_sql(name: str, arg_names: tuple[str, ...], acting: bool) -> bytes:
    """One call as one query string: ``ACT_AS`` (when acting as a user), then the RPC. Composed
    once per RPC and set of arguments (composing costs more than the round trip it rides on)."""
    call = rpc_query(name, dict.fromkeys(arg_names)).as_bytes(None)
    return ACT_AS.as_bytes(None) + b"; " + call if acting else call


def request(name: str, args: Mapping[str, Any], claims: Claims) -> tuple[bytes, dict[str, Any]]:
    """The query string of a call and its parameters (for a client-side cursor)."""
    act_as = act_as_params(name, claims)
    return request_sql(name, tuple(args), act_as is not None), {**(act_as or {}), **query_params(args)}


def query_params(args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments as psycopg sends them: a dict (a jsonb argument) as JSON."""
    return {k: Jsonb(v) if isinstance(v, dict) else v for k, v in args.items()}


def shape(name: str, rows: list[dict[str, Any]]) -> Any:
    """The RPC's result as PostgREST returns it: a list of rows or one value."""
    if RPCS[name].returns_rows:
        return [r["result"] for r in rows]
    return rows[0]["result"] if rows else None


def database_error(error: psycopg.Error, claims: Claims) -> Exception:
    """The contract exception for a psycopg error (or the error itself when it is none)."""
    if isinstance(error, psycopg.OperationalError) and error.sqlstate is None:
        return DatabaseUnavailable(str(error))
    return from_database(error, anonymous=role_of(claims) == "anon") or error


# Autocommit: a call's two statements then make one implicit transaction of their own.
POOL_KWARGS: dict[str, Any] = {"autocommit": True, "row_factory": dict_row}


PoolT = TypeVar("PoolT", "ConnectionPool[Any]", "AsyncConnectionPool[Any]")


class _ActingAs(Generic[PoolT]):
    """What the sync and async psycopg transports share: a pool, and the user to act as on it."""

    def __init__(self, pool: PoolT, claims: Claims, *, owns_pool: bool) -> None:
        self.pool: PoolT = pool
        self.claims = dict(claims) if claims is not None else None
        self.owns_pool = owns_pool

    def with_claims(self, claims: Claims) -> Self:
        """The same pool, acting as another user."""
        return type(self)(self.pool, claims, owns_pool=False)


class PsycopgTransport(_ActingAs["ConnectionPool[Any]"]):
    """RPCs over a psycopg connection pool, acting as the user of ``claims``."""

    @classmethod
    def open(cls, dsn: str, claims: Claims = None, *, pool_size: int = 4,
             timeout: float = 30.0) -> PsycopgTransport:
        """A pool of up to ``pool_size`` connections; DatabaseUnavailable if the database cannot be reached."""
        try:  # one direct connection first: a wrong DSN fails now, not after the pool's retries
            psycopg.connect(dsn, connect_timeout=max(1, round(timeout))).close()
        except psycopg.OperationalError as error:
            raise DatabaseUnavailable(str(error).strip()) from error
        pool = ConnectionPool(dsn, min_size=1, max_size=pool_size, open=True, timeout=timeout, kwargs=POOL_KWARGS)
        return cls(pool, claims, owns_pool=True)

    def call(self, name: str, args: Mapping[str, Any]) -> Any:
        query, params = request(name, args, self.claims)
        try:
            with self.pool.connection() as conn:
                cursor = psycopg.ClientCursor(conn)
                cursor.execute(query, params)
                if self.claims is not None:
                    cursor.nextset()  # past ACT_AS's row
                rows: list[dict[str, Any]] = cursor.fetchall()
        except psycopg.Error as error:
            raise database_error(error, self.claims) from error
        return shape(name, rows)

    def close(self) -> None:
        if self.owns_pool:
            self.pool.close()


class AsyncPsycopgTransport(_ActingAs["AsyncConnectionPool[Any]"]):
    """``PsycopgTransport`` over an ``AsyncConnectionPool``."""

    @classmethod
    async def open(cls, dsn: str, claims: Claims = None, *, pool_size: int = 4,
                   timeout: float = 30.0) -> AsyncPsycopgTransport:
        """``PsycopgTransport.open``, awaited."""
        try:
            await (await psycopg.AsyncConnection.connect(dsn, connect_timeout=max(1, round(timeout)))).close()
        except psycopg.OperationalError as error:
            raise DatabaseUnavailable(str(error).strip()) from error
        pool = AsyncConnectionPool(dsn, min_size=1, max_size=pool_size, open=False, timeout=timeout,
                                   kwargs=POOL_KWARGS)
        await pool.open()
        return cls(pool, claims, owns_pool=True)

    async def call(self, name: str, args: Mapping[str, Any]) -> Any:
        query, params = request(name, args, self.claims)
        try:
            async with self.pool.connection() as conn:
                cursor = psycopg.AsyncClientCursor(conn)
                await cursor.execute(query, params)
                if self.claims is not None:
                    cursor.nextset()  # past ACT_AS's row
                rows: list[dict[str, Any]] = await cursor.fetchall()
        except psycopg.Error as error:
            raise database_error(error, self.claims) from error
        return shape(name, rows)

    async def close(self) -> None:
        if self.owns_pool:
            await self.pool.close()


# ---------- supabase-py ----------

def jsonable(value: Any) -> Any:
    """An argument as PostgREST's JSON body carries it (uuids, dates and times as text)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def rpc_body(name: str, args: Mapping[str, Any]) -> dict[str, Any]:
    RPCS[name].check(args)
    return {k: jsonable(v) for k, v in args.items()}


def postgrest_error(error: Exception, anonymous: bool) -> Exception:
    """The contract exception for postgrest-py's APIError (or the error itself when it is none)."""
    body = error.json() if hasattr(error, "json") else {}
    return from_postgrest(body if isinstance(body, dict) else {}, anonymous=anonymous) or error


# How long one RPC through PostgREST may take (the httpx client's timeout).
SUPABASE_TIMEOUT_SECONDS = 30.0


class _SupabaseClient:
    """What the sync and async supabase-py transports share: how they are opened."""

    is_async: ClassVar[bool] = False

    def __init__(self, postgrest: Any, *, anonymous: bool = False) -> None:
        self.postgrest = postgrest
        self.anonymous = anonymous

    @classmethod
    def open(cls, url: str, key: str, access_token: str | None = None) -> Self:
        """A supabase-py client of the project sending the user's access token (not the key) as the bearer."""
        import httpx
        import supabase  # optional extra: clubbooking[supabase]

        client_class: Any
        options_class: Any
        http: Any
        if cls.is_async:
            client_class, options_class, http = (supabase.AsyncClient, supabase.AsyncClientOptions,
                                                 httpx.AsyncClient(timeout=SUPABASE_TIMEOUT_SECONDS))
        else:
            client_class, options_class, http = (supabase.Client, supabase.ClientOptions,
                                                 httpx.Client(timeout=SUPABASE_TIMEOUT_SECONDS))
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        client = client_class(url, key, options_class(headers=headers, httpx_client=http))
        return cls(client.postgrest, anonymous=access_token is None)


def unreachable(error: Exception) -> DatabaseUnavailable:
    """An HTTP failure before PostgREST answered (refused, unresolvable, timed out)."""
    return DatabaseUnavailable(f"the Supabase project did not answer: {error.__class__.__name__}: {error}")


class SupabaseTransport(_SupabaseClient):
    """RPCs through supabase-py (PostgREST ``/rpc/<name>``) under the caller's access token."""

    def call(self, name: str, args: Mapping[str, Any]) -> Any:
        import httpx
        from postgrest.exceptions import APIError

        try:
            return self.postgrest.rpc(name, rpc_body(name, args)).execute().data
        except httpx.HTTPError as error:  # unreachable, refused, timed out: not a contract error
            raise unreachable(error) from error
        except APIError as error:
            raise postgrest_error(error, self.anonymous) from error

    def close(self) -> None:
        return None


class AsyncSupabaseTransport(_SupabaseClient):
    """``SupabaseTransport`` over supabase-py's ``AsyncClient``."""

    is_async = True

    async def call(self, name: str, args: Mapping[str, Any]) -> Any:
        import httpx
        from postgrest.exceptions import APIError

        try:
            return (await self.postgrest.rpc(name, rpc_body(name, args)).execute()).data
        except httpx.HTTPError as error:  # unreachable, refused, timed out: not a contract error
            raise unreachable(error) from error
        except APIError as error:
            raise postgrest_error(error, self.anonymous) from error

    async def close(self) -> None:
        return None
