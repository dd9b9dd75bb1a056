"""The notifications worker's SMS channel against a local webhook receiver that fails, times out
and sees deliveries twice: each notification is delivered once per delivery id, signed, retried
with backoff, and dead-lettered after its attempts run out."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
import pytest
from clubbooking import notify
from clubbooking_dev import leeds
from test_cli import clubbooking

SECRET = "whsec_test"
FAST = notify.Policy(timeout=0.5, base_delay=0, max_attempts=3)


class Receiver:
    """A webhook receiver whose answers are scripted per request: an HTTP status, or "timeout"
    (answer after the worker gave up, having processed the delivery). It keeps every request
    and, as a receiver should, processes each delivery id once."""

    def __init__(self, script: list[int | str], then: int | str = 200) -> None:
        self.script, self.then = list(script), then
        self.requests: list[dict[str, Any]] = []
        self.processed: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    answer = receiver.script.pop(0) if receiver.script else receiver.then
                    delivery = json.loads(body)
                    receiver.requests.append({"headers": dict(self.headers), "body": delivery,
                                              "signed": notify.verify(SECRET, self.headers, body)})
                    if answer in (200, "timeout"):
                        receiver.processed.setdefault(self.headers[notify.DELIVERY_HEADER], delivery)
                if answer == "timeout":
                    threading.Event().wait(1.5)
                    answer = 200
                self.send_response(int(answer))
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def notifications(scratch_dsn: str) -> Iterator[tuple[str, list[int]]]:
    """Three notifications for a guest of the Leeds club; the scratch database's DSN and their ids."""
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        claims = leeds.create_guests(conn, 1, prefix="notify")[0]
        # Nat agreed to texts: her notifications go to the SMS provider's webhook
        row = conn.execute("insert into customers (user_id, full_name, phone, notification_channels) "
                           "values (%s, 'Nat', '+44 7700 900555', '{sms}') returning id",
                           (claims["sub"],)).fetchone()
        ids = [r[0] for r in conn.execute(
            "insert into notifications (venue_id, customer_id, kind, payload) "
            "select %s, %s, 'waitlist_offer', jsonb_build_object('n', n) from generate_series(1, 3) n returning id",
            (leeds.VENUE_ID, row[0] if row else None))]
    yield scratch_dsn, ids


def deliveries(dsn: str) -> dict[int, tuple[str, int]]:
    with psycopg.connect(dsn) as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute(
            "select notification_id, status, attempts from private.notification_deliveries")}


def test_each_notification_is_delivered_once_signed_despite_failures_and_timeouts(
        notifications: tuple[str, list[int]]) -> None:
    dsn, ids = notifications
    receiver = Receiver([500, "timeout"])
    try:
        # a 500, a timeout and a 200; the two failures are retried at once (no backoff here) and land
        first = notify.deliver_due(dsn, receiver.url, SECRET, FAST)
        assert (first.delivered, first.retried, first.dead) == (3, 2, 0)
        again = notify.deliver_due(dsn, receiver.url, SECRET, FAST)
        assert (again.delivered, again.retried) == (0, 0)  # nothing is sent twice once delivered
    finally:
        receiver.close()
    assert {n: status for n, (status, _) in deliveries(dsn).items()} == dict.fromkeys(ids, "delivered")
    assert len(receiver.requests) == 5 and all(r["signed"] for r in receiver.requests)
    # the timed-out delivery arrived twice with one delivery id: the receiver processed it once
    seen = [r["headers"][notify.DELIVERY_HEADER] for r in receiver.requests]
    assert len(set(seen)) == 3 and len(receiver.processed) == 3
    assert sorted(d["notification_id"] for d in receiver.processed.values()) == sorted(ids)


def test_a_delivery_that_keeps_failing_is_dead_lettered_after_its_attempts(
        notifications: tuple[str, list[int]]) -> None:
    dsn, ids = notifications
    receiver = Receiver([], then=503)
    try:
        outcome = notify.deliver_due(dsn, receiver.url, SECRET, FAST)
        assert (outcome.delivered, outcome.retried, outcome.dead) == (0, 3 * (FAST.max_attempts - 1), 3)
        assert notify.deliver_due(dsn, receiver.url, SECRET, FAST).retried == 0
    finally:
        receiver.close()
    assert deliveries(dsn) == dict.fromkeys(ids, ("dead", FAST.max_attempts))
    assert len(receiver.requests) == 3 * FAST.max_attempts


def test_the_backoff_doubles_per_attempt_within_its_jitter() -> None:
    policy = notify.Policy(base_delay=5, max_delay=60)
    assert 4 <= policy.retry_in(1).total_seconds() <= 6
    assert 16 <= policy.retry_in(3).total_seconds() <= 24
    assert policy.retry_in(10).total_seconds() <= 72


def test_a_forged_or_stale_signature_is_refused() -> None:
    body = b'{"delivery_id": "x"}'
    headers = {notify.TIMESTAMP_HEADER: "1000", notify.SIGNATURE_HEADER: notify.sign(SECRET, "1000", body)}
    assert not notify.verify(SECRET, headers, body)  # 1970: stale
    now = str(int(time.time()))
    fresh = {notify.TIMESTAMP_HEADER: now, notify.SIGNATURE_HEADER: notify.sign(SECRET, now, body)}
    assert notify.verify(SECRET, fresh, body)
    assert not notify.verify("another secret", fresh, body)


def test_the_notify_command_delivers_and_reports(notifications: tuple[str, list[int]]) -> None:
    dsn, _ = notifications
    receiver = Receiver([])
    try:
        result = clubbooking("notify", "--webhook", receiver.url, "--secret", SECRET, "--once", dsn=dsn)
    finally:
        receiver.close()
    assert result.returncode == 0, result.stderr
    assert "delivered 3, to retry 0, dead 0" in result.stdout


def test_two_workers_at_once_send_each_delivery_once(notifications: tuple[str, list[int]]) -> None:
    dsn, ids = notifications
    receiver = Receiver([])
    try:
        workers = [threading.Thread(target=notify.deliver_due, args=(dsn, receiver.url, SECRET, FAST))
                   for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        receiver.close()
    assert sorted(r["body"]["notification_id"] for r in receiver.requests) == sorted(ids)
