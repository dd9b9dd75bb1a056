"""Bad input never gives an internal error and never changes data: hypothesis throws nulls,
extremes, wrong types, unicode, injection strings and dates across DST and midnight at every
RPC of the client's table (clubbooking.rpc), as every kind of caller.

A call must succeed or raise a contract error (SQLSTATE PTxxx). The one allowed exception is a
type error PostgreSQL raises while casting the arguments, before our code runs (no error
context). On any error the database must be exactly as it was. Examples per RPC:
$CLUBBOOKING_BAD_INPUT_EXAMPLES (25 in `make test`, more in `make reliability`)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from clubbooking.rpc import RPCS
from clubbooking.transport import rpc_query
from clubbooking_dev import leeds
from conftest import sql_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("CLUBBOOKING_BAD_INPUT_EXAMPLES", "25"))
DERANDOMIZE = EXAMPLES <= 25
INJECTIONS = ["'; drop table public.bookings; --", "\" or 1=1 --", "$$; select pg_sleep(1); $$", "%s %(x)s {}",
              "slot_21_00'--", "../../etc/passwd", "<script>alert(1)</script>", "NULL", "\\x00"]
# Nights around the clock changes in Europe/London, midnight, and the ends of the calendar.
EDGE_DATES = [dt.date(2026, 3, 27), dt.date(2026, 3, 28), dt.date(2026, 3, 29), dt.date(2026, 10, 24),
              dt.date(2026, 10, 25), dt.date(2027, 3, 26), dt.date(2027, 3, 27), dt.date(2027, 10, 29),
              dt.date(2027, 10, 30), dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2000, 2, 29)]


def _texts() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from([*leeds.SLOTS, "", " ", "slot_99_99", *INJECTIONS, "x" * 10_000,
                                      "maintenance", "vip_override", "💃🪩", "Ω≈ç√", "\u202e"]),
                     st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=60))


def _ids(known: list[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(known), st.uuids(), st.sampled_from(["not-a-uuid", "", *INJECTIONS]),
                     st.integers())


def _as_text(value: Any) -> Any:
    """One array may not mix Python types: wrong-typed elements go as text, cast by PostgreSQL."""
    return value if value is None else str(value)


def strategies(known: list[Any]) -> dict[str, st.SearchStrategy[Any]]:
    nights = [leeds.next_open_night(weeks_ahead=w) for w in (1, 2, 30)]
    ints = st.one_of(st.integers(-3, 60), st.sampled_from([0, -1, 2**31 - 1, -(2**31), 2**40]), st.floats(),
                     st.sampled_from(["4", "four", "", *INJECTIONS]))
    return {
        "uuid": _ids(known),
        "uuid[]": st.one_of(st.lists(st.sampled_from(known), max_size=4), st.lists(st.uuids(), max_size=3),
                            st.just([None]), st.lists(_ids(known).map(_as_text), max_size=3), _texts()),
        "date": st.one_of(st.sampled_from(nights + EDGE_DATES), st.dates(),
                          st.sampled_from(["infinity", "-infinity", "20000-01-01", "5874897-12-31", "2026-02-30",
                                           "tomorrow", *INJECTIONS]),
                          st.integers()),
        "text": st.one_of(_texts(), st.integers()),
        "text[]": st.one_of(st.lists(st.one_of(st.sampled_from(["confirmed", "held", "expired", "seated"]), _texts(),
                                               st.none()), max_size=4), _texts()),
        "integer": ints,
        "integer[]": st.one_of(st.lists(st.one_of(st.integers(-5, 700_000), st.none()), max_size=8),
                               st.lists(st.integers(0, 50), min_size=501, max_size=520), _texts()),
        "client_kind": st.one_of(st.sampled_from(["typescript", "python", "ruby", "", *INJECTIONS]), st.integers()),
        "bigint": ints,
        "boolean": st.one_of(st.booleans(), st.sampled_from(["yes", "maybe", 2])),
        "timestamp with time zone": st.one_of(
            st.datetimes(timezones=st.just(dt.UTC)), st.sampled_from(["infinity", "-infinity", "yesterday", "nope"])),
        "time without time zone": st.one_of(
            st.times(), st.sampled_from(["24:00", "00:00", "23:59:59.999999", "allballs", "25:61", "21:00"])),
        "jsonb": st.one_of(
            st.dictionaries(st.sampled_from(["hold_ttl", "requires_approval", "min_age", "opens_at", "nope",
                                             *INJECTIONS]),
                            st.one_of(st.none(), st.booleans(), st.integers(), _texts()), max_size=3).map(json.dumps),
            _texts()),
    }


@dataclass
class Caller:
    """A connection to call through, the claims of each kind of caller, and valid arguments per
    RPC that hypothesis mutates (so examples get past 'unknown venue' into the real checks)."""

    conn: psycopg.Connection[Any]
    actors: dict[str, dict[str, Any]]
    valid: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def caller(db_dsn: str) -> Iterator[Caller]:
    night, slot, venue = leeds.next_open_night(), leeds.SLOTS[0], leeds.VENUE_ID
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        guest = leeds.create_guests(conn, 1, prefix="fuzz")[0]
        actors = {"anon": {"role": "anon"}, "guest": guest, "host": leeds.staff_claims("host"),
                  "manager_aal2": leeds.staff_claims("manager", aal="aal2"), "service_role": {"role": "service_role"}}
        where = {"p_venue_id": venue, "p_date": night, "p_slot_id": slot}
        booking = call(conn, "hold_tables", {**where, "p_table_ids": [leeds.TABLE_IDS[1]], "p_party_size": 2},
                       guest)[0][0]["booking_id"]
        block = call(conn, "block_tables", {**where, "p_table_ids": [leeds.TABLE_IDS[2]]},
                     actors["host"])[0][0]["block_ids"][0]
        times = {"booking_date": night, "start_time": dt.time(21), "end_time": dt.time(23, 30)}
        valid = {
            "get_availability": where,
            "get_availability_events": {"p_channel": f"availability:{leeds.CLUB_ID}:{venue}:{night}:{slot}",
                                        "p_after_version": 0},
            "hold_tables": {**where, "p_table_ids": [leeds.TABLE_IDS[3]], "p_party_size": 4},
            "block_tables": {**where, "p_table_ids": [leeds.TABLE_IDS[4]]},
            "unblock_tables": {"p_block_ids": [block]},
            "join_waitlist": {**where, "p_party_size": 4},
            "check_table_availability": {"table_id": leeds.TABLE_IDS[5], **times},
            "create_booking_atomic": {"venue_id": venue, "customer_email": "fuzz@guests.example",
                                      "customer_phone": "+441130000000", "customer_name": "Fuzz",
                                      "table_ids": [leeds.TABLE_IDS[6]], "party_size": 6, **times},
            "get_optimal_table_combinations": {"venue_id": venue, "party_size": 4, **times},
            "get_night_bookings": {"p_venue_id": venue, "p_date": night, "p_statuses": ["held", "confirmed"]},
            "find_bookings": {"p_venue_id": venue, "p_query": "BR-"},
            "create_guest": {"p_venue_id": venue, "p_full_name": "Fuzz Walker", "p_phone": "+44 7700 900999"},
            "invite_staff": {"p_venue_id": venue, "p_email": "fuzz.door@backroom.example", "p_role": "door"},
            "get_catalogue": {"p_venue_id": venue},
            "report_client_metrics": {"p_venue_id": venue, "p_date": night, "p_client": "typescript",
                                      "p_latencies_ms": [120, 480], "p_resyncs": 1, "p_mismatched_resyncs": 0,
                                      "p_stale_hold_refusals": 0},
            "setup_venue": {"p_venue_id": venue, "p_spec": json.dumps({"hold_ttl": "5 minutes"})},
            **{name: {"p_booking_id": booking} for name in ("submit_booking", "approve_booking", "reject_booking",
                                                            "cancel_booking", "check_in_booking", "mark_no_show")},
        }
        yield Caller(conn, actors, valid)


def known_ids(conn: psycopg.Connection[Any]) -> list[Any]:
    """Ids that exist, so that hypothesis reaches past 'unknown' into the real checks."""
    rows = conn.execute("select id from public.bookings union all select id from public.table_blocks "
                        "union all select user_id from public.staff_members limit 40").fetchall()
    return [leeds.VENUE_ID, *leeds.TABLE_IDS.values(), *(r[0] for r in rows), None]


def call(conn: psycopg.Connection[Any], name: str, args: dict[str, Any], claims: dict[str, Any]) -> Any:
    with conn.transaction():
        role = claims.get("role") if claims.get("role") in ("anon", "service_role") else "authenticated"
        conn.execute("select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
                     (role, json.dumps(claims)))
        return conn.execute(rpc_query(name, args), args).fetchall()


def before_our_code(error: psycopg.Error) -> bool:
    """A type error from casting the arguments: no PL/pgSQL or SQL function was running yet (the
    error's context names at most a bind parameter)."""
    state = error.sqlstate or ""
    return "function" not in (error.diag.context or "") and (state.startswith("22") or state.startswith("42"))


@pytest.mark.parametrize("name", sorted(RPCS))
def test_bad_input_gives_a_contract_error_or_success_and_changes_nothing_on_error(
        caller: Caller, name: str) -> None:
    conn, actors = caller.conn, caller.actors
    rpc = RPCS[name]
    by_type = strategies(known_ids(conn))
    fuzz = {a: st.one_of(st.none(), by_type[t]) for a, t in rpc.args}
    valid = caller.valid.get(name, {})
    arguments = st.one_of(
        st.fixed_dictionaries({}, optional=fuzz),                                   # anything at all
        st.fixed_dictionaries({}, optional=fuzz).map(lambda bad: {**valid, **bad}),  # valid, some mutated
        st.sampled_from(list(fuzz)).flatmap(lambda a: fuzz[a].map(lambda v: {**valid, a: v})) if fuzz
        else st.just({}))                                                          # valid but one

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=list(HealthCheck))
    @given(args=arguments, actor=st.sampled_from(sorted(actors)))
    def check(args: dict[str, Any], actor: str) -> None:
        before = conn.execute(sql_file("state_fingerprint")).fetchone()
        try:
            rows = call(conn, name, args, actors[actor])
        except psycopg.Error as error:
            assert (error.sqlstate or "").startswith("PT") or before_our_code(error), (
                f"{name}({args}) as {actor}: internal error {error.sqlstate} {error}\n{error.diag.context}")
        else:
            failed = name == "create_booking_atomic" and rows and rows[0][0].get("success") is False
            if not failed:
                return
        assert conn.execute(sql_file("state_fingerprint")).fetchone() == before, f"{name}({args}) changed data"

    check()
