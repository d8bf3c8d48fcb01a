/**
 * The callers that pass client-chosen identifiers through the scanner, on the forms a
 * security review found stored or echoed unredacted: analytics properties and research ids
 * (lib/analytics/rules.ts), job ids on the event bus (lib/realtime/payload_guard.ts, which
 * routes/api/jobs.ts calls before storing a job) and X-Request-ID (lib/http/request_id.ts).
 * Fixing the scanner fixes them; these tests hold them to it.
 */
import assert from "node:assert/strict";
import { judgeEvent } from "../../lib/analytics/rules.ts";
import { payloadRefusal } from "../../lib/realtime/payload_guard.ts";
import { acceptedRequestId } from "../../lib/http/request_id.ts";
import { KEY_PATTERN } from "../../lib/flags/flag.ts";

Deno.test("analytics: a joined date or record number in a property is redacted", () => {
  for (
    const [properties, type] of [
      [{ page: "02-Mar-1955" }, "DATE"],
      [{ page: "2-MAR-55" }, "DATE"],
      [{ variant: "1955-Mar-02" }, "DATE"],
      [{ page: "patient_4829133" }, "MRN"],
      [{ flag_key: "mrn_4829133" }, "MRN"],
      [{ component: "patientId:4829133" }, "MRN"],
    ] as const
  ) {
    const verdict = judgeEvent({ eventName: "ui.page_view", properties });
    assert.equal(verdict.outcome, "redacted", JSON.stringify(properties));
    assert.ok(verdict.outcome === "redacted" && verdict.findings.some((f) => f.type === type));
  }
  const id = judgeEvent({
    eventName: "ui.page_view",
    properties: {},
    researchId: "patient_4829133",
  });
  assert.deepEqual(id, { outcome: "redacted", findings: [{ type: "MRN", path: "researchId" }] });
});

Deno.test("analytics: technical identifiers beside them are accepted", () => {
  const properties = {
    page: "job-2026-11-23-001",
    flag_key: "exp_2024_q3",
    variant: "checkout_v2",
    component: "patient_portal_v2",
    action: "promo_01_mar_2025",
  };
  assert.deepEqual(judgeEvent({ eventName: "ui.page_view", properties }), {
    outcome: "accepted",
    properties,
    researchId: null,
  });
});

Deno.test("jobs: a joined date or record number as a job id is refused before it is stored", () => {
  for (const id of ["02-Mar-1955", "02.Mar.1955", "patient_4829133", "MRN_4829133"]) {
    assert.equal(payloadRefusal({ jobId: id, researchId: null }), "phi", id);
  }
  assert.equal(
    payloadRefusal({ jobId: "job-2026-11-23-001", researchId: "exp_2024_q3" }),
    undefined,
  );
});

Deno.test("X-Request-ID: a joined record number or date is not adopted", () => {
  for (const id of ["patient_4829133_jane", "mrn_4829133", "02-Mar-1955-req", "x-02-Mar-1955"]) {
    assert.equal(acceptedRequestId(id), undefined, id);
  }
  for (const id of ["4bf92f3577b34da6a3ce929d0e0e4736", "req-4bf92f3577b34da6"]) {
    assert.equal(acceptedRequestId(id), id);
  }
});

/** Flag keys with an MRN phrase beside a year or a dated version: keys, not record numbers. */
const YEAR_FLAG_KEYS = [
  "med_rec_2024_v2",
  "med-rec-2024",
  "health_record_2025_rollout",
  "patient_id_2024_q3",
  "mrn_2024_q3",
  "encounter_id_2024",
  "chart_no_2024",
  "mrn-2024",
  "record_2024_11_23",
];

Deno.test("flags: a change to a flag keyed with an MRN phrase and a year is published", () => {
  // The payload lib/flags/service.ts publishes on every flag change (a kill switch included).
  for (const flagKey of YEAR_FLAG_KEYS) {
    assert.ok(KEY_PATTERN.test(flagKey), flagKey);
    const payload = { flagKey, enabled: false, rolloutPercent: 0, version: 7, archived: false };
    assert.equal(payloadRefusal(payload), undefined, flagKey);
  }
  assert.equal(
    payloadRefusal({
      flagKey: "mrn_4829133",
      enabled: true,
      rolloutPercent: 100,
      version: 1,
      archived: false,
    }),
    "phi",
  );
});

Deno.test("analytics: a flag_key with an MRN phrase and a year is accepted as it is", () => {
  for (const flag_key of YEAR_FLAG_KEYS) {
    const properties = { flag_key, variant: "on" };
    assert.deepEqual(
      judgeEvent({ eventName: "ui.page_view", properties }),
      { outcome: "accepted", properties, researchId: null },
      flag_key,
    );
  }
});

/** Hex of a text's UTF-8 bytes. */
const hex = (s: string) =>
  Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("analytics and the bus guard: a cued name joined by '-', '_' or '.' and hex of PHI are found", () => {
  const name = ["Dr", "Jo" + "hn", "Smi" + "th"];
  const email = ["jane.doe", "example.org"].join("@");
  const ssn = ["536", "22", "1234"].join("-");
  for (
    const [value, type] of [
      [name.join("-"), "PERSON_NAME"],
      [name.join("_"), "PERSON_NAME"],
      [["Patient", "Qu" + "enby", "Zar" + "kowski"].join("-"), "PERSON_NAME"],
      [hex(email), "EMAIL"],
      [hex(ssn), "SSN"],
    ] as const
  ) {
    const verdict = judgeEvent({ eventName: "ui.page_view", properties: { page: value } });
    assert.equal(verdict.outcome, "redacted", value);
    assert.ok(verdict.outcome === "redacted" && verdict.findings.some((f) => f.type === type));
    assert.equal(payloadRefusal({ jobId: value, researchId: null }), "phi", value);
  }
  // Technical identifiers beside them.
  const properties = {
    page: "dr-run",
    flag_key: "patient-list-redesign",
    variant: "mr-merge-request",
    component: "ms-sql",
    action: "4bf92f3577b34da6a3ce929d0e0e4736",
  };
  assert.deepEqual(judgeEvent({ eventName: "ui.page_view", properties }), {
    outcome: "accepted",
    properties,
    researchId: null,
  });
  assert.equal(
    payloadRefusal({ jobId: "da39a3ee5e6b4b0d3255bfef95601890afd80709", researchId: null }),
    undefined,
  );
});
