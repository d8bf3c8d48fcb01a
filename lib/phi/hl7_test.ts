/**
 * HL7 v2 messages in logs: the person fields of PID, NK1, GT1, IN1, MRG and PV1 segments are
 * redacted by position, whatever they hold; message headers and observations are left to the
 * value detectors. Every value here is synthetic, built in this file.
 */
import assert from "node:assert/strict";
import { redactText, scan, scanText } from "./mod.ts";

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
  // A budget no loaded machine runs out of: what is asserted is the output, not the time.
  const out = redactText(text, { timeBudgetMs: 120_000 });
  assert.ok(!out.includes("JANE"));
  assert.ok(out.endsWith("|".repeat(100_000)));
});

const MSH = "MSH|^~\\&|ADT|HOSP|RF|RF|20261122083000||ADT^A01|MSG0001|P|2.5.1";
const SHORT_PID = `PID|1||${MRN}||${NAME}||${BIRTH}|F`;
const SHORT_PID_OUT = "PID|1||[REDACTED:MRN]||[REDACTED:PERSON_NAME]||[REDACTED:DATE]|F";

Deno.test("a segment starts after any character that is no letter, digit or '|'", () => {
  for (const before of ["=", ":", "(", "[", ",", ">", "\t", "\x0b", "\\x0b", "\\u000b", "_"]) {
    assert.equal(redactText(`seg${before}${SHORT_PID}`), `seg${before}${SHORT_PID_OUT}`, before);
  }
  // Not inside a word, nor after a bar with no message header in the text: the birth date,
  // which only the segment reader redacts, stays. (The name is redacted as an HL7 name
  // anywhere, labelled_ids_test.ts.)
  for (
    const text of [`RAPID|1||${MRN}||${NAME}||${BIRTH}`, `x|PID|1||${MRN}||${NAME}||${BIRTH}`]
  ) {
    assert.ok(redactText(text).includes(BIRTH), text);
  }
});

Deno.test("table header rows and word lists are no segment", () => {
  for (
    const text of [
      "PID|USER|%CPU|%MEM|COMMAND\n4821|app|12.0|3.1|deno",
      "PID|PPID|COMMAND\n---|---|---\n4821|1|deno",
      "  PID|  PPID| CMD\n 4821|     1| /usr/bin/deno run main.ts",
      "| PID | USER | COMMAND |\n|-----|------|---------|",
      "build steps: GT1|pass|pass|fail|skip|pass|pass|pass|pass|pass|pass|pass|pass",
      "segments seen: IN1|IN2|PV1|PID",
      // (No dictionary names, no prefix: only a segment's position would redact the field.)
      "stage PV1|ok|12ms|region-eu|eu-west-1|a|b|ZARKOWSKI^QUENBY",
      "ORC|new|1|2|3|4|5|6|7|8|9|10|ZARKOWSKI^QUENBY",
    ]
  ) {
    assert.equal(redactText(text), text, text);
  }
});

Deno.test("segments end at written-out and escaped terminators", () => {
  for (const sep of ["<cr>", "<CR>", "[CR]", "\\x0d", "\\u000d", "\r\n", "\\r\\n", "\x1c"]) {
    const out = redactText(`${MSH}${sep}${SHORT_PID}${sep}OBX|1|NM|2345-7^Glucose^LN||105`);
    assert.ok(out.includes(SHORT_PID_OUT), `${JSON.stringify(sep)}: ${out}`);
    assert.ok(out.includes("OBX|1|NM|2345-7^Glucose^LN||105"), out);
  }
  // HL7's own hex escape of a CR is data: the fields after it keep their positions.
  assert.equal(
    redactText(`PID|1||A\\X0D\\B||${NAME}`),
    "PID|1||[REDACTED:MRN]||[REDACTED:PERSON_NAME]",
  );
});

Deno.test("a message header tells the field separator and lets segments join", () => {
  // MSH-1 as the separator.
  const hash = "MSH#^~\\&#ADT#HOSP#RF#RF#20261122083000##ADT^A01#MSG0001#P#2.5.1\r" +
    `PID#1##${MRN}##${NAME}##${BIRTH}#F`;
  assert.ok(
    redactText(hash).endsWith("PID#1##[REDACTED:MRN]##[REDACTED:PERSON_NAME]##[REDACTED:DATE]#F"),
    redactText(hash),
  );
  // Segments joined by '|': each starts after the bar and ends at the next segment id.
  const joined = `${MSH}|${SHORT_PID}|NK1|1|DOE^JOHN|SPO|OBX|1|NM|2345-7^Glucose^LN||105`;
  assert.equal(
    redactText(joined),
    `${MSH}|${SHORT_PID_OUT}|NK1|1|[REDACTED:PERSON_NAME]|SPO|OBX|1|NM|2345-7^Glucose^LN||105`,
  );
  // A log that dropped the CR after the header's version.
  assert.ok(redactText(`${MSH}${SHORT_PID}`).endsWith(SHORT_PID_OUT));
  // With a header, a first field that is no set id still counts.
  assert.equal(
    redactText(`${MSH}\rPID|X||${MRN}`),
    `${MSH}\rPID|X||[REDACTED:MRN]`,
  );
});

