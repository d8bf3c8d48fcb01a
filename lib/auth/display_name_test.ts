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
