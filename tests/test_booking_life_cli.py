"""A booking's life from the CLI: a booking changed (`modify`), a walk-in seated (`seat`), partial
arrivals and a double check-in answered (`check-in --arrived`), the door's undo (`undo-check-in`,
`undo-no-show`), and money: a deposit paid online (the payment-intent route's two database calls
around the local stand-in of Stripe's API, and Stripe's signed-off event handed to the webhook's
function) and a late cancellation whose deposit the venue's policy keeps (`cancel`, `refund`),
each in staff words and never a traceback.

The venue is The Backroom Manchester (open every night, confirmed on submit), set up from its
example file; the database clock is tonight's 18:30 there, the early slot under way.
"""

from __future__ import annotations

import json
import re
from typing import Any

import psycopg
import pytest
import stripe
from clubbooking import cli
from clubbooking_dev import leeds
from clubbooking_dev.stripe_standin import StripeStandIn
from test_door_cli import MANCHESTER, VENUE_FILE, clock_at, reference_in, run, tonight


@pytest.fixture(scope="module")
def door(db_dsn: str) -> dict[str, str]:
    env = {"dsn": db_dsn, "PGOPTIONS": clock_at(tonight(), "18:30")}
    code, _, err = run(env, "venue", "setup", VENUE_FILE, "--as", "admin", "--aal2")
    assert code == 0, err
    return env


STAFF = ("--venue", MANCHESTER, "--as", "admin")


def booked(door: dict[str, str], table: str, party: str, guest: str) -> str:
    code, out, err = run(door, "hold", "tonight", "early", table, "--party", party, "--guest", guest, *STAFF)
    assert code == 0, err
    reference = reference_in(out)
    code, out, err = run(door, "submit", reference, *STAFF)
    assert (code, out.split()[-1]) == (0, "confirmed"), err
    return reference


def test_a_booking_changes_party_and_tables_in_one_step(door: dict[str, str]) -> None:
    reference = booked(door, "1", "3", "Priya Shah")
    code, out, err = run(door, "modify", reference, "--party", "6", "-t", "1", "-t", "2", *STAFF)
    assert code == 0, err
    assert out.strip() == f"{reference}: confirmed, party of 6, tables 1+2, 18:00-22:00"
    code, out, err = run(door, "modify", reference, "--party", "12", *STAFF)
    assert code == cli.EXIT_BOOKING_ERROR and "CAPACITY_MISMATCH" in err
    code, out, err = run(door, "modify", reference, "-t", "7", "--party", "6", *STAFF)
    assert code == 0 and "tables 7," in out, err
    code, out, err = run(door, "hold", "tonight", "early", "1", "--party", "2", "--guest", "Next", *STAFF)
    assert code == 0, err  # the tables it let go are free again


def test_a_walk_in_is_seated_in_one_call(door: dict[str, str]) -> None:
    code, out, err = run(door, "seat", "tonight", "early", "3", "--party", "2", "--guest", "Walk In", *STAFF)
    assert code == 0, err
    assert re.match(r"seated Walk In: BR-\d{6}-[A-Z0-9]{6}: checked_in, party of 2, tables 3, 18:00-22:00", out), out
    code, out, err = run(door, "seat", "tonight", "early", "3", "--party", "2", "--guest", "Too Late", *STAFF)
    assert code == cli.EXIT_BOOKING_ERROR and "SECTION_NOT_AVAILABLE" in err


def test_the_door_answers_a_double_check_in_and_undoes_mistakes(door: dict[str, str]) -> None:
    reference = booked(door, "4", "4", "Tom Reed")
    code, out, err = run(door, "check-in", reference, "--arrived", "3", "--as", "admin")
    assert (code, out.strip()) == (0, f"{reference}: checked_in, 3 of 4 arrived"), err
    code, out, err = run(door, "check-in", reference, "--as", "admin")
    assert code == 0, err
    assert re.fullmatch(rf"{reference}: ALREADY checked in at \d\d:\d\d:\d\d \w+ by Ada Admin, 3 of 4 arrived",
                        out.strip()), out
    code, out, err = run(door, "undo-check-in", reference, "--reason", "wrong group", "--as", "admin")
    assert (code, out.strip()) == (0, f"{reference}: confirmed"), err

    code, out, err = run(door, "no-show", reference, "--as", "admin")
    assert (code, out.strip()) == (0, f"{reference}: no_show"), err
    code, out, err = run(door, "undo-no-show", reference, "--reason", "at the bar", "--as", "admin")
    assert (code, out.strip()) == (0, f"{reference}: confirmed"), err
    # Leeds' door is no staff of this venue: its booking is as unknown to them as an invented one
    code, out, err = run(door, "undo-no-show", reference, "--as", "door")
    assert code == cli.EXIT_BOOKING_ERROR and "no booking with reference" in err


