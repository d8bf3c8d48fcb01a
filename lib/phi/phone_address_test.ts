/**
 * Phones and street addresses a red-team review found left visible in log lines and error
 * events: a phone in parentheses written with dashes or dots, a phone followed by another number,
 * and the technical or everyday strings beside them that must stay as they are.
 */
import assert from "node:assert/strict";
import { redactText, scanText } from "./mod.ts";

/** Asserts each text redacts to exactly the expected string. */
function expectRedacted(cases: Array<[string, string]>) {
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
}

Deno.test("a phone inside parentheses is found whatever separates its groups", () => {
  expectRedacted([
    ["(415-555-0142)", "([REDACTED:PHONE])"],
    ["(415.555.0142)", "([REDACTED:PHONE])"],
    ["phone=(415-555-0142)", "phone=([REDACTED:PHONE])"],
    ["(1-415-555-0142)", "([REDACTED:PHONE])"],
    ["call (555-1234)", "call ([REDACTED:PHONE])"],
    ["call (5551234567) now", "call ([REDACTED:PHONE]) now"],
    // The area code in parentheses reads as it did.
    ["(415) 555-0142", "[REDACTED:PHONE]"],
    ["call (415)555-0142", "call [REDACTED:PHONE]"],
    ["(415)-555-0142", "[REDACTED:PHONE]"],
    ["[415-555-0142]", "[[REDACTED:PHONE]]"],
    ["{415-555-0142}", "{[REDACTED:PHONE]}"],
  ]);
  // Beside a name (the name rules are tested elsewhere): the whole number goes.
  for (
    const text of ["Jane Doe (415-555-0142)", "Contact Robert Johnson (415-555-0142) for details"]
  ) {
    const out = redactText(text);
    assert.ok(out.includes("([REDACTED:PHONE])"), out);
    assert.ok(!/\d/.test(out), out);
  }
  assert.deepEqual(scanText("(415-555-0142)").findings, [{ type: "PHONE", path: "$" }]);
});

Deno.test("numbers in parentheses that are no phone stay", () => {
  for (
    const text of [
      "(2024-03-14)",
      "(1-2-3)",
      "(v1.2.3)",
      "(12-34)",
      "(n=1234)",
      "(5551234567)",
      "retry (3 of 5)",
      "(415-555-01)",
      "(100.200.3000)",
    ]
  ) {
    assert.equal(redactText(text).includes("PHONE"), false, text);
  }
});

Deno.test("a phone followed by a space and another number is found", () => {
  expectRedacted([
    ["Left VM at 415-555-0142 2 times", "Left VM at [REDACTED:PHONE] 2 times"],
    ["415-555-0142 3 pm", "[REDACTED:PHONE] 3 pm"],
    ["415 555 0142 12", "[REDACTED:PHONE] 12"],
    ["1 415 555 0142 7", "[REDACTED:PHONE] 7"],
    ["(415) 555-0142 2 times", "[REDACTED:PHONE] 2 times"],
    ["order 4155550142 12", "order [REDACTED:PHONE] 12"],
    // The address after it keeps to its own number.
    ["415-555-0142 10 Main St", "[REDACTED:PHONE] [REDACTED:STREET_ADDRESS]"],
    // With a phone cue the whole run went before and still goes.
    ["call 415-555-0142 62", "call [REDACTED:PHONE]"],
  ]);
  const out = redactText("Jane Doe 415-555-0142 62 y/o F");
  assert.ok(out.includes("[REDACTED:PHONE] [REDACTED:AGE] y/o F"), out);
});

Deno.test("number runs with no phone at their head stay", () => {
  for (
    const text of [
      "415-555-0142-62",
      "sizes 100 200 3000 12",
      "1 2 3 4 5 6 7 8 9 10 11 12",
      "415 555 01 42",
      "build 4155 5501 42 3",
      "values 123 456 7890 1",
    ]
  ) {
    assert.equal(redactText(text).includes("PHONE"), false, text);
  }
});

