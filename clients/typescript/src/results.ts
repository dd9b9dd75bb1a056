// The JSON results of the RPCs, written by hand next to the generated database types (the
// generator can only say `Json` for a jsonb result). Each result type has a shape beside it: its
// keys with the JSON kind of each value, checked against the type by the compiler (`satisfies`
// fails on a missing or extra key) and against the database by tests/contract.test.ts.
import type { Database } from "./database.types.ts";

type Enums = Database["public"]["Enums"];
export type BookingStatus = Enums["booking_status"];
export type StaffRole = Enums["staff_role"];
export type BlockKind = Enums["block_kind"];

/** A table's state in a slot as venue staff see it. */
export type TableState = "available" | "held" | "pending_approval" | "confirmed" | "checked_in" | "blocked";
/** What the public sees: holds and pending requests are just unavailable; checked in is confirmed. */
export type PublicTableState = "available" | "unavailable" | "confirmed" | "blocked";
/** A state as the viewer sees it (the snapshot's `view` says which set). */
export type ViewerTableState = TableState | PublicTableState;

/** A JSON kind: the `typeof` of the value, "null" for null, "array" for arrays. */
type Kind = "string" | "number" | "boolean" | "object" | "array" | "null";
/** A result type's shape: each key's kinds; `optional` keys may be absent. */
export type Shape<T> = { [K in keyof T]-?: { kinds: readonly Kind[]; optional?: true } };

const req = (...kinds: Kind[]) => ({ kinds });
const opt = (...kinds: Kind[]) => ({ kinds, optional: true as const });

/** One table in a snapshot. Staff see the booking or block behind a state and who changed it. */
export interface AvailabilityTable {
  table_id: string;
  table_number: number;
  name: string;
  floor: string;
  capacity_min: number;
  capacity_max: number;
  is_vip: boolean;
  minimum_spend: number;
  deposit: number;
  is_shared: boolean;
  state: ViewerTableState;
  remaining_capacity?: number;
  booking_id?: string;
  reference?: string;
  party_size?: number;
  customer_name?: string;
  hold_expires_at?: string;
  block_id?: string;
  block_kind?: BlockKind;
  block_reason?: string;
  release_at?: string;
  /** The id of who changed it last (kept for a release; read changed_by_name and changed_by_role). */
  changed_by?: string;
  changed_by_name?: string;
  changed_by_role?: string;
  phone?: string;
  email?: string;
  deposit_paid?: boolean;
  payment_reference?: string;
}

export const availabilityTableShape = {
  table_id: req("string"),
  table_number: req("number"),
  name: req("string"),
  floor: req("string"),
  capacity_min: req("number"),
  capacity_max: req("number"),
  is_vip: req("boolean"),
  minimum_spend: req("number"),
  deposit: req("number"),
  is_shared: req("boolean"),
  state: req("string"),
  remaining_capacity: opt("number"),
  booking_id: opt("string"),
  reference: opt("string"),
  party_size: opt("number"),
  customer_name: opt("string"),
  hold_expires_at: opt("string"),
  block_id: opt("string"),
  block_kind: opt("string"),
  block_reason: opt("string"),
  release_at: opt("string"),
  changed_by: opt("string"),
  changed_by_name: opt("string"),
  changed_by_role: opt("string"),
  phone: opt("string"),
  email: opt("string"),
  deposit_paid: opt("boolean"),
  payment_reference: opt("string"),
} as const satisfies Shape<AvailabilityTable>;

/** `get_availability`: a slot's snapshot and the version of its channel it shows. */
export interface Availability {
  venue_id: string;
  club_id: string;
  date: string;
  slot_id: string;
  channel: string;
  version: number;
  starts_at: string;
  ends_at: string;
  view: "public" | "staff";
  /** False for a slot that is over or a closed night: nothing sells (the public sees every table unavailable). */
  bookable: boolean;
  tables: AvailabilityTable[];
}

export const availabilityShape = {
  venue_id: req("string"),
  club_id: req("string"),
  date: req("string"),
  slot_id: req("string"),
  channel: req("string"),
  version: req("number"),
  starts_at: req("string"),
  ends_at: req("string"),
  view: req("string"),
  bookable: req("boolean"),
  tables: req("array"),
} as const satisfies Shape<Availability>;

