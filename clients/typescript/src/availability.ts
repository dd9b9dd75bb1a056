// Folding events into a snapshot, in the snapshot's vocabulary.
import type { Actor, Availability, AvailabilityEvent, AvailabilityTable, ViewerTableState } from "./results.ts";

const text = (value: unknown): string | undefined => typeof value === "string" ? value : undefined;

/**
 * An `availability.updated` payload as an event: the snake_case keys, else the seed's camelCase
 * ones (read for one more release). Realtime's added `id` is dropped. Null when the payload is
 * not an availability event.
 */
export function parseEvent(payload: Record<string, unknown>): AvailabilityEvent | null {
  const tableId = text(payload.table_id) ?? text(payload.sectionId);
  const version = Number(payload.version);
  if (tableId === undefined || !Number.isInteger(version)) return null;
  const event: AvailabilityEvent = {
    event_type: "availability.updated",
    table_id: tableId,
    slot_id: text(payload.slot_id) ?? text(payload.slotId) ?? "",
    date: text(payload.date) ?? "",
    previous_state: (text(payload.previous_state) ?? text(payload.previousState) ?? "available") as ViewerTableState,
    new_state: (text(payload.new_state) ?? text(payload.newState) ?? "available") as ViewerTableState,
    reason: text(payload.reason) ?? "",
    updated_at: text(payload.updated_at) ?? text(payload.updatedAt) ?? "",
    version,
  };
  if (payload.actor && typeof payload.actor === "object") event.actor = payload.actor as Actor;
  return event;
}

/** What a table shows once a booking or block no longer holds it. */
function freed(table: AvailabilityTable): AvailabilityTable {
  const {
    booking_id: _b,
    reference: _r,
    party_size: _p,
    customer_name: _c,
    hold_expires_at: _h,
    block_id: _k,
    block_kind: _bk,
    block_reason: _br,
    release_at: _ra,
    phone: _ph,
    email: _e,
    deposit_paid: _d,
    payment_reference: _pr,
    ...rest
  } = table;
  return rest;
}

/** The snapshot after one event (the next version): the table's new state and, for staff, who. */
export function applyEvent(current: Availability, event: AvailabilityEvent): Availability {
  const tables = current.tables.map((table) => {
    if (table.table_id !== event.table_id) return table;
    const next: AvailabilityTable = event.new_state === "available" ? freed(table) : { ...table };
    next.state = event.new_state;
    if (event.actor) {
      // events carry the actor's id and role; the name comes from the staff snapshot (kept while
      // the same person is behind the table, else read with the next snapshot)
      next.changed_by_name = event.actor.name ??
        (event.actor.id && event.actor.id === table.changed_by ? table.changed_by_name : undefined);
      next.changed_by_role = event.actor.role;
      if (event.actor.id) next.changed_by = event.actor.id;
    }
    return next;
  });
  return { ...current, version: event.version, tables };
}

/** Tables whose state differs between two views of a slot (the folded stream and a snapshot). */
export function mismatchedTables(folded: Availability, snapshot: Availability): string[] {
  const states = new Map(snapshot.tables.map((table) => [table.table_id, table.state]));
  return folded.tables.filter((table) => states.get(table.table_id) !== table.state).map((table) => table.table_id);
}
