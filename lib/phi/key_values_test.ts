/**
 * Keys and values written in text: JSON (plain and escaped inside a JSON string), Python reprs,
 * JavaScript object literals, SQL literals, logfmt and query strings. A quote between a key and
 * its value must not turn the key's cue off, and the keys that name a person's name make their
 * value a name. Every value here is synthetic, built in this file from parts.
 */
import assert from "node:assert/strict";
import { redactText, scanText } from "./mod.ts";

const GIVEN = "Qu" + "enby";
const FAMILY = "Zar" + "kowski";
const RECORD = "48" + "29133";
const ACCOUNT = "7788" + "1234";
const ZIP = "627" + "01";

/** The ways a key and its value are written in log lines, by name. */
const FORMS: ReadonlyArray<readonly [string, (k: string, v: string) => string]> = [
  ["json", (k, v) => `{"${k}":"${v}"}`],
  ["json, spaced", (k, v) => `{"${k}": "${v}"}`],
  ["json in a json string", (k, v) => `{\\"${k}\\":\\"${v}\\"}`],
  ["python", (k, v) => `{'${k}': '${v}'}`],
  ["javascript", (k, v) => `{ ${k}: "${v}" }`],
  ["quoted value", (k, v) => `${k}='${v}'`],
  ["sql", (k, v) => `WHERE ${k} = '${v}'`],
  ["logfmt", (k, v) => `${k}="${v}"`],
];

Deno.test("a quote between a key and its value keeps the key's cue: MRN, ZIP, account", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["mrn", RECORD, "MRN"],
    ["mrn", "A" + RECORD, "MRN"],
    ["patient_id", RECORD, "MRN"],
    ["zip", ZIP, "ZIP_CODE"],
    ["postalCode", ZIP, "ZIP_CODE"],
    ["postal_code", ZIP, "ZIP_CODE"],
    ["acct", ACCOUNT, "ACCOUNT_NUMBER"],
  ];
  for (const [key, value, type] of cases) {
    for (const [form, write] of FORMS) {
      const text = "msg " + write(key, value);
      assert.equal(
        redactText(text),
        "msg " + write(key, `[REDACTED:${type}]`),
        `${key} (${form})`,
      );
    }
  }
});

Deno.test("Prisma's and Postgres' renderings of a record number are redacted", () => {
  assert.equal(
    redactText(`Invalid \`prisma.patient.create()\` invocation: { data: { mrn: "${RECORD}" } }`),
    'Invalid `prisma.patient.create()` invocation: { data: { mrn: "[REDACTED:MRN]" } }',
  );
  assert.equal(
    redactText(`slow query: SELECT * FROM patients WHERE mrn = '${RECORD}'`),
    "slow query: SELECT * FROM patients WHERE mrn = '[REDACTED:MRN]'",
  );
});

Deno.test("a birth cue before an escaped quote still dates a compact date", () => {
  for (const key of ["birthDate", "dob"]) {
    assert.equal(
      redactText(`{\\"${key}\\":\\"19550302\\"}`),
      `{\\"${key}\\":\\"[REDACTED:DATE]\\"}`,
      key,
    );
  }
});

Deno.test("a key that names a name makes its value a name, dictionary name or not", () => {
  const keys = [
    "first_name",
    "last_name",
    "firstName",
    "lastName",
    "FirstName",
    "FIRST_NAME",
    "first-name",
    "fname",
    "lname",
    "surname",
    "given_name",
    "givenName",
    "family_name",
    "familyName",
    "patient_name",
    "patientName",
    "middle_name",
    "maiden_name",
  ];
  for (const key of keys) {
    for (const [form, write] of FORMS) {
      const text = "msg " + write(key, GIVEN);
      assert.equal(
        redactText(text),
        "msg " + write(key, "[REDACTED:PERSON_NAME]"),
        `${key} (${form})`,
      );
    }
    assert.equal(
      redactText(`${key}=${FAMILY}&page=2`),
      `${key}=[REDACTED:PERSON_NAME]&page=2`,
      `${key}=`,
    );
    assert.equal(
      redactText(`${key}: ${GIVEN} ${FAMILY}`),
      `${key}: [REDACTED:PERSON_NAME]`,
      `${key}:`,
    );
  }
});

