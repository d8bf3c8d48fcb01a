/**
 * Ages in everyday clinical wording (`Age: 94`, `age=94`, `94 y.o.`, `94 yrs`, `94 years of
 * age`, `(94 y)`): Safe Harbor bars ages over 89, and notes write them in many ways. Beside them,
 * durations, counts and parameters that must stay clean.
 */
import assert from "node:assert/strict";
import { redactText, scan, scanText } from "./mod.ts";

/** The types scan() reports for a value read the way analytics and the event bus read it. */
const strictTypes = (value: string) =>
  scan({ page: value }, { safeKeys: [] }).findings.map((f) => f.type);

const AGE = String(90 + 4);

Deno.test("ages written after a cue or before a unit are ages", () => {
  const cases: Array<[string, string]> = [
    [`Age: ${AGE}`, "Age: [REDACTED:AGE]"],
    [`Age:${AGE}`, "Age:[REDACTED:AGE]"],
    [`age=${AGE}`, "age=[REDACTED:AGE]"],
    [`AGE = ${AGE}`, "AGE = [REDACTED:AGE]"],
    [`?patient_age=${AGE}&sex=F`, "?patient_age=[REDACTED:AGE]&sex=F"],
    [`Age: ${AGE}F`, "Age: [REDACTED:AGE]F"],
    [`${AGE} y.o.`, "[REDACTED:AGE] y.o."],
    [`${AGE} y.o. female`, "[REDACTED:AGE] y.o. female"],
    [`${AGE} yo`, "[REDACTED:AGE] yo"],
    [`${AGE}yo`, "[REDACTED:AGE]yo"],
    [`${AGE}y/o`, "[REDACTED:AGE]y/o"],
    [`${AGE} yrs`, "[REDACTED:AGE] yrs"],
    [`${AGE} yrs.`, "[REDACTED:AGE] yrs."],
    [`${AGE}yrs`, "[REDACTED:AGE]yrs"],
    [`${AGE} yr old`, "[REDACTED:AGE] yr old"],
    [`${AGE} yr-old`, "[REDACTED:AGE] yr-old"],
    [`${AGE}-yr-old`, "[REDACTED:AGE]-yr-old"],
    [`${AGE} years of age`, "[REDACTED:AGE] years of age"],
    [`${AGE} yrs of age`, "[REDACTED:AGE] yrs of age"],
    [`widow (${AGE} y) lives alone`, "widow ([REDACTED:AGE] y) lives alone"],
    [`(${AGE}y)`, "([REDACTED:AGE]y)"],
    [`pt_age: ${AGE}`, "pt_age: [REDACTED:AGE]"],
    [`minimum age: 13`, "minimum age: [REDACTED:AGE]"],
    [`Age: 130`, "Age: [REDACTED:AGE]"],
    // The forms found before, read as before (one space after the word).
    [`age ${AGE}`, "age [REDACTED:AGE]"],
    [`minimum age 13`, "minimum age [REDACTED:AGE]"],
    [`${AGE}-year-old`, "[REDACTED:AGE]-year-old"],
    [`${AGE} y/o`, "[REDACTED:AGE] y/o"],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(strictTypes(text), ["AGE"], text);
    assert.deepEqual(scanText(text).findings, [{ type: "AGE", path: "$" }], text);
  }
});

Deno.test("an unambiguous age wording is an age at any age", () => {
  for (const n of ["7", "35", "61"]) {
    assert.equal(redactText(`${n} y.o.`), "[REDACTED:AGE] y.o.");
    assert.equal(redactText(`Age: ${n}`), "Age: [REDACTED:AGE]");
    assert.equal(redactText(`${n} years of age`), "[REDACTED:AGE] years of age");
  }
});

Deno.test("an age before a dash and a date or a phone is no range: both are read", () => {
  const cases: Array<[string, string]> = [
    [`Age: ${AGE} - 03/14/1951`, "Age: [REDACTED:AGE] - [REDACTED:DATE]"],
    [`Age: ${AGE} \u2013 03/14/1951`, "Age: [REDACTED:AGE] \u2013 [REDACTED:DATE]"],
    [`Age: ${AGE} - 415-555-0142`, "Age: [REDACTED:AGE] - [REDACTED:PHONE]"],
    [`age=${AGE}-1951-03-14`, "age=[REDACTED:AGE]-[REDACTED:DATE]"],
    [`Age: ${AGE} - 12.5 mg`, "Age: [REDACTED:AGE] - 12.5 mg"],
    // A second number below the first is no top of a range.
    [`Age: ${AGE} - 5 years at this address`, "Age: [REDACTED:AGE] - 5 years at this address"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("durations, counts, parameters and sexes without an age cue stay clean", () => {
  for (
    const text of [
      "smoked 20 yrs",
      "20 yrs experience",
      "20yrs",
      "for 94 years",
      `${AGE}F`,
      `${AGE}M`,
      `${AGE} F`,
      "page=94",
      "usage: 94",
      "stage: 3",
      "94 york st",
      "94 you",
      "94 yoga classes",
      "v2 yo",
      "average=94",
      // 'age' as the tail of a joined token: cache lifetimes, a token's age.
      "max-age=300",
      "max_age=600",
      "cache-control: no-cache, max-age=0",
      "Cache-Control: public, max-age=31536000",
      "min-age=30",
      "min-age: 30",
      "token_age=45",
      "token_age: 45",
      // A group, not a person: '+' or a range after the number.
      "Age: 65+",
      "age: 18-24",
      "age: 18 - 24",
      "Age:18-24",
      "age=18\u201324",
      "Age: 18+ cohort only",
      // Above 130, no person's age.
      "age: 131",
      "Age: 200",
      "age=300",
      "200 yo",
    ]
  ) {
    assert.deepEqual(strictTypes(text), [], text);
    assert.deepEqual(scanText(text).findings, [], text);
    assert.equal(redactText(text), text, text);
  }
});

/** 100 KB strings for the age wordings: the scan must finish. */
const ADVERSARIAL: Array<[string, string]> = [
  ["age cues", "Age: 9".repeat(16_700)],
  ["numbers and y", "94 y".repeat(25_000)],
  ["numbers and y.o.", "1 y.o.".repeat(16_700)],
  ["joined age keys", "max_age=1 ".repeat(10_000)],
  ["age ranges", "age: 1-".repeat(14_300)],
];

for (const [name, text] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}
