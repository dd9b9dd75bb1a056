"""Security through a real login role and the Python client.

pgTAP runs as ``postgres`` (the schema's owner; not a superuser, as on Supabase) and switches
roles; these tests also log in as a role that, like PostgREST's ``authenticator``, may only
switch to the API roles, so that what only the owner's session may do, like moving the test
clock, is checked from where the API stands.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Iterator
from typing import Any

import psycopg
import psycopg.sql
import pytest
from clubbooking.client import BookingClient
from clubbooking.errors import InvalidInput, MfaRequired, NotAuthorized
from clubbooking_dev import leeds
from psycopg.conninfo import make_conninfo

HOLD_SQL = ("select (public.hold_tables(%s, %s, 'slot_23_30', array[%s]::uuid[], 3) ->> 'hold_expires_at')"
            "::timestamptz")


@pytest.fixture
def api_login(db_dsn: str, admin: psycopg.Connection[Any]) -> Iterator[str]:
    """A DSN for a throw-away login role with PostgREST's rights: noinherit, member of the API roles."""
    name, password = f"cb_api_login_{os.getpid()}", secrets.token_hex(16)
    admin.execute(psycopg.sql.SQL(
        "create role {} login noinherit password {} in role authenticated, anon, service_role").format(
        psycopg.sql.Identifier(name), psycopg.sql.Literal(password)))
    yield make_conninfo(db_dsn, user=name, password=password)
    admin.execute(psycopg.sql.SQL("drop role {}").format(psycopg.sql.Identifier(name)))


def hold_with_fake_clock(conn: psycopg.Connection[Any], claims: dict[str, Any], table: int,
                         fake_now: dt.datetime) -> dt.datetime:
    """Hold a table as a guest with clubbooking.now set to fake_now; returns the hold's expiry."""
    with conn.transaction():
        conn.execute("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true),"
                     " set_config('clubbooking.now', %s, true)", (json.dumps(claims), fake_now.isoformat()))
        row = conn.execute(HOLD_SQL, (leeds.VENUE_ID, leeds.next_open_night(), leeds.TABLE_IDS[table])).fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def test_only_the_schema_owners_sessions_can_move_the_booking_clock(
        api_login: str, admin: psycopg.Connection[Any]) -> None:
    guest, other = leeds.create_guests(admin, 2, prefix="clock")
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with psycopg.connect(api_login, autocommit=True) as api:
        via_api = hold_with_fake_clock(api, guest, 1, tomorrow)
        with api.transaction():
            api.execute("select set_config('role', 'service_role', true), set_config('clubbooking.now', %s, true)",
                        (tomorrow.isoformat(),))
            swept = api.execute("select public.expire_holds()").fetchone()
    via_owner = hold_with_fake_clock(admin, other, 2, tomorrow)
    owner = admin.execute("select rolsuper, rolbypassrls from pg_roles where rolname = current_user").fetchone()
    assert owner == (False, True), "the owner's session is Supabase's postgres: BYPASSRLS, not a superuser"
    assert via_api < tomorrow, "an API session's clubbooking.now must be ignored (acting as authenticated)"
    assert swept == (0,), "... and acting as service_role: the sweeper saw the real clock, the hold stays"
    assert via_owner > tomorrow, "the test hook works for the schema owner's session (so the checks above can fail)"


def test_admin_configuration_needs_aal2_through_the_client(db_dsn: str) -> None:
    with BookingClient.connect(db_dsn, claims=leeds.staff_claims("admin")) as aal1:
        with pytest.raises(MfaRequired):
            aal1.update_venue_settings(leeds.VENUE_ID, {"waitlist_offer_ttl": "15 minutes"})
        aal2 = aal1.as_user(leeds.staff_claims("admin", aal="aal2"))
        settings = aal2.update_venue_settings(leeds.VENUE_ID, {"waitlist_offer_ttl": "15 minutes"})
        assert settings["waitlist_offer_ttl"] == "00:15:00"
        with pytest.raises(NotAuthorized):
            aal1.as_user(leeds.staff_claims("manager", aal="aal2")).update_venue_settings(
                leeds.VENUE_ID, {"waitlist_offer_ttl": "20 minutes"})


def test_a_guest_exports_then_erases_their_data_through_the_client(
        db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    (guest,) = leeds.create_guests(admin, 1, prefix="gdpr")
    with BookingClient.connect(db_dsn, claims=guest) as client:
        booking = client.hold_tables(leeds.VENUE_ID, leeds.next_open_night(), "slot_21_00", [leeds.TABLE_IDS[9]],
                                     party_size=3)
        export = client.export_customer_data()
        assert export["customer"]["email"] == guest["email"]
        assert [b["booking_id"] for b in export["bookings"]] == [str(booking.booking_id)]
        erased = client.forget_customer(export["customer"]["id"])
        assert erased["bookings_kept"] == 1
        with pytest.raises(InvalidInput):
            client.export_customer_data()  # the account is no longer linked to any customer
    row = admin.execute("select email, full_name, date_of_birth from customers where id = %s",
                        (export["customer"]["id"],)).fetchone()
    assert row == (None, None, None)
