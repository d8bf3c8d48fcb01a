/**
 * A NANP number with its country code glued on as one run (`14155550132`, `0014155550132`) is a
 * PHONE only with phone context: a phone cue shortly before it in the same text, or a phone-ish
 * key above it. Without context such runs are counters, byte sizes, quotas, durations and id
 * segments (about 64% of the integers from 10 to 20 billion have the shape), which the callers
 * that scan with `safeKeys: []` (analytics ingest, phiTypesIn, the bus guard) must not refuse.
 * `+14155550132` and the separated forms (`1-415-555-0132`, `001 415 555 0132`) stay phones.
 * Canaries are synthetic.
 */
import assert from "node:assert/strict";
import { redact, redactText, scan } from "../../lib/phi/mod.ts";
import { judgeEvent, PHI_SCANNER } from "../../lib/analytics/rules.ts";
import { phiTypesIn } from "../../lib/validation/no_phi.ts";
import { payloadRefusal } from "../../lib/realtime/payload_guard.ts";

const types = (v: unknown) => scan(v, { safeKeys: [] }).findings.map((f) => f.type);
const show = (v: unknown) => JSON.stringify(v, (_k, x) => typeof x === "bigint" ? `${x}n` : x);

Deno.test("glued runs with no phone context are no PHONE (the review's table)", () => {
  for (
    const v of [
      { count: 12345678901 },
      "12345678901",
      "job-12345678901",
      "run_13456789012",
      "build.12345678901",
      "export-14155550132",
      "14155550132",
      "0014155550132",
      { processed: 12345678901 },
      "Raise the upload cap to 12884901888 bytes",
      { max_upload_bytes: 12884901888 },
      { quota: 13958643712 },
      "Cohort rollout for tenant 12345678901",
      "processed 12345678901 rows",
      { duration_ns: 15234567890 },
      { bytes: 12884901888 },
      { views: 13456789012 },
      { count: 14155550132 },
      { n: 14155550132n },
      { n: -14155550132n },
      { value: 12125551234.5 },
      { delta: -14155550132 },
      { page: "14155550132" },
      { order_number: 14155550132 },
      { contact_id: "job:14155550132" },
    ]
  ) assert.deepEqual(types(v), [], show(v));
});

Deno.test("the callers no longer refuse them (analytics, phiTypesIn, bus guard)", () => {
  for (const v of [{ count: 12345678901 }, { count: 13456789012, page: "jobs" }]) {
    assert.equal(PHI_SCANNER.scan(v).found, false, show(v));
  }
  assert.equal(PHI_SCANNER.scan("12345678901").found, false);
  assert.equal(
    judgeEvent({
      eventName: "ui.page_view",
      properties: { page: "chart", count: 12345678901 },
      researchId: "12345678901",
    }).outcome,
    "accepted",
  );
  for (
    const p of [
      { jobId: "12345678901" },
      { jobId: "job-12345678901" },
      { jobId: "run_13456789012" },
      { jobId: "build.12345678901" },
      { jobId: "a", processed: 12345678901 },
      { jobId: "a", bytes: 12884901888 },
    ]
  ) assert.equal(payloadRefusal(p), undefined, show(p));
  for (
    const v of [
      "Raise the upload cap to 12884901888 bytes",
      { max_upload_bytes: 12884901888 },
      { quota: 13958643712 },
      "Cohort rollout for tenant 12345678901",
    ]
  ) assert.deepEqual(phiTypesIn(v), [], show(v));
});

Deno.test("a glued run after a phone cue is a PHONE", () => {
  for (
    const v of [
      "Callback 14155550132 if it breaks",
      "whatsapp: 14155550132",
      "tel 0014155550132",
      "WA 14155550132",
      "mob 14155550132",
      "cellphone 14155550132",
      "sms 14155550132",
      "phone: 14155550132",
      "Contact 0014155550132",
      "call me at 14155550132",
      "dial 0014155550132 from abroad",
      "14155550132 (mobile)",
      { note: "callback 14155550132" },
    ]
  ) assert.deepEqual(types(v), ["PHONE"], show(v));
  assert.equal(redactText("Callback 14155550132 now"), "Callback [REDACTED:PHONE] now");
  assert.equal(redactText("tel 0014155550132."), "tel [REDACTED:PHONE].");
});

Deno.test("a glued run under a phone-ish key is a PHONE", () => {
  for (
    const v of [
      { phone: 14155550132 },
      { phone: "14155550132" },
      { mobile: "0014155550132" },
      { whatsapp: 14155550132 },
      { callback_number: 14155550132 },
      { contactNumber: "14155550132" },
      { wa: 14155550132n },
      { cell: "reach me on 14155550132" },
    ]
  ) assert.deepEqual(types(v), ["PHONE"], show(v));
  assert.deepEqual(redact({ mobile: 14155550132 }, { safeKeys: [] }), {
    mobile: "[REDACTED:PHONE]",
  });
  // A phone-ish key says nothing about other counters.
  assert.deepEqual(types({ mobile: 10737418240 }), []);
  assert.deepEqual(types({ mobile_sessions: 14155550132 }), []);
});

Deno.test("a phone-ish key with a count, a plural, a format or a direction after it is one too", () => {
  for (
    const key of [
      "cell2",
      "mobile_2",
      "whatsapp_2",
      "cellNumbers",
      "contact_numbers",
      "whatsappNumbers",
      "mobiles",
      "contacts",
      "faxes",
      "cells",
      "mobile_primary",
      "contact_mobile_e164",
      "sms_to",
      "whatsapp_from",
    ]
  ) {
    assert.deepEqual(types({ [key]: 14155550132 }), ["PHONE"], key);
    assert.deepEqual(types({ [key]: "14155550132" }), ["PHONE"], key);
  }
  // Keys that only start with a phone word stay technical.
  for (
    const key of [
      "contact_id",
      "wa_version",
      "cell_count",
      "fax_enabled",
      "fax_count",
      "callback_url_id",
    ]
  ) assert.deepEqual(types({ [key]: 14155550132 }), [], key);
});

Deno.test("+1 and separated country codes stay phones; signed numbers still read", () => {
  for (
    const v of [
      "+14155550132",
      "1-415-555-0132",
      "1 415 555 0132",
      "001 415 555 0132",
      "001-415-555-0132",
      "1 (415) 555-0132",
      "Callback 1-415-555-0132",
      "job-1-415-555-0132",
    ]
  ) assert.deepEqual(types(v), ["PHONE"], v);
  assert.deepEqual(types({ count: -536221234 }), ["SSN"]);
  assert.deepEqual(types({ count: 4155550132.25 }), ["PHONE"]);
});
