/**
 * FHIR resources through scan()/redact() and as JSON text: the parts of a HumanName, the value
 * of an Identifier and the display of a Reference to a person hold PHI by the shape FHIR gives
 * them, not by their key (`family`, `value` and `display` mean other things elsewhere), and the
 * clinical times (`effectiveDateTime`, ...) are dates, not technical timestamps. Every value
 * here is synthetic, built in this file from parts.
 */
import assert from "node:assert/strict";
import { redact, redactText, scan, scanText } from "./mod.ts";
import { isTechnicalKey, safeKeySet } from "./keys.ts";
import { DEFAULT_SAFE_KEYS } from "./mod.ts";

const GIVEN = "Qu" + "enby";
const FAMILY = "Zar" + "kowski";
const RECORD = "A48" + "29133";
const VISIT = "V77" + "881";

const patient = () => ({
  resourceType: "Patient",
  id: "pat-1",
  meta: { versionId: "3", lastUpdated: "2026-11-22T08:30:00Z" },
  identifier: [{
    use: "usual",
    type: { coding: [{ code: "MR" }] },
    system: "urn:oid:1.2.36.146.595.217.0.1",
    value: RECORD,
  }],
  active: true,
  name: [
    { use: "official", family: FAMILY, given: [GIVEN, "Q"], text: `${GIVEN} Q. ${FAMILY}` },
    { use: "maiden", family: FAMILY + "a" },
    { family: FAMILY, given: [GIVEN], prefix: ["Ms."], suffix: ["III"] },
  ],
  gender: "female",
});

const observation = () => ({
  resourceType: "Observation",
  status: "final",
  code: { coding: [{ code: "2345-7", display: "Glucose" }] },
  subject: {
    reference: "Patient/pat-1",
    display: `${FAMILY.toUpperCase()}, ${GIVEN.toUpperCase()}`,
  },
  effectiveDateTime: "2026-11-21T07:12:00Z",
  performedDateTime: "2026-11-21T07:12:00Z",
  onsetDateTime: "2026-11-01",
  occurrenceDateTime: "2026-11-21",
  issued: "2026-11-21T09:00:00Z",
  valueQuantity: { value: 105, unit: "mg/dL", code: "mg/dL" },
  performer: [{ reference: "Practitioner/prac-77", display: `${GIVEN} ${FAMILY}, MD` }],
});

const types = (v: unknown) => scan(v).findings.map((f) => `${f.type}@${f.path}`).sort();

Deno.test("scan(): a HumanName's family, given, text, prefix and suffix are a person's name", () => {
  const found = types(patient());
  for (
    const path of [
      "$.name[0].family",
      "$.name[0].given",
      "$.name[0].text",
      "$.name[1].family",
      "$.name[2].family",
      "$.name[2].given",
      "$.name[2].prefix",
      "$.name[2].suffix",
    ]
  ) assert.ok(found.includes(`PERSON_NAME@${path}`), path);
});

Deno.test("scan(): an Identifier's value is a record number; meta.lastUpdated is technical", () => {
  assert.deepEqual(types({ identifier: patient().identifier }), ["MRN@$.identifier[0].value"]);
  assert.deepEqual(types({ identifier: [{ value: VISIT }] }), ["MRN@$.identifier[0].value"]);
  assert.deepEqual(
    types({ identifier: { system: "http://hl7.org/fhir/sid/us-ssn", value: "x" } }),
    ["SSN@$.identifier.value", "URL@$.identifier.system"],
  );
  assert.deepEqual(types({ meta: { versionId: "3", lastUpdated: "2026-11-22T08:30:00Z" } }), []);
});

Deno.test("scan(): the display of a reference to a patient or practitioner is a name", () => {
  const found = types(observation());
  assert.ok(found.includes("PERSON_NAME@$.subject.display"));
  assert.ok(found.includes("PERSON_NAME@$.performer[0].display"));
  assert.ok(!found.some((f) => f.endsWith("code.coding[0].display")), "a code's display");
  assert.deepEqual(types({ subject: { display: `${GIVEN} ${FAMILY}` } }), [
    "PERSON_NAME@$.subject.display",
  ]);
  assert.deepEqual(
    types({ managingOrganization: { reference: "Organization/1", display: "Lab" } }),
    [],
  );
  assert.deepEqual(
    types({ performer: [{ reference: "Organization/1", display: "Acme Lab" }] }),
    [],
  );
});

Deno.test("scan(): clinical times are dates, however they end", () => {
  const found = types(observation());
  for (
    const key of ["effectiveDateTime", "performedDateTime", "onsetDateTime", "occurrenceDateTime"]
  ) {
    assert.ok(found.includes(`DATE@$.${key}`), key);
  }
  assert.ok(found.includes("DATE@$.issued"));
});

Deno.test("isTechnicalKey(): FHIR clinical times are not technical, write times are", () => {
  const safe = safeKeySet(DEFAULT_SAFE_KEYS);
  for (
    const key of ["effectiveDateTime", "performedDateTime", "onsetDateTime", "occurrenceDateTime"]
  ) {
    assert.equal(isTechnicalKey(key, safe), false, key);
  }
  for (const key of ["created_at", "updated_at", "timestamp", "ts", "lastUpdated", "startTime"]) {
    assert.equal(isTechnicalKey(key, safe), true, key);
  }
});

