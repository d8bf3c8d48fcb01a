import assert from "node:assert/strict";
import { archiveVersion, FLAG_FIELDS, flagInputFromForm, keyError } from "./form.ts";
import { BAD_KEY_MESSAGE, KEY_EXISTS_MESSAGE, KEY_LIVE_AGAIN_MESSAGE } from "./messages.ts";

Deno.test("flagInputFromForm() reads the create form: checkbox, numbers, lists and target ids", () => {
  const { input, errors } = flagInputFromForm({
    enabled: "on",
    description: "  Faster search ",
    scope: "product",
    rollout_percent: " 25 ",
    required_modes: ["DEMO", "LIVE"],
    target_environments: "staging",
    target_users: "u1, u2\nu3",
    version: "4",
  });
  assert.deepEqual(errors, []);
  assert.equal(input?.enabled, true);
  assert.equal(input?.description, "Faster search");
  assert.equal(input?.rolloutPercent, 25);
  assert.deepEqual(input?.requiredModes, ["DEMO", "LIVE"]);
  assert.deepEqual(input?.targetEnvironments, ["staging"]);
  assert.deepEqual(input?.targetUsers, ["u1", "u2", "u3"]);
  assert.equal(input?.version, 4);
});

Deno.test("flagInputFromForm() leaves out an edit's unchanged description and targets", () => {
  const { input } = flagInputFromForm(
    { description: "Kept", rollout_percent: "10", target_users: "a\nb" },
    { description: "Kept", targetUsers: ["a", "b"] },
  );
  assert.ok(input);
  assert.equal(input.rolloutPercent, 10);
  assert.ok(!Object.hasOwn(input, "description"), "the unchanged description is not sent");
  assert.ok(!Object.hasOwn(input, "targetUsers"), "the unchanged targets are not sent");
  const changed = flagInputFromForm(
    { description: "New", rollout_percent: "10", target_users: "a" },
    { description: "Kept", targetUsers: ["a", "b"] },
  ).input;
  assert.equal(changed?.description, "New");
  assert.deepEqual(changed?.targetUsers, ["a"]);
});

Deno.test("flagInputFromForm() refuses with one message per problem, linked, never the value", () => {
  const { input, errors } = flagInputFromForm({
    rollout_percent: "200",
    description: "x".repeat(501),
    target_users: "someone@example.test",
  });
  assert.equal(input, undefined);
  assert.deepEqual(errors.map((error) => error.field), [
    FLAG_FIELDS.description,
    FLAG_FIELDS.rolloutPercent,
    FLAG_FIELDS.targetUsers,
    FLAG_FIELDS.targetUsers,
  ]);
  assert.deepEqual(errors.slice(0, 3).map((error) => error.message), [
    "Description: at most 500 characters.",
    "Rollout: a whole number from 0 to 100.",
    "Target users: ids only (letters, digits, _ . : -), one per line, at most 1000, no email addresses.",
  ]);
  assert.match(errors[3]?.message ?? "", /^Target users: must not contain PHI \(found: EMAIL\)/);
  assert.ok(errors.every((error) => !error.message.includes("someone@example.test")));
});

Deno.test("flagInputFromForm() names a field outside the form's fields without linking it", () => {
  const { errors } = flagInputFromForm({ rollout_percent: "10", version: "x" });
  assert.deepEqual(errors, [{ message: "Version: not a valid value." }]);
});

Deno.test("keyError() refuses a malformed key before asking whether it is live", () => {
  const asked: string[] = [];
  const isLive = (key: string) => (asked.push(key), true);
  assert.deepEqual(keyError("Bad Key", false, isLive), {
    message: BAD_KEY_MESSAGE,
    field: FLAG_FIELDS.key,
  });
  assert.deepEqual(asked, []);
});

Deno.test("keyError() refuses a live key, linked to the key field unless restoring", () => {
  assert.deepEqual(keyError("beta.search", false, () => true), {
    message: KEY_EXISTS_MESSAGE,
    field: FLAG_FIELDS.key,
  });
  assert.deepEqual(keyError("beta.search", true, () => true), { message: KEY_LIVE_AGAIN_MESSAGE });
  assert.deepEqual(keyError("Bad", true, () => false), { message: BAD_KEY_MESSAGE });
  assert.equal(keyError("beta.search", false, () => false), undefined);
});

Deno.test("archiveVersion() keeps a positive whole number only", () => {
  assert.equal(archiveVersion("3"), 3);
  for (const value of [undefined, "", "0", "-1", "1.5", "abc"]) {
    assert.equal(archiveVersion(value), undefined, String(value));
  }
});