/** Who caused an event (staff channels only): their id and role; the staff snapshot names them. */
export interface Actor {
  id: string | null;
  name?: string | null;
  role: string;
}

export const actorShape = {
  id: req("string", "null"),
  name: opt("string", "null"),
  role: req("string"),
} as const satisfies Shape<Actor>;

/**
 * One `availability.updated` event in the snapshot's vocabulary (snake_case). The wire carries
 * the seed's camelCase keys too (eventType, sectionId, slotId, previousState, newState,
 * updatedAt) for one more release; `parseEvent` reads either.
 */
export interface AvailabilityEvent {
  event_type: "availability.updated";
  table_id: string;
  slot_id: string;
  date: string;
  previous_state: ViewerTableState;
  new_state: ViewerTableState;
  reason: string;
  updated_at: string;
  version: number;
  actor?: Actor;
  /** Staff channels only: the booking behind the change, when there is one. */
  bookingId?: string;
  /** Staff channels only, and only in the events table (never in Broadcast): the staff's note. */
  note?: string;
}

/** The event payload as the database writes it (both vocabularies) and Realtime adds `id` to. */
export const eventPayloadShape = {
  event_type: req("string"),
  table_id: req("string"),
  slot_id: req("string"),
  date: req("string"),
  previous_state: req("string"),
  new_state: req("string"),
  reason: req("string"),
  updated_at: req("string"),
  version: req("number"),
  actor: opt("object"),
  bookingId: opt("string"),
  note: opt("string"),
  eventType: req("string"),
  sectionId: req("string"),
  slotId: req("string"),
  previousState: req("string"),
  newState: req("string"),
  updatedAt: req("string"),
} as const satisfies Shape<AvailabilityEvent & LegacyEventKeys>;

/** The seed's camelCase keys, still on the wire for a release. */
export interface LegacyEventKeys {
  eventType: string;
  sectionId: string;
  slotId: string;
  previousState: string;
  newState: string;
  updatedAt: string;
}

/** A booking as the transitions return it (`hold_tables`, `submit_booking`, `check_in_booking`, ...). */
export interface BookingResult {
  booking_id: string;
  reference: string;
  status: BookingStatus;
  venue_id: string;
  booking_date: string;
  starts_at: string;
  ends_at: string;
  party_size: number;
  table_ids: string[];
  hold_expires_at: string | null;
  deposit: number;
  minimum_spend: number;
  /** ISO 4217 code of the venue's money (deposit, minimum_spend). */
  currency: string;
  /** No deposit is due, or it arrived (the Stripe webhook) or staff recorded it (`record_payment`). */
  deposit_paid: boolean;
  /** A held booking whose deposit's PaymentIntent is waiting for the payment. */
  awaiting_payment: boolean;
  /** Only to the booking's guest, its venue's managers and admins. */
  payment_reference?: string | null;
  payment_intent_id?: string | null;
}

export const bookingResultShape = {
  booking_id: req("string"),
  reference: req("string"),
  status: req("string"),
  venue_id: req("string"),
  booking_date: req("string"),
  starts_at: req("string"),
  ends_at: req("string"),
  party_size: req("number"),
  table_ids: req("array"),
  hold_expires_at: req("string", "null"),
  deposit: req("number"),
  minimum_spend: req("number"),
  currency: req("string"),
  deposit_paid: req("boolean"),
  awaiting_payment: req("boolean"),
  payment_reference: opt("string", "null"),
  payment_intent_id: opt("string", "null"),
} as const satisfies Shape<BookingResult>;

/**
 * A booking in the staff views (`get_night_bookings`, `find_bookings`): door staff see the
 * guest's name, party and tables; hosts and up also contact details and money; managers and up
 * the payment reference.
 */
export interface NightBooking {
  booking_id: string;
  reference: string;
  /** As shown: a hold past its expiry shows as expired before the sweeper runs. */
  status: BookingStatus;
  venue_id: string;
  booking_date: string;
  slot_id: string | null;
  starts_at: string;
  ends_at: string;
  starts_local: string;
  ends_local: string;
  timezone: string;
  party_size: number;
  table_numbers: number[];
  table_ids: string[];
  floors: string[];
  guest_id: string;
  guest_name: string;
  occasion: string | null;
  hold_expires_at: string | null;
  guest_phone?: string | null;
  guest_email?: string | null;
  special_requests?: string | null;
  status_reason?: string | null;
  currency?: string;
  deposit?: number;
  minimum_spend?: number;
  deposit_paid?: boolean;
  promoter_code?: string | null;
  payment_reference?: string | null;
}

