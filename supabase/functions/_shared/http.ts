// HTTP plumbing shared by the Edge Functions: JSON answers, the error body
// {code, message, detail}, CORS, method checks and body parsing. The codes and their statuses come
// from error_codes.ts, generated from the database's private.error_codes (`make types`).
import { ERROR_STATUS, type ErrorCode } from "./error_codes.ts";

/** An answer that is an error of the contract: `code` is one of the contract's codes. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | "INTERNAL_ERROR",
    message: string,
    readonly detail: unknown = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const corsHeaders: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers":
    "authorization, x-client-info, apikey, content-type, idempotency-key, if-none-match, x-request-id",
  "Access-Control-Expose-Headers": "etag, idempotent-replayed, x-request-id",
};

/** A JSON answer (with CORS headers). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...corsHeaders, ...headers },
  });
}

/** The answer for an error: ApiError as is; anything else is logged and becomes a 500. */
export function errorResponse(error: unknown): Response {
  if (error instanceof ApiError) {
    return json(error.status, { code: error.code, message: error.message, detail: error.detail }, error.headers);
  }
  console.error("internal error", error);
  return json(500, { code: "INTERNAL_ERROR", message: "internal error", detail: null });
}

/** Answer CORS preflights; refuse methods the route does not have with 405 and Allow. */
export function checkMethod(req: Request, allowed: string[]): Response | null {
  if (req.method === "OPTIONS") {
    return new Response(null, {
      status: 204,
      headers: { ...corsHeaders, "Access-Control-Allow-Methods": allowed.join(", ") },
    });
  }
  if (!allowed.includes(req.method)) {
    throw new ApiError(405, "INVALID_INPUT", `method ${req.method} not allowed`, { allowed }, {
      Allow: [...allowed, "OPTIONS"].join(", "),
    });
  }
  return null;
}

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The request's id: its X-Request-Id (set by `handle` when the client sent none). */
export function requestId(req: Request): string {
  return req.headers.get("X-Request-Id") ?? "";
}

/**
 * Serve a handler: give the request an id (the client's X-Request-Id, else a new UUID) that
 * the audit log records and the answer echoes, and turn thrown errors into contract answers.
 */
export function handle(fn: (req: Request) => Promise<Response>): (req: Request) => Promise<Response> {
  return async (req) => {
    let id = req.headers.get("X-Request-Id");
    if (id === null || !REQUEST_ID.test(id)) {
      id = crypto.randomUUID();
      const headers = new Headers(req.headers);
      headers.set("X-Request-Id", id);
      req = new Request(req, { headers });
    }
    let response: Response;
    try {
      response = await fn(req);
    } catch (error) {
      response = errorResponse(error);
    }
    response.headers.set("X-Request-Id", id);
    return response;
  };
}

const MAX_BODY_BYTES = 64 * 1024;

/** The request body as text, refusing bodies too large to be a booking request or an event. */
export async function readText(req: Request, maxBytes = MAX_BODY_BYTES): Promise<string> {
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > maxBytes) {
    throw new ApiError(413, "INVALID_INPUT", `the body is larger than ${maxBytes} bytes`);
  }
  return new TextDecoder().decode(bytes);
}

/** A JSON object from text (an empty body is {}), else INVALID_INPUT. */
export function parseObject(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid("the body is not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalid("the body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** INVALID_INPUT (its status, 422, or 404 for an unknown resource). */
export function invalid(message: string, status: number = ERROR_STATUS.INVALID_INPUT): ApiError {
  return new ApiError(status, "INVALID_INPUT", message);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a value is a UUID in its text form. */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** A calendar date YYYY-MM-DD that exists (2026-02-30 does not), else INVALID_INPUT. */
export function parseDate(value: string | null, name: string): string {
  const match = value?.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  const day = match ? new Date(Date.UTC(+match[1], +match[2] - 1, +match[3])) : null;
  if (!match || !day || day.toISOString().slice(0, 10) !== value) {
    throw invalid(`${name} must be a date YYYY-MM-DD`);
  }
  return value as string;
}
