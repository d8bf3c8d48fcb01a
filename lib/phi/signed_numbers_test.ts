/**
 * JSON numbers are read as the digits of their integer part: a minus sign or a fraction hid the
 * identifier (`{"count":-536221234}` was stored while `536221234` was an SSN; `4155550132.25`
 * was skipped as no integer). Canaries are synthetic.
 */
import assert from "node:assert/strict";
import { redact, scan } from "./mod.ts";

const types = (v: unknown) => scan(v, { safeKeys: [] }).findings.map((f) => f.type);

Deno.test("a negative or decimal number is read as its integer digits", () => {
  assert.deepEqual(types({ count: -536221234 }), ["SSN"]);
  assert.deepEqual(types({ count: -4155550132 }), ["PHONE"]);
  assert.deepEqual(types({ count: 4155550132.25 }), ["PHONE"]);
  assert.deepEqual(types({ count: -4155550132.5 }), ["PHONE"]);
  assert.deepEqual(types({ count: -536221234n }), ["SSN"]);
  assert.deepEqual(redact({ count: -536221234 }, { safeKeys: [] }), { count: "[REDACTED:SSN]" });
});

Deno.test("small, fractional, technical and non-finite numbers stay", () => {
  for (
    const v of [
      { count: -42 },
      { ratio: 0.536221234 },
      { offset: -33.8688 },
      { total: -999999.99 },
      { count: -1732400000.123 }, // epoch seconds with a fraction
      { count: Number.NaN },
      { count: -Infinity },
      { n: -Number.MAX_VALUE },
    ]
  ) assert.deepEqual(types(v), [], JSON.stringify(v));
  assert.deepEqual(scan({ duration_ms: -536221234 }).findings, []);
});
