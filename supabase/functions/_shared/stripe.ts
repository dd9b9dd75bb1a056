// Stripe webhook signatures (https://docs.stripe.com/webhooks#verify-manually): the header
// `Stripe-Signature: t=<unix seconds>,v1=<hex>,v1=<hex>,...` signs `<t>.<raw body>` with
// HMAC-SHA256 under the endpoint's secret. Several v1 entries appear while a secret rolls;
// v0 (test mode's legacy scheme) is ignored. Web Crypto only, no Stripe SDK.
import { ApiError } from "./http.ts";

export const DEFAULT_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

function rejected(message: string): ApiError {
  return new ApiError(401, "NOT_AUTHORIZED", message);
}

/** HMAC-SHA256 of a message under a secret, as lowercase hex. */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Equality of two strings in time that depends only on their length. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ (y[i % Math.max(y.length, 1)] ?? 0);
  return diff === 0;
}

/** The timestamp and v1 signatures of a Stripe-Signature header. */
export function parseSignatureHeader(header: string | null): { timestamp: number; signatures: string[] } {
  if (!header) throw rejected("missing Stripe-Signature header");
  let timestamp = NaN;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [name, value] = part.trim().split("=", 2);
    if (name === "t" && /^\d{1,12}$/.test(value ?? "")) timestamp = Number(value);
    if (name === "v1" && value) signatures.push(value.toLowerCase());
  }
  if (Number.isNaN(timestamp) || signatures.length === 0) {
    throw rejected("Stripe-Signature needs a timestamp t and at least one v1 signature");
  }
  return { timestamp, signatures };
}

/**
 * Check that `payload` (the raw body) was signed by Stripe with one of `secrets` within
 * `toleranceSeconds` of `nowSeconds`; throws 401 NOT_AUTHORIZED otherwise. Every candidate
 * is compared in constant time, and all of them are compared.
 */
export async function verifyStripeSignature(
  payload: string,
  header: string | null,
  secrets: string[],
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<void> {
  const { timestamp, signatures } = parseSignatureHeader(header);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    throw rejected("the Stripe-Signature timestamp is outside the tolerance window");
  }
  let valid = false;
  for (const secret of secrets) {
    const expected = await hmacSha256Hex(secret, `${timestamp}.${payload}`);
    for (const signature of signatures) valid = constantTimeEqual(expected, signature) || valid;
  }
  if (!valid) throw rejected("no v1 signature matches the payload");
}
