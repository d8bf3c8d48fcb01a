import assert from "node:assert/strict";
import { newAccountErrors, newAccountRuleProblems } from "./new_account.ts";

Deno.test("newAccountRuleProblems() names every field the account rules refuse, not only the first", () => {
  const problems = newAccountRuleProblems({
    email: "bad",
    display_name: "Jane Roe 555-123-4567",
    password: "short",
  });
  assert.equal(problems.email, "The email address is not valid.");
  assert.match(problems.display_name ?? "", /^Display name: a person's name only, without /);
  assert.equal(problems.password, "Passwords need at least 12 characters.");
});

Deno.test("newAccountRuleProblems() accepts right values, and skips an empty name or password", () => {
  assert.deepEqual(
    newAccountRuleProblems({
      email: " Clerk@Example.org ",
      display_name: "Jane Roe",
      password: "a-long-enough-password-1",
    }),
    {},
  );
  assert.deepEqual(newAccountRuleProblems({ email: "a@b", display_name: "", password: "" }), {});
  assert.deepEqual(newAccountRuleProblems({}), {});
});

Deno.test("newAccountErrors() keeps the schema's message for a field, adds the rules' for the others, in the form's order", () => {
  const errors = newAccountErrors(
    [
      { message: "Role: choose RESEARCHER, STEWARD or ADMIN.", field: "new-user-role" },
      { message: "Email: enter the email address of the new account.", field: "new-user-email" },
    ],
    { email: "bad", password: "aaaaaaaaaaaaaaa" },
  );
  assert.deepEqual(errors, [
    { message: "Email: enter the email address of the new account.", field: "new-user-email" },
    { message: "Role: choose RESEARCHER, STEWARD or ADMIN.", field: "new-user-role" },
    { message: "Passwords need more varied characters.", field: "new-user-password" },
  ]);
  assert.deepEqual(newAccountErrors([], { email: "clerk@example.org" }), []);
});
