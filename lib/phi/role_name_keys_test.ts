/**
 * A person's name under a flat `<role>_name` key (`subject_name`, `memberName`,
 * `guarantor_name`, `participant_name`, …) is a PERSON_NAME, as it was under
 * `{ <role>: { name } }`; `participant` joins the roles. Keys that name a thing, not a person
 * (`flag_name`, `event_name`, `file_name`, `display_name`, …), stay no key names: their values
 * meet the value rules only. Canaries are synthetic.
 */
import assert from "node:assert/strict";
import { isSensitiveKey, redact, scan, sensitiveKeyType } from "./mod.ts";

const NAME = "Quenby Zarkowski";

Deno.test("<role>_name in any spelling is a PERSON_NAME key", () => {
  for (
    const key of [
      "subject_name",
      "subjectName",
      "SUBJECT-NAME",
      "subjectname",
      "member_name",
      "guarantor_name",
      "subscriber_name",
      "insured_name",
      "policyholder_name",
      "caregiver_name",
      "participant_name",
      "participantName",
      "patient_name",
      "participant_display_name",
      "memberPreferredName",
      "caregiver_nickname",
      "primary_subscriber_name",
    ]
  ) {
    assert.equal(sensitiveKeyType(key), "PERSON_NAME", key);
    const path = /^\w+$/.test(key) ? `$.${key}` : `$[${JSON.stringify(key)}]`;
    assert.deepEqual(scan({ [key]: NAME }).findings, [{ type: "PERSON_NAME", path }]);
  }
  assert.deepEqual(redact({ subject_name: NAME, n: 3 }), { subject_name: "[REDACTED]", n: 3 });
});

Deno.test("participant is a person key: its name and name parts are a PERSON_NAME", () => {
  for (
    const value of [
      { participant: { name: NAME } },
      { participants: [{ name: NAME, arm: "B" }] },
      { participant: { first: "Quenby", last: "Zarkowski" } },
      { policyholders: [{ displayName: NAME }] },
    ]
  ) {
    assert.ok(scan(value).findings.some((f) => f.type === "PERSON_NAME"), JSON.stringify(value));
  }
});

Deno.test("keys naming a thing stay no key names; counts and flags about a role name stay", () => {
  for (
    const key of [
      "name",
      "flag_name",
      "event_name",
      "file_name",
      "fileName",
      "host_name",
      "hostname",
      "display_name",
      "displayName",
      "experiment_name",
      "variant_name",
      "job_name",
      "table_name",
      "column_name",
      "subject",
      "member",
      "participant_count",
      "subject_name_count",
      "has_member_name",
      "member_name_required",
    ]
  ) {
    assert.equal(isSensitiveKey(key), false, key);
  }
  const payload = {
    flag_name: "Checkout Redesign",
    event_name: "Button Click",
    file_name: "export.csv",
    host_name: "db-primary",
    display_name: "New Dashboard",
    experiment_name: "Pricing Page",
    variant_name: "Treatment",
    job_name: "Nightly Export",
    table_name: "feature_flags",
    participant_count: 42,
  };
  assert.deepEqual(scan(payload).findings, []);
  assert.deepEqual(scan(payload, { safeKeys: [] }).findings, []);
});
