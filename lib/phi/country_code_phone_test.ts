/**
 * A NANP number with its country code glued on as one run of digits: E.164 with the `+`
 * dropped (`14155550132`) and the international prefix (`0014155550132`), a PHONE with phone
 * context only (a cue before it, or a phone key): bare, such runs are counters, sizes and id
 * segments (tests/phi/glued_phone_context_test.ts). Epoch milliseconds (13 digits from `1`),
 * epoch seconds (10 digits from `1`) and 11-digit runs whose area code or exchange starts 0 or 1
 * stay, cue or none. Canaries are synthetic.
 */
import assert from "node:assert/strict";
import { redact, redactText, scan } from "./mod.ts";

const types = (v: unknown) => scan(v, { safeKeys: [] }).findings.map((f) => f.type);

Deno.test("one run of 1 + NANP or 001 + NANP with phone context is a PHONE", () => {
  for (
    const v of [
      "Callback 14155550132 if it breaks",
      "dial 0014155550132 from abroad",
      "whatsapp: 14155550132",
      "tel 0014155550132",
      { note: "callback 14155550132" },
      { mobile: "14155550132" },
      { whatsapp: 14155550132 },
      { callback_number: 14155550132n },
    ]
  ) assert.deepEqual(types(v), ["PHONE"], JSON.stringify(v, (_k, x) => String(x)));
  assert.equal(redactText("Callback 14155550132 now"), "Callback [REDACTED:PHONE] now");
  assert.equal(redactText("dial 0014155550132."), "dial [REDACTED:PHONE].");
  assert.deepEqual(redact({ whatsapp: 14155550132 }, { safeKeys: [] }), {
    whatsapp: "[REDACTED:PHONE]",
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
      // No phone context: counters and id segments.
      "14155550132",
      "0014155550132",
      "export-14155550132",
      { page: "14155550132" },
      { count: 14155550132 },
      { n: 14155550132n },
      "tel 10155550132x", // cue, but no clean end
    ]
  ) assert.deepEqual(types(v), [], JSON.stringify(v, (_k, x) => String(x)));
  // Under a technical key a bare run of digits is no phone, as a 10-digit one is not.
  assert.deepEqual(scan({ request_id: "14155550132" }).findings, []);
  assert.deepEqual(scan({ request_id: "4155550132" }).findings, []);
});
