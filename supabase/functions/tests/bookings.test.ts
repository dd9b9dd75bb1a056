// The bookings endpoint: hold, submit and cancel as the caller, Idempotency-Key, and the
// contract's error codes as HTTP statuses with {code, message, detail}.
import assert from "node:assert/strict";
import { handler } from "../bookings/handler.ts";
import {
  answer,
  assertChangesNothing,
  assertError,
  booking,
  call,
  closePools,
  db,
  dbTest,
  guest,
  night,
  staffToken,
  table,
  VENUE_ID,
} from "./helpers.ts";

const NIGHT = night(4);
const holdBody = (n: number, partySize = 3, slot = "slot_21_00") => ({
  venue_id: VENUE_ID,
  date: NIGHT,
  slot_id: slot,
  table_ids: [table(n)],
  party_size: partySize,
});

async function hold(token: string, n: number, headers: Record<string, string> = {}) {
  return await answer(await call(handler, "POST", "/bookings", { token, body: holdBody(n), headers }));
}

/** POST /bookings/:id/submit or /cancel as a caller (none: no token). */
function transition(token: string | undefined, bookingId: string, action: "submit" | "cancel", body = {}) {
  return call(handler, "POST", `/bookings/${bookingId}/${action}`, { token, body });
}

dbTest("a guest holds, submits and cancels a booking as themselves", async () => {
  const ada = await guest("ada");
  const held = await call(handler, "POST", "/bookings", {
    token: ada.token,
    body: holdBody(2),
    headers: { "X-Request-Id": "req-ada-hold" },
  });
  assert.equal(held.headers.get("X-Request-Id"), "req-ada-hold");
  const { status, body } = await answer(held);
  assert.equal(status, 201);
  const [audit] = await db()`select request_id from public.audit_log where entity_id = ${body.booking_id}`;
  assert.equal(audit.request_id, "req-ada-hold", "the audit row names the HTTP request");
  assert.equal(body.status, "held");
  assert.deepEqual(body.table_ids, [table(2)]);
  const [owner] = await db()`select c.user_id from public.bookings b join public.customers c on c.id = b.customer_id
                             where b.id = ${body.booking_id}`;
  assert.equal(owner.user_id, ada.id);

  const submitted = await answer(
    await transition(ada.token, body.booking_id, "submit", { payment_reference: "pi_test_ada" }),
  );
  assert.equal(submitted.status, 200);
  assert.equal(submitted.body.status, "held", "a guest's payment_reference only waits for the webhook");
  assert.equal(submitted.body.awaiting_payment, true);
  assert.equal((await booking(body.booking_id)).payment_reference, null, "and never becomes the payment reference");

  const cancelled = await answer(await transition(ada.token, body.booking_id, "cancel", { reason: "plans changed" }));
  assert.equal(cancelled.status, 200);
  assert.equal(cancelled.body.status, "cancelled");
  assert.equal((await booking(body.booking_id)).status, "cancelled");
});

dbTest("a repeated Idempotency-Key replays the first answer and books once", async () => {
  const bo = await guest("bo");
  const key = crypto.randomUUID();
  const send = () =>
    call(handler, "POST", "/bookings", { token: bo.token, body: holdBody(3, 4), headers: { "Idempotency-Key": key } });
  const first = await send();
  assert.equal(first.headers.get("Idempotent-Replayed"), "false");
  const firstBody = (await answer(first)).body;
  await assertChangesNothing(async () => {
    const again = await send();
    assert.equal(again.headers.get("Idempotent-Replayed"), "true");
    assert.deepEqual(await answer(again), { status: 201, body: firstBody });
  });
  const [{ count }] =
    await db()`select count(*)::int from public.bookings b join public.customers c on c.id = b.customer_id
                                 where c.user_id = ${bo.id}`;
  assert.equal(count, 1);
});

dbTest("concurrent requests with one Idempotency-Key make one booking", async () => {
  const cy = await guest("cy");
  const headers = { "Idempotency-Key": "same-key-twice" };
  const [a, b] = await Promise.all([hold(cy.token, 1, headers), hold(cy.token, 1, headers)]);
  assert.equal(a.status, 201);
  assert.deepEqual(b, a);
});

dbTest("an Idempotency-Key reused for another request is 422 and changes nothing", async () => {
  const di = await guest("di");
  const headers = { "Idempotency-Key": "one-key" };
  assert.equal((await hold(di.token, 7, headers)).status, 201);
  await assertChangesNothing(async () => {
    const other = await call(handler, "POST", "/bookings", { token: di.token, body: holdBody(9), headers });
    await assertError(other, 422, "INVALID_INPUT");
    const tooLong = await call(handler, "POST", "/bookings", {
      token: di.token,
      body: holdBody(9),
      headers: { "Idempotency-Key": "k".repeat(256) },
    });
    await assertError(tooLong, 422, "INVALID_INPUT");
  });
});

