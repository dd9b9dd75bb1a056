// The contract's errors as exceptions: one class per code, all under BookingError. Through
// PostgREST an RPC's error arrives as {code: "PTxyz", message: CODE, details, hint} with HTTP
// status xyz; `details` is a sentence, or JSON where the code carries data
// (SECTION_NOT_AVAILABLE: {reason, alternatives}).
import type { Alternative } from "./results.ts";

/** The contract's error codes (README "Errors"); tests/contract.test.ts checks the database's list. */
export const ERROR_CODES = [
  "SECTION_NOT_AVAILABLE",
  "TABLE_NOT_FOUND",
  "CAPACITY_MISMATCH",
  "INVALID_PARTY_SIZE",
  "DATE_OUT_OF_RANGE",
  "OUTSIDE_OPERATING_HOURS",
  "UNDERAGE",
  "MAX_TABLES_EXCEEDED",
  "HOLD_EXPIRED",
  "INVALID_TRANSITION",
  "NOT_AUTHORIZED",
  "MFA_REQUIRED",
  "INVALID_INPUT",
] as const;
export type ErrorCode = typeof ERROR_CODES[number];

/** PostgREST's error body, as supabase-js hands it over. */
export interface PostgrestErrorLike {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

/** An error of the contract (or, with code INTERNAL_ERROR, anything else the server said). */
export class BookingError extends Error {
  override name = "BookingError";
  constructor(
    readonly code: ErrorCode | "INTERNAL_ERROR",
    message: string,
    /** HTTP status (401, 403, 404, 409, 422; 500 for an internal error). */
    readonly status: number,
    /** DETAIL parsed: JSON data where the code carries it, else the sentence (or null). */
    readonly data: unknown,
  ) {
    super(message);
  }
}

export class SectionNotAvailable extends BookingError {
  override name = "SectionNotAvailable";
  /** Free tables or combinations for the same party, nearest slot first. */
  get alternatives(): Alternative[] {
    const data = this.data as { alternatives?: Alternative[] } | null;
    return data?.alternatives ?? [];
  }
}
export class TableNotFound extends BookingError {
  override name = "TableNotFound";
}
export class CapacityMismatch extends BookingError {
  override name = "CapacityMismatch";
}
export class InvalidPartySize extends BookingError {
  override name = "InvalidPartySize";
}
export class DateOutOfRange extends BookingError {
  override name = "DateOutOfRange";
}
export class OutsideOperatingHours extends BookingError {
  override name = "OutsideOperatingHours";
}
export class Underage extends BookingError {
  override name = "Underage";
}
export class MaxTablesExceeded extends BookingError {
  override name = "MaxTablesExceeded";
}
export class HoldExpired extends BookingError {
  override name = "HoldExpired";
}
export class InvalidTransition extends BookingError {
  override name = "InvalidTransition";
}
export class NotAuthorized extends BookingError {
  override name = "NotAuthorized";
}
export class MfaRequired extends BookingError {
  override name = "MfaRequired";
}
export class InvalidInput extends BookingError {
  override name = "InvalidInput";
}

type ErrorClass = new (code: ErrorCode, message: string, status: number, data: unknown) => BookingError;

/** The exception class of each code. */
export const ERROR_CLASSES: Record<ErrorCode, ErrorClass> = {
  SECTION_NOT_AVAILABLE: SectionNotAvailable,
  TABLE_NOT_FOUND: TableNotFound,
  CAPACITY_MISMATCH: CapacityMismatch,
  INVALID_PARTY_SIZE: InvalidPartySize,
  DATE_OUT_OF_RANGE: DateOutOfRange,
  OUTSIDE_OPERATING_HOURS: OutsideOperatingHours,
  UNDERAGE: Underage,
  MAX_TABLES_EXCEEDED: MaxTablesExceeded,
  HOLD_EXPIRED: HoldExpired,
  INVALID_TRANSITION: InvalidTransition,
  NOT_AUTHORIZED: NotAuthorized,
  MFA_REQUIRED: MfaRequired,
  INVALID_INPUT: InvalidInput,
};

function parseDetails(details: string | null): unknown {
  if (!details) return null;
  if (details.startsWith("{") || details.startsWith("[")) {
    try {
      return JSON.parse(details);
    } catch {
      // a sentence that happens to start with a bracket
    }
  }
  return details;
}

const isErrorCode = (value: string): value is ErrorCode => (ERROR_CODES as readonly string[]).includes(value);

/**
 * A PostgREST error as a contract exception. The status comes from the PTxyz SQLSTATE (what
 * PostgREST answered with), else from `httpStatus`; PostgREST's own errors (42501 no privilege, 23P01 the exclusion
 * constraint, 22xxx bad input) map to the nearest code, as the Edge Functions do.
 */
export function toBookingError(error: PostgrestErrorLike, httpStatus?: number): BookingError {
  const data = parseDetails(error.details);
  const status = Number(error.code.match(/^PT(\d{3})$/)?.[1] ?? 0);
  if (status && isErrorCode(error.message)) {
    return new ERROR_CLASSES[error.message](
      error.message,
      typeof data === "string" ? data : error.message,
      status,
      data,
    );
  }
  // PostgREST answers a missing privilege with 401 for anon (sign in first), 403 for the rest
  if (error.code === "42501") return new NotAuthorized("NOT_AUTHORIZED", error.message, httpStatus ?? 403, data);
  if (error.code === "23P01") return new SectionNotAvailable("SECTION_NOT_AVAILABLE", "the table was taken", 409, data);
  if (error.code.startsWith("22")) return new InvalidInput("INVALID_INPUT", error.message, 422, data);
  return new BookingError("INTERNAL_ERROR", error.message, 500, { code: error.code, details: data, hint: error.hint });
}
