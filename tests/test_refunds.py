"""Deposits refunded through Stripe's Refunds API, against the local stand-in of Stripe's HTTP API
(clubbooking_dev.stripe_standin) with the Python ``stripe`` library pointed at it: the worker sends
what ``refund_deposit`` queued, once per idempotency key even when an answer is lost, Stripe's
refund webhook settles it, and a refund Stripe refuses is failed for staff. The stand-in is held to
Stripe's reference: form-encoded bodies, Idempotency-Key semantics and error shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import stripe
from clubbooking import BookingClient, notify
from clubbooking_dev import leeds
from clubbooking_dev.stripe_standin import StripeStandIn

KEY = "sk_test_standin"
FAST = notify.Policy(timeout=5, base_delay=0, max_attempts=3)


@pytest.fixture
def standin() -> Iterator[StripeStandIn]:
    with StripeStandIn() as server:
        yield server


def client(standin: StripeStandIn) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": standin.base_url}, max_network_retries=0)


def deliver_events(dsn: str, standin: StripeStandIn, kinds: set[str]) -> list[dict[str, Any]]:
    """Stripe's events of these kinds, oldest first, handed to the webhook's database function."""
    events = [e for e in standin.ledger.events if e["type"] in kinds]
    outcomes = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for event in events:
            with conn.transaction():
                conn.execute("set local role service_role")
                row = conn.execute("select private.handle_stripe_event(%s::jsonb)", (json.dumps(event),)).fetchone()
                outcomes.append(row[0] if row else None)
    return outcomes


def paid_booking(dsn: str, standin: StripeStandIn, table: int, party: int = 4,
                 amount: int = 5000) -> tuple[dict[str, Any], Any]:
    """A guest's hold on a table, paid online: a PaymentIntent at the stand-in, confirmed, its webhook event applied."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        claims = leeds.create_guests(conn, 1, prefix=f"refund{table}")[0]
    with BookingClient.connect(dsn, claims) as guest:
        booking = guest.hold_tables(leeds.VENUE_ID, leeds.next_open_night(weeks_ahead=3), "slot_23_30",
                                    [leeds.TABLE_IDS[table]], party)
    intent = client(standin).v1.payment_intents.create(
        {"amount": amount, "currency": "gbp", "metadata": {"booking_id": str(booking.booking_id)}},
        {"idempotency_key": f"clubbooking-payment-intent-{booking.booking_id}"})
    client(standin).v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    deliver_events(dsn, standin, {"payment_intent.succeeded"})
    return claims, booking


def refund_status(dsn: str, booking_id: Any) -> tuple[str, str | None]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select b.refund_status, r.status from bookings b "
                           "left join private.deposit_refunds r on r.booking_id = b.id where b.id = %s",
                           (booking_id,)).fetchone()
    assert row
    return row[0], row[1]


def test_refund_sent_once_and_confirmed_by_the_webhook(scratch_dsn: str, standin: StripeStandIn) -> None:
    claims, booking = paid_booking(scratch_dsn, standin, 3)
    with BookingClient.connect(scratch_dsn, claims) as guest:
        guest.cancel_booking(booking.booking_id, reason="plans changed")   # a week ahead: free to cancel
    with BookingClient.connect(scratch_dsn, leeds.staff_claims("manager", aal="aal2")) as manager:
        manager.refund_deposit(booking.booking_id, "cancelled in time")
    assert refund_status(scratch_dsn, booking.booking_id) == ("refund_pending", "queued")

    sent = notify.send_due_refunds(scratch_dsn, KEY, FAST, api_base=standin.base_url)
    assert (sent.delivered, sent.retried, sent.dead) == (1, 0, 0), sent.errors
    ((_method, _path, params, key),) = [r for r in standin.ledger.requests if r[1] == "/v1/refunds"]
    assert key == f"clubbooking-refund-{booking.booking_id}-1"
    assert params["amount"] == "5000" and params["metadata"]["booking_id"] == str(booking.booking_id)

    # The worker died after Stripe answered: the lease runs out and the same key is sent again.
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        conn.execute("update private.deposit_refunds set status = 'queued', next_attempt_at = now()")
    assert notify.send_due_refunds(scratch_dsn, KEY, FAST, api_base=standin.base_url).delivered == 1
    assert len(standin.ledger.refunds) == 1, "refund_idempotent: one refund at Stripe for two sends"

    assert refund_status(scratch_dsn, booking.booking_id) == ("refund_pending", "sent")
    outcomes = deliver_events(scratch_dsn, standin, {"refund.updated"})
    assert outcomes[-1]["outcome"]["refund"] == "succeeded"
    assert refund_status(scratch_dsn, booking.booking_id) == ("refunded", "succeeded")


