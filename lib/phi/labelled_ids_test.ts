/**
 * Identifiers with their label right beside them, in the forms a PHI-leak review found stored,
 * broadcast and sent on: a record number or SSN glued to its label inside an id
 * (`job-mrn4829133`, `ssn536221234`), with a request hash after it (`mrn4829133-<hex>`); the
 * record wordings `Record #`, `record <number>`, `rec #` and `pt.`; an HL7 person name outside a
 * segment (`DOE^JANE`, `ZARKOWSKI^QUENBY^^^MR`); a published sample SSN after an SSN label.
 * Beside them, the technical strings that must stay clean. Every value is synthetic.
 */
import assert from "node:assert/strict";
import { redact, redactText, scan, scanText } from "./mod.ts";

/** The types scan() reports for a value read the way analytics and the event bus read it. */
const strictTypes = (value: string) =>
  scan({ page: value }, { safeKeys: [] }).findings.map((f) => f.type);

/** A synthetic record number, built here. */
const ID = String(4_829_133);
/** A synthetic SSN (area 536, group 22, serial 1234), built here, without its dashes. */
const SSN9 = ["536", "22", "1234"].join("");
/** A request hash as job ids append it. */
const HEX = "0123456789abcdef";
/** Published sample SSNs (the Woolworth card, SSA pamphlets, the classic one). */
const SAMPLES = [
  ["219", "09", "9999"],
  ["123", "45", "6789"],
  ["078", "05", "1120"],
  ["457", "55", "5462"],
].map((parts) => parts.join("-"));

/** Asserts that each text is found as `type` alone and redacts to the expected output. */
function assertFound(cases: Array<[string, string]>, type: string): void {
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(scanText(text).findings, [{ type, path: "$" }], text);
    assert.deepEqual(strictTypes(text), [type], text);
  }
}

/** Asserts that each text is no finding, keyless and under a plain key. */
function assertClean(texts: string[]): void {
  for (const text of texts) {
    assert.equal(scanText(text).found, false, text);
    assert.deepEqual(strictTypes(text), [], text);
    assert.equal(redactText(text), text, text);
  }
}

Deno.test("a record number or SSN glued to its label inside an id is found; a hash after it keeps it", () => {
  assertFound([
    [`mrn${ID}-${HEX}`, `mrn[REDACTED:MRN]-${HEX}`],
    [`mrn-${ID}-${HEX}`, `mrn-[REDACTED:MRN]-${HEX}`],
    [`MRN ${ID}-${HEX}`, `MRN [REDACTED:MRN]-${HEX}`],
    [`mrn_${ID}-${HEX.toUpperCase()}`, `mrn_[REDACTED:MRN]-${HEX.toUpperCase()}`],
    [`job-mrn${ID}`, `job-mrn[REDACTED:MRN]`],
    [`job-mrn-${ID}`, `job-mrn-[REDACTED:MRN]`],
    [`export.mrn${ID}.csv`, `export.mrn[REDACTED:MRN].csv`],
    [`job-mrn${ID}-${HEX}`, `job-mrn[REDACTED:MRN]-${HEX}`],
  ], "MRN");
  assertFound([
    [`ssn${SSN9}`, "ssn[REDACTED:SSN]"],
    [`SSN${SSN9}`, "SSN[REDACTED:SSN]"],
    [`ssn${SSN9}-${HEX}`, `ssn[REDACTED:SSN]-${HEX}`],
    [`ssn_${SSN9}-${HEX}`, `ssn_[REDACTED:SSN]-${HEX}`],
    [`job-ssn${SSN9}`, "job-ssn[REDACTED:SSN]"],
  ], "SSN");
});

Deno.test("beside the glued labels: years, short hashes, other digit counts and words stay clean", () => {
  assertClean([
    // A label glued inside a word is no label (`jobmrn…`): ids are made of such words.
    `jobmrn${ID}`,
    `xssn${SSN9}`,
    // Years and versions after the label stay flag keys, with a hash after them too.
    `mrn_2024-${HEX}`,
    `mrn2024-${HEX}`,
    // No label: a job id and its hash.
    `job-${ID}-${HEX}`,
    // A hash too short to be one, or not hex, leaves the token to the length rule.
    `ssn${SSN9}0`,
    `ssn${SSN9.slice(0, 8)}`,
    `ssn${SSN9}x`,
    `ssn${SSN9}_v2`,
  ]);
});

