// The Stripe webhook: signatures (Stripe's library: tolerance, several v1, rolled secrets), payment
// events moving the booking on exactly once per event id, and every bad delivery refused
// without a change. Payloads are signed here with node:crypto, independently of our code.
import assert from "node:assert/strict";
import { handler as bookings } from "../bookings/handler.ts";
import { handler } from "../stripe-webhook/handler.ts";
import { ApiError } from "../_shared/http.ts";
import { DEFAULT_TOLERANCE_SECONDS, verifyStripeSignature } from "../_shared/stripe.ts";
import Stripe from "stripe";
import {
  answer,
  assertChangesNothing,
  assertError,
  booking,
  call,
  closePools,
  db,
  dbTest,
  guest,
  night,
  STRIPE_SECRET,
  stripeSignature,
  stripeV1,
  table,
  VENUE_ID,
} from "./helpers.ts";

const NIGHT = night(5);

/** A held booking of a new guest on table n. */
async function heldBooking(n: number): Promise<string> {
  const { token } = await guest(`payer${n}`);
  const body = { venue_id: VENUE_ID, date: NIGHT, slot_id: "slot_23_30", table_ids: [table(n)], party_size: 4 };
  const { status, body: held } = await answer(await call(bookings, "POST", "/bookings", { token, body }));
  assert.equal(status, 201);
  return held.booking_id;
}

/** A Stripe event about a PaymentIntent for a booking. */
function paymentEvent(type: string, bookingId: string | null, extra: Record<string, unknown> = {}): string {
  const intentId = `pi_${crypto.randomUUID().replaceAll("-", "")}`;
  return JSON.stringify({
    id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
    object: "event",
    type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: {
      object: {
        id: intentId,
        object: "payment_intent",
        amount: 5000,
        currency: "gbp",
        metadata: bookingId ? { booking_id: bookingId } : {},
        ...extra,
      },
    },
  });
}

function deliver(payload: string, signature = stripeSignature(payload)): Promise<Response> {
  return call(handler, "POST", "/stripe-webhook", { body: payload, headers: { "Stripe-Signature": signature } });
}

async function ledger(eventId: string): Promise<number> {
  const [{ count }] = await db()`select count(*)::int from private.stripe_events where event_id = ${eventId}`;
  return count;
}

dbTest("a succeeded payment submits the held booking with the PaymentIntent as its reference", async () => {
  const bookingId = await heldBooking(3);
  const payload = paymentEvent("payment_intent.succeeded", bookingId);
  const { status, body } = await answer(await deliver(payload));
  assert.equal(status, 200);
  assert.equal(body.duplicate, false);
  assert.equal(body.outcome.status, "processed");
  assert.equal(body.outcome.result.outcome, "submitted");
  const intent = JSON.parse(payload).data.object.id;
  assert.deepEqual(await booking(bookingId), { status: "pending_approval", payment_reference: intent });
  const [audit] = await db()`select request_id from public.audit_log
                             where entity_id = ${bookingId} and new_status = 'pending_approval'`;
  assert.equal(audit.request_id, `stripe:${JSON.parse(payload).id}`, "the audit row names the Stripe event");
});

dbTest("a replayed event id is answered 200 with the first outcome and changes nothing", async () => {
  const bookingId = await heldBooking(4);
  const payload = paymentEvent("payment_intent.succeeded", bookingId);
  const first = await answer(await deliver(payload));
  await assertChangesNothing(async () => {
    const again = await answer(await deliver(payload));
    assert.equal(again.status, 200);
    assert.equal(again.body.duplicate, true);
    assert.deepEqual(again.body.outcome, first.body.outcome);
  });
  assert.equal(await ledger(JSON.parse(payload).id), 1);
});

dbTest("concurrent deliveries of one event are applied once", async () => {
  const bookingId = await heldBooking(11);
  const payload = paymentEvent("payment_intent.succeeded", bookingId);
  const answers = await Promise.all(
    [deliver(payload), deliver(payload), deliver(payload)].map(async (r) => answer(await r)),
  );
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
  assert.equal(answers.filter((a) => !a.body.duplicate).length, 1);
  const [{ count }] = await db()`select count(*)::int from public.audit_log
                                 where entity_id = ${bookingId} and new_status = 'pending_approval'`;
  assert.equal(count, 1);
});

dbTest("a payment short of the deposit is rejected for staff to refund, and the hold stays", async () => {
  const bookingId = await heldBooking(8); // deposit 100.00 GBP; the event pays 50.00
  const { status, body } = await answer(await deliver(paymentEvent("payment_intent.succeeded", bookingId)));
  assert.equal(status, 200);
  assert.equal(body.outcome.status, "rejected");
  assert.equal(body.outcome.code, "INVALID_INPUT");
  assert.equal(JSON.parse(body.outcome.detail).deposit_due, 10000);
  assert.equal((await booking(bookingId)).status, "held");
});

dbTest("a failed payment is recorded and the hold stays", async () => {
  const bookingId = await heldBooking(12);
  const payload = paymentEvent("payment_intent.payment_failed", bookingId, {
    last_payment_error: { code: "card_declined", message: "Your card was declined." },
  });
  const { status, body } = await answer(await deliver(payload));
  assert.equal(status, 200);
  assert.equal(body.outcome.result.outcome, "recorded");
  assert.equal((await booking(bookingId)).status, "held");
  const [{ count }] = await db()`select count(*)::int from public.audit_log
                                 where entity_id = ${bookingId} and reason = 'Your card was declined.'`;
  assert.equal(count, 1);
});

