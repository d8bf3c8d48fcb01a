/**
 * `participant`, `subject` and `enrollee` are name cues as `patient` is, in free text, flag
 * descriptions and log lines ("Enable for participant Quenby Zarkowski" passed, with "patient"
 * it was caught). Common in technical text too ("subject line", "JWT subject", "subject to
 * change", an e-mail's "Subject: Weekly Digest"), they take only name-shaped words after them:
 * a dictionary name that is no everyday word, or two or three title-case words that are all
 * words no dictionary holds or a dictionary first name and then such a word or a surname.
 * Canaries are synthetic.
 */
import assert from "node:assert/strict";
import { redactText, scan } from "./mod.ts";

Deno.test("a name after participant, subject or enrollee is a PERSON_NAME", () => {
  for (
    const [text, out] of [
      ["Enable for participant Quenby Zarkowski", "Enable for participant [REDACTED:PERSON_NAME]"],
      ["Participant Quenby Zarkowski withdrew", "Participant [REDACTED:PERSON_NAME] withdrew"],
      ["Subject: Quenby Zarkowski", "Subject: [REDACTED:PERSON_NAME]"],
      ["subject Quenby Zarkowski consented", "subject [REDACTED:PERSON_NAME] consented"],
      [
        "Enrollee: Quenby Zarkowski, MRN 4829133",
        "Enrollee: [REDACTED:PERSON_NAME], MRN [REDACTED:MRN]",
      ],
      ["enrollee Quenby Zarkowski", "enrollee [REDACTED:PERSON_NAME]"],
      ["participant Will Smith", "participant [REDACTED:PERSON_NAME]"],
      ["participant Heather Zarkowski left", "participant [REDACTED:PERSON_NAME] left"],
    ] as const
  ) assert.equal(redactText(text), out);
  assert.deepEqual(scan({ description: "Enable for participant Quenby Zarkowski" }).findings, [
    { type: "PERSON_NAME", path: "$.description" },
  ]);
});

Deno.test("technical uses of the words stay as they are", () => {
  for (
    const text of [
      "subject line too long",
      "Subject: Your Weekly Digest",
      "Subject: Quarterly Report",
      "Subject: Re: Invoice",
      "Subject: Password Reset",
      "Subject Alternative Name mismatch",
      "prices subject to change",
      "JWT subject claim missing",
      "X.509 Subject CN=api.example.com",
      "the subject DN is wrong",
      "Subject Matter Expert review",
      "Participant Portal",
      "Show Participant Consent Form",
      "participant ID 42 not found",
      "Participant List export",
      "enrollee count by plan",
      "Enrollee Services",
      "Subject: Grace Period ends",
      "subject Randomization Service",
      "participant Kanban Board",
      "Subject Enrollment Wizard",
      "Participant Data Export",
      "subject: Onboarding",
      "Email subject: Welcome to Acme",
      "subject Kubernetes cluster",
    ]
  ) assert.equal(redactText(text), text);
});

Deno.test("known over-redaction: two title-case words no dictionary holds read as a name", () => {
  // As after "patient" (`patient Portal Sso`): an invented name and a product name of two
  // unknown words look the same.
  assert.equal(redactText("subject Okta Login"), "subject [REDACTED:PERSON_NAME]");
});
