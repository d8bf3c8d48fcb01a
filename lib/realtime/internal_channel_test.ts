import assert from "node:assert/strict";
import { uniqueName } from "../../tests/helpers/db.ts";
import { hasRedis, TEST_REDIS_URL } from "../../tests/helpers/env.ts";
import { tcpProxy } from "../../tests/helpers/tcp_proxy.ts";
import { appendBurst } from "../../tests/helpers/stream_entries.ts";
import { until } from "../../tests/helpers/wait.ts";
import { systemClock } from "../clock.ts";
import { memoryLogger } from "../log/mod.ts";
import { openRedis } from "../redis/client.ts";
import { createAppMetrics } from "../telemetry/mod.ts";
import { createMemoryBus } from "./memory_bus.ts";
import { EventRefusedError } from "./payload_guard.ts";
import { createRedisBus } from "./redis_bus.ts";
import type { AppEvent, InternalGapReason, InternalMessage, NewEvent } from "./types.ts";

const enabled = hasRedis();
const opts = { sanitizeOps: false, sanitizeResources: false };

const ended = (id: string): InternalMessage => ({
  kind: "auth.credentials_ended",
  payload: { ended: "user", ids: [id] },
});
const progress = (jobId: string): NewEvent => ({
  type: "job.progress",
  topic: "jobs",
  payload: { jobId, progress: 1 },
});

function redisTarget(): { hostname: string; port: number } {
  const url = new URL(TEST_REDIS_URL!);
  return { hostname: url.hostname, port: Number(url.port || 6379) };
}

/** A Redis bus instance recording its events, internal messages and gaps. */
async function instance(
  url: string,
  streamKey: string,
  options: { historySize?: number; outboxSize?: number } = {},
) {
  const logger = memoryLogger();
  const redis = await openRedis(url, logger);
  const metrics = createAppMetrics();
  const bus = await createRedisBus({
    redis,
    streamKey,
    clock: systemClock,
    historySize: options.historySize ?? 100,
    ...(options.outboxSize ? { outboxSize: options.outboxSize } : {}),
    metrics,
    logger,
    blockMs: 500,
  });
  const events: AppEvent[] = [];
  const messages: InternalMessage[] = [];
  const gaps: InternalGapReason[] = [];
  bus.subscribe("all", (e) => events.push(e));
  bus.internal.subscribe((m) => messages.push(m), (reason) => gaps.push(reason));
  return {
    redis,
    bus,
    events,
    messages,
    gaps,
    metrics,
    async close() {
      await bus.close();
      await redis.close();
    },
  };
}

Deno.test("memory bus: an internal message is checked by the payload guard and goes to no one", async () => {
  const bus = createMemoryBus({ clock: systemClock, historySize: 10 });
  const got: unknown[] = [];
  bus.subscribe("all", (e) => got.push(e));
  bus.internal.subscribe((m) => got.push(m), (reason) => got.push(reason));
  await bus.internal.publish(ended("3f1c0a52-8d7e-4b8e-9a34-2c1d5e6f7a8b"));
  await assert.rejects(
    bus.internal.publish({ kind: "auth.credentials_ended", payload: { tokenIds: ["abc"] } }),
    EventRefusedError,
    "a key naming a token is refused",
  );
  await assert.rejects(
    bus.internal.publish({
      kind: "auth.credentials_ended",
      payload: { ended: "user", ids: ["alice@example.org"] },
    }),
    EventRefusedError,
  );
  assert.deepEqual(got, []);
  assert.equal(bus.lastId(), undefined);
  assert.equal(bus.internal.listening(), true);
  await bus.close();
});

