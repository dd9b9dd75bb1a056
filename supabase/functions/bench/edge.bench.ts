// Latency of the three functions, handler to database and back (no HTTP socket): run with
// `deno bench --allow-env --allow-net --allow-read bench/` and DATABASE_URL naming a migrated,
// seeded database you don't mind writing to (it books and cancels, and records events).
import { handler as availability } from "../availability/handler.ts";
import { handler as bookings } from "../bookings/handler.ts";
import { handler as stripeWebhook } from "../stripe-webhook/handler.ts";
import { call, CLUB_ID, guest, night, stripeSignature, table, VENUE_ID } from "../tests/helpers.ts";

const NIGHT = night(8);
const snapshot = `/availability/v1/clubs/${CLUB_ID}/venues/${VENUE_ID}/availability?date=${NIGHT}&slotId=slot_21_00`;
const etag = (await call(availability, "GET", snapshot)).headers.get("ETag")!;
const { token } = await guest("bench");
const options = { n: 300, warmup: 30 };

Deno.bench("availability: snapshot (anon, 200)", options, async () => {
  await (await call(availability, "GET", snapshot)).arrayBuffer();
});

Deno.bench("availability: If-None-Match (304)", options, async () => {
  await call(availability, "GET", snapshot, { headers: { "If-None-Match": etag } });
});

Deno.bench("bookings: hold then cancel (two requests)", options, async () => {
  const body = { venue_id: VENUE_ID, date: NIGHT, slot_id: "slot_23_30", table_ids: [table(7)], party_size: 2 };
  const held = await call(bookings, "POST", "/bookings", { token, body });
  const { booking_id } = await held.json();
  const cancelled = await call(bookings, "POST", `/bookings/${booking_id}/cancel`, { token, body: {} });
  await cancelled.arrayBuffer();
  if (held.status !== 201 || cancelled.status !== 200) throw new Error(`${held.status} ${cancelled.status}`);
});

Deno.bench("stripe-webhook: signed event, verified and recorded once", options, async () => {
  const payload = JSON.stringify({
    id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
    type: "charge.succeeded",
    data: { object: { id: "ch_bench", object: "charge" } },
  });
  const headers = { "Stripe-Signature": stripeSignature(payload) };
  const response = await call(stripeWebhook, "POST", "/stripe-webhook", { body: payload, headers });
  if ((await response.json()).duplicate !== false) throw new Error(`not recorded: ${response.status}`);
});
