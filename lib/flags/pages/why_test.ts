import assert from "node:assert/strict";
import { hasSurroundingSpace, WHY_EMAIL_MESSAGE, WHY_FIELDS, whyErrors, whyQuery } from "./why.ts";

const queryOf = (params: Record<string, string>) => (name: string) => params[name];

Deno.test("whyQuery() keeps the ids as typed, drops empty ones, never cuts one (whyErrors refuses it)", () => {
  // As a service's targeting key is evaluated: " u-1 " is not "u-1".
  const why = whyQuery(queryOf({ userId: "  u-1 ", sessionId: "" }));
  assert.deepEqual(why, {
    userId: "  u-1 ",
    sessionId: undefined,
    mode: undefined,
    env: undefined,
  });
  assert.equal(hasSurroundingSpace(why), true);
  assert.equal(hasSurroundingSpace({ userId: "u 1", sessionId: undefined }), false);
  // Spaces alone are an id, as OFREP and the status API evaluate them.
  assert.equal(whyQuery(queryOf({ userId: "   " })).userId, "   ");
  const long = whyQuery(queryOf({ userId: "a".repeat(300) }));
  assert.equal(long.userId, "a".repeat(300));
  assert.deepEqual(whyErrors(long).map((error) => error.field), [WHY_FIELDS.userId]);
});

Deno.test("whyErrors() answers any targeting key but an e-mail address or PHI", () => {
  for (const userId of ["u-1", "tenant/42", "user 42", "_svc-1", "a".repeat(256)]) {
    assert.deepEqual(whyErrors({ userId, sessionId: userId }), [], userId.slice(0, 20));
  }
  assert.deepEqual(whyErrors({ userId: "someone@example.test", sessionId: undefined }), [
    { message: WHY_EMAIL_MESSAGE, field: WHY_FIELDS.userId },
  ]);
  const phi = whyErrors({ userId: undefined, sessionId: "536-22-1234" });
  assert.deepEqual(phi.map((error) => error.field), [WHY_FIELDS.sessionId]);
  assert.ok(!phi[0]!.message.includes("536-22-1234"), "the message never repeats the value");
});

Deno.test("whyQuery() keeps a known mode and environment only", () => {
  assert.deepEqual(whyQuery(queryOf({ mode: "LIVE", env: "staging" })), {
    userId: undefined,
    sessionId: undefined,
    mode: "LIVE",
    env: "staging",
  });
  const unknown = whyQuery(queryOf({ mode: "live", env: "mars" }));
  assert.equal(unknown.mode, undefined);
  assert.equal(unknown.env, undefined);
});
