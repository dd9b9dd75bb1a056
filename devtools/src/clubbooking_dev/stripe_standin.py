"""A local stand-in for the part of Stripe's HTTP API this project calls, for tests and ``make serve``.

It follows Stripe's published API reference (https://docs.stripe.com/api) for what it serves:

- ``POST /v1/payment_intents`` (``amount``, ``currency``, ``metadata[...]``, ``description``,
  ``automatic_payment_methods[enabled]``), ``GET /v1/payment_intents/{id}``, ``POST
  /v1/payment_intents/{id}`` (update ``amount``, ``description``, ``metadata`` while unpaid), and
  ``POST /v1/payment_intents/{id}/confirm`` (``payment_method``: ``pm_card_visa`` succeeds,
  ``pm_card_chargeDeclined`` fails with a ``card_error``);
- ``POST /v1/refunds`` (``payment_intent``, optional ``amount``, ``metadata[...]``, ``reason``) and
  ``GET /v1/refunds/{id}``: a refund of a succeeded PaymentIntent, at most what is left of it;
- ``GET /v1/events``: the events these caused (``payment_intent.created``,
  ``payment_intent.succeeded``, ``payment_intent.payment_failed``, ``refund.created``,
  ``refund.updated``, ``charge.refunded``), newest first, for a test to deliver to the webhook signed.

Requests are form-encoded with Stripe's bracket notation; a request without ``Authorization: Bearer
sk_...`` is 401. ``Idempotency-Key`` (up to 255 characters) on a POST: the first answer to a key is
saved once the endpoint runs and replayed for a repeat with the same parameters
(``Idempotent-Replayed: true``); the same key with other parameters, or on another endpoint, is a
400 ``idempotency_error``; a request refused by validation is not saved. Errors are Stripe's
``{"error": {"type", "code", "message", "param"}}``.

    python -m clubbooking_dev.stripe_standin [--port 12111]   # prints its base URL, serves until killed
"""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, dict[str, Any]]