def test_a_smaller_deposit_after_a_change_is_refunded_in_part(scratch_dsn: str, standin: StripeStandIn) -> None:
    _claims, booking = paid_booking(scratch_dsn, standin, 5, party=6, amount=10000)   # a £100 booth
    with BookingClient.connect(scratch_dsn, leeds.staff_claims("manager", aal="aal2")) as manager:
        manager.approve_booking(booking.booking_id)
        changed = manager.modify_booking(booking.booking_id, party_size=5, table_ids=[leeds.TABLE_IDS[3]])  # £50
        assert changed.deposit_refundable == 50
        manager.refund_deposit(booking.booking_id, "moved to a smaller table")
    sent = notify.send_due_refunds(scratch_dsn, KEY, FAST, api_base=standin.base_url)
    assert (sent.delivered, sent.dead) == (1, 0), sent.errors
    ((_method, _path, params, key),) = [r for r in standin.ledger.requests if r[1] == "/v1/refunds"]
    assert params["amount"] == "5000" and key == f"clubbooking-refund-{booking.booking_id}-1"
    deliver_events(scratch_dsn, standin, {"refund.updated"})
    with psycopg.connect(scratch_dsn) as conn:
        row = conn.execute("select status::text, deposit_total, deposit_balance, refund_status from bookings "
                           "where id = %s", (booking.booking_id,)).fetchone()
    assert row == ("confirmed", 50, 0, None), "the difference is back with the guest; the booking and £50 stand"


def test_refund_stripe_refuses_is_failed_for_staff(scratch_dsn: str, standin: StripeStandIn) -> None:
    claims, booking = paid_booking(scratch_dsn, standin, 4)
    intent_id = standin.ledger.events[-1]["data"]["object"]["id"]
    client(standin).v1.refunds.create({"payment_intent": intent_id})   # refunded by hand in Stripe's dashboard
    with BookingClient.connect(scratch_dsn, claims) as guest:
        guest.cancel_booking(booking.booking_id)
    with BookingClient.connect(scratch_dsn, leeds.staff_claims("manager", aal="aal2")) as manager:
        manager.refund_deposit(booking.booking_id, "cancelled in time")
    sent = notify.send_due_refunds(scratch_dsn, KEY, FAST, api_base=standin.base_url)
    assert (sent.delivered, sent.dead) == (0, 1) and "already been refunded" in sent.errors[0]
    assert refund_status(scratch_dsn, booking.booking_id) == ("refund_failed", "failed")


def test_refund_retried_while_stripe_is_unreachable(scratch_dsn: str, standin: StripeStandIn) -> None:
    claims, booking = paid_booking(scratch_dsn, standin, 11)
    with BookingClient.connect(scratch_dsn, claims) as guest:
        guest.cancel_booking(booking.booking_id)
    with BookingClient.connect(scratch_dsn, leeds.staff_claims("manager", aal="aal2")) as manager:
        manager.refund_deposit(booking.booking_id, "cancelled in time")
    with StripeStandIn() as gone:
        address = gone.base_url
    patient = notify.Policy(timeout=2, base_delay=60, max_attempts=3)
    down = notify.send_due_refunds(scratch_dsn, KEY, patient, api_base=address)
    assert (down.delivered, down.retried, down.dead) == (0, 1, 0)
    assert refund_status(scratch_dsn, booking.booking_id) == ("refund_pending", "queued")


def test_stripe_standin_follows_the_reference(standin: StripeStandIn) -> None:
    api = client(standin)
    first = api.v1.payment_intents.create({"amount": 5000, "currency": "gbp", "metadata": {"booking_id": "b1"}},
                                          {"idempotency_key": "k1"})
    again = api.v1.payment_intents.create({"amount": 5000, "currency": "gbp", "metadata": {"booking_id": "b1"}},
                                          {"idempotency_key": "k1"})
    assert again.id == first.id and again.client_secret.startswith(f"{first.id}_secret_")
    assert api.v1.payment_intents.retrieve(first.id).metadata["booking_id"] == "b1"
    with pytest.raises(stripe.IdempotencyError):
        api.v1.payment_intents.create({"amount": 6000, "currency": "gbp"}, {"idempotency_key": "k1"})
    with pytest.raises(stripe.InvalidRequestError) as missing:
        api.v1.payment_intents.retrieve("pi_nope")
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as no_amount:
        api.v1.payment_intents.create({"currency": "gbp"}, {"idempotency_key": "k2"})
    assert no_amount.value.param == "amount"
    assert api.v1.payment_intents.create({"amount": 100, "currency": "gbp"}, {"idempotency_key": "k2"}).amount == 100
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient("", base_addresses={"api": standin.base_url}).v1.payment_intents.retrieve(first.id)
    with pytest.raises(stripe.CardError):
        api.v1.payment_intents.confirm(first.id, {"payment_method": "pm_card_chargeDeclined"})