export const nightBookingShape = {
  booking_id: req("string"),
  reference: req("string"),
  status: req("string"),
  venue_id: req("string"),
  booking_date: req("string"),
  slot_id: req("string", "null"),
  starts_at: req("string"),
  ends_at: req("string"),
  starts_local: req("string"),
  ends_local: req("string"),
  timezone: req("string"),
  party_size: req("number"),
  table_numbers: req("array"),
  table_ids: req("array"),
  floors: req("array"),
  guest_id: req("string"),
  guest_name: req("string"),
  occasion: req("string", "null"),
  hold_expires_at: req("string", "null"),
  guest_phone: opt("string", "null"),
  guest_email: opt("string", "null"),
  special_requests: opt("string", "null"),
  status_reason: opt("string", "null"),
  currency: opt("string"),
  deposit: opt("number"),
  minimum_spend: opt("number"),
  deposit_paid: opt("boolean"),
  promoter_code: opt("string", "null"),
  payment_reference: opt("string", "null"),
} as const satisfies Shape<NightBooking>;

/** A free table or combination offered instead of a taken one (SECTION_NOT_AVAILABLE's data). */
export interface Alternative {
  slot_id: string;
  table_ids: string[];
  table_numbers: number[];
  capacity_max: number;
  minimum_spend: number;
  deposit: number;
  combination_type: string;
}

export const alternativeShape = {
  slot_id: req("string"),
  table_ids: req("array"),
  table_numbers: req("array"),
  capacity_max: req("number"),
  minimum_spend: req("number"),
  deposit: req("number"),
  combination_type: req("string"),
} as const satisfies Shape<Alternative>;

/** `get_catalogue`: what a client needs to name anything (public data). */
export interface Catalogue {
  venues: CatalogueVenue[];
}

export interface CatalogueVenue {
  venue_id: string;
  club_id: string;
  club: string;
  name: string;
  timezone: string;
  currency: string;
  hold_ttl: string;
  opens_at: string;
  closes_at: string;
  /** ISO days of the week the venue opens (1 Monday ... 7 Sunday). */
  open_days: number[];
  requires_approval: boolean;
  floors: { name: string; level: number }[];
  slots: { slot_id: string; label: string; starts_at: string; duration: string }[];
  tables: {
    table_id: string;
    number: number;
    name: string;
    floor: string;
    capacity_min: number;
    capacity_max: number;
    vip: boolean;
    shared: boolean;
    deposit: number;
    minimum_spend: number;
    adjacent: number[];
  }[];
  combinations: { name: string; tables: number[]; capacity_min: number; capacity_max: number }[];
}

export const catalogueVenueShape = {
  venue_id: req("string"),
  club_id: req("string"),
  club: req("string"),
  name: req("string"),
  timezone: req("string"),
  currency: req("string"),
  hold_ttl: req("string"),
  opens_at: req("string"),
  closes_at: req("string"),
  open_days: req("array"),
  requires_approval: req("boolean"),
  floors: req("array"),
  slots: req("array"),
  tables: req("array"),
  combinations: req("array"),
} as const satisfies Shape<CatalogueVenue>;

/** Whether a value has the shape: every key known, every required key present, kinds right. */
export function shapeErrors(
  value: unknown,
  shape: Record<string, { kinds: readonly Kind[]; optional?: true }>,
): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return ["not an object"];
  const record = value as Record<string, unknown>;
  const errors: string[] = [];
  for (const key of Object.keys(record)) {
    if (!(key in shape)) errors.push(`unexpected key ${key}`);
  }
  for (const [key, { kinds, optional }] of Object.entries(shape)) {
    if (!(key in record)) {
      if (!optional) errors.push(`missing key ${key}`);
      continue;
    }
    const item = record[key];
    const kind: Kind = item === null ? "null" : Array.isArray(item) ? "array" : typeof item as Kind;
    if (!kinds.includes(kind)) errors.push(`${key} is ${kind}, not ${kinds.join(" | ")}`);
  }
  return errors;
}
