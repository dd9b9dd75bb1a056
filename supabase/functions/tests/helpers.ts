// Test helpers: the seeded Leeds club, callers with signed JWTs, requests straight into the
// handlers, and a connection as postgres (BYPASSRLS) to look at the database (DATABASE_URL, set by
// `make test` to a migrated, seeded database of this suite's own).
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import * as jose from "jose";
import postgres from "postgres";
import { closeDatabase } from "../_shared/db.ts";

export const JWT_SECRET = "test-jwt-secret-with-at-least-32-characters!";
export const STRIPE_SECRET = "whsec_test_secret";
Deno.env.set("JWT_SECRET", JWT_SECRET);
Deno.env.set("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET);

export const CLUB_ID = "11111111-1111-4111-8111-111111111111";
export const VENUE_ID = "22222222-2222-4222-8222-222222222222";
export const table = (n: number) => `44444444-4444-4444-8444-4444444444${String(n).padStart(2, "0")}`;
const STAFF = { admin: 1, manager: 2, host: 3, door: 4 } as const;

let admin: postgres.Sql | null = null;

/** A connection as postgres (the schema owner, BYPASSRLS) to the database under test. */
export function db(): postgres.Sql {
  if (admin === null) {
    const url = Deno.env.get("DATABASE_URL");
    if (!url) throw new Error("DATABASE_URL must name the database under test");
    admin = postgres(url, { max: 2, onnotice: () => {} });
  }
  return admin;
}

/** A database test: sanitizers off because the handlers' pool outlives one test. */
export function dbTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}

/** Close both pools: the last test of each file. */
export function closePools(): void {
  dbTest("(close the database pools)", async () => {
    await closeDatabase();
    await admin?.end({ timeout: 5 });
    admin = null;
  });
}

/** A signed access token with these claims, valid for an hour unless `exp` says otherwise. */
export function token(claims: Record<string, unknown>, secret = JWT_SECRET): Promise<string> {
  return new jose.SignJWT({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}

/** The token of the seeded staff member with that role. */
export function staffToken(role: keyof typeof STAFF, aal = "aal1"): Promise<string> {
  const sub = `55555555-5555-4555-8555-55555555550${STAFF[role]}`;
  return token({ sub, role: "authenticated", aal, email: `${role}@backroom.example` });
}

/** A new adult Supabase Auth user and a token for them. */
export async function guest(name: string): Promise<{ id: string; token: string }> {
  const id = crypto.randomUUID();
  const email = `${name}-${id.slice(0, 8)}@guests.example`;
  const meta = { full_name: name, date_of_birth: "1995-06-15" };
  await db()`insert into auth.users (id, email, raw_user_meta_data) values (${id}, ${email}, ${db().json(meta)})`;
  return { id, token: await token({ sub: id, role: "authenticated", aal: "aal1", email, user_metadata: meta }) };
}

/** A Friday at least `weeks` weeks ahead (the venue opens Friday and Saturday), as YYYY-MM-DD. */
export function night(weeks: number): string {
  const day = new Date();
  day.setUTCDate(day.getUTCDate() + 7 * weeks);
  day.setUTCDate(day.getUTCDate() + ((5 - day.getUTCDay() + 7) % 7));
  return day.toISOString().slice(0, 10);
}

export interface Call {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Send a request straight into a handler. */
export function call(
  handler: (req: Request) => Promise<Response>,
  method: string,
  path: string,
  { token, body, headers = {} }: Call = {},
): Promise<Response> {
  const all: Record<string, string> = { ...headers };
  if (token) all.Authorization = `Bearer ${token}`;
  const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return handler(new Request(`http://127.0.0.1${path}`, { method, headers: all, body: text }));
}

/** A JSON answer body, read field by field in assertions (an assertion failure is the type error). */
// deno-lint-ignore no-explicit-any
export type Body = any;

/** The status and JSON body of an answer (null body for none). */
export async function answer(response: Response): Promise<{ status: number; body: Body }> {
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Assert an error answer: its status and contract code. */
export async function assertError(response: Response, status: number, code: string): Promise<Body> {
  const { status: got, body } = await answer(response);
  assert.equal(got, status, JSON.stringify(body));
  assert.equal(body.code, code);
  assert.equal(typeof body.message, "string");
  assert.ok("detail" in body);
  return body;
}

/** Row counts of everything a request could write: equal before and after means nothing changed. */
export async function footprint(): Promise<Record<string, number>> {
  const [row] = await db()`
    select (select count(*) from public.bookings)::int as bookings,
           (select count(*) from public.booking_tables)::int as claims,
           (select count(*) from public.audit_log)::int as audit,
           (select count(*) from public.customers)::int as customers,
           (select count(*) from private.api_idempotency_keys)::int as idempotency_keys,
           (select count(*) from private.stripe_events)::int as stripe_events,
           (select count(*) from private.channel_versions)::int as channels,
           (select coalesce(sum(version), 0) from private.channel_versions)::int as versions`;
  return { ...row };
}

/** Assert that running fn changes no row anywhere a request could write. */
export async function assertChangesNothing(fn: () => Promise<void>): Promise<void> {
  const before = await footprint();
  await fn();
  assert.deepEqual(await footprint(), before);
}

/** A v1 signature of a payload at a time, computed as Stripe does (node:crypto, not our code). */
export function stripeV1(payload: string, t: number, secret = STRIPE_SECRET): string {
  return createHmac("sha256", secret).update(`${t}.${payload}`).digest("hex");
}

/** A Stripe-Signature header for a payload signed now (or `at`, in Unix seconds). */
export function stripeSignature(payload: string, { secret = STRIPE_SECRET, at = Date.now() / 1000 } = {}): string {
  const t = Math.floor(at);
  return `t=${t},v1=${stripeV1(payload, t, secret)}`;
}

/** A booking's status and payment reference, read as postgres. */
export async function booking(id: string): Promise<{ status: string; payment_reference: string | null }> {
  const [row] = await db()`select status, payment_reference from public.bookings where id = ${id}`;
  return row as { status: string; payment_reference: string | null };
}
