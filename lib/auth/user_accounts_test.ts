import assert from "node:assert/strict";
import { ValidationError } from "../errors/mod.ts";
import { checkDisplayName } from "./user_accounts.ts";

Deno.test("checkDisplayName() lets no name (unchanged) and a person's name through", () => {
  checkDisplayName(undefined);
  checkDisplayName("");
  checkDisplayName("Jane Doe");
});

Deno.test("checkDisplayName() refuses more than a name on $.displayName, without quoting it", () => {
  assert.throws(() => checkDisplayName("Jane Doe, 536221234"), (error) => {
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.details.issues, [{
      path: "$.displayName",
      message: "A person's name only, without numbers of 4 or more digits",
    }]);
    assert.ok(!error.message.includes("536221234"));
    return true;
  });
});
