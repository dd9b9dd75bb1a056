// The hand-written result types against the database: every RPC result and event payload has
// exactly the keys (and JSON kinds) its type declares; and the error classes are the ones the
// generated error table (src/error_codes.ts) names.
import assert from "node:assert/strict";
import {
  alternativeShape,
  availabilityShape,
  availabilityTableShape,
  BookingClient,
  BookingError,
  bookingResultShape,
  catalogueVenueShape,
  ERROR_CLASSES,
  ERROR_CODES,
  eventPayloadShape,
  InvalidPartySize,
  InvalidTransition,
  nightBookingShape,
  NotAuthorized,
  SectionNotAvailable,
  shapeErrors,
} from "../src/mod.ts";
import { ERROR_TABLE } from "../src/error_codes.ts";
import { actorShape } from "../src/results.ts";
import { closePools, db, dbTest, guest, LocalStack, night, refusal, staffToken, table, VENUE_ID } from "./helpers.ts";

const NIGHT = night(9);

Deno.test("each error code's class bears the name the generated table gives it", () => {
  assert.deepEqual(Object.keys(ERROR_CLASSES).sort(), [...ERROR_CODES].sort());
  for (const code of ERROR_CODES) {
    const error = new ERROR_CLASSES[code](code, "message", ERROR_TABLE[code].status, null);
    assert.deepEqual([ERROR_CLASSES[code].name, error.name], [
      ERROR_TABLE[code].className,
      ERROR_TABLE[code].className,
    ]);
    assert.ok(error instanceof BookingError && error.code === code);
  }
});

dbTest("snapshots, bookings, alternatives and event payloads have exactly their types' keys", async () => {
  const stack = LocalStack.start();
  try {
    const shapeGuest = new BookingClient(await stack.client((await guest("Shape Guest")).token));
    const host = new BookingClient(await stack.client(await staffToken("host")));
    const held = await shapeGuest.holdTables({
      venueId: VENUE_ID,
      date: NIGHT,
      slotId: "slot_21_00",
      tableIds: [table(3)],
      partySize: 4,
    });
    assert.deepEqual(shapeErrors(held, bookingResultShape), []);

    const other = new BookingClient(await stack.client((await guest("Shape Rival")).token));
    const refused = await refusal(other.holdTables({
      venueId: VENUE_ID,
      date: NIGHT,
      slotId: "slot_21_00",
      tableIds: [table(3)],
      partySize: 4,
    }));
    assert.ok(refused instanceof SectionNotAvailable);
    assert.ok(refused.alternatives.length > 0);
    for (const alternative of refused.alternatives) assert.deepEqual(shapeErrors(alternative, alternativeShape), []);

    for (const client of [shapeGuest, host]) {
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

dbTest("the staff views have their types' keys, and the RPCs' errors arrive as typed exceptions", async () => {
  const stack = LocalStack.start();
  try {
    const host = new BookingClient(await stack.client(await staffToken("host")));
    const door = new BookingClient(await stack.client(await staffToken("door")));
    const manager = new BookingClient(await stack.client(await staffToken("manager")));
    const guestId = await host.createGuest(VENUE_ID, "Walk In Wendy", { phone: "+44 7700 900123" });
    const walkIn = await host.holdTables({
      venueId: VENUE_ID,
      date: NIGHT,
      slotId: "slot_21_00",
      tableIds: [table(9)],
      partySize: 2,
      customerId: guestId,
    });
    for (const [client, extra] of [[door, "guest_phone"], [host, "payment_reference"], [manager, null]] as const) {
      const night = await client.getNightBookings(VENUE_ID, NIGHT);
      const row = night.find((booking) => booking.reference === walkIn.reference);
      assert.ok(row);
      assert.deepEqual(shapeErrors(row, nightBookingShape), []);
      if (extra) assert.ok(!(extra in row), `${extra} is beyond that role`);
    }
    const [found] = await door.findBookings(VENUE_ID, "wendy");
    assert.equal(found.reference, walkIn.reference);
    const { venues } = await door.getCatalogue(VENUE_ID);
    assert.deepEqual(shapeErrors(venues[0], catalogueVenueShape), []);

    // errors, as PostgREST answers them: the class, the HTTP status, the data
    const early = await refusal(door.checkInBooking(walkIn.reference));
    assert.ok(early instanceof InvalidTransition && early.status === 409, String(early));
    const anon = new BookingClient(await stack.client());
    const hold = (client: BookingClient, partySize: number) =>
      refusal(
        client.holdTables({ venueId: VENUE_ID, date: NIGHT, slotId: "slot_21_00", tableIds: [table(10)], partySize }),
      );
    const signedOut = await hold(anon, 2);
    assert.ok(signedOut instanceof NotAuthorized && signedOut.status === 401, String(signedOut));
    const tooMany = await hold(host, 60);
    assert.ok(tooMany instanceof InvalidPartySize && tooMany.status === 422, String(tooMany));
  } finally {
    await stack.stop();
  }
});

closePools();
