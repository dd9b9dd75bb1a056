// POST /bookings/:id/payment-intent against the local stand-in of Stripe's API (STRIPE_API_BASE,
// started by scripts/test-edge-functions.sh): the booking's one PaymentIntent, amount and currency
// from the database, ids in its metadata, one idempotency key per booking; the guest pays it at
// "Stripe" and the signed payment_intent.succeeded event moves the booking on, while the same
// PaymentIntent aimed at another booking is refused.
import assert from "node:assert/strict";
import Stripe from "stripe";
import { handler as bookings } from "../bookings/handler.ts";
import { handler as webhook } from "../stripe-webhook/handler.ts";
import { stripeClient } from "../_shared/stripe.ts";
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
  staffToken,
  stripeSignature,
  table,
  token,
  VENUE_ID,
} from "./helpers.ts";

const NIGHT = night(6);

async function held(n: number, party = 4): Promise<{ id: string; token: string }> {
  const payer = await guest(`intent${n}`);
  const body = { venue_id: VENUE_ID, date: NIGHT, slot_id: "slot_23_30", table_ids: [table(n)], party_size: party };
  const { status, body: hold } = await answer(await call(bookings, "POST", "/bookings", { token: payer.token, body }));
  assert.equal(status, 201, JSON.stringify(hold));
  return { id: hold.booking_id, token: payer.token };
}

function intentFor(bookingId: string, token?: string): Promise<Response> {
  return call(bookings, "POST", `/bookings/${bookingId}/payment-intent`, { token });
}

/** Stripe's newest event of a type about a PaymentIntent, from the stand-in's GET /v1/events. */
async function stripeEvent(type: string, intentId: string): Promise<Stripe.Event> {
  const events = await stripeClient().events.list({ type, limit: 100 });
  const event = events.data.find((e) => (e.data.object as { id?: string }).id === intentId);
  assert.ok(event, `no ${type} event for ${intentId}`);
  return event;
}

function deliver(payload: string): Promise<Response> {
  return call(webhook, "POST", "/stripe-webhook", {
    body: payload,
    headers: { "Stripe-Signature": stripeSignature(payload) },
  });
}

dbTest("payment_intent_created_from_database: amount, currency and ids from the booking", async () => {
  const { id, token } = await held(1);
  const { status, body } = await answer(await intentFor(id, token));
  assert.equal(status, 200, JSON.stringify(body));
  assert.match(body.payment_intent_id, /^pi_/);
  assert.ok(body.client_secret.startsWith(`${body.payment_intent_id}_secret_`));
  assert.deepEqual([body.amount, body.currency, body.booking_id], [5000, "gbp", id]);
  const intent = await stripeClient().paymentIntents.retrieve(body.payment_intent_id);
  assert.deepEqual([intent.metadata.booking_id, intent.metadata.venue_id], [id, VENUE_ID]);
  const [row] = await db()`select payment_intent_id from public.bookings where id = ${id}`;
  assert.equal(row.payment_intent_id, body.payment_intent_id, "the PaymentIntent is bound to the booking");
});

dbTest("payment_intent_one_per_booking: repeated and concurrent requests get the same one", async () => {
  const { id, token } = await held(2);
  const answers = await Promise.all([1, 2, 3].map(async () => answer(await intentFor(id, token))));
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
  assert.equal(new Set(answers.map((a) => a.body.payment_intent_id)).size, 1);
  const again = await answer(await intentFor(id, token));
  assert.equal(again.body.payment_intent_id, answers[0].body.payment_intent_id);
  assert.equal(again.body.client_secret, answers[0].body.client_secret);
});

dbTest("a host may ask for a guest's booking; another guest's is an unknown booking, anon may not", async () => {
  const { id } = await held(7);
  const stranger = await guest("stranger");
  await assertChangesNothing(async () => {
    await assertError(await intentFor(id, stranger.token), 404, "INVALID_INPUT");
    await assertError(await intentFor(id), 401, "NOT_AUTHORIZED");
    await assertError(await intentFor(crypto.randomUUID(), stranger.token), 404, "INVALID_INPUT");
    await assertError(await intentFor("not-a-uuid", stranger.token), 404, "INVALID_INPUT");
    await assertError(
      await intentFor(id, await token({ sub: "x", role: "authenticated" }, "another-secret-of-32-characters!!")),
      401,
      "NOT_AUTHORIZED",
    );
  });
  const { status, body } = await answer(await intentFor(id, await staffToken("host")));
  assert.equal(status, 200, JSON.stringify(body));
});