Deno.test("redact(): the shaped values are replaced whole, the rest is kept", () => {
  const out = redact(observation()) as Record<string, unknown>;
  assert.deepEqual(out.subject, { reference: "Patient/pat-1", display: "[REDACTED]" });
  assert.deepEqual(out.performer, [{ reference: "Practitioner/prac-77", display: "[REDACTED]" }]);
  assert.deepEqual(out.code, { coding: [{ code: "2345-7", display: "Glucose" }] });
  assert.deepEqual(out.valueQuantity, { value: 105, unit: "mg/dL", code: "mg/dL" });
  const p = redact(patient()) as { name: unknown[]; identifier: Array<Record<string, unknown>> };
  assert.deepEqual(p.name[0], {
    use: "official",
    family: "[REDACTED]",
    given: "[REDACTED]",
    text: "[REDACTED]",
  });
  assert.equal(p.identifier[0]!.value, "[REDACTED]");
  assert.equal(p.identifier[0]!.system, "urn:oid:1.2.36.146.595.217.0.1");
  const json = JSON.stringify(redact(patient()));
  for (const part of [GIVEN, FAMILY, RECORD]) assert.ok(!json.includes(part), part);
});

Deno.test("findings name types and paths, never a value", () => {
  const json = JSON.stringify(scan({ patient: patient(), observation: observation() }));
  for (const part of [GIVEN, FAMILY, RECORD, GIVEN.toUpperCase()]) {
    assert.ok(!json.includes(part), part);
  }
});

Deno.test("JSON text: names, identifier values and person displays are redacted", () => {
  const resources = [patient(), observation(), { identifier: [{ value: VISIT }] }];
  for (const resource of resources) {
    const json = JSON.stringify(resource);
    for (
      const text of [`fhir validate failed body=${json}`, JSON.stringify({ msg: `422: ${json}` })]
    ) {
      const out = redactText(text);
      for (
        const part of [GIVEN, FAMILY, RECORD, VISIT, GIVEN.toUpperCase(), FAMILY.toUpperCase()]
      ) {
        assert.ok(!out.includes(part), `${part} in ${out}`);
      }
    }
  }
  assert.equal(
    redactText(JSON.stringify(observation().subject)),
    '{"reference":"Patient/pat-1","display":"[REDACTED:PERSON_NAME]"}',
  );
  assert.equal(
    redactText(`{"identifier":[{"system":"http://hosp.example/mrn","value":"${RECORD}"}]}`),
    '{"identifier":[{"system":"[REDACTED:URL]","value":"[REDACTED:MRN]"}]}',
  );
});

/** Objects that look like FHIR or use its keys, and hold no PHI. */
const uaResult = {
  ua: "Mozilla/5.0",
  browser: { family: "Chrome Mobile", major: "120", minor: "0" },
  os: { family: "Mac OS X", major: "10", minor: "15" },
  device: { family: "Other", brand: null, model: null },
};
const css = { font: { family: "Arial", size: "12px" }, display: "block" };
const bundle = {
  resourceType: "Bundle",
  id: "b1",
  type: "searchset",
  total: 3,
  identifier: {
    system: "urn:ietf:rfc:3986",
    value: "urn:uuid:8f3c2a1e-1b2c-4d5e-9f00-112233445566",
  },
  meta: { lastUpdated: "2026-11-22T08:30:00Z" },
  entry: [{ search: { mode: "match" } }],
};
const codeSystem = {
  resourceType: "CodeSystem",
  version: "2.9.0",
  name: "IdentifierType",
  title: "Identifier Type",
  identifier: [{ system: "urn:ietf:rfc:3986", value: "urn:oid:2.16.840.1.113883.18.108" }],
  concept: [
    { code: "MR", display: "Medical record number" },
    { code: "SS", display: "Social Security number" },
  ],
};

Deno.test("near misses: ua-parser results, CSS, Bundle metadata and a CodeSystem", () => {
  for (const value of [uaResult, css, bundle, codeSystem]) {
    assert.deepEqual(scan(value).findings, [], JSON.stringify(value));
  }
  for (const value of [uaResult, css, codeSystem]) {
    assert.deepEqual(scanText(JSON.stringify(value)).findings, [], JSON.stringify(value));
  }
  // In text, the timestamp of meta.lastUpdated is a date like any other: no name, no record.
  const types = scanText(JSON.stringify(bundle)).findings.map((f) => f.type);
  assert.ok(!types.includes("PERSON_NAME") && !types.includes("MRN"), types.join());
});

Deno.test("FHIR search: a date glued to a comparator prefix after '=' is a date", () => {
  const cases: Array<[string, string]> = [
    [
      "GET /fhir/Patient?birthdate=eq1962-03-14&family=x",
      "GET /fhir/Patient?birthdate=eq[REDACTED:DATE]&family=x",
    ],
    ["date=ge2024-03-14&date=le2024-03-20", "date=ge[REDACTED:DATE]&date=le[REDACTED:DATE]"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  // Not a comparator, not after '=', or no date: as before.
  for (const text of ["x=ab1962-03-14", "ge2024-03-14", "v=eq2", "build=le2024-99-99"]) {
    assert.equal(redactText(text), text, text);
  }
});
