import assert from "node:assert/strict";
import { ValidationError } from "../errors/mod.ts";
import { payloadRefusal } from "../realtime/payload_guard.ts";
import { checkNewEventKey, eventKeyMessage, eventKeyPhiTypes } from "./event_key.ts";

// Built at test time: no PHI-shaped literal on disk.
const phoneKey = ["promo", "415", "555", "0132"].join("-");

Deno.test("eventKeyPhiTypes() finds what the bus guard refuses in a flagKey or experimentKey", () => {
  for (
    const [key, types] of [
      ["checkout-2025-03-01", ["DATE"]],
      ["winter-sale-01-dec-2025", ["DATE"]],
      ["release-2025.3.1", ["DATE"]],
      ["android-14.0.0.1", ["IP_ADDRESS"]],
      [phoneKey, ["PHONE"]],
      ["checkout_2025_q1", []],
      ["med_rec_2024_v2", []],
      ["ios-17.4.1", []],
    ] as const
  ) {
    assert.deepEqual(eventKeyPhiTypes(key), types, key);
    const bus = payloadRefusal({ experimentKey: key, variant: "control" });
    assert.equal(bus, types.length ? "phi" : undefined, key);
  }
});

Deno.test("checkNewEventKey() refuses with the types and what to do, never the key", () => {
  assert.doesNotThrow(() => checkNewEventKey("checkout_2025_q1"));
  assert.throws(() => checkNewEventKey("sunset-2025-06-30"), (error) => {
    assert.ok(error instanceof ValidationError);
    assert.equal(error.code, "VALIDATION_FAILED");
    assert.equal(error.message, eventKeyMessage(["DATE"]));
    assert.match(error.message, /\(found: DATE\).*choose a key without a date/);
    assert.deepEqual(error.details.issues, [{ path: "$.key", message: error.message }]);
    assert.ok(!JSON.stringify([error.message, error.details]).includes("2025-06-30"));
    return true;
  });
  // The message's own example is a key the check accepts.
  assert.match(eventKeyMessage(["DATE"]), /such as checkout_2025_q1$/);
});