Deno.test("Record #, record and a long number, rec # announce a record number", () => {
  assertFound([
    [`Record #${ID}`, "Record #[REDACTED:MRN]"],
    [`Record # ${ID}`, "Record # [REDACTED:MRN]"],
    [`record ${ID}`, "record [REDACTED:MRN]"],
    [`Record: ${ID}`, "Record: [REDACTED:MRN]"],
    [`rec #${ID}`, "rec #[REDACTED:MRN]"],
    [`Rec# ${ID}`, "Rec# [REDACTED:MRN]"],
  ], "MRN");
  assertClean([
    "record 1234 of 5000",
    "processed 12 records in 4 ms",
    "record #2024",
    "record 2024",
    "rec 1234567",
    "record_1234567",
    "a record of 3 visits",
  ]);
});

Deno.test("a name after `pt.` is found as after `Pt`", () => {
  assertFound([
    ["pt. Zarkowski", "pt. [REDACTED:PERSON_NAME]"],
    ["Pt. Zarkowski", "Pt. [REDACTED:PERSON_NAME]"],
    ["seen today, pt. Quenby Zarkowski, stable", "seen today, pt. [REDACTED:PERSON_NAME], stable"],
  ], "PERSON_NAME");
  assertClean(["spoke with the pt. Then called pharmacy", "the pt. The end", "see pt. Stable"]);
});

Deno.test("an HL7 person name outside a segment: dictionary names or a name's own components", () => {
  assertFound([
    ["ZARKOWSKI^QUENBY^^^MR", "[REDACTED:PERSON_NAME]^^^MR"],
    ["Zarkowski^Quenby^^^Mrs", "[REDACTED:PERSON_NAME]^^^Mrs"],
    ["ZARKOWSKI^QUENBY^Q^JR", "[REDACTED:PERSON_NAME]^JR"],
    ["ZARKOWSKI^QUENBY^^^^^L", "[REDACTED:PERSON_NAME]^^^^^L"],
    ["name ZARKOWSKI^QUENBY^^^DR^^L failed", "name [REDACTED:PERSON_NAME]^^^DR^^L failed"],
    ["DOE^JANE", "[REDACTED:PERSON_NAME]"],
    ["Doe^Jane^Q", "[REDACTED:PERSON_NAME]"],
    ["invalid name SMITH^MARY in message", "invalid name [REDACTED:PERSON_NAME] in message"],
    // A given or middle name of several words: the component to its '^' or its end.
    ["DOE^MARY ANN", "[REDACTED:PERSON_NAME]"],
    ["Doe^Mary Ann^^^Mrs", "[REDACTED:PERSON_NAME]^^^Mrs"],
    ["DOE^MARY ANN^Q", "[REDACTED:PERSON_NAME]"],
    ["DOE^JANE^MARY ANN", "[REDACTED:PERSON_NAME]"],
    ["ZARKOWSKI^QUENBY ANN^^^MR", "[REDACTED:PERSON_NAME]^^^MR"],
    ["rejected DOE^MARY ANN: bad field", "rejected [REDACTED:PERSON_NAME]: bad field"],
    // An everyday word after the given name is no part of it.
    ["DOE^JANE ADMITTED", "[REDACTED:PERSON_NAME] ADMITTED"],
    ["DOE^MARY ANN was admitted", "[REDACTED:PERSON_NAME] was admitted"],
  ], "PERSON_NAME");
  assertClean([
    "ADT^A01",
    "ORU^R01^ORU_R01",
    "2345-7^Glucose^LN",
    "GLU^GLUCOSE^L",
    "WBC^WHITE BLOOD COUNT^L",
    "CBC^Complete Blood Count^99LAB",
    "HOSP^MR",
    "ZARKOWSKI^QUENBY",
    "FOO^BAR^^^MR",
    "x^y",
    "a ^ b",
    "^Zarkowski",
    "version ^1.2.3",
    "HOSP^FACILITY^^^MR",
    "GLU^GLUCOSE LEVEL^L",
    "WBC^WHITE BLOOD COUNT",
  ]);
});

