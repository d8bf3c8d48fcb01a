/**
 * Identifiers in the analytics alphabet (`^[A-Za-z0-9_.:-]{1,100}$`: no spaces), where `_`,
 * `.`, `:` and `-` stand in for spaces and a letter may touch a digit. A client that cannot
 * send `536-22-1234 ` with a space sends `ssn_536_22_1234`, `x536-22-1234` or
 * `patient.Quenby.Zarkowski`; each was stored as it was (a PHI-leak review reproduced them).
 * Flag keys, build and job ids, hashes and UUIDs in the same alphabet stay clean.
 */
import assert from "node:assert/strict";
import { redact, scan } from "./mod.ts";

/** Synthetic canaries, put together here rather than written out whole. */
const SSN = ["536", "22", "1234"];
const PHONE = ["415", "555", "0132"];
const DOB = ["1955", "03", "02"];
// Dictionary names: a name in identifier form is judged by the free-text rule, which without a
// cue leaves an invented pair (`Quenby Zarkowski`) in a sentence too, and so leaves
// `Quenby.Zarkowski` (identifier_review_test.ts).
const FIRST = "Mary";
const LAST = "Garcia";

const ssn = (sep: string) => SSN.join(sep);
const phone = (sep: string) => PHONE.join(sep);
const dob = (sep: string) => DOB.join(sep);

/** Every value a review found stored unredacted, with the canaries it must not leave. */
const LEAKS: Array<[string, string[]]> = [
  [`ssn_${ssn("_")}`, SSN],
  [`x${ssn("-")}`, SSN],
  [`dob${dob("-")}`, DOB],
  [`patient_${FIRST}_${LAST}`, [FIRST, LAST]],
  [ssn("_"), SSN],
  [ssn(":"), SSN],
  [`${ssn("-")}a`, SSN],
  [`${phone("-")}x`, PHONE],
  [phone("_"), PHONE],
  [`born_${dob("_")}`, DOB],
  ["h192.168.44.7", ["192", "168"]],
  ["mrn_774_1293", ["774", "1293"]],
  [`patient.${FIRST}.${LAST}`, [FIRST, LAST]],
  [`Patient-${FIRST}-${LAST}`, [FIRST, LAST]],
  ["1234-Elm-Street", ["1234", "Elm"]],
  ["1234_Elm_Street", ["1234", "Elm"]],
  ["chart_7741293", ["7741293"]],
  [`${FIRST}.${LAST}`, [FIRST, LAST]],
  [`${FIRST}_${LAST}_${dob("_")}`, [FIRST, LAST, ...DOB]],
  [`phone_${phone("_")}`, PHONE],
  [`dob_${dob("_")}`, DOB],
  [`patient_${FIRST.toLowerCase()}_${LAST.toLowerCase()}`, [
    FIRST.toLowerCase(),
    LAST.toLowerCase(),
  ]],
  // Caught before: they stay caught.
  [ssn("-"), SSN],
  [ssn("."), SSN],
  [`ssn_${SSN.join("")}`, [SSN.join("")]],
  [`dob_${DOB.join("")}`, [DOB.join("")]],
  ["mrn_7741293", ["7741293"]],
  [`patient:${FIRST}:${LAST}`, [FIRST, LAST]],
  [`ph${phone("-")}`, PHONE],
];

/** Identifiers that name no one. */
const TECHNICAL = [
  "new_checkout_flow",
  "exp_2024_q3_banner",
  "v1_2_3",
  "v1.2.3",
  "v1.2.3.4",
  "123e4567-e89b-12d3-a456-426614174000",
  "da39a3ee5e6b4b0d3255bfef95601890afd80709",
  "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  "build_20241103_1",
  "page_2",
  "step_3_of_5",
  "job_42",
  "1730592000000",
  "checkout:v2",
  "consent-banner-v2",
  "beta_export",
  "new-dashboard",
  "patient_list_view",
  "patient_export_v2",
  "Grace_Period",
  "Release.Notes",
  "cohort_2024_11",
  "ip-10-0-1-23",
  "10:30:00",
  "retry_3_of_10",
  "a1b2c3d4-e5f6",
  "chunk_12_34_5678",
];

Deno.test("identifier-alphabet PHI is found", () => {
  for (const [value] of LEAKS) {
    assert.ok(scan({ page: value }, { safeKeys: [] }).found, value);
  }
});

Deno.test("identifier-alphabet PHI is redacted: none of the canaries is left", () => {
  for (const [value, canaries] of LEAKS) {
    const out = JSON.stringify(redact({ page: value }, { safeKeys: [] }));
    for (const canary of canaries) assert.ok(!out.includes(canary), `${value} -> ${out}`);
  }
});

Deno.test("technical identifiers in the same alphabet stay clean", () => {
  for (const value of TECHNICAL) {
    assert.equal(scan({ page: value }, { safeKeys: [] }).found, false, value);
    assert.equal(scan({ flag_key: value }).found, false, value);
  }
});

Deno.test("long identifier-alphabet inputs are read in linear time", () => {
  // At most 256 characters are read as an identifier; longer runs take the text rules alone.
  for (const unit of ["1_", "a1_", "Aa.", "536_22_", "x1-"]) {
    const value = unit.repeat(Math.ceil(256 / unit.length)).slice(0, 256);
    scan({ page: value }, { safeKeys: [] });
    const long = unit.repeat(50_000);
    const result = scan({ page: long }, { safeKeys: [], timeBudgetMs: 5_000 });
    assert.equal(result.findings.some((f) => f.type === "SCANNER_ERROR"), false, unit);
  }
});
