/**
 * ASC X12 health care transactions in logs: the person elements of NM1 (a person's), DMG,
 * N3, N4, REF, DTP and PER segments are redacted by position, with the separators the
 * interchange header declares; organisations, envelopes and acknowledgments stay readable.
 * Every value here is synthetic, built in this file.
 */
import assert from "node:assert/strict";
import { redactText, scan, scanText } from "./mod.ts";

const FAMILY = "DOE";
const GIVEN = "JANE";
const BIRTH = "1955" + "0302";
const MEMBER = "W48" + "291337";
const SERVICE = "2026" + "1121";

/** An interchange header with its fields padded (106 characters), or trimmed. */
function isa(element: string, terminator: string, padded = true): string {
  const f = padded
    ? ["00", " ".repeat(10), "00", " ".repeat(10), "ZZ", "SUBMITTERID    ", "ZZ", "RECEIVERID     "]
    : ["00", "", "00", "", "ZZ", "SUB", "ZZ", "RCV"];
  return ["ISA", ...f, "261122", "0830", "^", "00501", "000000905", "0", "P", ":"].join(element) +
    terminator;
}

/** Asserts that none of `values` is left in `out`. */
function gone(out: string, values: string[]): void {
  for (const value of values) assert.ok(!out.includes(value), `${value} in ${out}`);
}

Deno.test("an 837 claim: the subscriber's, patient's and provider's person elements", () => {
  const header = isa("*", "~");
  assert.equal(header.length, 106);
  const claim = header + [
    "GS*HC*SUBMITTERID*RECEIVERID*20261122*0830*905*X*005010X222A1",
    "ST*837*0001*005010X222A1",
    "NM1*85*2*SPRINGFIELD CLINIC*****XX*1234567893",
    `NM1*IL*1*${FAMILY}*${GIVEN}*Q***MI*${MEMBER}`,
    "N3*12 ELM ST*APT 4",
    "N4*SPRINGFIELD*IL*62701",
    `DMG*D8*${BIRTH}*F`,
    `NM1*QC*1*${FAMILY}*JOHN`,
    "REF*SY*512348871",
    "REF*EA*MR77120",
    "REF*D9*CLAIM0042",
    "CLM*A37YH556*500***11:B:1*Y*A*Y*I",
    `DTP*472*D8*${SERVICE}`,
    "DTP*405*D8*20261122",
    "PER*IC*BILLING CLERK*TE*2175550134*EM*billing@example.org",
    "SE*15*0001",
  ].join("~") + "~";
  const out = redactText(claim);
  assert.ok(
    out.includes(
      "NM1*IL*1*[REDACTED:PERSON_NAME]*[REDACTED:PERSON_NAME]*[REDACTED:PERSON_NAME]***MI*" +
        "[REDACTED:HEALTH_PLAN]~",
    ),
    out,
  );
  assert.ok(out.includes("~DMG*D8*[REDACTED:DATE]*F~"), out);
  assert.ok(
    out.includes("~N4*[REDACTED:LOCATION]*[REDACTED:LOCATION]*[REDACTED:ZIP_CODE]~"),
    out,
  );
  assert.ok(out.includes("~REF*SY*[REDACTED:SSN]~REF*EA*[REDACTED:MRN]~"), out);
  assert.ok(out.includes(`~DTP*472*D8*[REDACTED:DATE]~`), out);
  gone(out, [FAMILY, GIVEN, "JOHN", MEMBER, "ELM", "APT 4", "62701", BIRTH, "512348871"]);
  gone(out, ["MR77120", SERVICE, "BILLING CLERK", "2175550134", "billing@"]);
  // The organisation, the envelope, the claim id and a production date stay readable.
  for (
    const kept of [
      "NM1*85*2*SPRINGFIELD CLINIC*****XX*1234567893~",
      "GS*HC*SUBMITTERID*RECEIVERID*20261122*0830*905*X*005010X222A1~",
      "REF*D9*CLAIM0042~",
      "DTP*405*D8*20261122~",
      "CLM*A37YH556*500***11:B:1*Y*A*Y*I~",
    ]
  ) assert.ok(out.includes(kept), `${kept} in ${out}`);
});

