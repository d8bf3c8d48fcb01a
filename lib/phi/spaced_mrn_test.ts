/**
 * A record number written in two groups after an MRN label (`MRN: 774 1293`), as a phone
 * number is: the label's token rule read `774` alone, too short for a record number, and left
 * both groups. Short counts after the label stay.
 */
import assert from "node:assert/strict";
import { redactText } from "./mod.ts";

Deno.test("an MRN in two digit groups after its label is redacted whole", () => {
  const cases: Array<[string, string]> = [
    ["MRN: 774 1293", "MRN: [REDACTED:MRN]"],
    ["for the visit, MRN 774 1293, seen", "for the visit, MRN [REDACTED:MRN], seen"],
    ["medical record number 4829 133", "medical record number [REDACTED:MRN]"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("short counts after an MRN label stay", () => {
  for (
    const text of [
      "MRN 12 34 fields",
      "MRN 774 apples",
      "MRN lookup took 120 1500 ms",
      "chart 300 400 px",
    ]
  ) {
    assert.equal(redactText(text), text, text);
  }
});
