"""Guests hear about their booking by email: the notifications worker against a real SMTP server
(aiosmtpd on 127.0.0.1), each message parsed back with the email package. In the venue's name, zone
and currency, with how to pay a held deposit, once per delivery, never after an opt-out or an
erasure, retried while the server is down; and the CLI runs the same worker."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any, cast

import psycopg
import pytest
from aiosmtpd.controller import Controller
from clubbooking import BookingClient, notify
from clubbooking_dev import leeds
from test_cli import clubbooking

FAST = notify.Policy(timeout=2, base_delay=0, max_attempts=3)


class Inbox:
    """An SMTP server's handler that keeps each message it accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(cast(EmailMessage, parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def guest(scratch_dsn: str) -> Iterator[tuple[str, dict[str, Any]]]:
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        claims = leeds.create_guests(conn, 1, prefix="mailed")[0]
    yield scratch_dsn, claims


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return cast(str, part.get_content())


def hold(dsn: str, claims: dict[str, Any], table: int = 3) -> Any:
    with BookingClient.connect(dsn, claims) as client:
        return client.hold_tables(leeds.VENUE_ID, leeds.next_open_night(weeks_ahead=3), "slot_23_30",
                                  [leeds.TABLE_IDS[table]], 4)


def test_email_held_booking_in_the_venues_terms_with_how_to_pay(guest: tuple[str, dict[str, Any]],
                                                                smtp: tuple[Inbox, int]) -> None:
    dsn, claims = guest
    inbox, port = smtp
    booking = hold(dsn, claims)
    mailer = notify.Mailer("127.0.0.1", port, "bookings@backroom.example")
    outcome = notify.deliver_due(dsn, policy=FAST, mailer=mailer)
    assert (outcome.delivered, outcome.retried, outcome.dead) == (1, 0, 0)
    assert notify.deliver_due(dsn, policy=FAST, mailer=mailer).delivered == 0  # once
    (message,) = inbox.messages
    assert message["To"] == claims["email"] and message["From"] == "bookings@backroom.example"
    assert message["Subject"] == "Your table at The Backroom Leeds is held"
    text = body(message)
    starts = dt.datetime.fromisoformat(str(booking.starts_at)).astimezone(dt.UTC)
    # 23:30 in Leeds: GMT in winter, BST in summer; the message says which
    local = "23:30 GMT" if starts.hour == 23 else "23:30 BST"
    assert f"{starts:%a}" in text and local in text, text
    assert "£50.00" in text and booking.reference in text
    assert f"/functions/v1/bookings/{booking.booking_id}/payment-intent" in text
    assert "To stop them" in text
    assert message["Message-ID"].startswith("<") and message["X-Clubbooking-Delivery"] in message["Message-ID"]


def test_email_opt_out_withdraws_what_was_queued(guest: tuple[str, dict[str, Any]], smtp: tuple[Inbox, int]) -> None:
    dsn, claims = guest
    inbox, port = smtp
    hold(dsn, claims)
    with BookingClient.connect(dsn, claims) as client:
        consent = client.set_notification_channels([])
    assert consent["notification_channels"] == []
    outcome = notify.deliver_due(dsn, policy=FAST, mailer=notify.Mailer("127.0.0.1", port, "b@backroom.example"))
    assert outcome.delivered == 0 and inbox.messages == []
    with psycopg.connect(dsn) as conn:
        assert conn.execute("select status from private.notification_deliveries").fetchall() == [("withdrawn",)]


def test_email_never_reaches_a_forgotten_guest(guest: tuple[str, dict[str, Any]], smtp: tuple[Inbox, int]) -> None:
    dsn, claims = guest
    inbox, port = smtp
    booking = hold(dsn, claims)
    with BookingClient.connect(dsn, claims) as client:
        client.forget_customer(client.export_customer_data()["customer"]["id"])
    notify.deliver_due(dsn, policy=FAST, mailer=notify.Mailer("127.0.0.1", port, "b@backroom.example"))
    assert inbox.messages == []
    with psycopg.connect(dsn) as conn:
        (payload,) = conn.execute("select payload from notifications where payload ->> 'booking_id' = %s",
                                  (str(booking.booking_id),)).fetchone() or (None,)
    assert payload and not {"email", "full_name", "phone"} & set(payload)


def test_email_is_retried_while_the_smtp_server_is_down(guest: tuple[str, dict[str, Any]],
                                                        smtp: tuple[Inbox, int]) -> None:
    dsn, claims = guest
    inbox, port = smtp
    hold(dsn, claims)
    dead_port = free_port()
    patient = notify.Policy(timeout=2, base_delay=60, max_attempts=3)
    down = notify.deliver_due(dsn, policy=patient, mailer=notify.Mailer("127.0.0.1", dead_port, "b@backroom.example"))
    assert (down.delivered, down.retried) == (0, 1) and "ConnectionRefusedError" in down.errors[0]
    with psycopg.connect(dsn, autocommit=True) as conn:  # its backoff has passed
        conn.execute("update private.notification_deliveries set next_attempt_at = now()")
    up = notify.deliver_due(dsn, policy=FAST, mailer=notify.Mailer("127.0.0.1", port, "b@backroom.example"))
    assert up.delivered == 1 and len(inbox.messages) == 1


def test_email_from_the_notify_command(guest: tuple[str, dict[str, Any]], smtp: tuple[Inbox, int]) -> None:
    dsn, claims = guest
    inbox, port = smtp
    booking = hold(dsn, claims)
    with BookingClient.connect(dsn, claims) as client:
        client.cancel_booking(booking.booking_id, reason="plans changed")
    result = clubbooking("notify", "--smtp", f"127.0.0.1:{port}", "--mail-from", "bookings@backroom.example",
                         "--once", dsn=dsn)
    assert result.returncode == 0, result.stderr
    assert "delivered 2, to retry 0, dead 0" in result.stdout
    assert sorted(m["Subject"] for m in inbox.messages) == [
        "Cancelled: The Backroom Leeds, " + inbox.messages[-1]["Subject"].split(", ", 1)[1],
        "Your table at The Backroom Leeds is held"]


def test_email_staff_invitation_to_its_address_without_a_guests_consent(scratch_dsn: str,
                                                                        smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    with BookingClient.connect(scratch_dsn, leeds.staff_claims("admin", aal="aal2")) as admin:
        admin.invite_staff(leeds.VENUE_ID, "new.host@backroom.example", "host")
    mailer = notify.Mailer("127.0.0.1", port, "b@backroom.example")
    outcome = notify.deliver_due(scratch_dsn, policy=FAST, mailer=mailer)
    assert (outcome.delivered, outcome.dead) == (1, 0), outcome.errors
    (message,) = inbox.messages
    assert message["To"] == "new.host@backroom.example"
    assert message["Subject"] == "Join The Backroom Leeds's staff"
    assert "clubbooking invitations accept inv_" in body(message) and "as host" in body(message)
    with psycopg.connect(scratch_dsn) as conn:  # the token left the outbox with the message
        assert conn.execute("select count(*) from notifications where payload ? 'token'").fetchone() == (0,)
