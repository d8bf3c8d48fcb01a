import assert from "node:assert/strict";
import { createBackgroundTouch, sessionTouchMs, TOUCH_INTERVAL_MS } from "./credential_touch.ts";

Deno.test("sessionTouchMs() writes at most once a minute, and at least ten times per idle limit", () => {
  assert.equal(sessionTouchMs(30 * 60_000), TOUCH_INTERVAL_MS);
  assert.equal(sessionTouchMs(10 * 60_000), TOUCH_INTERVAL_MS);
  assert.equal(sessionTouchMs(60_000), 6_000);
  assert.equal(sessionTouchMs(5 * 60_000), 30_000);
});

/** A write that settles when told to, counting how often it was started. */
function heldWrite() {
  let started = 0;
  let settle: ((fail: boolean) => void) | undefined;
  const write = () => {
    started++;
    return new Promise<void>((resolve, reject) => {
      settle = (fail) => fail ? reject(new Error("write failed")) : resolve();
    });
  };
  return {
    write,
    started: () => started,
    settle: (fail = false) => settle?.(fail),
  };
}

/** Lets the touch's own `.catch().finally()` run. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("createBackgroundTouch() starts no second write for a key while one is under way", async () => {
  const touch = createBackgroundTouch();
  const held = heldWrite();
  touch("session:a", held.write);
  touch("session:a", held.write);
  assert.equal(held.started(), 1);
  // Another credential is not held back by the first one's write.
  const other = heldWrite();
  touch("token:a", other.write);
  assert.equal(other.started(), 1);
  held.settle();
  other.settle();
  await settled();
  touch("session:a", held.write);
  assert.equal(held.started(), 2);
  held.settle();
  await settled();
});

Deno.test("createBackgroundTouch() drops a failed write and lets the next one start", async () => {
  const touch = createBackgroundTouch();
  const held = heldWrite();
  touch("session:a", held.write);
  held.settle(true);
  await settled();
  touch("session:a", held.write);
  assert.equal(held.started(), 2);
  held.settle();
  await settled();
});
