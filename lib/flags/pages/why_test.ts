import assert from "node:assert/strict";
import { whyQuery } from "./why.ts";

const queryOf = (params: Record<string, string>) => (name: string) => params[name];

Deno.test("whyQuery() trims the ids, cuts them to 255 characters and drops empty ones", () => {
  const why = whyQuery(queryOf({ userId: "  u-1 ", sessionId: "   " }));
  assert.deepEqual(why, { userId: "u-1", sessionId: undefined, mode: undefined, env: undefined });
  assert.equal(whyQuery(queryOf({ userId: "a".repeat(300) })).userId, "a".repeat(255));
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
