import assert from "node:assert/strict";
import { resolveActor } from "./actor_filter.ts";

const ADA = "0f8e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
const BOB = "0f8e9999-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
const TOKEN = "7a7a7a7a-1111-4222-8333-444455556666";
const names = {
  users: [
    { id: ADA, displayName: "Ada Lovelace" },
    { id: BOB, displayName: "Bob" },
    { id: "11111111-2222-4333-8444-555566667777", displayName: "" },
  ],
  tokens: [{ id: TOKEN, name: "exporter" }],
};

Deno.test("resolveActor: a full id is taken as typed, lower-cased, even when nobody has it", () => {
  assert.deepEqual(resolveActor(` ${ADA.toUpperCase()} `, names), { id: ADA });
  const unknown = "99999999-9999-4999-8999-999999999999";
  assert.deepEqual(resolveActor(unknown, names), { id: unknown });
});

Deno.test("resolveActor: a display or token name, ignoring case and surrounding space", () => {
  assert.deepEqual(resolveActor("  ada lovelace ", names), { id: ADA });
  assert.deepEqual(resolveActor("EXPORTER", names), { id: TOKEN });
});

Deno.test("resolveActor: a unique id prefix of 4 to 35 characters", () => {
  assert.deepEqual(resolveActor("7a7a", names), { id: TOKEN });
  assert.deepEqual(resolveActor("0f8e1", names), { id: ADA });
  // Shorter than 4: no prefix match.
  assert.ok("error" in resolveActor("7a7", names));
});

Deno.test("resolveActor: a name wins over an id prefix", () => {
  const withHexName = {
    users: [...names.users, { id: TOKEN.replace("7", "8"), displayName: "7a7a" }],
    tokens: names.tokens,
  };
  assert.deepEqual(resolveActor("7a7a", withHexName), { id: TOKEN.replace("7", "8") });
});

Deno.test("resolveActor: an ambiguous prefix or name asks for the id", () => {
  const result = resolveActor("0f8e", names);
  assert.ok("error" in result);
  assert.match(result.error, /More than one/);
});

Deno.test("resolveActor: nothing matches, and an empty name never matches", () => {
  const result = resolveActor("Carol", names);
  assert.ok("error" in result);
  assert.match(result.error, /No account or token matches/);
  assert.ok("error" in resolveActor("", names));
});

Deno.test("resolveActor: an e-mail address is refused, not looked up", () => {
  const result = resolveActor("ada@example.org", names);
  assert.ok("error" in result);
  assert.match(result.error, /not an e-mail/);
});
