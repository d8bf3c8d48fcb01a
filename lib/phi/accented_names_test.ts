/**
 * Names with diacritics: the name dictionaries are the (ASCII) census lists, so a name is also
 * looked up with its Latin letters folded (`José García` as `jose garcia`). Before, a name with an
 * accent on both parts had no dictionary word to start from.
 */
import assert from "node:assert/strict";
import { redactText, scanText } from "./mod.ts";

/** Synthetic names, each part accented here from its ASCII spelling. */
const accent = (ascii: string, at: number, mark: string) =>
  ascii.slice(0, at) + mark + ascii.slice(at + 1);
const NAMES = [
  [accent("Jose", 3, "é"), accent("Garcia", 4, "í")],
  [accent("Zoe", 2, "ë"), accent("Pena", 2, "ñ")],
  [accent("Renee", 3, "é"), "Martin"],
  [accent("Lukasz", 0, "Ł"), accent(accent("Wojcik", 1, "ó"), 0, "W")],
  [accent("Raul", 2, "ú"), accent("Lopez", 1, "ó")],
  [accent("Agnes", 0, "Á"), "Nagy"],
];

Deno.test("first name and surname with accents: the whole name", () => {
  for (const [first, last] of NAMES) {
    const name = `${first} ${last}`;
    assert.equal(redactText(name), "[REDACTED:PERSON_NAME]", name);
    assert.equal(
      redactText(`seen ${name} today`),
      "seen [REDACTED:PERSON_NAME] today",
      name,
    );
    assert.deepEqual(scanText(`seen ${name} today`).findings, [
      { type: "PERSON_NAME", path: "$" },
    ]);
  }
});

Deno.test("a lone accented dictionary name is a name as its ASCII spelling is", () => {
  for (const [first] of NAMES.slice(0, 2)) {
    assert.equal(redactText(`She named him ${first}`), "She named him [REDACTED:PERSON_NAME]");
  }
  assert.equal(redactText(`Dr. M${"ü"}ller`), "[REDACTED:PERSON_NAME]");
});

Deno.test("accented words that are no names, or fold to everyday words, stay as they were", () => {
  for (
    const text of [
      "Caf\u00e9 Mozart",
      "Cr\u00e8me Br\u00fbl\u00e9e",
      "M\u00e1laga",
      "Stra\u00dfe",
      "S\u00f8ren Kierkegaard",
    ]
  ) {
    assert.equal(redactText(text), text, text);
  }
  // "Bašić" folds to "basic", an everyday word: it stays an unknown word, and a first name
  // before it takes it as the surname as before.
  assert.equal(redactText(`Samantha Ba\u0161i\u0107 sang`), "[REDACTED:PERSON_NAME] sang");
});

/** 100 KB strings of accented capitalised words: the scan must finish. */
const ADVERSARIAL: Array<[string, string]> = [
  ["accented capitalised words", "Jos\u00e9 ".repeat(20_000)],
  ["accented pairs", "Jos\u00e9 Garc\u00eda, ".repeat(7_200)],
];

for (const [name, text] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}
