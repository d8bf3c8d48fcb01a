import assert from "node:assert/strict";
import { withTimeout } from "./timeout.ts";

class Late extends Error {}

// Deno's op sanitizer fails these tests if a timer is left running.
Deno.test("withTimeout() settles with the work when it is in time, and clears its timer", async () => {
  assert.equal(await withTimeout(Promise.resolve(7), 10_000, () => new Late()), 7);
  await assert.rejects(
    withTimeout(Promise.reject(new TypeError("own")), 10_000, () => new Late()),
    TypeError,
  );
});

Deno.test("withTimeout() rejects with the caller's error when the work is late", async () => {
  let aborted = false;
  const never = new Promise<number>(() => {});
  await assert.rejects(
    withTimeout(never, 5, () => {
      aborted = true;
      return new Late();
    }),
    Late,
  );
  assert.ok(aborted);
});