dbTest("an event for no booking, or another type, is acknowledged and ignored", async () => {
  for (
    const payload of [
      paymentEvent("payment_intent.succeeded", null),
      paymentEvent("payment_intent.succeeded", "not-a-uuid"),
      paymentEvent("charge.refunded", crypto.randomUUID()),
    ]
  ) {
    const { status, body } = await answer(await deliver(payload));
    assert.equal(status, 200);
    assert.equal(body.outcome.status, "ignored");
  }
});

dbTest("a payment for an unknown booking is recorded as rejected with its contract code", async () => {
  const { status, body } = await answer(await deliver(paymentEvent("payment_intent.succeeded", crypto.randomUUID())));
  assert.equal(status, 200);
  assert.equal(body.outcome.status, "rejected");
  assert.equal(body.outcome.code, "INVALID_INPUT");
});

dbTest("a bad, stale or missing signature is 401 and changes nothing", async () => {
  const bookingId = await heldBooking(16);
  const payload = paymentEvent("payment_intent.succeeded", bookingId);
  const now = Math.floor(Date.now() / 1000);
  await assertChangesNothing(async () => {
    for (
      const signature of [
        stripeSignature(payload, { secret: "whsec_wrong" }),
        // a minute beyond the 300 s tolerance either way: the handler reads its own clock later,
        // so a signature one second outside it at `now` was inside it a second on (a CI flake)
        stripeSignature(payload, { at: now - 360 }),
        stripeSignature(payload, { at: now + 360 }),
        stripeSignature(payload.replace('"amount":5000', '"amount":1')),
        `t=${now},v1=${stripeV1(payload.replace("5000", "1"), now)}`,
        `t=${now},v0=${stripeV1(payload, now)}`,
        `v1=${stripeV1(payload, now)}`,
        "garbage",
      ]
    ) {
      await assertError(await deliver(payload, signature), 401, "NOT_AUTHORIZED");
    }
    const unsigned = await call(handler, "POST", "/stripe-webhook", { body: payload });
    await assertError(unsigned, 401, "NOT_AUTHORIZED");
  });
  assert.equal((await booking(bookingId)).status, "held");
});

Deno.test("a signature verifies up to the tolerance either side of its receipt, and not a second beyond", async () => {
  const payload = paymentEvent("charge.succeeded", null);
  const now = 1_800_000_000; // the receiver's clock, fixed: no race with the wall clock
  const verify = (at: number) =>
    verifyStripeSignature(payload, stripeSignature(payload, { at }), [STRIPE_SECRET], DEFAULT_TOLERANCE_SECONDS, now);
  for (const at of [now - DEFAULT_TOLERANCE_SECONDS, now, now + DEFAULT_TOLERANCE_SECONDS]) await verify(at);
  for (const at of [now - DEFAULT_TOLERANCE_SECONDS - 1, now + DEFAULT_TOLERANCE_SECONDS + 1]) {
    await assert.rejects(verify(at), (error) => error instanceof ApiError && error.code === "NOT_AUTHORIZED");
  }
});

dbTest("any one of several v1 signatures may match, and a rolled secret still verifies", async () => {
  const payload = paymentEvent("charge.succeeded", null);
  const t = Math.floor(Date.now() / 1000);
  const header = `t=${t},v1=${stripeV1(payload, t, "whsec_old")},v1=${stripeV1(payload, t)}`;
  assert.equal((await deliver(payload, header)).status, 200);
  Deno.env.set("STRIPE_WEBHOOK_SECRET", `whsec_next, ${STRIPE_SECRET}`);
  try {
    const next = paymentEvent("charge.succeeded", null);
    assert.equal((await deliver(next, stripeSignature(next, { secret: "whsec_next" }))).status, 200);
  } finally {
    Deno.env.set("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET);
  }
});

dbTest("a signed but malformed body is 422 and changes nothing", async () => {
  await assertChangesNothing(async () => {
    for (
      const payload of [
        "{not json",
        "[]",
        JSON.stringify({ id: "evt_1", type: "payment_intent.succeeded" }),
        JSON.stringify({ id: "not-an-event", type: "payment_intent.succeeded", data: { object: {} } }),
        JSON.stringify({ id: 7, type: "payment_intent.succeeded", data: { object: {} } }),
        JSON.stringify({ id: "evt_nul", type: "x\u0000", data: { object: {} } }),
      ]
    ) {
      await assertError(await deliver(payload), 422, "INVALID_INPUT");
    }
  });
});

dbTest("a wrong method is 405 and changes nothing", async () => {
  await assertChangesNothing(async () => {
    const response = await call(handler, "GET", "/stripe-webhook");
    assert.equal(response.headers.get("Allow"), "POST, OPTIONS");
    await assertError(response, 405, "INVALID_INPUT");
  });
});

dbTest("webhooks are verified with Stripe's own library: its test header verifies, a forged one does not", async () => {
  const payload = paymentEvent("charge.succeeded", null);
  const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: STRIPE_SECRET });
  assert.equal((await deliver(payload, header)).status, 200);
  const forged = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: "whsec_forged" });
  await assertError(await deliver(paymentEvent("charge.succeeded", null), forged), 401, "NOT_AUTHORIZED");
});

closePools();