class StripeError(Exception):
    """A Stripe error answer: status, type, code, message and the parameter it is about."""

    def __init__(self, status: int, type_: str, message: str, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status, self.type, self.code, self.param = status, type_, code, param

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": str(self)}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding: ``metadata[booking_id]=x`` nests, ``expand[]=a`` lists."""
    params: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        target = params
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        if parts[-1] == "":
            target.setdefault("_list", []).append(value)
        else:
            target[parts[-1]] = value
    return params


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def amount_param(params: dict[str, Any], name: str, *, required: bool) -> int | None:
    value = params.get(name)
    if value is None:
        if required:
            raise StripeError(400, "invalid_request_error", f"Missing required param: {name}.",
                              "parameter_missing", name)
        return None
    if not str(value).isdigit() or int(value) < 1:
        raise StripeError(400, "invalid_request_error", f"Invalid integer: {value}", "parameter_invalid_integer", name)
    return int(value)


def metadata(params: dict[str, Any]) -> dict[str, str]:
    value = params.get("metadata", {})
    if not isinstance(value, dict):
        raise StripeError(400, "invalid_request_error", "Invalid metadata: must be a hash", "parameter_invalid",
                          "metadata")
    return {str(k): str(v) for k, v in value.items()}


@dataclass
class Ledger:
    """What the stand-in holds: PaymentIntents, refunds, events and saved idempotent answers."""

    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    saved: dict[str, tuple[str, dict[str, Any], Answer]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, Any], str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def event(self, type_: str, obj: dict[str, Any]) -> None:
        self.events.append({"id": new_id("evt"), "object": "event", "type": type_, "api_version": "2025-10-29.clover",
                            "created": int(time.time()), "livemode": False,
                            "data": {"object": json.loads(json.dumps(obj))}})

    def create_intent(self, params: dict[str, Any]) -> Answer:
        amount = amount_param(params, "amount", required=True)
        currency = str(params.get("currency", "")).lower()
        if len(currency) != 3 or not currency.isalpha():
            raise StripeError(400, "invalid_request_error", "Missing required param: currency.",
                              "parameter_missing", "currency")
        intent_id = new_id("pi")
        intent = {"id": intent_id, "object": "payment_intent", "amount": amount, "amount_received": 0,
                  "currency": currency, "status": "requires_payment_method", "livemode": False,
                  "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}", "created": int(time.time()),
                  "description": params.get("description"), "metadata": metadata(params),
                  "automatic_payment_methods": {"enabled": params.get("automatic_payment_methods", {})
                                                .get("enabled") == "true"},
                  "latest_charge": None, "last_payment_error": None}
        self.intents[intent_id] = intent
        self.event("payment_intent.created", intent)
        return 200, intent

    def intent(self, intent_id: str) -> dict[str, Any]:
        if intent_id not in self.intents:
            raise StripeError(404, "invalid_request_error", f"No such payment_intent: '{intent_id}'",
                              "resource_missing", "intent")
        return self.intents[intent_id]

    def update_intent(self, intent_id: str, params: dict[str, Any]) -> Answer:
        intent = self.intent(intent_id)
        if intent["status"] == "succeeded":
            raise StripeError(400, "invalid_request_error", "This PaymentIntent's amount could not be updated "
                              "because it has a status of succeeded.", "payment_intent_unexpected_state")
        amount = amount_param(params, "amount", required=False)
        intent.update({k: v for k, v in (("amount", amount), ("description", params.get("description"))) if v})
        intent["metadata"] |= metadata(params)
        return 200, intent

    def confirm_intent(self, intent_id: str, params: dict[str, Any]) -> Answer:
        intent = self.intent(intent_id)
        if intent["status"] == "succeeded":
            raise StripeError(400, "invalid_request_error", "This PaymentIntent's status is succeeded.",
                              "payment_intent_unexpected_state")
        if params.get("payment_method") == "pm_card_chargeDeclined":
            intent["last_payment_error"] = {"type": "card_error", "code": "card_declined",
                                            "message": "Your card was declined."}
            self.event("payment_intent.payment_failed", intent)
            error = StripeError(402, "card_error", "Your card was declined.", "card_declined")
            return error.status, error.body() | {"payment_intent": intent}
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=new_id("ch"),
                      last_payment_error=None)
        self.event("payment_intent.succeeded", intent)
        return 200, intent

    def create_refund(self, params: dict[str, Any]) -> Answer:
        intent_id = params.get("payment_intent")
        if not intent_id:
            raise StripeError(400, "invalid_request_error", "One of the following params should be provided for "
                              "this request: payment_intent or charge.", "parameter_missing", "payment_intent")
        intent = self.intent(str(intent_id))
        if intent["status"] != "succeeded":
            raise StripeError(400, "invalid_request_error", f"This PaymentIntent ({intent_id}) does not have a "
                              "successful charge to refund.", "charge_not_refundable", "payment_intent")
        refunded = sum(r["amount"] for r in self.refunds.values()
                       if r["payment_intent"] == intent_id and r["status"] != "failed")
        left = intent["amount_received"] - refunded
        if left <= 0:
            raise StripeError(400, "invalid_request_error", f"Charge {intent['latest_charge']} has already been "
                              "refunded.", "charge_already_refunded")
        amount = amount_param(params, "amount", required=False) or left
        if amount > left:
            raise StripeError(400, "invalid_request_error", f"Refund amount ({amount}) is greater than unrefunded "
                              f"amount on charge ({left})", "amount_too_large", "amount")
        refund = {"id": new_id("re"), "object": "refund", "amount": amount, "currency": intent["currency"],
                  "payment_intent": intent_id, "charge": intent["latest_charge"], "status": "pending",
                  "reason": params.get("reason"), "metadata": metadata(params), "created": int(time.time())}
        self.refunds[refund["id"]] = refund
        self.event("refund.created", refund)
        # Card refunds settle at once here; Stripe tells the webhook the same way.
        refund["status"] = "succeeded"
        self.event("refund.updated", refund)
        self.event("charge.refunded", {"id": intent["latest_charge"], "object": "charge", "payment_intent": intent_id,
                                       "amount": intent["amount_received"], "amount_refunded": refunded + amount,
                                       "refunded": refunded + amount >= intent["amount_received"],
                                       "currency": intent["currency"], "metadata": intent["metadata"]})
        return 200, {**refund, "status": "pending"}

    def refund(self, refund_id: str) -> dict[str, Any]:
        if refund_id not in self.refunds:
            raise StripeError(404, "invalid_request_error", f"No such refund: '{refund_id}'", "resource_missing", "id")
        return self.refunds[refund_id]

    def list_events(self, params: dict[str, Any]) -> Answer:
        kinds = params.get("type")
        events = [e for e in reversed(self.events) if kinds in (None, e["type"])]
        limit = int(params.get("limit", 10)) if str(params.get("limit", "10")).isdigit() else 10
        return 200, {"object": "list", "url": "/v1/events", "has_more": len(events) > limit, "data": events[:limit]}

    def route(self, method: str, path: str, params: dict[str, Any]) -> Answer:
        parts = path.strip("/").split("/")
        match method, parts:
            case "POST", ["v1", "payment_intents"]:
                return self.create_intent(params)
            case "GET", ["v1", "payment_intents", intent_id]:
                return 200, self.intent(intent_id)
            case "POST", ["v1", "payment_intents", intent_id]:
                return self.update_intent(intent_id, params)
            case "POST", ["v1", "payment_intents", intent_id, "confirm"]:
                return self.confirm_intent(intent_id, params)
            case "POST", ["v1", "refunds"]:
                return self.create_refund(params)
            case "GET", ["v1", "refunds", refund_id]:
                return 200, self.refund(refund_id)
            case "GET", ["v1", "events"]:
                return self.list_events(params)
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def handle(self, method: str, path: str, params: dict[str, Any], key: str | None) -> tuple[Answer, bool]:
        """Answer one request: (status, body), and whether it replays a saved idempotent answer."""
        with self.lock:
            self.requests.append((method, path, params, key))
            if key is not None and method == "POST":
                if len(key) > 255:
                    raise StripeError(400, "invalid_request_error", "Idempotency-Key is too long (255 characters "
                                      "at most).", "parameter_invalid", "Idempotency-Key")
                if key in self.saved:
                    saved_path, saved_params, answer = self.saved[key]
                    if (saved_path, saved_params) != (path, params):
                        raise StripeError(400, "idempotency_error", "Keys for idempotent requests can only be used "
                                          "with the same parameters they were first used with. Try using a key "
                                          "other than '" + key + "' if you meant to execute a different request.")
                    return answer, True
            try:
                answer = self.route(method, path, params)
            except StripeError as error:
                if error.code in ("parameter_missing", "parameter_invalid_integer", "parameter_invalid") \
                        or error.status == 404:
                    raise  # validation refused the request: nothing is saved, the key stays free
                answer = (error.status, error.body())
            if key is not None and method == "POST":
                self.saved[key] = (path, params, answer)
            return answer, False