Deno.test("a street address followed by lower-case words is found", () => {
  expectRedacted([
    ["she lives on 1420 Oakwood Ave now", "she lives on [REDACTED:STREET_ADDRESS] now"],
    [
      "Discharged to home at 1420 Oakwood Ave via ambulance",
      "Discharged to home at [REDACTED:STREET_ADDRESS] via ambulance",
    ],
    ["1420 Oakwood Ave zip 02134", "[REDACTED:STREET_ADDRESS] zip [REDACTED:ZIP_CODE]"],
    ["12 Main St apt 4", "[REDACTED:STREET_ADDRESS]"],
    ["1420 Oakwood Ave near the Park", "[REDACTED:STREET_ADDRESS] near the Park"],
    ["1420 Oakwood Ave", "[REDACTED:STREET_ADDRESS]"],
  ]);
  assert.deepEqual(scanText("1420 Oakwood Ave").findings, [{ type: "STREET_ADDRESS", path: "$" }]);
});

Deno.test("lower-case prose with numbers and street words stays", () => {
  for (
    const text of [
      "take 2 tablets by mouth twice daily",
      "3 main points to cover",
      "walk 2 blocks down the street",
      "moved 3 items to the drive",
      "release 1.4.2 on main street builds",
      "run 12 way merge now",
      "2 court dates were set",
      "retry 5 times then fall back",
    ]
  ) {
    assert.equal(redactText(text), text, text);
  }
});

Deno.test("a date joined to the next date or a time by '-' or '/' is a date", () => {
  expectRedacted([
    ["03/14/2024-03/20/2024", "[REDACTED:DATE]-[REDACTED:DATE]"],
    ["2024-03-14/2024-03-20", "[REDACTED:DATE]/[REDACTED:DATE]"],
    ["14.03.2024-15.03.2024", "[REDACTED:DATE]-[REDACTED:DATE]"],
    ["3/14/2024-10:30", "[REDACTED:DATE]-10:30"],
    ["2024-03-14-10:30", "[REDACTED:DATE]-10:30"],
    ["03/14/2024-03/20/2024-03/25/2024", "[REDACTED:DATE]-[REDACTED:DATE]-[REDACTED:DATE]"],
  ]);
});

Deno.test("dated ids and versions after a date keep their treatment", () => {
  for (
    const text of [
      "2024-03-14-001",
      "2024-03-14-1030",
      "2024-03-14-99:99",
      "2024-03-14-2024-03-15-001",
      "patient-2026-11-23-001",
      "1.2.3-4.5.6",
      "promo_01_mar_2025",
    ]
  ) {
    assert.equal(redactText(text), text, text);
  }
});

Deno.test("seven or eight digits run together right after a word that names only a phone", () => {
  const cases: Array<[string, string]> = [
    ["Phone 5551234", "Phone [REDACTED:PHONE]"],
    ["Tel: 5551234", "Tel: [REDACTED:PHONE]"],
    ["fax# 55512345", "fax# [REDACTED:PHONE]"],
    ["cellphone 5551234", "cellphone [REDACTED:PHONE]"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  // Words that come before ids as often as before phones, and short numbers: as before.
  for (const text of ["call 5551234", "text 5551234", "Phone 123", "order 5551234"]) {
    assert.equal(redactText(text), text, text);
  }
});

Deno.test("an SSN or a phone inside an address block keeps its own type", () => {
  // The block after a street is read whole as the address; the numbers in it are still read
  // on their own, so that a finding names what the value holds (a cheaper walk that skipped
  // them kept the redaction and lost the type).
  const block = "Ship to 1420 Oakwood Ave\nSpringfield, IL 62704, ";
  for (
    const [tail, type] of [["460-89-9847", "SSN"], ["415-555-0142", "PHONE"]] as const
  ) {
    const types = scanText(block + tail).findings.map((f) => f.type);
    assert.deepEqual(types, ["STREET_ADDRESS", type], tail);
    assert.ok(!redactText(block + tail).includes(tail), tail);
  }
});
