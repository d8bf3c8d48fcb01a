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