def as_caller(conn: psycopg.Connection[Any], claims: dict[str, Any] | None, sql: str, *args: Any) -> Any:
    """One statement as PostgREST runs it for these claims (None: service_role, as the webhook)."""
    with conn.transaction():
        conn.execute("set local role authenticated" if claims else "set local role service_role")
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims or {}),))
        row = conn.execute(sql, args).fetchone()
    assert row
    return row[0]


def test_a_deposit_paid_online_and_a_late_cancellation_kept_by_policy(door: dict[str, str]) -> None:
    with psycopg.connect(door["dsn"], autocommit=True, options=door["PGOPTIONS"]) as conn:
        conn.execute("update public.venue_tables t set deposit = 50 from public.venues v "
                     "where v.id = t.venue_id and v.name = %s and t.table_number = 6", (MANCHESTER,))
        claims = leeds.create_guests(conn, 1, prefix="online")[0]
        guest = ("--venue", MANCHESTER, "--as", f"email:{claims['email']}")
        code, out, err = run(door, "hold", "tonight", "late", "6", "--party", "4", *guest)
        assert code == 0 and "deposit £50.00" in out, err
        reference, booking_id = reference_in(out), out.split()[-1]

        # The payment-intent route: the database says what to charge, Stripe (the stand-in) makes
        # the booking's one PaymentIntent, the database binds it; the guest pays; Stripe's event
        # reaches the webhook's function and submits the booking (Manchester confirms on submit).
        with StripeStandIn() as standin:
            api = stripe.StripeClient("sk_test_standin", base_addresses={"api": standin.base_url},
                                      max_network_retries=0)
            asked = as_caller(conn, claims, "select private.payment_intent_request(%s::uuid)", booking_id)
            assert (asked["amount"], asked["currency"]) == (5000, "gbp")
            intent = api.v1.payment_intents.create(
                {"amount": asked["amount"], "currency": asked["currency"],
                 "metadata": {"booking_id": booking_id, "venue_id": asked["venue_id"]}},
                {"idempotency_key": asked["idempotency_key"]})
            as_caller(conn, claims, "select private.bind_payment_intent(%s::uuid, %s)", booking_id, intent.id)
            api.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
            (event,) = [e for e in standin.ledger.events if e["type"] == "payment_intent.succeeded"]
        outcome = as_caller(conn, None, "select private.handle_stripe_event(%s::jsonb)", json.dumps(event))
        assert outcome["outcome"]["status"] != "rejected", outcome
        code, out, err = run(door, "find", reference, *STAFF)
        assert code == 0 and "confirmed" in out, err

        # Tonight is inside the venue's 48-hour window: the guest's cancellation is late, and the
        # policy keeps the deposit, whoever asks for it back.
        code, out, err = run(door, "cancel", reference, "--reason", "can't make it", *guest)
        assert (code, out.strip()) == (0, f"{reference}: cancelled"), err
        code, out, err = run(door, "refund", reference, "--reason", "asked nicely", "--venue", MANCHESTER,
                             "--as", "admin", "--aal2")
        assert code == cli.EXIT_BOOKING_ERROR, out
        assert "INVALID_TRANSITION" in err and "late_cancellation_kept" in err, err
        kinds = conn.execute("select array_agg(kind order by id) from public.notifications "
                             "where payload ->> 'booking_id' = %s", (booking_id,)).fetchone()
        assert kinds and kinds[0] == ["booking_held", "booking_confirmed", "booking_cancelled"], kinds
