/**
 * A review of the identifier-alphabet reading (lib/phi/detectors/identifiers.ts) and of its
 * normalisation changes found three regressions; each test here failed before its fix.
 * Canaries are synthetic and put together here rather than written out whole.
 */
import assert from "node:assert/strict";
import { redact, redactText, scan } from "./mod.ts";

const SSN = ["536", "22", "1234"];
const PHONE = ["415", "555", "0132"];
const DOB = ["1955", "03", "02"];

/** Every canary of a value is gone from its redacted text, as free text and as a whole value. */
function assertGone(value: string, canaries: string[]): void {
  const text = redactText(value);
  const whole = JSON.stringify(redact({ page: value }, { safeKeys: [] }));
  for (const canary of canaries) {
    assert.ok(!text.includes(canary), `${JSON.stringify(value)} -> ${text}`);
    assert.ok(!whole.includes(canary), `${JSON.stringify(value)} -> ${whole}`);
  }
}

Deno.test("&ndash; and &mdash; separate their neighbours: both sides are still found", () => {
  const email = ["quenby.zarkowski", "gmail.com"];
  assertGone(`reach ${email.join("@")}&mdash;call back`, email);
  assertGone(`IP 10.1.2.3&ndash;10.1.2.9`, ["10.1.2.3", "10.1.2.9"]);
  assertGone(`call ${PHONE.join("-")}&ndash;415-555-0199`, [...PHONE, "0199"]);
  // The dashes an HTML editor writes between digit groups still join an SSN.
  assertGone(`SSN ${SSN.join("&ndash;")}`, SSN);
  assertGone(SSN.join("&ndash;"), SSN);
  assertGone(`seen ${DOB.join("-")}&mdash;deceased`, DOB);
});

Deno.test("an identifier value that needed normalising is still read as an identifier", () => {
  const astral = (s: string, base: number) =>
    [...s].map((c) => /\d/.test(c) ? String.fromCodePoint(base + Number(c)) : c).join("");
  const arabic = (s: string) => astral(s, 0x660);
  const cases: Array<[string, string[]]> = [
    [`ssn_${SSN.join("_")}\u200b`, SSN],
    [`dob_${DOB.join("_")}\ufeff`, DOB],
    [`x${SSN.join("\u2010")}`, SSN],
    [`ssn_${arabic(SSN.join("_"))}`, SSN.map(arabic)],
    [`ssn%5F${SSN.join("%5F")}`, SSN],
    // Astral digits (two UTF-16 units each): no half of a digit is left.
    [`ssn_${astral(SSN.join("_"), 0x1d7ce)}`, SSN.map((g) => astral(g, 0x1d7ce))],
    [`ssn_${astral(SSN.join("_"), 0x104a0)}`, SSN.map((g) => astral(g, 0x104a0))],
  ];
  for (const [value, canaries] of cases) {
    assert.ok(scan({ page: value }, { safeKeys: [] }).found, JSON.stringify(value));
    const out = (redact({ page: value }, { safeKeys: [] }) as { page: string }).page;
    for (const canary of canaries) assert.ok(!out.includes(canary), `${value} -> ${out}`);
    assert.equal(/[\ud800-\udfff]/.test(out), false, `${value} -> ${out}`);
    // No digit of any script is left.
    assert.equal(/\p{Nd}/u.test(out.replaceAll("%5F", "")), false, `${value} -> ${out}`);
  }
});

Deno.test("technical keys and values read as spaced text are judged by the free-text name rule", () => {
  const clean = [
    "patient_portal_sso",
    "pt_triage_kiosk",
    "patient_lookup_fhir",
    "patient_redcap_sync",
    "patient_roster_csv",
    "patient_kiosk_checkin",
    "Cohort_Builder",
    "Checkout_Modal",
    "Dashboard_Redesign",
    "Triage_Kiosk",
    "Okta_Login",
    "new_Patient_Portal",
    "Patient_Banner",
    "Cohort_2024_11_23",
    "Snapshot_2024_11_23",
    "Backup_2024_11_23",
    "Omop_2024_11_23",
    "Redcap_2024_11_23",
    "Epic_Sync_2024_11_23",
    "r10.2.3.4",
    "build10.0.0.1",
    "rel10.0.0.1",
    "ver10.0.0.1",
    "v10.0.0.1",
  ];
  for (const value of clean) {
    assert.equal(scan({ page: value }, { safeKeys: [] }).found, false, value);
  }
  // As flag keys: a stored key must not now be refused by the payload guard.
  for (const key of clean.slice(0, 6)) {
    assert.equal(scan({ flag_key: key }).found, false, key);
  }
});

Deno.test("names the free-text rule reads as a name stay caught in identifier form", () => {
  const cases: Array<[string, string[]]> = [
    ["Mary_Smith", ["Mary", "Smith"]],
    ["Mary.Garcia", ["Mary", "Garcia"]],
    ["patient_mary_garcia", ["mary", "garcia"]],
    ["patient_Mary_Garcia", ["Mary", "Garcia"]],
    [`Mary_Garcia_${DOB.join("_")}`, ["Mary", "Garcia", ...DOB]],
    ["h192.168.44.7", ["192", "168"]],
    ["ip10.0.0.1", ["10.0.0.1"]],
  ];
  for (const [value, canaries] of cases) {
    assert.ok(scan({ page: value }, { safeKeys: [] }).found, value);
    const out = JSON.stringify(redact({ page: value }, { safeKeys: [] }));
    for (const canary of canaries) assert.ok(!out.includes(canary), `${value} -> ${out}`);
  }
});
