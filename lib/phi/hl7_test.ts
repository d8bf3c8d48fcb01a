/**
 * HL7 v2 messages in logs: the person fields of PID, NK1, GT1, IN1, MRG and PV1 segments are
 * redacted by position, whatever they hold; message headers and observations are left to the
 * value detectors. Every value here is synthetic, built in this file.
 */
import assert from "node:assert/strict";
import { redactText, scan } from "./mod.ts";

const NAME = "DOE^JANE^Q";
const BIRTH = "19550302";
const MRN = "4829133^^^HOSP^MR";

const PID = `PID|1||${MRN}||${NAME}|MOM^MAIDEN|${BIRTH}|F||2106-3|` +
  `12 ELM ST^^SPRINGFIELD^IL^62701||^PRN^PH^^^217^5550134|||||ACCT77|` +
  `512-34-8871|IL-D1234567`;

Deno.test("a PID segment keeps only its set id, sex and race code", () => {
  assert.equal(
    redactText(PID),
    "PID|1||[REDACTED:MRN]||[REDACTED:PERSON_NAME]|[REDACTED:PERSON_NAME]|" +
      "[REDACTED:DATE]|F||2106-3|[REDACTED:STREET_ADDRESS]||[REDACTED:PHONE]|||||" +
      "[REDACTED:ACCOUNT_NUMBER]|[REDACTED:SSN]|[REDACTED:LICENSE_NUMBER]",
  );
});

Deno.test("segments are found after CR, LF or an escaped \\r or \\n", () => {
  const separators = ["\r", "\n", "\\r", "\\n"];
  for (const sep of separators) {
    const message = `MSH|^~\\&|ADT|HOSP|RF|RF|20261122083000||ADT^A01|MSG0001|P|2.5.1${sep}` +
      `PID|1||${MRN}||${NAME}||${BIRTH}|F${sep}` +
      `NK1|1|DOE^JOHN|SPO|12 ELM ST^^SPRINGFIELD^IL^62701|^PRN^PH^^^217^5550199${sep}` +
      `OBX|1|NM|2345-7^Glucose^LN||105|mg/dL|70-99|H|||F`;
    const out = redactText(`interface error: ${message}`);
    for (const value of ["JANE", BIRTH, "4829133", "JOHN", "ELM", "5550199"]) {
      assert.ok(!out.includes(value), `${JSON.stringify(sep)}: ${value} in ${out}`);
    }
    // The header and the observation stay readable for the operator.
    assert.ok(out.includes("ADT^A01|MSG0001|P|2.5.1"), out);
    assert.ok(out.includes("OBX|1|NM|2345-7^Glucose^LN||105|mg/dL|70-99|H|||F"), out);
  }
});

Deno.test("next of kin, guarantor, insurance, merge and visit fields by position", () => {
  const cases: Array<[string, string]> = [
    ["NK1|1|DOE^JOHN|SPO", "NK1|1|[REDACTED:PERSON_NAME]|SPO"],
    [
      "GT1|1|G998|DOE^JOHN||12 ELM ST|2175550199||19530101",
      "GT1|1|[REDACTED:ACCOUNT_NUMBER]|[REDACTED:PERSON_NAME]||[REDACTED:STREET_ADDRESS]|" +
      "[REDACTED:PHONE]||[REDACTED:DATE]",
    ],
    [
      `IN1|1|PLAN01|INS01|ACME HEALTH${"|".repeat(12)}DOE^JANE||${BIRTH}`,
      `IN1|1|PLAN01|INS01|ACME HEALTH${"|".repeat(12)}[REDACTED:PERSON_NAME]||[REDACTED:DATE]`,
    ],
    ["MRG|4829000^^^HOSP^MR||||||DOE^JAYNE", "MRG|[REDACTED:MRN]||||||[REDACTED:PERSON_NAME]"],
    [
      `PV1|1|I|4W^401^A${"|".repeat(16)}V77881`,
      `PV1|1|I|4W^401^A${"|".repeat(16)}[REDACTED:MRN]`,
    ],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("a message starts after a space or a quote, as log lines write it", () => {
  assert.equal(
    redactText(`{"msg":"PID|1||${MRN}||${NAME}"}`),
    '{"msg":"PID|1||[REDACTED:MRN]||[REDACTED:PERSON_NAME]"}',
  );
  assert.equal(redactText(`rejected PID|1||${MRN}`), "rejected PID|1||[REDACTED:MRN]");
});

Deno.test("scan() reports an HL7 segment in a value by type and path, never the value", () => {
  const result = scan({ error: { message: `could not route ${PID}` } });
  assert.equal(result.found, true);
  const types = new Set(result.findings.map((f) => f.type));
  for (const type of ["MRN", "PERSON_NAME", "DATE"]) assert.ok(types.has(type as never), type);
  assert.ok(result.findings.every((f) => f.path === "$.error.message"));
  assert.ok(!JSON.stringify(result).includes("JANE"));
});

Deno.test("pipes that are not a patient segment stay as they are", () => {
  for (
    const text of [
      "| PID | USER | COMMAND |",
      "|PID|1||4829|",
      "status|ok|count|12",
      "XPID|1||A||B",
      "MSH|^~\\&|ADT|HOSP|RF|RF|20261122083000||ADT^A01|MSG0001|P|2.5.1",
      "OBX|1|NM|2345-7^Glucose^LN||105|mg/dL|70-99|H|||F",
      "PID|",
      "PID|1",
    ]
  ) {
    assert.equal(redactText(text), text, text);
  }
});

Deno.test("a long run of segments and pipes is read once", () => {
  const text = `${PID}\r`.repeat(2_000) + "|".repeat(100_000);
  const out = redactText(text);
  assert.ok(!out.includes("JANE"));
  assert.ok(out.endsWith("|".repeat(100_000)));
});