Deno.test({
  name:
    "redis bus: an internal message reaches the other instance's internal subscribers only, never events, history or replay",
  ignore: !enabled,
  ...opts,
  async fn() {
    const key = uniqueName("events");
    const a = await instance(TEST_REDIS_URL!, key);
    const b = await instance(TEST_REDIS_URL!, key);
    try {
      const before = await a.bus.publish(progress("before"));
      await until(() => b.events.length === 1, "the first event on B");
      await a.bus.internal.publish(ended("3f1c0a52-8d7e-4b8e-9a34-2c1d5e6f7a8b"));
      const after = await a.bus.publish(progress("after"));
      await until(() => b.events.length === 2 && a.events.length === 2, "the second event");

      assert.deepEqual(b.messages, [ended("3f1c0a52-8d7e-4b8e-9a34-2c1d5e6f7a8b")]);
      assert.deepEqual(a.messages, [], "its publisher acts locally");
      for (const side of [a, b]) {
        assert.deepEqual(side.events.map((e) => e.payload.jobId), ["before", "after"]);
        assert.equal(side.bus.lastId(), after.id);
        const replay = await side.bus.replay(before.id, "all");
        assert.deepEqual(replay, { events: [after], complete: true });
        assert.deepEqual(side.gaps, []);
      }
      const entries = await a.redis.client.sendCommand<Array<[string, string[]]>>([
        "XRANGE",
        key,
        "-",
        "+",
      ]);
      const fields = entries.map(([, list]) => list.filter((_, i) => i % 2 === 0));
      assert.deepEqual(fields[1], ["k", "ts", "d", "o", "u"], "a kind, no event type or topic");
      // A new instance loads the stream's history without it.
      const c = await instance(TEST_REDIS_URL!, key);
      try {
        const replay = await c.bus.replay(before.id, "all");
        assert.deepEqual(replay.events.map((e) => e.id), [after.id]);
      } finally {
        await c.close();
      }
    } finally {
      await a.redis.client.sendCommand(["DEL", key]).catch(() => {});
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name:
    "redis bus: a reader that loses Redis stops listening and reports redis_lost, then redis_restored (and out_of_order after publishing meanwhile)",
  ignore: !enabled,
  ...opts,
  async fn() {
    const key = uniqueName("events");
    const proxy = tcpProxy(redisTarget());
    proxy.start();
    const a = await instance(TEST_REDIS_URL!, key);
    const b = await instance(`redis://127.0.0.1:${proxy.port}`, key);
    try {
      assert.equal(b.bus.internal.listening(), true);
      proxy.stop();
      await until(() => b.bus.readerState() === "reconnecting", "B's reader to lose Redis");
      assert.deepEqual(b.gaps, ["redis_lost"]);
      assert.equal(b.bus.internal.listening(), false);
      await a.bus.publish(progress("a1"));
      await b.bus.publish(progress("b1")); // delivered on B under a local id
      await a.bus.internal.publish(ended("3f1c0a52-8d7e-4b8e-9a34-2c1d5e6f7a8b"));
      proxy.start();
      await until(() => b.bus.readerState() === "ok" && b.bus.outboxLength() === 0, "B back");
      await until(() => b.messages.length === 1, "the message from the catch-up");
      assert.equal(b.bus.internal.listening(), true);
      assert.deepEqual(b.gaps, ["redis_lost", "out_of_order", "redis_restored"]);
      assert.deepEqual(a.gaps, []);
    } finally {
      await a.redis.client.sendCommand(["DEL", key]).catch(() => {});
      await a.close();
      await b.close();
      proxy.stop();
    }
  },
});

Deno.test({
  name:
    "redis bus: a batch large enough that the stream may have been trimmed past unread entries reports fell_behind",
  ignore: !enabled,
  ...opts,
  async fn() {
    const key = uniqueName("events");
    const b = await instance(TEST_REDIS_URL!, key, { historySize: 10 });
    const raw = await openRedis(TEST_REDIS_URL!, memoryLogger());
    try {
      // 300 entries at once, trimmed like the bus trims (MAXLEN ~ 10): the first ones go before
      // B can read them.
      await appendBurst(raw, key, 300, 10);
      await until(() => b.events.some((e) => e.payload.jobId === "j299"), "the last entry");
      assert.ok(!b.events.some((e) => e.payload.jobId === "j0"), "the first ones were trimmed");
      // (Reported once the reader has checked that the stream no longer holds what it read from.)
      await until(() => b.gaps.includes("fell_behind"), `fell_behind among gaps: ${b.gaps}`);
    } finally {
      await raw.client.sendCommand(["DEL", key]).catch(() => {});
      await raw.close();
      await b.close();
    }
  },
});

Deno.test({
  name:
    "redis bus: an instance whose full outbox drops an internal message makes the others report peer_dropped",
  ignore: !enabled,
  ...opts,
  async fn() {
    const key = uniqueName("events");
    const proxy = tcpProxy(redisTarget());
    proxy.start();
    const a = await instance(`redis://127.0.0.1:${proxy.port}`, key, { outboxSize: 2 });
    const b = await instance(TEST_REDIS_URL!, key);
    try {
      proxy.stop();
      await until(() => a.bus.readerState() === "reconnecting", "A's reader to lose Redis");
      await a.bus.internal.publish(ended("3f1c0a52-8d7e-4b8e-9a34-2c1d5e6f7a8b"));
      await a.bus.publish(progress("a1"));
      await a.bus.publish(progress("a2")); // the outbox holds 2: the message is dropped
      assert.equal(a.bus.outboxLength(), 2);
      proxy.start();
      await until(() => b.events.length === 2, "A's events on B");
      assert.deepEqual(b.gaps, ["peer_dropped"]);
      assert.deepEqual(b.messages, [], "the dropped message itself never comes");
    } finally {
      await b.redis.client.sendCommand(["DEL", key]).catch(() => {});
      await a.close();
      await b.close();
      proxy.stop();
    }
  },
});
