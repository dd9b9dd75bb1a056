// The availability endpoint: the seed's snapshot contract, realtime channel and version,
// ETag / 304, caching by audience, and every bad request answered without a change.
import assert from "node:assert/strict";
import * as jose from "jose";
import { handler } from "../availability/handler.ts";
import { handler as bookings } from "../bookings/handler.ts";
import {
  answer,
  assertChangesNothing,
  assertError,
  call,
  closePools,
  CLUB_ID,
  dbTest,
  guest,
  night,
  staffToken,
  table,
  token,
  VENUE_ID,
} from "./helpers.ts";

const NIGHT = night(3);
const path = (query = `date=${NIGHT}&slotId=slot_21_00`, club = CLUB_ID, venue = VENUE_ID) =>
  `/availability/v1/clubs/${club}/venues/${venue}/availability?${query}`;

dbTest("the snapshot lists every table with the channel and version to subscribe from", async () => {
  const response = await call(handler, "GET", path());
  const { status, body } = await answer(response);
  assert.equal(status, 200);
  assert.equal(body.tables.length, 16);
  assert.equal(body.view, "public");
  const channel = `availability:${CLUB_ID}:${VENUE_ID}:${NIGHT}:slot_21_00`;
  assert.deepEqual(body.realtime, { channel, event: "availability.updated", private: false, version: body.version });
  assert.equal(body.channel, channel);
  assert.ok(body.tables.every((t: { state: string }) => t.state === "available"));
  assert.match(response.headers.get("ETag") ?? "", new RegExp(`^"${body.version}-[0-9a-f]{16}"$`));
  assert.equal(response.headers.get("Cache-Control"), "public, max-age=5, must-revalidate");
});

dbTest("a matching If-None-Match gets 304 until a booking moves the version on", async () => {
  const first = await call(handler, "GET", path());
  const etag = first.headers.get("ETag")!;
  const version = (await answer(first)).body.version;
  const unchanged = await call(handler, "GET", path(), { headers: { "If-None-Match": `W/${etag}` } });
  assert.equal(unchanged.status, 304);
  assert.equal(await unchanged.text(), "");
  assert.equal(unchanged.headers.get("ETag"), etag);

  const ada = await guest("ada");
  const held = await call(bookings, "POST", "/bookings", {
    token: ada.token,
    body: { venue_id: VENUE_ID, date: NIGHT, slot_id: "slot_21_00", table_ids: [table(1)], party_size: 3 },
  });
  assert.equal(held.status, 201);
  const changed = await call(handler, "GET", path(), { headers: { "If-None-Match": etag } });
  const { status, body } = await answer(changed);
  assert.equal(status, 200);
  assert.equal(body.version, version + 1);
  assert.notEqual(changed.headers.get("ETag"), etag);
  assert.equal(body.tables.find((t: { table_number: number }) => t.table_number === 1).state, "unavailable");
});

dbTest("staff get the true state, privately cached, under another ETag", async () => {
  const anon = await call(handler, "GET", path());
  const staff = await call(handler, "GET", path(), { token: await staffToken("host") });
  const { status, body } = await answer(staff);
  assert.equal(status, 200);
  assert.equal(body.view, "staff");
  assert.equal(body.realtime.private, true);
  assert.equal(body.tables.find((t: { table_number: number }) => t.table_number === 1).state, "held");
  assert.equal(staff.headers.get("Cache-Control"), "private, max-age=5, must-revalidate");
  assert.notEqual(staff.headers.get("ETag"), anon.headers.get("ETag"));
  assert.equal(staff.headers.get("Vary"), "Authorization");
});

dbTest("HEAD answers the headers without a body", async () => {
  const response = await call(handler, "HEAD", path());
  assert.equal(response.status, 200);
  assert.ok(response.headers.get("ETag"));
  assert.equal(await response.text(), "");
});

dbTest("an unknown venue, club or slot is 404 and a malformed query is 422", async () => {
  await assertChangesNothing(async () => {
    const unknown = crypto.randomUUID();
    await assertError(await call(handler, "GET", path(undefined, CLUB_ID, unknown)), 404, "INVALID_INPUT");
    await assertError(await call(handler, "GET", path(undefined, unknown)), 404, "INVALID_INPUT");
    await assertError(await call(handler, "GET", path(undefined, CLUB_ID, "not-a-uuid")), 404, "INVALID_INPUT");
    await assertError(await call(handler, "GET", path(`date=${NIGHT}&slotId=slot_99`)), 404, "INVALID_INPUT");
    await assertError(await call(handler, "GET", path("date=2026-02-30&slotId=slot_21_00")), 422, "INVALID_INPUT");
    await assertError(await call(handler, "GET", path("date=tomorrow&slotId=slot_21_00")), 422, "INVALID_INPUT");
    await assertError(await call(handler, "GET", path(`date=${NIGHT}`)), 422, "INVALID_INPUT");
    await assertError(await call(handler, "GET", "/availability/v1/clubs"), 404, "INVALID_INPUT");
  });
});

dbTest("a wrong method is 405 with Allow", async () => {
  const response = await call(handler, "POST", path(), { body: {} });
  assert.equal(response.headers.get("Allow"), "GET, HEAD, OPTIONS");
  await assertError(response, 405, "INVALID_INPUT");
  assert.equal((await call(handler, "OPTIONS", path())).status, 204);
});

dbTest("a token that is forged, expired or not for an API role is 401", async () => {
  const forged = await token({ sub: crypto.randomUUID(), role: "authenticated" }, "another-secret-of-32-characters!!");
  const expired = await token({ sub: crypto.randomUUID(), role: "authenticated", exp: 1_000_000 });
  const superuser = await token({ sub: crypto.randomUUID(), role: "postgres" });
  for (const bad of [forged, expired, superuser, "not-a-jwt"]) {
    await assertError(await call(handler, "GET", path(), { token: bad }), 401, "NOT_AUTHORIZED");
  }
  await assertError(
    await call(handler, "GET", path(), { headers: { Authorization: "Basic abc" } }),
    401,
    "NOT_AUTHORIZED",
  );
});

dbTest("a JWT the functions can't verify is 401 whatever its algorithm", async () => {
  const claims = { sub: "55555555-5555-4555-8555-555555555503", role: "authenticated" };
  const signed = async (alg: string) => {
    const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
    return new jose.SignJWT(claims).setProtectedHeader({ alg }).setExpirationTime("1h").sign(privateKey);
  };
  const header = (alg: string) => btoa(JSON.stringify({ alg, typ: "JWT" })).replaceAll("=", "");
  const body = btoa(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 3600 })).replaceAll("=", "");
  for (
    const bad of [await signed("RS256"), await signed("ES256"), await signed("EdDSA"), `${header("none")}.${body}.`]
  ) {
    await assertError(await call(handler, "GET", path(), { token: bad }), 401, "NOT_AUTHORIZED");
  }
});

closePools();