Deno.test("a published sample SSN after an SSN label is found; standing alone it is not", () => {
  for (const sample of SAMPLES) {
    assertFound([
      [`SSN ${sample}`, "SSN [REDACTED:SSN]"],
      [`ssn: ${sample}`, "ssn: [REDACTED:SSN]"],
      [`Social Security Number: ${sample}`, "Social Security Number: [REDACTED:SSN]"],
      [`{"ssn":"${sample}"}`, `{"ssn":"[REDACTED:SSN]"}`],
      [`ssn=${sample.replaceAll("-", " ")}`, "ssn=[REDACTED:SSN]"],
    ], "SSN");
    assert.deepEqual(scan({ ssn: sample }).findings, [{ type: "SSN", path: "$.ssn" }]);
    assert.deepEqual(redact({ ssn: sample }), { ssn: "[REDACTED]" });
    assertClean([sample, `format: ${sample}`, `e.g. ${sample} in the docs`]);
  }
  // The issuance rules still hold after a label: a placeholder is no SSN.
  assertClean(["SSN 000-00-0000", "ssn: 666-12-3456", "SSN 900-12-3456"]);
});

Deno.test("a date after a birth or clinical-date label is a date with an id suffix after it", () => {
  const d = ["1955", "03", "02"].join("-");
  assertFound([
    [`dob-${d}-001`, "dob-[REDACTED:DATE]-001"],
    [`dob_${d}_a1`, "dob_[REDACTED:DATE]_a1"],
    [`born-${d}-1`, "born-[REDACTED:DATE]-1"],
    [`pt-dob-${d}-01`, "pt-dob-[REDACTED:DATE]-01"],
    // A record number of 5 or more digits after the date is taken with it.
    [`zarkowski-dob-${d}-${ID}`, "zarkowski-dob-[REDACTED:DATE]"],
    [`dob:03+02+1955-${ID}`, "dob:[REDACTED:DATE]"],
    [`birth_${d}_v2`, "birth_[REDACTED:DATE]_v2"],
    [`dod-${d}-7`, "dod-[REDACTED:DATE]-7"],
    [`admit-${d}-001`, "admit-[REDACTED:DATE]-001"],
    [`DOB 03-02-1955-001`, "DOB [REDACTED:DATE]-001"],
  ], "DATE");
  // Without such a label a date with an id after it is a job id, as before.
  assertClean([
    "2024-03-14-001",
    "patient-2026-11-23-001",
    "job-2024-03-14-001",
    "run_2024-03-14_a1",
    "export-2024-03-14-7",
    "03-14-2024-001",
  ]);
});

Deno.test("under a technical key an SSN after its label is found glued or not; a record number is not read", () => {
  // The SSN label and 9 digits the issuance rules allow: read under any key.
  for (
    const value of [
      `ssn_${SSN9}`,
      `ssn-${SSN9}`,
      `ssn.${SSN9}`,
      `ssn${SSN9}`,
      `SSN${SSN9}`,
      `job-ssn${SSN9}`,
      `job_ssn${SSN9}`,
      `ssn${SSN9}-${HEX}`,
    ]
  ) {
    assert.deepEqual(scan({ job_id: value }).findings, [{ type: "SSN", path: "$.job_id" }], value);
    assert.equal(JSON.stringify(redact({ job_id: value })).includes(SSN9), false, value);
  }
  // A record number's cue is not read under a technical key, glued or not.
  for (
    const value of [`mrn${ID}`, `job-mrn${ID}`, `mrn_${ID}`, `mrn-${ID}`, `MR${ID}`, `xssn${SSN9}`]
  ) {
    assert.equal(scan({ job_id: value }).found, false, value);
    assert.deepEqual(redact({ job_id: value }), { job_id: value }, value);
  }
});
