/**
 * Once a name or a date is found, its redaction covers all of it: logs and the audit log keep
 * what redactText()/redact() leave, and a surname or a year left beside the placeholder is
 * still PHI (`[REDACTED:PERSON_NAME] Smith`, `[REDACTED:DATE], 1955`).
 */
import assert from "node:assert/strict";
import { redactText, scanText } from "./mod.ts";

/** Synthetic names, put together here rather than written out. */
const first = ["John", "Mary", "Patrick", "Anna"];
const everydaySurnames = ["Smith", "Brown", "Young", "King", "Hill"];

Deno.test("a first name takes the dictionary surname after it, everyday word or not", () => {
  for (const f of first) {
    for (const l of everydaySurnames) {
      assert.equal(redactText(`${f} ${l}`), "[REDACTED:PERSON_NAME]", `${f} ${l}`);
      assert.equal(
        redactText(`seen ${f} ${l} today`),
        "seen [REDACTED:PERSON_NAME] today",
        `${f} ${l}`,
      );
    }
  }
});

Deno.test("surname first with a comma: the surname goes with the first name", () => {
  const cases: Array<[string, string]> = [
    ["Smith, Mary", "[REDACTED:PERSON_NAME]"],
    ["Brown, John called", "[REDACTED:PERSON_NAME] called"],
    ["O'Brien, Patrick", "[REDACTED:PERSON_NAME]"],
    ["O\u2019Brien, Patrick", "[REDACTED:PERSON_NAME]"],
    ["Patient: GARCIA, JOSE", "Patient: [REDACTED:PERSON_NAME]"],
    ["Name: SMITH, MARY J", "Name: [REDACTED:PERSON_NAME]"],
    ["Patient: Smith, Mary Ann seen today", "Patient: [REDACTED:PERSON_NAME] seen today"],
    ["Mr. Smith, John", "[REDACTED:PERSON_NAME]"],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(scanText(text).findings, [{ type: "PERSON_NAME", path: "$" }], text);
  }
});

Deno.test("name particles go with the surname", () => {
  const cases: Array<[string, string]> = [
    ["Mr. van der Berg", "[REDACTED:PERSON_NAME]"],
    ["Jan van der Berg", "[REDACTED:PERSON_NAME]"],
    ["spoke with van der Berg today", "spoke with [REDACTED:PERSON_NAME] today"],
    ["Dr. de la Cruz", "[REDACTED:PERSON_NAME]"],
    ["seen by de la Cruz", "seen by [REDACTED:PERSON_NAME]"],
    ["Patient: Ludwig van Beethoven", "Patient: [REDACTED:PERSON_NAME]"],
    // (A surname redacted by itself keeps the comma: both names are gone either way.)
    ["van der Berg, Anna", "[REDACTED:PERSON_NAME], [REDACTED:PERSON_NAME]"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("a day and month with a comma before the year: the year goes with them", () => {
  const cases: Array<[string, string]> = [
    ["2 March, 1955", "[REDACTED:DATE]"],
    ["born 2 March, 1955 in", "born [REDACTED:DATE] in"],
    ["3rd of March, 1985.", "[REDACTED:DATE]."],
    ["DOB 14 Feb, 2001", "DOB [REDACTED:DATE]"],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(scanText(text).findings, [{ type: "DATE", path: "$" }], text);
  }
});

Deno.test("what is not one name stays apart", () => {
  const cases: Array<[string, string]> = [
    // A list of first names keeps its commas (each is redacted on its own).
    [
      "They had 3: Hannah, Anthony and Derek.",
      "They had 3: [REDACTED:PERSON_NAME], [REDACTED:PERSON_NAME] and [REDACTED:PERSON_NAME].",
    ],
    // A month, a weekday (a date itself) or a word that is no surname before the comma.
    ["In March, Mary called", "In March, [REDACTED:PERSON_NAME] called"],
    ["On Monday, Mary called", "On [REDACTED:DATE], [REDACTED:PERSON_NAME] called"],
    ["Yesterday, Mary called", "Yesterday, [REDACTED:PERSON_NAME] called"],
    // After a comma only a dictionary first name that is no everyday word continues a name.
    ["Dear Anna, Will you call", "Dear [REDACTED:PERSON_NAME], Will you call"],
    // A street word after a first name names a street, not a surname.
    ["walked down Mary Street today", "walked down [REDACTED:PERSON_NAME] Street today"],
    ["Mary Hill Road", "[REDACTED:PERSON_NAME] Hill Road"],
    // A two-digit number after the comma is not a year.
    ["2 March, 12 people", "[REDACTED:DATE], 12 people"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  for (const text of ["Smith, Will", "checkout_v2", "van der", "de la mer", "Grace Period"]) {
    assert.equal(redactText(text), text, text);
  }
});

/** 100 KB strings for the rules that read on or back: the scan must finish. */
const ADVERSARIAL: Array<[string, string]> = [
  ["particles", "van der ".repeat(12_500)],
  ["particles and capitals", "de la Aa ".repeat(11_000)],
  ["surnames and commas", "Smith, ".repeat(14_000)],
  ["first names and commas", "Mary, ".repeat(16_000)],
  ["initials and commas", "SMITH, MARY J ".repeat(7_000)],
  ["day, month, comma", "2 March, ".repeat(11_000)],
];

for (const [name, text] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}
