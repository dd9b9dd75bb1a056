// The OpenAPI document tells the truth: each documented operation is served (never an unknown
// route or 405), and its error codes are exactly the contract's (_shared/error_codes.ts, generated
// from private.error_codes) plus INTERNAL_ERROR.
import assert from "node:assert/strict";
import { parse } from "yaml";
import { ERROR_CODES } from "../_shared/error_codes.ts";
import { route } from "../serve.ts";
import { closePools, CLUB_ID, dbTest, VENUE_ID } from "./helpers.ts";

const spec = parse(await Deno.readTextFile(new URL("../openapi.yaml", import.meta.url)));

dbTest("every documented operation is routed to its function", async () => {
  const ids: Record<string, string> = { clubId: CLUB_ID, venueId: VENUE_ID, bookingId: crypto.randomUUID() };
  const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.keys(item as object).map((method) => [path, method.toUpperCase()])
  );
  assert.equal(operations.length, 6);
  for (const [path, method] of operations) {
    const url = `http://127.0.0.1${path.replace(/\{(\w+)\}/g, (_, name) => ids[name])}`;
    const response = await route(new Request(url, { method, body: method === "POST" ? "{}" : undefined }));
    const body = await response.json();
    assert.notEqual(response.status, 405, `${method} ${path}: ${body.message}`);
    assert.doesNotMatch(String(body.message), /^no (such route|function)/, `${method} ${path}`);
  }
});

Deno.test("the documented error codes are the contract's", () => {
  const documented = [...spec.components.schemas.Error.properties.code.enum].sort();
  assert.deepEqual(documented, [...ERROR_CODES, "INTERNAL_ERROR"].sort());
});

closePools();
