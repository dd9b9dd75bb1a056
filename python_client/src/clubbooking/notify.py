"""``clubbooking notify``: deliver guests' notifications (by email over SMTP, and by SMS through a
signed webhook) and send the deposit refunds staff queued to Stripe.

Each notification row gets one delivery per channel its guest consents to
(``private.notification_deliveries``, queued by a trigger) with a delivery id that stays the same
across retries, so the receiver de-duplicates on it. A worker claims due deliveries of the channels
it serves with ``FOR UPDATE SKIP LOCKED`` (two workers never send the same one at once; a claim is a
lease, so a worker that dies leaves it to be retried); the claim reads the guest's consent and
address at that moment (an opt-out or an erasure since withdraws the delivery). It sends each,
rendered in the venue's name, zone and currency (``clubbooking.messages``), and records the outcome:
delivered on success, else retried with exponential backoff and jitter, and dead (the dead letter)
after ``max_attempts``.

Email: one message per delivery through SMTP (``Message-ID`` derived from the delivery id, so a
mail system can drop a resent duplicate). SMS: a POST to the webhook of an SMS provider:
  POST <webhook>
  Content-Type: application/json
  X-Clubbooking-Delivery: <delivery id, the same on every retry>
  X-Clubbooking-Timestamp: <unix seconds>
  X-Clubbooking-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
  {"delivery_id", "notification_id", "channel", "attempt", "kind", "venue_id", "customer_id",
   "recipient", "text", "payload", "created_at"}

A receiver checks the signature (and that the timestamp is recent), answers 2xx, and ignores
a delivery id it has already processed: an answer lost on the way back means the same
delivery arrives again.

Refunds (``--stripe-key``): each refund ``refund_deposit`` queued (``private.deposit_refunds``) is
sent to Stripe's Refunds API with the Python ``stripe`` library and the refund's idempotency key
(a resend after a lost answer refunds once); Stripe's webhook (refund.updated, charge.refunded)
then settles the booking's refund_status.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import hmac
import json
import random
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import psycopg
from psycopg.rows import dict_row

from clubbooking import messages

SIGNATURE_HEADER = "X-Clubbooking-Signature"
DELIVERY_HEADER = "X-Clubbooking-Delivery"
TIMESTAMP_HEADER = "X-Clubbooking-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for a body sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(secret: str, headers: Any, body: bytes, *, tolerance: float = 300) -> bool:
    """For receivers: the signature matches and the timestamp is within ``tolerance`` seconds."""
    timestamp = str(headers.get(TIMESTAMP_HEADER, ""))
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), str(headers.get(SIGNATURE_HEADER, "")))


@dataclass(frozen=True)
class Policy:
    """How deliveries are tried: request timeout, backoff (base doubled per attempt, capped, with
    jitter) and the number of attempts before a delivery is dead."""

    timeout: float = 10.0
    base_delay: float = 5.0
    max_delay: float = 3600.0
    max_attempts: int = 8

    def retry_in(self, attempt: int) -> dt.timedelta:
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return dt.timedelta(seconds=delay * random.uniform(0.8, 1.2))


@dataclass
class Outcome:
    """What a run did: deliveries (or refunds) sent, retried later, and dead-lettered (failed)."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, status: str | None, error: str | None, what: object) -> None:
        if status == "delivered":
            self.delivered += 1
        elif status == "dead":
            self.dead += 1
        else:
            self.retried += 1
        if error:
            self.errors.append(f"{what}: {error}")

    def add(self, other: Outcome) -> None:
        self.delivered, self.retried, self.dead = (self.delivered + other.delivered, self.retried + other.retried,
                                                   self.dead + other.dead)
        self.errors += other.errors


