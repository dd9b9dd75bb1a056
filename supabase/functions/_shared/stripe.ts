// Stripe webhook signatures, checked by Stripe's own library (npm `stripe`):
// `webhooks.constructEventAsync` with its SubtleCrypto provider, as Supabase's Stripe webhook
// example does (Web Crypto runs in Deno and in the Edge Runtime; the library's Node crypto
// does not). The header `t=<unix seconds>,v1=<hex>,...` signs `<t>.<raw body>`; several v1
// entries appear while a secret rolls, and several secrets may be configured meanwhile.
import Stripe from "stripe";
import { ApiError } from "./http.ts";

export const DEFAULT_TOLERANCE_SECONDS = 300;

const cryptoProvider = Stripe.createSubtleCryptoProvider();

function rejected(message: string): ApiError {
  return new ApiError(401, "NOT_AUTHORIZED", message);
}

/**
 * Check that `payload` (the raw body) was signed by Stripe with one of `secrets` within
 * `toleranceSeconds` of `nowSeconds`; throws 401 NOT_AUTHORIZED otherwise. A signed body that
 * is not JSON passes here: the caller refuses it as malformed (422), like any bad event.
 */
export async function verifyStripeSignature(
  payload: string,
  header: string | null,
  secrets: string[],
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<void> {
  if (!header) throw rejected("missing Stripe-Signature header");
  // Stripe's library refuses signatures older than the tolerance; one dated further ahead than
  // that (a clock far off, or a replay prepared in advance) is refused too.
  const signedAt = Number(/(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(header)?.[1]);
  if (signedAt > nowSeconds + toleranceSeconds) throw rejected("the Stripe-Signature timestamp is in the future");
  for (const secret of secrets) {
    try {
      const receivedAtMs = nowSeconds * 1000;
      await Stripe.webhooks.constructEventAsync(
        payload,
        header,
        secret,
        toleranceSeconds,
        cryptoProvider,
        receivedAtMs,
      );
      return;
    } catch (error) {
      if (error instanceof SyntaxError) return; // verified; JSON.parse of the body failed after it
      if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) throw error;
    }
  }
  throw rejected("no v1 signature of the Stripe-Signature header matches the payload in the tolerance window");
}

let client: { key: string; api: string; stripe: Stripe } | null = null;

/**
 * The Stripe API client (npm `stripe` over fetch, as the Edge Runtime needs): the secret key
 * STRIPE_SECRET_KEY, and Stripe's address from STRIPE_API_BASE when set (a local stand-in, e.g.
 * http://127.0.0.1:12111, through the library's host, port and protocol settings).
 */
export function stripeClient(): Stripe {
  const key = Deno.env.get("STRIPE_SECRET_KEY") ?? "";
  const api = Deno.env.get("STRIPE_API_BASE") ?? "";
  if (!key) throw new Error("STRIPE_SECRET_KEY is not set");
  if (client === null || client.key !== key || client.api !== api) {
    const base = api ? new URL(api) : null;
    const stripe = new Stripe(key, {
      httpClient: Stripe.createFetchHttpClient(),
      maxNetworkRetries: 2,
      timeout: 10_000,
      ...(base
        ? {
          host: base.hostname,
          port: base.port || (base.protocol === "http:" ? 80 : 443),
          protocol: base.protocol === "http:" ? "http" as const : "https" as const,
        }
        : {}),
    });
    client = { key, api, stripe };
  }
  return client.stripe;
}

/** A failed call to Stripe as an answer: 503 to retry (Stripe or the network), never Stripe's own words. */
export function stripeUnavailable(error: unknown): ApiError {
  if (error instanceof Stripe.errors.StripeError) {
    console.error("stripe", error.type, error.code, error.message);
    return new ApiError(503, "INTERNAL_ERROR", "the payment provider did not answer: retry shortly", null, {
      "Retry-After": "2",
    });
  }
  throw error;
}