dbTest("a taken table is 409 SECTION_NOT_AVAILABLE with alternatives", async () => {
  const [ed, flo] = [await guest("ed"), await guest("flo")];
  assert.equal((await hold(ed.token, 10)).status, 201);
  await assertChangesNothing(async () => {
    const taken = await call(handler, "POST", "/bookings", { token: flo.token, body: holdBody(10) });
    const body = await assertError(taken, 409, "SECTION_NOT_AVAILABLE");
    assert.ok(Array.isArray(body.detail.alternatives) && body.detail.alternatives.length > 0);
  });
});

dbTest("validation errors are 422 with their own code and change nothing", async () => {
  const gus = await guest("gus");
  await assertChangesNothing(async () => {
    const post = (body: unknown) => call(handler, "POST", "/bookings", { token: gus.token, body });
    await assertError(await post({ ...holdBody(11), party_size: 0 }), 422, "INVALID_PARTY_SIZE");
    await assertError(await post({ ...holdBody(11), party_size: 9 }), 422, "CAPACITY_MISMATCH");
    await assertError(await post({ ...holdBody(11, 4), date: "2020-01-03" }), 422, "DATE_OUT_OF_RANGE");
    await assertError(await post({ ...holdBody(11), party_size: "4" }), 422, "INVALID_INPUT");
    await assertError(await post({ ...holdBody(11), party_size: 2 ** 40 }), 422, "INVALID_INPUT");
    await assertError(await post({ ...holdBody(11), table_ids: ["table-11"] }), 422, "INVALID_INPUT");
    await assertError(await post({ ...holdBody(11), table_ids: [] }), 422, "INVALID_INPUT");
    await assertError(await post({ ...holdBody(11), slot_id: 7 }), 422, "INVALID_INPUT");
    await assertError(await post("{not json"), 422, "INVALID_INPUT");
    await assertError(await post("[1, 2]"), 422, "INVALID_INPUT");
    await assertError(await post({ ...holdBody(11, 4), special_requests: "nul \u0000" }), 422, "INVALID_INPUT");
    await assertError(await post({ ...holdBody(11, 4), special_requests: "x".repeat(70_000) }), 413, "INVALID_INPUT");
  });
});

dbTest("an unknown venue, table or booking is 404", async () => {
  const hal = await guest("hal");
  await assertChangesNothing(async () => {
    const post = (path: string, body: unknown) => call(handler, "POST", path, { token: hal.token, body });
    await assertError(
      await post("/bookings", { ...holdBody(12), venue_id: crypto.randomUUID() }),
      404,
      "INVALID_INPUT",
    );
    await assertError(
      await post("/bookings", { ...holdBody(12), table_ids: [crypto.randomUUID()] }),
      404,
      "TABLE_NOT_FOUND",
    );
    await assertError(await post(`/bookings/${crypto.randomUUID()}/submit`, {}), 404, "INVALID_INPUT");
    await assertError(await post("/bookings/BR-123/cancel", {}), 404, "INVALID_INPUT");
    await assertError(await post("/bookings/x/y/z", {}), 404, "INVALID_INPUT");
  });
});

dbTest("no token is 401, another guest's booking is the 404 of an unknown one", async () => {
  const [ivy, jo] = [await guest("ivy"), await guest("jo")];
  const held = await hold(ivy.token, 9);
  assert.equal(held.status, 201);
  await assertChangesNothing(async () => {
    await assertError(await call(handler, "POST", "/bookings", { body: holdBody(14, 6) }), 401, "NOT_AUTHORIZED");
    await assertError(await transition(jo.token, held.body.booking_id, "cancel"), 404, "INVALID_INPUT");
    await assertError(await transition(undefined, held.body.booking_id, "cancel"), 401, "NOT_AUTHORIZED");
  });
  assert.equal((await booking(held.body.booking_id)).status, "held");
});

dbTest("staff cancel a guest's booking; a door role may not", async () => {
  const kit = await guest("kit");
  const held = await hold(kit.token, 15);
  const door = await transition(await staffToken("door"), held.body.booking_id, "cancel");
  await assertError(door, 403, "NOT_AUTHORIZED");
  const host = await answer(await transition(await staffToken("host"), held.body.booking_id, "cancel"));
  assert.equal(host.status, 200);
  assert.equal(host.body.status, "cancelled");
});

dbTest("a request stuck behind a lock past the statement timeout is 503 and changes nothing", async () => {
  const lu = await guest("lu");
  const held = await hold(lu.token, 16);
  Deno.env.set("CLUBBOOKING_STATEMENT_TIMEOUT", "200ms");
  try {
    await db().begin(async (tx) => {
      await tx`select 1 from public.bookings where id = ${held.body.booking_id} for update`;
      const stuck = await transition(lu.token, held.body.booking_id, "cancel");
      assert.equal(stuck.headers.get("Retry-After"), "1");
      await assertError(stuck, 503, "INTERNAL_ERROR");
    });
  } finally {
    Deno.env.delete("CLUBBOOKING_STATEMENT_TIMEOUT");
  }
  assert.equal((await booking(held.body.booking_id)).status, "held");
});

dbTest("a wrong method is 405 and changes nothing", async () => {
  await assertChangesNothing(async () => {
    for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
      const response = await call(handler, method, "/bookings");
      assert.equal(response.headers.get("Allow"), "POST, OPTIONS");
      await assertError(response, 405, "INVALID_INPUT");
    }
  });
});

closePools();