Deno.test("name keys in logfmt, query strings and SQL take each value, lower case included", () => {
  assert.equal(
    redactText(`first_name=${GIVEN} last_name=${FAMILY} status=404`),
    "first_name=[REDACTED:PERSON_NAME] last_name=[REDACTED:PERSON_NAME] status=404",
  );
  assert.equal(
    redactText(`fname=${GIVEN.toLowerCase()}&lname=${FAMILY.toLowerCase()}`),
    "fname=[REDACTED:PERSON_NAME]&lname=[REDACTED:PERSON_NAME]",
  );
  assert.equal(
    redactText(`SELECT * FROM patients WHERE lname='${FAMILY}' AND fname='${GIVEN}'`),
    "SELECT * FROM patients WHERE lname='[REDACTED:PERSON_NAME]' AND fname='[REDACTED:PERSON_NAME]'",
  );
  assert.equal(
    redactText(`first_name: ${GIVEN} was not found`),
    "first_name: [REDACTED:PERSON_NAME] was not found",
  );
  assert.equal(
    redactText(`bad dataset PatientName: ${FAMILY.toUpperCase()}^${GIVEN.toUpperCase()}`),
    "bad dataset PatientName: [REDACTED:PERSON_NAME]",
  );
});

Deno.test("`name=` alone takes a name in title case, percent-encoded spaces included", () => {
  assert.equal(
    redactText(`GET /api/search?name=${GIVEN}%20${FAMILY}&page=2`),
    "GET /api/search?name=[REDACTED:PERSON_NAME]&page=2",
  );
  assert.equal(redactText(`name=${GIVEN}`), "name=[REDACTED:PERSON_NAME]");
  assert.equal(
    redactText(`WHERE name = '${GIVEN} ${FAMILY}'`),
    "WHERE name = '[REDACTED:PERSON_NAME]'",
  );
});

Deno.test("FHIR's given and family as keys: JSON, escaped JSON, object literals, search parameters", () => {
  const R = "[REDACTED:PERSON_NAME]";
  const cases: ReadonlyArray<readonly [string, string]> = [
    [`{"family":"${FAMILY}","given":["${GIVEN}"]}`, `{"family":"${R}","given":["${R}"]}`],
    [
      `{"family":"${FAMILY}","given":["${GIVEN}","Q"]}`,
      `{"family":"${R}","given":["${R}","${R}"]}`,
    ],
    [
      `{\\"given\\":[\\"${GIVEN}\\"],\\"family\\":\\"${FAMILY}\\"}`,
      `{\\"given\\":[\\"${R}\\"],\\"family\\":\\"${R}\\"}`,
    ],
    [`{ family: "${FAMILY}", given: [ "${GIVEN}" ] }`, `{ family: "${R}", given: [ "${R}" ] }`],
    [`{'given': ['${GIVEN}']}`, `{'given': ['${R}']}`],
    [
      `GET /fhir/Patient?family=${FAMILY}&given=${GIVEN} 200`,
      `GET /fhir/Patient?family=${R}&given=${R} 200`,
    ],
  ];
  for (const [text, expected] of cases) assert.equal(redactText(text), expected, text);
});

Deno.test("near misses: keys beside the cues, values that are no identifier or name", () => {
  const texts = [
    `{"mrn_count":"12345"}`,
    `{"mrn":"MRN"}`,
    `{"zip":"gzip"}`,
    `{"zip":"true"}`,
    `{"record_number":"2024"}`,
    `{"mrn_format":"\\\\d{7}"}`,
    `"patient_id": "2024-11"`,
    `patient_id: 2024-11`,
    `{"visit_id":"v2"}`,
    `{"encounter_id": "8f3c2a1e-1b2c-4d5e-9f00-112233445566"}`,
    `first_name: Required`,
    `first_name: Expected string, received null`,
    `{"first_name":null,"last_name":"","surname":"undefined"}`,
    `{"first_name_required":true,"last_name_count":"3"}`,
    `surname = ?`,
    `{"full_name":"owner/repo"}`,
    `{"name":"IdentifierType"}`,
    `{"name":"checkout_v2"}`,
    `name=IdentifierType`,
    `name=Dark%20Mode&theme=1`,
    `name=checkout-redesign`,
    `service.name=Governance`,
    `{"os":{"family":"Mac OS X","major":"10"},"browser":{"family":"Chrome Mobile"}}`,
    `{"font":{"family":"Arial","size":"12px"}}`,
    `font-family: Arial; fontFamily: "Arial"`,
    `Given the results, the family was informed.`,
    `Medications given: Tylenol 500 mg`,
    `{"code":"2345-7","display":"Glucose"}`,
    `display: none; family: sans-serif`,
  ];
  for (const text of texts) assert.deepEqual(scanText(text).findings, [], text);
});

/** Inputs a key rule reads past its key in: each must stay linear. */
const ADVERSARIAL: ReadonlyArray<readonly [string, string]> = [
  ["display keys", '{"display":"Ab",'.repeat(6_500)],
  ["identifier keys", '"identifier":[{'.repeat(6_700)],
  ["name keys", "first_name=".repeat(9_000)],
  ["given arrays", '"given":["Ab",'.repeat(7_000)],
  ["family keys", '"family":"Ab",'.repeat(7_000)],
  ["text keys", '{"text":"Ab",'.repeat(7_000)],
];

for (const [name, text] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}
