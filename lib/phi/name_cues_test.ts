/**
 * A person's name next to the cue of an identifier (`Johnson, Robert MRN 5577643`, `Robert
 * Johnson Patient ID: 5577643`): the name must end before the cue, or the cue's number is left
 * as it was in log lines and error reports. A surname that is a cue word with no identifier
 * after it stays part of the name.
 */
import assert from "node:assert/strict";
import { redactText } from "./mod.ts";

const N = "[REDACTED:PERSON_NAME]";

function check(cases: Array<[string, string]>): void {
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
}

Deno.test("a one-word cue and its number are no surname, after a comma or a name cue either", () => {
  // Before, the cue word was read as the surname of the first name before it ("Robert MRN")
  // and its number was left as it was.
  check([
    ["Johnson, Robert MRN 5577643", `${N}, ${N} MRN [REDACTED:MRN]`],
    ["Doe, Jane MRN4829133 DOB 3/14/62", `${N} MRN[REDACTED:MRN] DOB [REDACTED:DATE]`],
    ["Johnson, Robert FIN 55776431", `${N}, ${N} FIN [REDACTED:MRN]`],
    ["Johnson, Robert DL D1234567", `${N}, ${N} DL [REDACTED:LICENSE_NUMBER]`],
    ["Johnson, Robert Acct# 88812345", `${N}, ${N} Acct# [REDACTED:ACCOUNT_NUMBER]`],
    ["Robert MRN: 5577643", `${N} MRN: [REDACTED:MRN]`],
    ["Robert MRN 5577643", `${N} MRN [REDACTED:MRN]`],
    ["Garcia Linda MRN 5577643", `${N} ${N} MRN [REDACTED:MRN]`],
    // The first word after a name cue, and the word after a comma in the record form.
    ["Patient MRN 4829133", "Patient MRN [REDACTED:MRN]"],
    ["Pt MRN 4829133", "Pt MRN [REDACTED:MRN]"],
    ["Patient: Garcia, Acct 12345678", `Patient: ${N}, Acct [REDACTED:ACCOUNT_NUMBER]`],
  ]);
});

Deno.test("a surname that is a cue word with no identifier after it stays in the name", () => {
  for (
    const text of [
      "Jane Driver 3",
      "Mary Race 5k",
      "Ana Fin 2",
      "Mary Record 2",
      "Mary Pacemaker 2",
    ]
  ) assert.equal(redactText(text), `${N} ${text.split(" ").slice(2).join(" ")}`, text);
  check([
    ["directed by Brad L Key and", `directed by ${N} and`],
    ["Patient: Garcia, Maria", `Patient: ${N}`],
    ["Patient: GARCIA, MRN 4829133", `Patient: ${N}, MRN [REDACTED:MRN]`],
    ["Patient: GARCIA, JOSE MRN 4829133", `Patient: ${N} MRN [REDACTED:MRN]`],
    ["Jane Doe SSN 536-22-1234", `${N} SSN [REDACTED:SSN]`],
  ]);
});

Deno.test("a name ends before a cue phrase of several words, or a cue and '#' and a space", () => {
  // Before, the name took the phrase's first word ("Robert Johnson Patient"), which broke the
  // cue: "[REDACTED:PERSON_NAME] ID: 5577643".
  check([
    ["Robert Johnson Patient ID: 5577643", `${N} Patient ID: [REDACTED:MRN]`],
    ["Mr. Johnson Chart # 5577643", `${N} Chart # [REDACTED:MRN]`],
    ["Jane Doe Chart # 5577643", `${N} Chart # [REDACTED:MRN]`],
    ["Robert Johnson Zip Code: 02134", `${N} Zip Code: [REDACTED:ZIP_CODE]`],
    ["Robert Johnson Postal Code: 02134", `${N} Postal Code: [REDACTED:ZIP_CODE]`],
    ["Jane Doe Driver License D1234567", `${N} Driver License [REDACTED:LICENSE_NUMBER]`],
  ]);
  const phrases: Array<[string, string]> = [
    ["Medical Record Number", "MRN"],
    ["Medical Record", "MRN"],
    ["Med Rec", "MRN"],
    ["Record Number", "MRN"],
    ["Chart Number", "MRN"],
    ["Chart No", "MRN"],
    ["Encounter ID", "MRN"],
    ["Encounter #", "MRN"],
    ["Visit ID", "MRN"],
    ["Visit Number", "MRN"],
    ["Visit #", "MRN"],
    ["Accession Number", "MRN"],
    ["Health Record", "MRN"],
    ["Account Number", "ACCOUNT_NUMBER"],
    ["Account #", "ACCOUNT_NUMBER"],
    ["Member ID", "HEALTH_PLAN"],
    ["Policy Number", "HEALTH_PLAN"],
    ["Subscriber ID", "HEALTH_PLAN"],
    ["License Number", "LICENSE_NUMBER"],
    ["Serial Number", "DEVICE_ID"],
    ["Device ID", "DEVICE_ID"],
  ];
  for (const [cue, type] of phrases) {
    const text = `Robert Johnson ${cue} 5577643`;
    assert.equal(redactText(text), `${N} ${cue} [REDACTED:${type}]`, text);
  }
});

