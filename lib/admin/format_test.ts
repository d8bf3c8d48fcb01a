import assert from "node:assert/strict";
import { nameOf, shortId, when } from "./format.ts";

Deno.test("when() prints a stored time in UTC to the second, whatever the milliseconds", () => {
  assert.equal(when(new Date("2026-03-04T05:06:07.890Z")), "2026-03-04 05:06:07 UTC");
});

Deno.test("when() prints a dash for a time that is not set", () => {
  assert.equal(when(null), "—");
});

Deno.test("shortId() keeps the first 8 characters of an id, and a shorter id whole", () => {
  assert.equal(shortId("7d0c4c7e-2f55-4d2a-9c1e-3b6f0a8e5d21"), "7d0c4c7e");
  assert.equal(shortId("abc"), "abc");
});

Deno.test("nameOf() names an account by its display name, or its e-mail without one", () => {
  assert.equal(nameOf({ displayName: "Ada Example", email: "ada@example.test" }), "Ada Example");
  assert.equal(nameOf({ displayName: "", email: "ada@example.test" }), "ada@example.test");
});