dbTest("a booking with nothing due gets no PaymentIntent", async () => {
  const { id, token } = await held(9);
  await db()`update public.bookings set status = 'cancelled', status_reason = 'booking_cancelled' where id = ${id}`;
  await assertError(await intentFor(id, token), 409, "INVALID_TRANSITION");
});

dbTest("paid at Stripe: the signed payment_intent.succeeded event submits the booking", async () => {
  const { id, token } = await held(10);
  const { body } = await answer(await intentFor(id, token));
  await stripeClient().paymentIntents.confirm(body.payment_intent_id, { payment_method: "pm_card_visa" });
  const event = await stripeEvent("payment_intent.succeeded", body.payment_intent_id);
  const { status, body: outcome } = await answer(await deliver(JSON.stringify(event)));
  assert.equal(status, 200);
  assert.equal(outcome.outcome.result.outcome, "submitted");
  assert.deepEqual(await booking(id), { status: "pending_approval", payment_reference: body.payment_intent_id });
});

dbTest("refund_confirmed_by_webhook: the signed refund.updated settles a refund the worker sent", async () => {
  const { id, token } = await held(16);
  const { body } = await answer(await intentFor(id, token));
  await stripeClient().paymentIntents.confirm(body.payment_intent_id, { payment_method: "pm_card_visa" });
  await deliver(JSON.stringify(await stripeEvent("payment_intent.succeeded", body.payment_intent_id)));
  await call(bookings, "POST", `/bookings/${id}/cancel`, { token, body: { reason: "plans changed" } });
  await db()`select private.refund_deposit(${id}::uuid, 'cancelled in time')`; // as the back office
  // what the worker (clubbooking notify --stripe-key) does with the queued refund
  const [queued] = await db()`select * from private.claim_deposit_refunds(10) where booking_id = ${id}`;
  const refund = await stripeClient().refunds.create({
    payment_intent: queued.payment_intent_id,
    amount: Number(queued.amount),
    metadata: { booking_id: id },
  }, { idempotencyKey: queued.idempotency_key });
  await db()`select private.finish_deposit_refund(${id}::uuid, ${JSON.stringify(refund)}::text::jsonb)`;
  const events = await stripeClient().events.list({ type: "refund.updated", limit: 100 });
  const settled = events.data.find((e) => (e.data.object as Stripe.Refund).id === refund.id);
  const { status, body: outcome } = await answer(await deliver(JSON.stringify(settled)));
  assert.equal(status, 200);
  assert.equal(outcome.outcome.refund, "succeeded");
  const [row] = await db()`select refund_status from public.bookings where id = ${id}`;
  assert.equal(row.refund_status, "refunded");
});

dbTest("webhook_refuses_payment_intent_for_other_booking: a PaymentIntent pays only its own booking", async () => {
  const first = await held(11);
  const second = await held(12);
  const { body } = await answer(await intentFor(first.id, first.token));
  await stripeClient().paymentIntents.confirm(body.payment_intent_id, { payment_method: "pm_card_visa" });
  const event = await stripeEvent("payment_intent.succeeded", body.payment_intent_id);
  const forged = structuredClone(event) as Stripe.Event & { data: { object: Stripe.PaymentIntent } };
  forged.id = `evt_${crypto.randomUUID().replaceAll("-", "")}`;
  forged.data.object.metadata = { booking_id: second.id };
  const { status, body: outcome } = await answer(await deliver(JSON.stringify(forged)));
  assert.equal(status, 200);
  assert.equal(outcome.outcome.status, "rejected");
  assert.equal((await booking(second.id)).status, "held");
});

dbTest("Stripe unreachable: 503 to retry, and nothing bound", async () => {
  const { id, token } = await held(15, 3);
  const base = Deno.env.get("STRIPE_API_BASE");
  Deno.env.set("STRIPE_API_BASE", "http://127.0.0.1:9");
  try {
    const failed = await assertError(await intentFor(id, token), 503, "INTERNAL_ERROR");
    assert.equal(failed.detail, null);
  } finally {
    if (base) Deno.env.set("STRIPE_API_BASE", base);
  }
  const [row] = await db()`select payment_intent_id from public.bookings where id = ${id}`;
  assert.equal(row.payment_intent_id, null);
});

closePools();
