"""Every RPC method of both clients, over both transports, against the live database.

The same scenario (tests/rpc_scenario.py) runs four ways: BookingClient and
AsyncBookingClient over psycopg (acting as each user with set local role and
request.jwt.claims), and over supabase-py, whose HTTP requests respx captures and the
PostgREST emulator answers from the same database. Each way must meet every step's
specification; the supabase runs also check every captured request, byte for byte.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import respx
from clubbooking.client import AsyncBookingClient, BookingClient
from clubbooking.errors import BookingError, DatabaseUnavailable
from clubbooking.transport import rpc_body
from clubbooking_dev import leeds
from postgrest_emulator import ANON_KEY, BASE_URL, PostgrestEmulator, token
from rpc_scenario import ALL_OK, STEPS, Replay, actor_claims, run, run_async


def night(weeks: int) -> dt.date:
    return leeds.next_open_night(weeks_ahead=weeks)


@pytest.fixture
def postgrest(db_dsn: str) -> Iterator[PostgrestEmulator]:
    """supabase-py's requests to BASE_URL, captured and answered from the module's database."""
    emulator = PostgrestEmulator(db_dsn)
    with respx.mock(assert_all_called=False) as router:
        router.route(method="POST", url__regex=rf"^{BASE_URL}/rest/v1/rpc/\w+$").mock(side_effect=emulator)
        yield emulator


def access_tokens(actors: dict[str, dict[str, Any]]) -> dict[str, str | None]:
    """Each actor's access token (anon has none: the project's anon key is the bearer)."""
    return {name: None if name == "anon" else token(claims) for name, claims in actors.items()}


def assert_requests_match(emulator: PostgrestEmulator, replay: Replay, tokens: dict[str, str | None]) -> None:
    """Each step sent exactly one POST /rest/v1/rpc/<name>, with the call's JSON body and the actor's bearer."""
    assert len(emulator.requests) == len(STEPS)
    for request, call, step in zip(emulator.requests, replay.calls, STEPS, strict=True):
        assert request.method == "POST"
        assert request.url.path == f"/rest/v1/rpc/{step.method}" == f"/rest/v1/rpc/{call.name}"
        assert request.headers["apikey"] == ANON_KEY
        assert request.headers["authorization"] == f"Bearer {tokens[step.actor] or ANON_KEY}"
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == rpc_body(call.name, call.args), step.label


def test_every_rpc_method_of_the_sync_client_over_psycopg(db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    actors = actor_claims(admin, "sync")
    with BookingClient.connect(db_dsn, pool_size=2) as base:
        clients = {name: base.as_user(claims) for name, claims in actors.items()}
        replay = run(lambda step, args, kwargs: getattr(clients[step.actor], step.method)(*args, **kwargs), night(1))
    assert replay.outcomes == ALL_OK


def test_every_rpc_method_of_the_async_client_over_psycopg(db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    actors = actor_claims(admin, "async")

    async def scenario() -> Replay:
        async with AsyncBookingClient.connect(db_dsn, pool_size=2) as base:
            clients = {name: await base.as_user(claims) for name, claims in actors.items()}
            return await run_async(
                lambda step, args, kwargs: getattr(clients[step.actor], step.method)(*args, **kwargs), night(2))

    assert asyncio.run(scenario()).outcomes == ALL_OK


def test_every_rpc_method_of_the_sync_client_over_supabase_py(postgrest: PostgrestEmulator,
                                                              admin: psycopg.Connection[Any]) -> None:
    tokens = access_tokens(actor_claims(admin, "supa"))
    clients = {name: BookingClient.from_supabase(BASE_URL, ANON_KEY, access_token=t) for name, t in tokens.items()}
    replay = run(lambda step, args, kwargs: getattr(clients[step.actor], step.method)(*args, **kwargs), night(3))
    assert replay.outcomes == ALL_OK
    assert_requests_match(postgrest, replay, tokens)


def test_every_rpc_method_of_the_async_client_over_supabase_py(postgrest: PostgrestEmulator,
                                                               admin: psycopg.Connection[Any]) -> None:
    tokens = access_tokens(actor_claims(admin, "asupa"))
    clients = {name: AsyncBookingClient.from_supabase(BASE_URL, ANON_KEY, access_token=t)
               for name, t in tokens.items()}
    replay = asyncio.run(run_async(
        lambda step, args, kwargs: getattr(clients[step.actor], step.method)(*args, **kwargs), night(4)))
    assert replay.outcomes == ALL_OK
    assert_requests_match(postgrest, replay, tokens)


def test_acting_as_a_user_is_transaction_local_like_postgrest(db_dsn: str) -> None:
    """After a call as a guest, the pooled connection is back to its own role with no claims."""
    with BookingClient.connect(db_dsn, pool_size=1) as base:
        assert base.as_user({"role": "anon"}).get_user_role() == "anon"
        assert base.as_user(leeds.staff_claims("host")).get_user_role(venue_id=leeds.VENUE_ID) == "host"
        assert base.get_user_role() != "host"
        with base.transport.pool.connection() as conn:  # type: ignore[attr-defined]
            row = conn.execute("select current_setting('role') as role, "
                               "coalesce(current_setting('request.jwt.claims', true), '') as claims").fetchone()
    assert row == {"role": "none", "claims": ""}


def test_a_call_is_one_query_message_one_round_trip(db_dsn: str) -> None:
    """ACT_AS and the RPC travel as one Query (no BEGIN, Parse, Sync or COMMIT): one round trip,
    one implicit transaction, even when the call is refused."""
    with BookingClient.connect(db_dsn, pool_size=1) as base, tempfile.TemporaryFile("w+") as trace:
        with base.transport.pool.connection() as conn:  # type: ignore[attr-defined]
            conn.pgconn.trace(trace.fileno())
        guest = base.as_user({"role": "anon"})
        assert guest.get_user_role() == "anon"
        with pytest.raises(BookingError):
            guest.hold_tables(leeds.VENUE_ID, night(5), "slot_21_00", [leeds.TABLE_IDS[1]], 2)
        with base.transport.pool.connection() as conn:  # type: ignore[attr-defined]
            conn.pgconn.untrace()
            row = conn.execute("select current_setting('role') as role, "
                               "coalesce(current_setting('request.jwt.claims', true), '') as claims").fetchone()
        trace.seek(0)
        sent = [line.split("\t")[3] for line in trace.read().splitlines() if line.split("\t")[1:2] == ["F"]]
    assert sent == ["Query", "Query"]
    assert row == {"role": "none", "claims": ""}


def test_an_unreachable_database_is_database_unavailable_not_a_hang(db_dsn: str) -> None:
    closed = "postgresql://postgres@127.0.0.1:1/postgres"
    with pytest.raises(DatabaseUnavailable):
        BookingClient.connect(closed, timeout=1)
    with pytest.raises(DatabaseUnavailable):
        asyncio.run(AsyncBookingClient.connect(closed, timeout=1).get_user_role())


def test_an_argument_the_rpc_does_not_have_is_refused_before_sending(postgrest: PostgrestEmulator) -> None:
    client = BookingClient.from_supabase(BASE_URL, ANON_KEY)
    from clubbooking.calls import Call

    with pytest.raises(TypeError, match="no argument"):
        client.run(Call("get_user_role", {"p_user_id": None}, str))
    assert postgrest.requests == []
