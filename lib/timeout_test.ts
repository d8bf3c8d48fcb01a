import assert from "node:assert/strict";
import { manualTimeouts, settlesWithin, withTimeout } from "./timeout.ts";

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

Deno.test("settlesWithin() is true when the work settles (either way) before the timer, and clears it", async () => {
  const timers = manualTimeouts();
  assert.equal(await settlesWithin(Promise.resolve(1), 500, timers), true);
  assert.equal(await settlesWithin(Promise.reject(new Late()), 500, timers), true);
  assert.deepEqual(timers.pending(), [], "no timer outlives the race");
});

Deno.test("settlesWithin() is false once its timer fires with the work still running, and not before", async () => {
  const timers = manualTimeouts();
  let settled: boolean | undefined;
  const within = settlesWithin(new Promise(() => {}), 500, timers).then((v) => (settled = v));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(timers.pending(), [500]);
  timers.advance(499);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(settled, undefined, "still waiting for the work");
  timers.advance(1);
  assert.equal(await within, false);
  assert.deepEqual(timers.pending(), []);
});

Deno.test("settlesWithin() uses the real timer by default", async () => {
  assert.equal(await settlesWithin(new Promise(() => {}), 1), false);
  assert.equal(await settlesWithin(Promise.resolve(), 10_000), true);
});
