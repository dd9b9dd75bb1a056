// The database: one small pool per isolate, straight to Postgres (SUPABASE_DB_URL on
// Supabase, DATABASE_URL locally). Every call runs in one transaction that first becomes the
// caller exactly as PostgREST does (transaction-local role and request.jwt.claims), so the
// RPCs, grants and RLS see the same caller they would see through /rpc. JSON goes in as text
// cast to jsonb (`${text}::text::jsonb`): a bare jsonb parameter would be encoded twice.
import postgres from "postgres";
import { ERROR_STATUS, isErrorCode } from "./error_codes.ts";
import { ApiError } from "./http.ts";
import type { Claims } from "./auth.ts";

export type Tx = postgres.TransactionSql;

let pool: postgres.Sql | null = null;

function database(): postgres.Sql {
  if (pool === null) {
    const url = Deno.env.get("SUPABASE_DB_URL") ?? Deno.env.get("DATABASE_URL");
    if (!url) throw new Error("no database: set SUPABASE_DB_URL or DATABASE_URL");
    // prepare: false so the pool also works through Supavisor's transaction mode.
    pool = postgres(url, { max: 4, idle_timeout: 20, prepare: false, onnotice: () => {} });
  }
  return pool;
}

/** Close the pool (tests; a served function keeps it for its isolate's life). */
export async function closeDatabase(): Promise<void> {
  const open = pool;
  pool = null;
  await open?.end({ timeout: 5 });
}

// Supabase gives the API roles an 8 s statement_timeout at login; SET ROLE does not apply it,
// so the transaction sets it (CLUBBOOKING_STATEMENT_TIMEOUT overrides): a request stuck behind
// a lock answers 503 rather than hanging.
const statementTimeout = () => Deno.env.get("CLUBBOOKING_STATEMENT_TIMEOUT") ?? "8s";

/**
 * Run fn in one transaction as the caller; database errors become contract errors. The
 * request id goes where PostgREST puts request headers, so audit rows name the request.
 */
export async function asCaller<T>(claims: Claims, requestId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await runAs(claims, requestId, fn);
  } catch (error) {
    throw contractError(error, claims.role === "anon");
  }
}

/** Run fn in one transaction as the caller, database errors as they are (the local PostgREST). */
export async function runAs<T>(claims: Claims, requestId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return await database().begin(async (tx) => {
    await tx`select set_config('role', ${claims.role}, true),
                    set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                    set_config('request.headers', ${JSON.stringify({ "x-request-id": requestId })}, true),
                    set_config('statement_timeout', ${statementTimeout()}, true)`;
    return await fn(tx);
  }) as T;
}

/** Run fn in one transaction as the server's own database role (the local stand-ins only). */
export async function asOwner<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return await database().begin(fn) as T;
}

/** Run fn as service_role (the trusted back office: the Stripe webhook). */
export function asService<T>(requestId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return asCaller({ role: "service_role" }, requestId, fn);
}

function parseDetail(detail: string | undefined): unknown {
  if (!detail) return null;
  if (detail.startsWith("{") || detail.startsWith("[")) {
    try {
      return JSON.parse(detail);
    } catch {
      // not JSON after all: a human sentence
    }
  }
  return detail;
}

/**
 * A database error as a contract error. The contract's errors carry the HTTP status in their
 * SQLSTATE (PTxyz) and the code in MESSAGE; DETAIL is for humans, or JSON with data.
 * Errors outside the contract that bad input could still cause map to the nearest code;
 * a timeout, serialization failure or deadlock is 503 (retry); anything else stays an
 * internal error. As PostgREST does, a missing privilege is 401 for anon (sign in first) and
 * 403 for everyone else.
 */
export function contractError(error: unknown, anonymous: boolean): unknown {
  if (!(error instanceof postgres.PostgresError)) return error;
  const state = error.code;
  const detail = parseDetail(error.detail);
  const ptStatus = state.match(/^PT(\d{3})$/)?.[1];
  if (ptStatus && isErrorCode(error.message)) {
    const message = typeof detail === "string" ? detail : error.message.toLowerCase().replaceAll("_", " ");
    return new ApiError(Number(ptStatus), error.message, message, detail);
  }
  if (state.startsWith("22")) {
    return new ApiError(ERROR_STATUS.INVALID_INPUT, "INVALID_INPUT", "malformed input", error.message);
  }
  if (state === "42501") {
    const status = anonymous ? 401 : ERROR_STATUS.NOT_AUTHORIZED;
    return new ApiError(status, "NOT_AUTHORIZED", anonymous ? "sign in first" : "not allowed", null);
  }
  if (state === "23P01") {
    return new ApiError(ERROR_STATUS.SECTION_NOT_AVAILABLE, "SECTION_NOT_AVAILABLE", "the table was taken", null);
  }
  if (["57014", "40001", "40P01"].includes(state)) {
    return new ApiError(503, "INTERNAL_ERROR", "busy: retry shortly", state, { "Retry-After": "1" });
  }
  return error;
}
