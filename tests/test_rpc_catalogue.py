"""Every RPC name and argument the client sends exists in the live catalogue with compatible types.

The requests are the ones supabase-py really sends for every method (captured by respx
during the scenario); the client's own RPC table (clubbooking.rpc, whose types the psycopg
transport casts to) is checked too. Then the same checks run on a scratch database where
one SQL argument is renamed and another retyped, and must fail there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import respx
from clubbooking.client import BookingClient, rpc_methods
from clubbooking.rpc import RPCS
from clubbooking_dev import leeds
from postgrest_emulator import ANON_KEY, BASE_URL, PostgrestEmulator, token
from rpc_catalogue import mismatches
from rpc_scenario import ALL_OK, STEPS, actor_claims, run

Calls = list[tuple[str, dict[str, Any]]]


@pytest.fixture(scope="module")
def sent(db_dsn: str) -> Iterator[Calls]:
    """What supabase-py sent, one request per RPC method and more: (RPC name, JSON body)."""
    emulator = PostgrestEmulator(db_dsn)
    with psycopg.connect(db_dsn, autocommit=True) as admin:
        actors = actor_claims(admin, "catalogue")
    clients = {name: BookingClient.from_supabase(BASE_URL, ANON_KEY, None if name == "anon" else token(claims))
               for name, claims in actors.items()}
    with respx.mock() as router:
        router.route(method="POST", url__regex=rf"^{BASE_URL}/rest/v1/rpc/\w+$").mock(side_effect=emulator)
        replay = run(lambda step, args, kwargs: getattr(clients[step.actor], step.method)(*args, **kwargs),
                     leeds.next_open_night(weeks_ahead=5))
    assert replay.outcomes == ALL_OK
    yield [call for call, step in zip(emulator.calls(), STEPS, strict=True) if not step.malformed]


def declared(name: str) -> dict[str, Any]:
    """Every argument the client's RPC table declares for ``name`` (all sent, as null)."""
    return {arg: None for arg, _ in RPCS[name].args}


def test_every_rpc_method_was_sent(sent: Calls) -> None:
    """(So the check below covers the whole client.)"""
    assert {name for name, _ in sent} == set(RPCS) == set(rpc_methods())


def test_every_rpc_name_and_argument_sent_exists_with_compatible_types(sent: Calls,
                                                                      admin: psycopg.Connection[Any]) -> None:
    assert mismatches(admin, sent) == []


def test_the_clients_rpc_table_matches_the_catalogue(admin: psycopg.Connection[Any]) -> None:
    assert mismatches(admin, [(name, declared(name)) for name in RPCS]) == []


def test_renaming_or_retyping_an_sql_argument_breaks_the_check(sent: Calls, scratch_dsn: str) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        assert mismatches(conn, sent) == []
        conn.execute("alter function public.cancel_booking(uuid, text, text) rename to cancel_booking_old")
        conn.execute("create function public.cancel_booking(p_booking_id uuid default null, p_why text default null, "
                     "p_reference text default null) returns jsonb language sql "
                     "as $$ select public.cancel_booking_old(p_booking_id, p_why, p_reference) $$")
        conn.execute("alter function public.join_waitlist(uuid, date, text, int, text) rename to join_waitlist_old")
        conn.execute("create function public.join_waitlist(p_venue_id uuid, p_date date, p_slot_id text, "
                     "p_party_size bigint, p_occasion text default null) returns jsonb language sql "
                     "as $$ select public.join_waitlist_old(p_venue_id, p_date, p_slot_id, p_party_size::int, "
                     "p_occasion) $$")
        found = mismatches(conn, sent)
        table = mismatches(conn, [(name, declared(name)) for name in RPCS])
    assert any("cancel_booking: sends unknown argument 'p_reason'" in m for m in found), found
    assert any("join_waitlist.p_party_size: client says integer, SQL says bigint" in m for m in found), found
    assert {m.split(":")[0].split(".")[0] for m in found} == {"cancel_booking", "join_waitlist"}
    assert {m.split(":")[0].split(".")[0] for m in table} == {"cancel_booking", "join_waitlist"}


def test_a_value_that_does_not_convert_to_the_sql_type_breaks_the_check(admin: psycopg.Connection[Any]) -> None:
    night = dt.date(2026, 12, 4).isoformat()
    found = mismatches(admin, [("get_availability", {"p_venue_id": str(leeds.VENUE_ID), "p_date": night,
                                                      "p_slot_id": "slot_21_00"}),
                               ("get_availability", {"p_venue_id": "venue 2", "p_date": night,
                                                      "p_slot_id": "slot_21_00"})])
    assert len(found) == 1 and "does not convert" in found[0], found