Deno.test("segments without a header: '*' and '~', one per line, or quoted in an error", () => {
  const cases: Array<[string, string]> = [
    [
      `NM1*IL*1*${FAMILY}*${GIVEN}****MI*${MEMBER}~`,
      "NM1*IL*1*[REDACTED:PERSON_NAME]*[REDACTED:PERSON_NAME]****MI*[REDACTED:HEALTH_PLAN]~",
    ],
    [`DMG*D8*${BIRTH}*F~`, "DMG*D8*[REDACTED:DATE]*F~"],
    [`DMG*RD8*${BIRTH}-${SERVICE}`, "DMG*RD8*[REDACTED:DATE]"],
    ["N4*SPRINGFIELD*IL*62701~", "N4*[REDACTED:LOCATION]*[REDACTED:LOCATION]*[REDACTED:ZIP_CODE]~"],
    ["REF*1W*W4829~", "REF*1W*[REDACTED:HEALTH_PLAN]~"],
    [`DTP*291*D8*${SERVICE}~`, "DTP*291*D8*[REDACTED:DATE]~"],
    [`DTP*434*RD8*${SERVICE}-${SERVICE}~`, "DTP*434*RD8*[REDACTED:DATE]~"],
    [
      `NM1*1P*1*${FAMILY}*${GIVEN}****34*512348871~`,
      "NM1*1P*1*[REDACTED:PERSON_NAME]*" +
      "[REDACTED:PERSON_NAME]****34*[REDACTED:SSN]~",
    ],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  const segments = `NM1*IL*1*${FAMILY}*${GIVEN}****MI*${MEMBER}~N3*12 ELM ST~` +
    `N4*SPRINGFIELD*IL*62701~DMG*D8*${BIRTH}*F~`;
  for (
    const text of [
      segments.replaceAll("~", "~\n"),
      segments.replaceAll("~", "~\\n"),
      `X12ParseError: unexpected segment at 14: "${segments}"`,
      JSON.stringify({ error: `rejected ${segments}` }),
    ]
  ) gone(redactText(text), [FAMILY, GIVEN, MEMBER, "ELM", "SPRINGFIELD", "62701", BIRTH]);
});

Deno.test("the header's separators: element after ISA, terminator after ISA-16", () => {
  const body =
    `NM1|IL|1|${FAMILY}|${GIVEN}||||MI|${MEMBER}'DMG|D8|${BIRTH}|F'N4|SPRINGFIELD|IL|62701'`;
  for (const header of [isa("|", "'"), isa("|", "'", false)]) {
    const out = redactText(header + body);
    gone(out, [FAMILY, GIVEN, MEMBER, BIRTH, "SPRINGFIELD", "62701"]);
    assert.ok(out.includes("'DMG|D8|[REDACTED:DATE]|F'"), out);
  }
  // A newline as the terminator.
  const lines = isa("*", "\n", false) + `NM1*QC*1*${FAMILY}*${GIVEN}\nDMG*D8*${BIRTH}\n`;
  gone(redactText(lines), [FAMILY, GIVEN, BIRTH]);
});

Deno.test("organisations, envelopes, acknowledgments and other stars stay as they are", () => {
  for (
    const text of [
      "NM1*PR*2*ACME HEALTH*****PI*87726~",
      isa("*", "~") + "GS*HC*SUB*RCV*20261122*0830*905*X*005010X222A1~ST*837*0001~SE*2*0001~",
      "ST*999*0001*005010X231A1~AK1*HC*905*005010X222A1~AK2*837*0001~IK5*A~AK9*A*1*1*1~",
      "DMG*XX*19550302~",
      "REF*D9*CLAIM0042~",
      "DTP*405*D8*20261122~",
      "N3*2 is the third term",
      "src/**/*.ts and N4*2",
      "SELECT * FROM claims WHERE n3*2 > 1",
      "**NM1** is the name segment",
    ]
  ) {
    assert.equal(redactText(text), text, text);
    assert.equal(scanText(text).found, false, text);
  }
});

Deno.test("scan() reports an X12 element by type and path, never the value", () => {
  const result = scan({ error: { message: `bad 270: DMG*D8*${BIRTH}~` } });
  assert.deepEqual(result.findings, [{ type: "DATE", path: "$.error.message" }]);
  assert.ok(!JSON.stringify(result).includes(BIRTH));
});

/** 100 KB strings for the X12 reader: the scan must finish. */
const ADVERSARIAL: Array<[string, string]> = [
  ["stars", "*".repeat(100_000)],
  ["person NM1 starts", "NM1*IL*1*".repeat(11_100)],
  ["segment ids and stars", "NM1*DMG*N3*N4*REF*DTP*".repeat(4_600)],
  ["headers", "ISA*00*".repeat(14_300)],
  ["headers with sixteen elements", isa("*", "").repeat(950)],
  ["unterminated segments", "N3*A".repeat(25_000)],
  ["escaped breaks", "REF*SY*1\\n".repeat(10_000)],
];

for (const [name, text] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of X12 ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}
