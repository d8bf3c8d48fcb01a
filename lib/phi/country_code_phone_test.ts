/**
 * A NANP number with its country code glued on as one run of digits: E.164 with the `+`
 * dropped (`14155550132`) and the international prefix (`0014155550132`). The prefix counted
 * only as a digit group of its own (`1 415 555 0132`, `001-415-…`), so these passed every
 * caller (analytics properties and numbers, research ids, flag target ids, job ids). Epoch
 * milliseconds (13 digits from `1`), epoch seconds (10 digits from `1`) and 11-digit runs whose
 * area code or exchange starts 0 or 1 stay. Canaries are synthetic.
 */
import assert from "node:assert/strict";
import { redact, redactText, scan } from "./mod.ts";

const types = (v: unknown) => scan(v, { safeKeys: [] }).findings.map((f) => f.type);

Deno.test("one run of 1 + NANP or 001 + NANP is a PHONE, as text and as a JSON number", () => {
  for (
    const v of [
      "14155550132",
      "0014155550132",
      "Callback 14155550132 if it breaks",
      "dial 0014155550132 from abroad",
      "export-14155550132",
      { page: "14155550132" },
      { count: 14155550132 },
      { n: 14155550132n },
    ]
  ) assert.deepEqual(types(v), ["PHONE"], JSON.stringify(v, (_k, x) => String(x)));
  assert.equal(redactText("Callback 14155550132 now"), "Callback [REDACTED:PHONE] now");
  assert.equal(redactText("dial 0014155550132."), "dial [REDACTED:PHONE].");
  assert.deepEqual(redact({ count: 14155550132 }, { safeKeys: [] }), {
    count: "[REDACTED:PHONE]",
  });
});

Deno.test("epoch ms and s, counters and runs that break the NANP rules stay", () => {
  for (
    const v of [
      "1732400000000", // epoch ms: 13 digits from 1, no 001
      "1732400000", // epoch s
      { ts_ms: 1732400000000 },
      { count: 1732400000000 },
      { count: 1732400000 },
      "10155550132", // area code from 0
      "11155550132", // area code from 1
      "14151550132", // exchange from 1
      "0011155550132",
      "0024155550132", // no 001
      "114155550132", // 12 digits
      "v14155550132", // glued to a letter
    ]
  ) assert.deepEqual(types(v), [], JSON.stringify(v));
  // Under a technical key a bare run of digits is no phone, as a 10-digit one is not.
  assert.deepEqual(scan({ request_id: "14155550132" }).findings, []);
  assert.deepEqual(scan({ request_id: "4155550132" }).findings, []);
});
