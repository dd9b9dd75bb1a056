"""``clubbooking notify``: deliver notifications (waitlist offers, cancellations) to a webhook.

Each notification row gets a delivery (``private.notification_deliveries``, queued by a
trigger) with a delivery id that stays the same across retries, so the receiver de-duplicates
on it. A worker claims due deliveries with ``FOR UPDATE SKIP LOCKED`` (two workers never send
the same one at once; a claim is a lease, so a worker that dies leaves it to be retried), POSTs
each as JSON signed with HMAC-SHA256, and records the outcome: delivered on a 2xx answer, else
retried with exponential backoff and jitter, and dead (the dead letter) after ``max_attempts``.

The request:
  POST <webhook>
  Content-Type: application/json
  X-Clubbooking-Delivery: <delivery id, the same on every retry>
  X-Clubbooking-Timestamp: <unix seconds>
  X-Clubbooking-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
  {"delivery_id", "notification_id", "attempt", "kind", "venue_id", "customer_id", "payload", "created_at"}

A receiver checks the signature (and that the timestamp is recent), answers 2xx, and ignores
a delivery id it has already processed: an answer lost on the way back means the same
delivery arrives again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

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
    """What a run did: deliveries sent, retried later, and dead-lettered."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def post(webhook: str, secret: str, delivery: dict[str, Any], timeout: float) -> str | None:
    """Send one delivery; None on a 2xx answer, else what went wrong."""
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


def deliver_due(dsn: str, webhook: str, secret: str, policy: Policy = Policy(), *, batch: int = 20) -> Outcome:
    """Deliver every delivery due now, batch by batch, until none is due."""
    outcome = Outcome()
    lease = dt.timedelta(seconds=policy.timeout * 2 + 30)
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        while True:
            claimed = conn.execute("select * from private.claim_notification_deliveries(%s, %s)",
                                   (batch, lease)).fetchall()
            if not claimed:
                return outcome
            for delivery in claimed:
                error = post(webhook, secret, delivery, policy.timeout)
                row = conn.execute("select private.finish_notification_delivery(%s, %s, %s, %s, %s) as status",
                                   (delivery["delivery_id"], error is None, error,
                                    policy.retry_in(delivery["attempt"]), policy.max_attempts)).fetchone()
                status = row["status"] if row else None
                if status == "delivered":
                    outcome.delivered += 1
                elif status == "dead":
                    outcome.dead += 1
                else:
                    outcome.retried += 1
                if error:
                    outcome.errors.append(f"{delivery['delivery_id']}: {error}")


def run(dsn: str, webhook: str, secret: str, policy: Policy = Policy(), *, interval: float = 2.0,
        minutes: float = 0) -> Outcome:
    """Deliver what is due every ``interval`` seconds (for ``minutes``, or until interrupted)."""
    total = Outcome()
    deadline = time.monotonic() + minutes * 60 if minutes else None
    while deadline is None or time.monotonic() < deadline:
        done = deliver_due(dsn, webhook, secret, policy)
        total.delivered, total.retried, total.dead = (total.delivered + done.delivered, total.retried + done.retried,
                                                      total.dead + done.dead)
        total.errors += done.errors
        time.sleep(interval)
    return total
