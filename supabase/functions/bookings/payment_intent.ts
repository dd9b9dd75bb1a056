// POST /bookings/:bookingId/payment-intent: the booking's one Stripe PaymentIntent, created or
// returned. The database says what to charge (private.payment_intent_request, as the caller:
// the guest or host and above; amount and currency from the booking and venue) and binds the
// PaymentIntent to the booking (private.bind_payment_intent: one PaymentIntent pays one booking,
// and the webhook refuses it for any other). Stripe is asked in between with one idempotency key
// per booking, so concurrent or repeated requests get the same PaymentIntent; one whose amount
// the booking no longer matches (its deposit changed) is updated while it is still unpaid.
import type Stripe from "stripe";
import type { Claims } from "../_shared/auth.ts";
import { asCaller } from "../_shared/db.ts";
import { json, requestId } from "../_shared/http.ts";
import { stripeClient, stripeUnavailable } from "../_shared/stripe.ts";

interface IntentRequest {
  booking_id: string;
  venue_id: string;
  club_id: string;
  reference: string;
  amount: number;
  currency: string;
  description: string;
  idempotency_key: string;
  payment_intent_id: string | null;
}

const UNPAID = ["requires_payment_method", "requires_confirmation", "requires_action"];

async function createOrFind(stripe: Stripe, r: IntentRequest): Promise<Stripe.PaymentIntent> {
  if (r.payment_intent_id === null) {
    return await stripe.paymentIntents.create({
      amount: r.amount,
      currency: r.currency,
      description: r.description,
      automatic_payment_methods: { enabled: true },
      metadata: { booking_id: r.booking_id, venue_id: r.venue_id, club_id: r.club_id, reference: r.reference },
    }, { idempotencyKey: r.idempotency_key });
  }
  const intent = await stripe.paymentIntents.retrieve(r.payment_intent_id);
  if (intent.amount !== r.amount && UNPAID.includes(intent.status)) {
    return await stripe.paymentIntents.update(intent.id, { amount: r.amount });
  }
  return intent;
}

export async function paymentIntent(req: Request, claims: Claims, bookingId: string): Promise<Response> {
  const id = requestId(req);
  const [{ request }] = await asCaller(
    claims,
    id,
    (tx) => tx`select private.payment_intent_request(${bookingId}::uuid) as request`,
  );
  const r = request as IntentRequest;
  let intent: Stripe.PaymentIntent;
  try {
    intent = await createOrFind(stripeClient(), r);
  } catch (error) {
    throw stripeUnavailable(error);
  }
  await asCaller(claims, id, (tx) => tx`select private.bind_payment_intent(${bookingId}::uuid, ${intent.id})`);
  return json(200, {
    payment_intent_id: intent.id,
    client_secret: intent.client_secret,
    amount: intent.amount,
    currency: intent.currency,
    status: intent.status,
    booking_id: r.booking_id,
  });
}