class StripeStandIn:
    """The stand-in on 127.0.0.1 (port 0: a free one) in a thread; ``base_url`` once started."""

    def __init__(self, port: int = 0) -> None:
        self.ledger = Ledger()
        ledger = self.ledger

        class Handler(BaseHTTPRequestHandler):
            def answer(self, status: int, body: dict[str, Any], replayed: bool = False) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
                if replayed:
                    self.send_header("Idempotent-Replayed", "true")
                self.end_headers()
                self.wfile.write(data)

            def serve(self, method: str) -> None:
                url = urllib.parse.urlsplit(self.path)
                if not str(self.headers.get("Authorization", "")).startswith("Bearer sk_"):
                    error = StripeError(401, "invalid_request_error", "You did not provide an API key. You need to "
                                        "provide your API key in the Authorization header, using Bearer auth.")
                    return self.answer(error.status, error.body())
                length = int(self.headers.get("Content-Length") or 0)
                form = self.rfile.read(length).decode() if length else ""
                params = parse_form(form if method == "POST" else url.query)
                try:
                    (status, body), replayed = ledger.handle(method, url.path, params,
                                                             self.headers.get("Idempotency-Key"))
                except StripeError as error:
                    return self.answer(error.status, error.body())
                self.answer(status, body, replayed)

            def do_GET(self) -> None:
                self.serve("GET")

            def do_POST(self) -> None:
                self.serve("POST")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def start(self) -> StripeStandIn:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> StripeStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="A local stand-in for Stripe's PaymentIntents, Refunds and Events")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    standin = StripeStandIn(parser.parse_args().port)
    print(standin.base_url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        standin.server.serve_forever()


if __name__ == "__main__":
    main()
