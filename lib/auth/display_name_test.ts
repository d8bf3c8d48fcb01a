import assert from "node:assert/strict";
import { displayNameProblem } from "./display_name.ts";

Deno.test("display names: a person's name passes; identifiers and long numbers do not", () => {
  for (const name of ["Jane Doe", "José García-López", "Dr. Mary O'Brien", "Jane Doe III"]) {
    assert.equal(displayNameProblem(name), undefined, name);
  }
  for (const name of ["Jane Doe, 536221234", "Jane Doe 02134", "Bob 4829133"]) {
    const problem = displayNameProblem(name);
    assert.ok(problem, name);
    assert.equal(problem.fieldMessage, "A person's name only, without numbers of 4 or more digits");
    assert.ok(!problem.message.includes(name.split(" ").pop()!), "the value is not quoted");
  }
  assert.match(displayNameProblem("Jane Doe MRN 00482913")!.fieldMessage, /found: MRN/);
});

Deno.test("display names: a long number in any script's digits is refused, as the ASCII one is", () => {
  // The rule counts digits, not ASCII: a number typed on a full-width or Arabic-Indic keyboard
  // (or as superscripts, mathematical digits, or split by invisible format characters) is the
  // same identifier, and none of these is found by the scanner's ASCII detectors.
  for (
    const name of [
      "Quenby Zarkowski ５３６２２１２３４", // full-width
      "Quenby Zarkowski ٥٣٦٢٢١٢٣٤", // Arabic-Indic
      "Quenby Zarkowski ۵۳۶۲۲۱۲۳۴", // Extended Arabic-Indic (Persian, Urdu)
      "Quenby Zarkowski ५३६२२१२३४", // Devanagari
      "Quenby Zarkowski ７７４１２９３", // a full-width 7-digit MRN
      "Quenby Zarkowski 7７4１", // ASCII and full-width mixed
      "Quenby Zarkowski ⁵³⁶²²¹²³⁴", // superscripts (No, digits after NFKC)
      "Quenby Zarkowski 𝟓𝟑𝟔𝟐𝟐𝟏𝟐𝟑𝟒", // mathematical bold
      "Quenby Zarkowski 5\u200b3\u200b6\u200b2\u200b2\u200b1", // zero-width spaces between
      "Quenby Zarkowski 7\u00ad7\u00ad4\u00ad1\u00ad2", // soft hyphens between
    ]
  ) {
    const problem = displayNameProblem(name);
    assert.ok(problem, JSON.stringify(name));
    // Refused as a long number, or (once the scanner reads these digits) as the identifier found.
    assert.match(problem.fieldMessage, /^A person's name only, without /);
    assert.ok(!problem.message.includes(name.split(" ").pop()!), "the value is not quoted");
  }
  // A short number in another script is as acceptable as a short ASCII one ("Jane Doe III", "2nd").
  for (const name of ["Jane Doe ３", "Jane Doe ٢٣", "Louis XIV", "Jane Doe 2nd"]) {
    assert.equal(displayNameProblem(name), undefined, name);
  }
});

/** Control, text-direction and invisible characters, each inside an otherwise good name. */
const HIDDEN: Array<[string, string]> = [
  ["right-to-left override", "Adm\u202enimda Jane"],
  ["zero-width space", "Jane \u200bDoe"],
  ["both (the review's)", "Adm\u202enimda \u200bJane"],
  ["bell and an ANSI colour", "Jane\u0007\u001b[31mDoe"],
  ["tab", "Jane\tDoe"],
  ["line feed", "Jane\nDoe"],
  ["DEL", "Jane\u007fDoe"],
  ["C1 control (CSI)", "Jane\u009bDoe"],
  ["left-to-right embedding", "\u202aJane Doe"],
  ["right-to-left embedding", "\u202bJane Doe"],
  ["pop directional formatting", "Jane Doe\u202c"],
  ["left-to-right override", "\u202dJane Doe"],
  ["left-to-right isolate", "\u2066Jane\u2069 Doe"],
  ["right-to-left isolate", "\u2067Jane Doe"],
  ["first strong isolate", "\u2068Jane Doe"],
  ["left-to-right mark", "Jane\u200e Doe"],
  ["right-to-left mark", "Jane\u200f Doe"],
  ["Arabic letter mark", "Jane\u061c Doe"],
  ["zero-width non-joiner, not between letters", "Jane \u200cDoe"],
  ["zero-width joiner at the end", "Jane Doe\u200d"],
  ["word joiner", "Ja\u2060ne Doe"],
  ["zero-width no-break space (BOM)", "\ufeffJane Doe"],
  ["soft hyphen", "Ja\u00adne Doe"],
  ["line separator", "Jane\u2028Doe"],
  ["paragraph separator", "Jane\u2029Doe"],
];

Deno.test("display names: control, text-direction and invisible characters are refused, with one message", () => {
  for (const [label, name] of HIDDEN) {
    const problem = displayNameProblem(name);
    assert.ok(problem, label);
    assert.equal(
      problem.message,
      "Display name: a person's name only, without control characters, text-direction marks " +
        "or invisible characters",
      label,
    );
    assert.equal(
      problem.fieldMessage,
      "A person's name only, without control characters, text-direction marks or invisible " +
        "characters",
      label,
    );
  }
});

Deno.test("display names: names in right-to-left scripts, and joiners inside a word, are accepted", () => {
  for (
    const name of [
      "مریم احمدی", // Persian
      "דנה כהן", // Hebrew
      "Jane Doe (مریم)", // mixed directions without any control
      "نرگس\u200cزاده", // Persian: the zero-width non-joiner inside a surname, as it is spelt
      "क्\u200dष Sharma", // Devanagari with a zero-width joiner inside the word
      "രാജന്\u200d", // Malayalam: virama + joiner at the word's end (old-style chillu)
      "ശ്രീ ഷാജന്\u200d കെ",
      "ಕ್\u200c", // Kannada: virama + non-joiner at the word's end
      "ᠨᠠ\u180eᠠ", // Mongolian: the vowel separator between letters
      "Zoë Ångström",
    ]
  ) {
    assert.equal(displayNameProblem(name), undefined, JSON.stringify(name));
  }
});

Deno.test("display names: every control character but NUL is refused (NUL is refused app-wide as text no column holds)", () => {
  let controls = 0;
  for (let code = 1; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const char = String.fromCodePoint(code);
    if (!/\p{Cc}|\p{Zl}|\p{Zp}/u.test(char)) continue;
    controls++;
    assert.ok(displayNameProblem(`Jane${char}Doe`), `U+${code.toString(16).padStart(4, "0")}`);
  }
  assert.equal(controls, 31 + 33 + 2, "C0 but NUL, DEL and C1, and the two separators");
});
