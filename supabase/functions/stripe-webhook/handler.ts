// POST /stripe-webhook: Stripe's events about deposits. The signature is checked over the raw
// body first (401 if it fails: nothing is read or written); then the event goes, as
// service_role, to private.handle_stripe_event, which applies payment_intent.succeeded /
// payment_intent.payment_failed to the booking named by metadata.booking_id exactly once per
// event id. A repeat answers 200 with the first outcome. Only a fault of ours answers 5xx, so
// Stripe retries exactly the deliveries that did nothing.
import { asService } from "../_shared/db.ts";
import { checkMethod, handle, invalid, json, parseObject, readText } from "../_shared/http.ts";
import { DEFAULT_TOLERANCE_SECONDS, verifyStripeSignature } from "../_shared/stripe.ts";

/** The endpoint's signing secrets: STRIPE_WEBHOOK_SECRET, comma-separated while one rolls. */
function signingSecrets(): string[] {
  const secrets = (Deno.env.get("STRIPE_WEBHOOK_SECRET") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (secrets.length === 0) throw new Error("STRIPE_WEBHOOK_SECRET is not set");
  return secrets;
}

function tolerance(): number {
  const seconds = Number(Deno.env.get("STRIPE_WEBHOOK_TOLERANCE_SECONDS") ?? DEFAULT_TOLERANCE_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TOLERANCE_SECONDS;
}

export const handler = handle(async (req) => {
  const preflight = checkMethod(req, ["POST"]);
  if (preflight) return preflight;
  const payload = await readText(req, 512 * 1024);
  await verifyStripeSignature(payload, req.headers.get("Stripe-Signature"), signingSecrets(), tolerance());
  const event = parseObject(payload);
  if (typeof event.id !== "string" || typeof event.type !== "string") {
    throw invalid("a Stripe event needs string id and type");
  }
  const [{ result }] = await asService(
    `stripe:${event.id}`,
    (tx) => tx`select private.handle_stripe_event(${payload}::text::jsonb) as result`,
  );
  return json(200, { received: true, ...result });
});
