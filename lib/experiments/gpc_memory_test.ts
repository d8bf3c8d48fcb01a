import assert from "node:assert/strict";
import { createGpcMemory } from "./gpc_memory.ts";

Deno.test("gpc memory: a remembered user is known, another is not", () => {
  const memory = createGpcMemory(3);
  assert.equal(memory.has("u1"), false);
  memory.remember("u1");
  assert.equal(memory.has("u1"), true);
  assert.equal(memory.has("u2"), false);
  memory.remember("u1");
  assert.equal(memory.size, 1, "remembered once");
});

Deno.test("gpc memory: bounded, the least recently used user is forgotten first", () => {
  const memory = createGpcMemory(2);
  memory.remember("u1");
  memory.remember("u2");
  assert.equal(memory.has("u1"), true); // u1 used: u2 is now the oldest
  memory.remember("u3");
  assert.equal(memory.size, 2);
  assert.equal(memory.has("u2"), false);
  assert.equal(memory.has("u1"), true);
  assert.equal(memory.has("u3"), true);
});

Deno.test("gpc memory: each memory is its own (one per app instance)", () => {
  const one = createGpcMemory();
  const two = createGpcMemory();
  one.remember("u1");
  assert.equal(two.has("u1"), false);
});

Deno.test("gpc memory: a capacity below 1 still keeps the latest user", () => {
  const memory = createGpcMemory(0);
  memory.remember("u1");
  memory.remember("u2");
  assert.equal(memory.size, 1);
  assert.equal(memory.has("u2"), true);
});