def post(webhook: str, secret: str, delivery: dict[str, Any], timeout: float) -> str | None:
    """Send one delivery to the webhook; None on a 2xx answer, else what went wrong."""
    body = json.dumps(delivery, default=str, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(webhook, data=body, method="POST", headers={
        "Content-Type": "application/json", DELIVERY_HEADER: str(delivery["delivery_id"]),
        TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        return f"{error.__class__.__name__}: {getattr(error, 'reason', error)}"


@dataclass(frozen=True)
class Mailer:
    """An SMTP server to send email through: host, port, sender, and optional STARTTLS and login."""

    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, address: str, sender: str, **options: Any) -> Mailer:
        """``host:port`` (port 25 when left out)."""
        host, _, port = address.rpartition(":") if ":" in address else (address, "", "25")
        return cls(host or address, int(port), sender, **options)

    def send(self, delivery: dict[str, Any], timeout: float) -> str | None:
        """Send one delivery as an email; None once the server accepted it, else what went wrong."""
        text = messages.render(delivery["kind"], delivery["payload"], delivery.get("guest_name"))
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, delivery["recipient"], text.subject
        mail["Message-ID"] = f"<{delivery['delivery_id']}@clubbooking>"
        mail["X-Clubbooking-Delivery"] = str(delivery["delivery_id"])
        mail["Date"] = email.utils.formatdate(localtime=False)
        mail.set_content(text.text)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(mail)
            return None
        except (smtplib.SMTPException, OSError) as error:
            return f"{error.__class__.__name__}: {error}"


@dataclass(frozen=True)
class Channels:
    """Where deliveries go: the SMS webhook (and its signing secret), the SMTP server; either may be absent
    (a worker claims only the channels it can send)."""

    webhook: str | None = None
    secret: str | None = None
    mailer: Mailer | None = None

    def served(self) -> list[str]:
        return [name for name, ready in (("email", self.mailer), ("sms", self.webhook and self.secret)) if ready]

    def send(self, delivery: dict[str, Any], timeout: float) -> str | None:
        if delivery["channel"] == "email" and self.mailer:
            return self.mailer.send(delivery, timeout)
        if delivery["channel"] == "sms" and self.webhook and self.secret:
            text = messages.render(delivery["kind"], delivery["payload"], delivery.get("guest_name"))
            return post(self.webhook, self.secret, {**delivery, "text": f"{text.subject}. {text.text}"}, timeout)
        return f"no sender for channel {delivery['channel']}"


def deliver_due(dsn: str, webhook: str | None = None, secret: str | None = None, policy: Policy = Policy(), *,
                batch: int = 20, mailer: Mailer | None = None) -> Outcome:
    """Deliver every delivery due now on the channels this worker serves, batch by batch, until none is due."""
    outcome = Outcome()
    channels = Channels(webhook, secret, mailer)
    if not channels.served():
        return outcome
    lease = dt.timedelta(seconds=policy.timeout * 2 + 30)
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        while True:
            claimed = conn.execute("select * from private.claim_notification_deliveries(%s, %s, %s)",
                                   (channels.served(), batch, lease)).fetchall()
            if not claimed:
                return outcome
            for delivery in claimed:
                error = channels.send(delivery, policy.timeout)
                row = conn.execute("select private.finish_notification_delivery(%s, %s, %s, %s, %s) as status",
                                   (delivery["delivery_id"], error is None, error,
                                    policy.retry_in(delivery["attempt"]), policy.max_attempts)).fetchone()
                outcome.count(row["status"] if row else None, error, delivery["delivery_id"])


def send_due_refunds(dsn: str, stripe_key: str, policy: Policy = Policy(), *, api_base: str | None = None,
                     batch: int = 20) -> Outcome:
    """Send every queued deposit refund to Stripe's Refunds API (``POST /v1/refunds`` with the refund's
    Idempotency-Key). Stripe's refund is recorded ('sent'; its webhook settles it); an answer Stripe
    gives about the request itself (4xx) fails the refund for staff to look at; a network error or a
    5xx is retried with backoff under the same key."""
    import stripe  # optional: the worker's refunds need `pip install clubbooking[stripe]`

    client = stripe.StripeClient(stripe_key, base_addresses={"api": api_base} if api_base else None,
                                 max_network_retries=0)
    outcome = Outcome()
    lease = dt.timedelta(seconds=policy.timeout * 2 + 30)
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        while True:
            claimed = conn.execute("select * from private.claim_deposit_refunds(%s, %s)", (batch, lease)).fetchall()
            if not claimed:
                return outcome
            for refund in claimed:
                params: stripe.params.RefundCreateParams = {
                    "payment_intent": refund["payment_intent_id"], "reason": "requested_by_customer",
                    "metadata": {"booking_id": str(refund["booking_id"]), "venue_id": str(refund["venue_id"])}}
                if refund["amount"] is not None:
                    params["amount"] = refund["amount"]
                answer, error, final = None, None, False
                try:
                    sent = client.v1.refunds.create(params, {"idempotency_key": refund["idempotency_key"]})
                    answer = json.dumps({"id": sent.id, "status": sent.status})
                except stripe.StripeError as failure:
                    error = f"{failure.__class__.__name__}: {failure.user_message or failure}"
                    final = failure.http_status is not None and 400 <= failure.http_status < 500 \
                        and failure.http_status not in (409, 429)
                row = conn.execute("select private.finish_deposit_refund(%s, %s::jsonb, %s, %s, %s) as status",
                                   (refund["booking_id"], answer, error, policy.retry_in(refund["attempt"]),
                                    final)).fetchone()
                status = row["status"] if row else None
                outcome.count({"sent": "delivered", "failed": "dead"}.get(status or "", status), error,
                              refund["booking_id"])


def run(dsn: str, webhook: str | None = None, secret: str | None = None, policy: Policy = Policy(), *,
        interval: float = 2.0, minutes: float = 0, mailer: Mailer | None = None, stripe_key: str | None = None,
        stripe_api_base: str | None = None) -> Outcome:
    """Deliver what is due (and send queued refunds, with a Stripe key) every ``interval`` seconds (for
    ``minutes``, or until interrupted)."""
    total = Outcome()
    deadline = time.monotonic() + minutes * 60 if minutes else None
    while deadline is None or time.monotonic() < deadline:
        total.add(deliver_due(dsn, webhook, secret, policy, mailer=mailer))
        if stripe_key:
            total.add(send_due_refunds(dsn, stripe_key, policy, api_base=stripe_api_base))
        time.sleep(interval)
    return total
