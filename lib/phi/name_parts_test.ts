/**
 * The parts of a name under a key that names a person: `{ subject: { first, last } }` as a
 * study export writes it, `given`/`family`/`middle` as FHIR-like payloads do. Only under a
 * person key (patient, subject, member, …) and only string values: `first`, `last` and
 * `given` alone are pagination arguments and list ends in technical data
 * (`{ members: { first: 10, after: "…" } }`, `{ page: { last: "cursor" } }`).
 */
import assert from "node:assert/strict";
import { redact, scan } from "./mod.ts";

const FIRST = "Quenby";
const LAST = "Zarkowski";

Deno.test("first/last/given/family/middle under a person key are a PERSON_NAME", () => {
  const cases: unknown[] = [
    { subject: { first: FIRST, last: LAST } },
    { patient: { given: FIRST, family: LAST } },
    { member: { first: FIRST, middle: "Ann", last: LAST } },
    { subjects: [{ first: FIRST, last: LAST }] },
  ];
  for (const value of cases) {
    const result = scan(value, { safeKeys: [] });
    assert.ok(result.findings.some((f) => f.type === "PERSON_NAME"), JSON.stringify(value));
    const out = JSON.stringify(redact(value));
    assert.ok(!out.includes(FIRST) && !out.includes(LAST), out);
  }
});

Deno.test("first/last elsewhere, or not a string, stay", () => {
  const clean: unknown[] = [
    { members: { first: 10, after: "YXJyYXljb25uZWN0aW9uOjEw" } },
    { page: { first: "cursor1", last: "cursor9" } },
    { subject: { first: true, last: false } },
    { first: "step", last: "done" },
    { patient: { first: 5 } },
  ];
  for (const value of clean) {
    assert.equal(scan(value, { safeKeys: [] }).found, false, JSON.stringify(value));
  }
});
