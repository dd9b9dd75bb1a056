// The hand-written result types against the database: every RPC result and event payload has
// exactly the keys (and JSON kinds) its type declares, and the error classes cover exactly the
// database's error codes.
import assert from "node:assert/strict";
import {
  alternativeShape,
  availabilityShape,
  availabilityTableShape,
  BookingClient,
  bookingResultShape,
  ERROR_CODES,
  eventPayloadShape,
  SectionNotAvailable,
  shapeErrors,
} from "../src/mod.ts";
import { actorShape } from "../src/results.ts";
import { closePools, createGuest, db, dbTest, LocalStack, night, STAFF, table, VENUE_ID } from "./helpers.ts";

const NIGHT = night(9);

dbTest("the error classes name exactly the database's error codes", async () => {
  const rows = await db()`select code from private.error_codes order by code`;
  assert.deepEqual([...ERROR_CODES].sort(), rows.map((row) => row.code));
});

dbTest("snapshots, bookings, alternatives and event payloads have exactly their types' keys", async () => {
  const stack = LocalStack.start();
  try {
    const guest = new BookingClient(await stack.client(await createGuest("Shape Guest")));
    const host = new BookingClient(await stack.client(STAFF.host));
    const held = await guest.holdTables({
      venueId: VENUE_ID,
      date: NIGHT,
      slotId: "slot_21_00",
      tableIds: [table(3)],
      partySize: 4,
    });
    assert.deepEqual(shapeErrors(held, bookingResultShape), []);

    const other = new BookingClient(await stack.client(await createGuest("Shape Rival")));
    const refused = await other.holdTables({
      venueId: VENUE_ID,
      date: NIGHT,
      slotId: "slot_21_00",
      tableIds: [table(3)],
      partySize: 4,
    })
      .then(() => null, (error) => error);
    assert.ok(refused instanceof SectionNotAvailable);
    assert.ok(refused.alternatives.length > 0);
    for (const alternative of refused.alternatives) assert.deepEqual(shapeErrors(alternative, alternativeShape), []);

    for (const client of [guest, host]) {
      const snapshot = await client.getAvailability(VENUE_ID, NIGHT, "slot_21_00");
      assert.deepEqual(shapeErrors(snapshot, availabilityShape), []);
      for (const row of snapshot.tables) assert.deepEqual(shapeErrors(row, availabilityTableShape), [], row.table_id);
    }
    const staffView = await host.getAvailability(VENUE_ID, NIGHT, "slot_21_00");
    assert.equal(staffView.tables.find((row) => row.table_id === table(3))?.changed_by_name, "Shape Guest");

    const rows =
      await db()`select payload, staff_payload from public.availability_events where channel = ${staffView.channel}`;
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.deepEqual(shapeErrors(row.payload, eventPayloadShape), []);
      assert.deepEqual(shapeErrors(row.staff_payload, eventPayloadShape), []);
      assert.deepEqual(shapeErrors(row.staff_payload.actor, actorShape), []);
    }
  } finally {
    await stack.stop();
  }
});

closePools();