Deno.test('in a quoted segment, HL7\'s null "" and a quote inside a name are data', () => {
  assert.equal(
    redactText(`rejected "PID|1||${MRN}||""||${BIRTH}|F|||12 ELM ST^^SPRINGFIELD||2175550134"`),
    'rejected "PID|1||[REDACTED:MRN]||[REDACTED:PERSON_NAME]||[REDACTED:DATE]|F|||' +
      '[REDACTED:STREET_ADDRESS]||[REDACTED:PHONE]"',
  );
  assert.equal(
    redactText(JSON.stringify({ m: `PID|1||${MRN}||""||${BIRTH}|F` })),
    '{"m":"PID|1||[REDACTED:MRN]||[REDACTED:PERSON_NAME]||[REDACTED:DATE]|F"}',
  );
  assert.equal(
    redactText(`"PID|1||${MRN}||O"BRIEN^JANE||${BIRTH}", next`),
    '"PID|1||[REDACTED:MRN]||[REDACTED:PERSON_NAME]||[REDACTED:DATE]", next',
  );
});

Deno.test("queries, acknowledgments, orders and visits: the fields that name a person", () => {
  const cases: Array<[string, string]> = [
    [
      `QRD|20261122083000|R|I|Q1|||1^RD|${NAME}|DEM`,
      "QRD|20261122083000|R|I|Q1|||1^RD|[REDACTED:PERSON_NAME]|DEM",
    ],
    [
      `QPD|IHE PDQ Query|Q0001|@PID.5.1^DOE~@PID.7^${BIRTH}|@PID.8^F`,
      "QPD|IHE PDQ Query|Q0001|[REDACTED:PERSON_NAME]|[REDACTED:PERSON_NAME]",
    ],
    [
      `MSA|AE|MSG0001|PID-5 invalid: ${NAME}`,
      "MSA|AE|MSG0001|PID-5 invalid: [REDACTED:PERSON_NAME]",
    ],
    [
      "ERR||PID^1^5|102^Data type error^HL70357|E|||bad name O'BRIEN^JANE",
      "ERR||PID^1^5|102^Data type error^HL70357|E|||bad name [REDACTED:PERSON_NAME]",
    ],
    [
      "PV1|1|I|4W^401^A||||1234567893^ROE^RICHARD",
      "PV1|1|I|4W^401^A||||[REDACTED:PERSON_NAME]",
    ],
    [
      "ORC|NW|ORD448||||||||||1234567893^ROE^RICHARD",
      "ORC|NW|ORD448||||||||||[REDACTED:PERSON_NAME]",
    ],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  // Codes in an acknowledgment's text are no names.
  const ack = "MSA|AE|MSG0001|unknown event ADT^A99 for 2345-7^Glucose";
  assert.equal(redactText(ack), ack);
});

Deno.test("Z-segments beside a message: names, dates and long numbers by shape", () => {
  const z = `ZPI|1|${NAME}|${BIRTH}|48291337|Q|RAD^A1|12345`;
  const zOut = "ZPI|1|[REDACTED:PERSON_NAME]|[REDACTED:DATE]|[REDACTED:MRN]|Q|RAD^A1|12345";
  assert.ok(redactText(`${MSH}\r${z}`).endsWith(zOut));
  assert.ok(redactText(`${SHORT_PID}\n${z}`).endsWith(zOut));
  // Alone, a Z-segment is left to the value detectors.
  assert.equal(redactText("ZZZ|1|AB^CD|ok|20261122"), "ZZZ|1|AB^CD|ok|20261122");
});

/** 100 KB strings for the HL7 reader: the scan must finish. */
const ADVERSARIAL: Array<[string, string]> = [
  ["headers", "MSH|^~\\&|".repeat(11_200)],
  ["joined segment ids", MSH + "|PID|1".repeat(16_600)],
  ["quoted nulls", `"PID|1||` + '""'.repeat(50_000)],
  ["escape starts", "PID|1||" + "\\x0".repeat(33_000)],
  ["written terminator starts", "PID|1||" + "<cr[CR".repeat(16_600)],
  ["Z-segment name shapes", `${MSH}\rZPI|1|` + "AB^".repeat(33_000)],
  ["Z-segments", `${SHORT_PID}\r` + "ZPI|".repeat(25_000)],
  ["acknowledgment name shapes", "MSA|AE|1|" + "Ab^C1^".repeat(16_600)],
  ["set ids", "PID|1".repeat(20_000)],
];

for (const [name, text] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of HL7 ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}