Deno.test("a cue word after a name with no value of its cue after it stays as it was", () => {
  check([
    ["Anna Chart review 2020", `${N} Chart review 2020`],
    ["Robert Health 4 weeks", `${N} Health 4 weeks`],
    ["John Smith Patient 1234 of 5000", `${N} Patient 1234 of 5000`],
    ["Mr. Johnson Chart review", `${N} review`],
  ]);
});

Deno.test("a first name that is an everyday word too is redacted after a surname and a comma", () => {
  // Before, "Maria" (an everyday word too: the lunar maria) was left beside its surname.
  check([
    ["Garcia, Maria", N],
    ["Lopez, Maria", N],
    ["Nguyen, Mark", N],
    ["Garcia, Maria MRN 5577643", `${N} MRN [REDACTED:MRN]`],
  ]);
  // Not where the word goes on into a sentence, nor after a surname that is an everyday word.
  check([
    ["Lopez, Will follow up", `${N}, Will follow up`],
    ["Lee, Grace", "Lee, Grace"],
    ["Ave Maria", "Ave Maria"],
  ]);
});

Deno.test("a possessive cue (Driver's License) and 'Policy #' announce their numbers", () => {
  const cases: Array<[string, string]> = [
    ["Driver's License D1234567", "Driver's License [REDACTED:LICENSE_NUMBER]"],
    [
      "Robert Johnson Driver's License D1234567",
      "[REDACTED:PERSON_NAME] Driver's License [REDACTED:LICENSE_NUMBER]",
    ],
    ["Policy # 5577643", "Policy # [REDACTED:HEALTH_PLAN]"],
    ["Jane Doe Policy # 5577643", "[REDACTED:PERSON_NAME] Policy # [REDACTED:HEALTH_PLAN]"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  for (const text of ["policy 3 applies", "the driver's seat 3"]) {
    assert.equal(redactText(text), text, text);
  }
});

Deno.test("a surname that is a street word too ends before a value's cue", () => {
  // "Hill" before a capitalised word read as the start of a street ("Mary Hill Road"), so
  // a cue after it ("Zip", "MRN") left the surname visible beside the redacted first name.
  check([
    ["Mary Hill Zip 02134", `${N} Zip [REDACTED:ZIP_CODE]`],
    ["Mary Hill Zip: 02134", `${N} Zip: [REDACTED:ZIP_CODE]`],
    ["Mary Hill Zip Code 02134", `${N} Zip Code [REDACTED:ZIP_CODE]`],
    ["Mary Hill MRN 4829133", `${N} MRN [REDACTED:MRN]`],
    // A street after a first name stays the street it was read as.
    ["Mary Hill Road", `${N} Hill Road`],
  ]);
});

Deno.test("known edge: a sort direction after a name column is read as a name", () => {
  // ASC/DESC as name stops (dede856) were reverted: they cut names ("Pt Desc <surname>",
  // "Patient: <given> Asc <surname>" left the surname). Over-redaction of the direction.
  check([
    [
      "SELECT id FROM patients ORDER BY last_name DESC",
      `SELECT id FROM patients ORDER BY last_name ${N}`,
    ],
    ["order by name Descending", `order by name ${N}`],
    // A name after the cue is a name, with the direction.
    [`patient ${"Zarkow" + "ski"} DESC`, `patient ${N}`],
    [`Dear ${"Quen" + "by"} Desc`, `Dear ${N}`],
  ]);
});
