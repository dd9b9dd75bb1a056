// The contract's codes in words: every code has a sentence for hosts and for guests, a screen
// never shows a code, a failed fetch reads as no connection, money as the venue writes it.
import assert from "node:assert/strict";
import {
  ERROR_CLASSES,
  ERROR_CODES,
  ERROR_SENTENCES,
  formatMoney,
  NO_CONNECTION,
  SectionNotAvailable,
  toBookingError,
  UNEXPECTED,
} from "../src/mod.ts";

Deno.test("every code has a sentence for hosts and guests, and none shows a code", () => {
  assert.deepEqual(Object.keys(ERROR_SENTENCES).sort(), [...ERROR_CODES].sort());
  for (const code of ERROR_CODES) {
    const error = new ERROR_CLASSES[code](code, code, 409, null);
    for (const audience of ["host", "guest"] as const) {
      const said = error.say(audience);
      assert.ok(said.length > 10 && !/[A-Z]{3,}_[A-Z_]+/.test(said), `${code} to a ${audience}: ${said}`);
    }
  }
});

Deno.test("a host also reads the server's detail where it says more; a guest does not", () => {
  const error = toBookingError(
    { code: "PT422", message: "INVALID_INPUT", details: "a deposit of 50.00 is due", hint: null },
    422,
  );
  assert.equal(error.say("host"), "Something in the form is missing or wrong. A deposit of 50.00 is due.");
  assert.equal(error.say("guest"), "Something in the form is missing or wrong.");
  const taken = new SectionNotAvailable("SECTION_NOT_AVAILABLE", "{}", 409, { alternatives: [] });
  assert.equal(taken.say("host"), "Someone else just took that table. Pick another one below.");
});

Deno.test("a failed fetch is no connection, anything else unexplained is not a stack trace", () => {
  const offline = toBookingError({ code: "", message: "TypeError: Failed to fetch", details: null, hint: null });
  assert.equal(offline.code, "INTERNAL_ERROR");
  assert.equal(offline.say("host"), NO_CONNECTION);
  const odd = toBookingError({ code: "XX000", message: "something odd", details: null, hint: null });
  assert.equal(odd.say("guest"), UNEXPECTED);
});

Deno.test("money as the venue writes it, as the CLI does", () => {
  assert.equal(formatMoney(50, "gbp"), "£50.00");
  assert.equal(formatMoney("150.5", "GBP"), "£150.50");
  assert.equal(formatMoney(12.5, "eur"), "€12.50");
});
