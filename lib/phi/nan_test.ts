/**
 * "NaN" is JavaScript's not-a-number, printed into analytics values, error messages and logs
 * (`String(0 / 0)`); it read as the first name "Nan" by the lone-name rule, so an analytics event
 * with `{"duration":"NaN"}` was dropped as PHI and the flag Why tool refused the id "NaN". The
 * name itself is still found.
 */
import assert from "node:assert/strict";
import { redactText, scan } from "./mod.ts";

Deno.test("'NaN' is not a person's name; 'Nan' in a sentence still is", () => {
  for (const value of ["NaN", { duration: "NaN" }, "elapsed NaN ms", "value NaN at row 3"]) {
    assert.deepEqual(scan(value).findings, [], JSON.stringify(value));
  }
  assert.equal(redactText("Nan is from the city"), "[REDACTED:PERSON_NAME] is from the city");
  assert.ok(scan("Nan").found);
  assert.ok(scan("Patient NaN Smith").found);
});
