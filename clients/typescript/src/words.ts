// What the contract's error codes mean, in sentences a host at the door and a guest on a phone
// can act on: one table, read by BookingError.say() and so by the door board, never a code on a
// screen. The DETAIL the server sent (a sentence) stays in error.message for logs and support.
import type { ErrorCode } from "./error_codes.ts";

/** Who reads the sentence: staff at the venue, or the guest booking. */
export type Audience = "host" | "guest";

/** Each code as the host and as the guest are told it. */
export const ERROR_SENTENCES: { readonly [C in ErrorCode]: { host: string; guest: string } } = {
  SECTION_NOT_AVAILABLE: {
    host: "Someone else just took that table. Pick another one below.",
    guest: "Sorry, that table was just taken. Here is what is still free.",
  },
  TABLE_NOT_FOUND: {
    host: "That table is not on this venue's floor plan any more. Reload the board.",
    guest: "That table is no longer offered. Please pick another.",
  },
  CAPACITY_MISMATCH: {
    host: "The party does not fit that table: pick one whose seats cover the party.",
    guest: "That table does not suit a party of that size. Please pick another.",
  },
  INVALID_PARTY_SIZE: {
    host: "A party is 1 to 50 guests.",
    guest: "A party is 1 to 50 guests.",
  },
  DATE_OUT_OF_RANGE: {
    host: "That night is in the past or too far ahead to book.",
    guest: "That night can't be booked: it is in the past or too far ahead.",
  },
  OUTSIDE_OPERATING_HOURS: {
    host: "The venue is closed at that time.",
    guest: "The venue is closed at that time. Please pick another night or slot.",
  },
  UNDERAGE: {
    host: "The guest is under the venue's minimum age.",
    guest: "Sorry, this venue is for guests over its minimum age.",
  },
  MAX_TABLES_EXCEEDED: {
    host: "That guest already has as many tables as the venue allows.",
    guest: "You already have as many tables as the venue allows for a night.",
  },
  HOLD_EXPIRED: {
    host: "The hold ran out and the table went back on sale. Start again.",
    guest: "Your hold ran out and the table went back on sale. Please start again.",
  },
  INVALID_TRANSITION: {
    host: "That can't be done to this booking now.",
    guest: "That can't be done to this booking now.",
  },
  NOT_AUTHORIZED: {
    host: "Your role can't do that here. Ask a manager.",
    guest: "Please sign in to do that.",
  },
  MFA_REQUIRED: {
    host: "That is a manager's override: sign in with two-step verification first.",
    guest: "Please confirm it is you (two-step verification) first.",
  },
  INVALID_INPUT: {
    host: "Something in the form is missing or wrong.",
    guest: "Something in the form is missing or wrong.",
  },
};

/** What a caller is told when the server could not be reached at all. */
export const NO_CONNECTION =
  "No connection to the venue's system: nothing was sent. It will work again when the link is back.";
/** What a caller is told for anything else the server did not explain. */
export const UNEXPECTED = "Something went wrong on our side. Try again; if it keeps happening, tell a manager.";

/** A failed fetch (the browser's TypeError, or supabase-js passing its text on). */
export function isConnectionFailure(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return /Failed to fetch|NetworkError|Load failed|fetch failed|ECONNREFUSED|network/i.test(text);
}

/** Upper-case first letter, and a full stop: the server's DETAIL read as a sentence. */
function asSentence(detail: string): string {
  const trimmed = detail.trim();
  if (!trimmed) return "";
  const first = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * The sentence for a contract code: the table's, then (for hosts, where it names something the
 * table can't, e.g. which deposit is due or until when walk-ins are seated) the server's detail.
 */
export function sentenceFor(code: ErrorCode, audience: Audience, detail?: string | null): string {
  const general = ERROR_SENTENCES[code][audience];
  const specific = audience === "host" && detail && detail !== code && !detail.startsWith("{")
    ? asSentence(detail)
    : "";
  return specific ? `${general} ${specific}` : general;
}

/** Money as the venue writes it: £50.00, €12.50 (the currency's ISO code, any case). */
export function formatMoney(amount: number | string, currency: string): string {
  const value = Number(amount);
  try {
    return new Intl.NumberFormat("en-GB", { style: "currency", currency: currency.toUpperCase() }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency.toUpperCase()}`;
  }
}
