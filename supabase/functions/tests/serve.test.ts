// `make serve`'s router over real HTTP on loopback: each function answers under its name, with
// or without Supabase's /functions/v1 prefix, and an unknown function is 404.
import assert from "node:assert/strict";
import { route } from "../serve.ts";
import { answer, closePools, CLUB_ID, dbTest, night, VENUE_ID } from "./helpers.ts";

dbTest("the local server routes each function by name over HTTP", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, route);
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const snapshot = `/v1/clubs/${CLUB_ID}/venues/${VENUE_ID}/availability?date=${night(3)}&slotId=slot_23_30`;
    for (const prefix of ["", "/functions/v1"]) {
      const { status, body } = await answer(await fetch(`${base}${prefix}/availability${snapshot}`));
      assert.equal(status, 200);
      assert.equal(body.tables.length, 16);
    }
    assert.equal((await answer(await fetch(`${base}/bookings`))).status, 405);
    assert.equal((await answer(await fetch(`${base}/stripe-webhook`, { method: "POST", body: "{}" }))).status, 401);
    const unknown = await answer(await fetch(`${base}/functions/v1/nope`));
    assert.deepEqual([unknown.status, unknown.body.code], [404, "INVALID_INPUT"]);
  } finally {
    await server.shutdown();
  }
});

closePools();
