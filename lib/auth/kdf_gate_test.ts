import assert from "node:assert/strict";
import { createKdfGate, KdfBusyError } from "./kdf_gate.ts";

/** A hash that runs until told to finish. */
function heldHash() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { run: () => done, finish };
}

Deno.test("the KDF gate runs at most `concurrency` hashes and hands each freed turn to the next in line", async () => {
  const gate = createKdfGate({ concurrency: 2, maxQueued: 10, maxWaitMs: 60_000 });
  const hashes = [heldHash(), heldHash(), heldHash(), heldHash()];
  const order: number[] = [];
  const runs = hashes.map((hash, i) => gate.run(() => hash.run().then(() => order.push(i))));
  await Promise.resolve();
  assert.deepEqual(gate.load(), { running: 2, queued: 2 });
  hashes[1]!.finish();
  await runs[1];
  assert.deepEqual(gate.load(), { running: 2, queued: 1 }, "the third took the freed turn");
  for (const hash of hashes) hash.finish();
  await Promise.all(runs);
  assert.deepEqual(gate.load(), { running: 0, queued: 0 });
  assert.equal(order.length, 4);
});

Deno.test("the KDF gate refuses at once when its queue is full, and after maxWaitMs in line", async () => {
  const gate = createKdfGate({ concurrency: 1, maxQueued: 1, maxWaitMs: 30 });
  const held = heldHash();
  const running = gate.run(held.run);
  const waiting = gate.run(() => Promise.resolve("never"));
  await assert.rejects(gate.run(() => Promise.resolve("full")), KdfBusyError);
  await assert.rejects(waiting, KdfBusyError, "its wait ran out");
  assert.deepEqual(gate.load(), { running: 1, queued: 0 });
  held.finish();
  await running;
  assert.equal(await gate.run(() => Promise.resolve("free again")), "free again");
});

Deno.test("a failing hash gives its turn back", async () => {
  const gate = createKdfGate({ concurrency: 1, maxQueued: 0, maxWaitMs: 10 });
  await assert.rejects(gate.run(() => Promise.reject(new Error("boom"))), /boom/);
  assert.deepEqual(gate.load(), { running: 0, queued: 0 });
  assert.equal(await gate.run(() => Promise.resolve(1)), 1);
});

Deno.test("a busy refusal is 503 SERVICE_UNAVAILABLE with a Retry-After", () => {
  const error = new KdfBusyError();
  assert.equal(error.code, "SERVICE_UNAVAILABLE");
  assert.equal(error.details.retryAfterSeconds, 2);
});
