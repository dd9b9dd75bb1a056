// POST /bookings                     hold tables      -> public.hold_tables     (201)
// POST /bookings/:bookingId/submit   held -> request  -> public.submit_booking  (200)
// POST /bookings/:bookingId/cancel   cancel           -> public.cancel_booking  (200)
// POST /bookings/:bookingId/payment-intent  the booking's Stripe PaymentIntent (payment_intent.ts)
// Each runs the RPC as the caller, honours Idempotency-Key, and answers contract errors as
// {code, message, detail} with the status their SQLSTATE carries. This file only checks the
// shape of the body (types); every booking rule is the RPC's.
import { authenticate } from "../_shared/auth.ts";
import type { Tx } from "../_shared/db.ts";
import { checkMethod, handle, invalid, isUuid, parseDate, parseObject, readText } from "../_shared/http.ts";
import { idempotentCall, type Outcome } from "../_shared/idempotency.ts";
import { paymentIntent } from "./payment_intent.ts";

const ROUTE = /\/bookings(?:\/([^/]+)\/(submit|cancel|payment-intent))?\/?$/;
const INT32_MAX = 2 ** 31 - 1;

type Body = Record<string, unknown>;

function optionalText(body: Body, name: string): string | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw invalid(`${name} must be a string`);
  return value;
}

function requiredText(body: Body, name: string): string {
  const value = optionalText(body, name);
  if (value === null || value === "") throw invalid(`${name} is required`);
  return value;
}

function uuidField(body: Body, name: string, required: boolean): string | null {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw invalid(`${name} is required`);
    return null;
  }
  if (!isUuid(value)) throw invalid(`${name} must be a UUID`);
  return value;
}

/** The hold request's fields, type-checked; null for absent optional fields. */
function holdRequest(body: Body) {
  const tableIds = body.table_ids;
  if (!Array.isArray(tableIds) || tableIds.length === 0 || tableIds.length > 64 || !tableIds.every(isUuid)) {
    throw invalid("table_ids must be a non-empty array of table UUIDs");
  }
  const partySize = body.party_size;
  if (typeof partySize !== "number" || !Number.isInteger(partySize) || Math.abs(partySize) > INT32_MAX) {
    throw invalid("party_size must be an integer");
  }
  return {
    venueId: uuidField(body, "venue_id", true),
    date: parseDate(typeof body.date === "string" ? body.date : null, "date"),
    slotId: requiredText(body, "slot_id"),
    tableIds: `{${tableIds.join(",")}}`,
    partySize,
    specialRequests: optionalText(body, "special_requests"),
    occasion: optionalText(body, "occasion"),
    promoterCode: optionalText(body, "promoter_code"),
    customerId: uuidField(body, "customer_id", false),
  };
}

async function hold(tx: Tx, body: Body, key: string | null): Promise<Outcome> {
  const r = holdRequest(body);
  const [{ result }] = await tx`
    select public.hold_tables(${r.venueId}::uuid, ${r.date}::date, ${r.slotId}, ${r.tableIds}::uuid[],
                              ${r.partySize}::int, ${key}, ${r.specialRequests}, ${r.occasion},
                              ${r.promoterCode}, ${r.customerId}::uuid) as result`;
  return { status: 201, body: result };
}

async function submit(tx: Tx, bookingId: string, body: Body): Promise<Outcome> {
  const [{ result }] = await tx`
    select public.submit_booking(${bookingId}::uuid, ${optionalText(body, "payment_reference")}) as result`;
  return { status: 200, body: result };
}

async function cancel(tx: Tx, bookingId: string, body: Body): Promise<Outcome> {
  const [{ result }] = await tx`
    select public.cancel_booking(${bookingId}::uuid, ${optionalText(body, "reason")}) as result`;
  return { status: 200, body: result };
}

export const handler = handle(async (req) => {
  const preflight = checkMethod(req, ["POST"]);
  if (preflight) return preflight;
  const route = new URL(req.url).pathname.match(ROUTE);
  if (!route) {
    throw invalid("no such route: POST /bookings, /bookings/:id/submit, /cancel or /payment-intent", 404);
  }
  const [, bookingId, action] = route;
  if (bookingId !== undefined && !isUuid(bookingId)) throw invalid("unknown booking", 404);
  const claims = await authenticate(req);
  // One PaymentIntent per booking: a repeat returns it, so this route needs no Idempotency-Key.
  if (action === "payment-intent") return paymentIntent(req, claims, bookingId);
  const body = parseObject(await readText(req));
  const key = req.headers.get("Idempotency-Key");
  if (action === undefined) {
    return idempotentCall(req, claims, "hold", body, (tx) => hold(tx, body, key));
  }
  const run = action === "submit" ? submit : cancel;
  return idempotentCall(req, claims, `${action} ${bookingId}`, body, (tx) => run(tx, bookingId, body));
});
