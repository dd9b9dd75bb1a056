// The contract's errors as exceptions: one class per code, all under BookingError. Through
// PostgREST an RPC's error arrives as {code: "PTxyz", message: CODE, details, hint} with HTTP
// status xyz; `details` is a sentence, or JSON where the code carries data
// (SECTION_NOT_AVAILABLE: {reason, alternatives}).
// The codes, their statuses and the classes' names come from error_codes.ts, generated from the
// database's private.error_codes (`make types`); ERROR_CLASSES only type-checks while each class
// bears the name the table gives its code.
import type { Alternative } from "./results.ts";
import { ERROR_TABLE, type ErrorCode, isErrorCode } from "./error_codes.ts";
import { type Audience, isConnectionFailure, NO_CONNECTION, sentenceFor, UNEXPECTED } from "./words.ts";

export { ERROR_CODES, type ErrorCode } from "./error_codes.ts";

/** PostgREST's error body, as supabase-js hands it over. */
export interface PostgrestErrorLike {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

/** An error of the contract (or, with code INTERNAL_ERROR, anything else the server said). */
export class BookingError extends Error {
  override name: string = "BookingError";
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

  /** The error in words for a host or a guest (words.ts), never a code: what a screen shows. */
  say(audience: Audience = "guest"): string {
    if (this.code !== "INTERNAL_ERROR") return sentenceFor(this.code, audience, this.message);
    return isConnectionFailure(this.message) ? NO_CONNECTION : UNEXPECTED;
  }
}

export class SectionNotAvailable extends BookingError {
  override readonly name = "SectionNotAvailable";
  /** Free tables or combinations for the same party, nearest slot first. */
  get alternatives(): Alternative[] {
    const data = this.data as { alternatives?: Alternative[] } | null;
    return data?.alternatives ?? [];
  }
}
export class TableNotFound extends BookingError {
  override readonly name = "TableNotFound";
}
export class CapacityMismatch extends BookingError {
  override readonly name = "CapacityMismatch";
}
export class InvalidPartySize extends BookingError {
  override readonly name = "InvalidPartySize";
}
export class DateOutOfRange extends BookingError {
  override readonly name = "DateOutOfRange";
}
export class OutsideOperatingHours extends BookingError {
  override readonly name = "OutsideOperatingHours";
}
export class Underage extends BookingError {
  override readonly name = "Underage";
}
export class MaxTablesExceeded extends BookingError {
  override readonly name = "MaxTablesExceeded";
}
export class HoldExpired extends BookingError {
  override readonly name = "HoldExpired";
}
export class InvalidTransition extends BookingError {
  override readonly name = "InvalidTransition";
}
export class NotAuthorized extends BookingError {
  override readonly name = "NotAuthorized";
}
export class MfaRequired extends BookingError {
  override readonly name = "MfaRequired";
}
export class InvalidInput extends BookingError {
  override readonly name = "InvalidInput";
}

/** The class of a code: its instances are named as the generated table says. */
type ErrorClass<C extends ErrorCode> = new (
  code: ErrorCode,
  message: string,
  status: number,
  data: unknown,
) => BookingError & { readonly name: typeof ERROR_TABLE[C]["className"] };

/** The exception class of each code. */
export const ERROR_CLASSES: { readonly [C in ErrorCode]: ErrorClass<C> } = {
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

/**
 * A PostgREST error as a contract exception. The status comes from the PTxyz SQLSTATE (what
 * PostgREST answered with), else from `httpStatus`; PostgREST's own errors (42501 no privilege, 23P01 the exclusion
 * constraint, 22xxx bad input) map to the nearest code, as the Edge Functions do.
 */
export function toBookingError(error: PostgrestErrorLike, httpStatus?: number): BookingError {
  const data = parseDetails(error.details);
  // A code's class, with the code's own status unless PostgREST's answer says otherwise.
  const ofCode = (code: ErrorCode, message: string, answered?: number) =>
    new ERROR_CLASSES[code](code, message, answered ?? ERROR_TABLE[code].status, data);
  const status = Number(error.code.match(/^PT(\d{3})$/)?.[1] ?? 0);
  if (status && isErrorCode(error.message)) {
    return ofCode(error.message, typeof data === "string" ? data : error.message, status);
  }
  // PostgREST answers a missing privilege with 401 for anon (sign in first), 403 for the rest
  if (error.code === "42501") return ofCode("NOT_AUTHORIZED", error.message, httpStatus);
  if (error.code === "23P01") return ofCode("SECTION_NOT_AVAILABLE", "the table was taken");
  if (error.code.startsWith("22")) return ofCode("INVALID_INPUT", error.message);
  return new BookingError("INTERNAL_ERROR", error.message, 500, { code: error.code, details: data, hint: error.hint });
}
