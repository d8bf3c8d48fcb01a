import assert from "node:assert/strict";
import { uniqueName } from "../../tests/helpers/db.ts";
import { hasRedis, TEST_REDIS_URL } from "../../tests/helpers/env.ts";
import { privateRedis, redisServerBinary } from "../../tests/helpers/redis_server.ts";
import { systemClock } from "../clock.ts";
import { memoryLogger } from "../log/mod.ts";
import { openRedis, type RedisHandle, startRedis } from "../redis/client.ts";
import { createAppMetrics } from "../telemetry/mod.ts";
import { EventRefusedError } from "./payload_guard.ts";
import { until } from "../../tests/helpers/wait.ts";
import { tcpProxy } from "../../tests/helpers/tcp_proxy.ts";
import { appendBurst, jobEntry } from "../../tests/helpers/stream_entries.ts";
import { createRedisBus, type RedisBus } from "./redis_bus.ts";
import type { AppEvent, NewEvent } from "./types.ts";

const enabled = hasRedis();
const opts = { sanitizeOps: false, sanitizeResources: false };

const progress = (n: number): NewEvent => ({
  type: "job.progress",
  topic: "jobs",
  payload: { jobId: "job-1", progress: n },
});

async function instance(url: string, streamKey: string, historySize = 100) {
  const logger = memoryLogger();
  const redis = await openRedis(url, logger);
  const bus = await createRedisBus({
    redis,
    streamKey,
    clock: systemClock,
    historySize,
    metrics: createAppMetrics(),
    logger,
    blockMs: 1000,
  });
  const got: AppEvent[] = [];
  bus.subscribe("all", (e) => got.push(e));
  return {
    redis,
    bus,
    got,
    logger,
    async close() {
      await bus.close();
      await redis.close();
    },
  };
}

async function dropKey(redis: RedisHandle, key: string) {
  await redis.client.sendCommand(["DEL", key]);
}

Deno.test({
  name:
    "redis bus: an event published on A is delivered exactly once on A and on B, with the stream id",
  ignore: !enabled,
  ...opts,
  async fn() {
    const key = uniqueName("events");
    const a = await instance(TEST_REDIS_URL!, key);
    const b = await instance(TEST_REDIS_URL!, key);
    try {
      const published = await a.bus.publish(progress(1));
      assert.match(published.id, /^\d+-\d+$/);
      await until(() => a.got.length >= 1 && b.got.length >= 1, "delivery on both");
      const second = await b.bus.publish(progress(2));
      await until(() => a.got.length >= 2 && b.got.length >= 2, "second delivery");
      // Give a stray duplicate the chance to arrive before counting.
      await a.bus.publish(progress(3));
      await until(() => a.got.length >= 3 && b.got.length >= 3, "third delivery");
      for (const got of [a.got, b.got]) {
        assert.deepEqual(got.map((e) => e.payload.progress), [1, 2, 3]);
        assert.equal(got[0]!.id, published.id);
        assert.equal(got[1]!.id, second.id);
      }
      const entries = await a.redis.client.sendCommand<unknown[]>(["XRANGE", key, "-", "+"]);
      assert.equal(entries.length, 3);
    } finally {
      await dropKey(a.redis, key).catch(() => {});
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name: "redis bus: refuses free text before it reaches the stream",
  ignore: !enabled,
  ...opts,
  async fn() {
    const key = uniqueName("events");
    const a = await instance(TEST_REDIS_URL!, key);
    try {
      await assert.rejects(
        () => a.bus.publish({ type: "job.failed", topic: "jobs", payload: { reason: "a b c" } }),
        EventRefusedError,
      );
      assert.equal(await a.redis.client.sendCommand(["EXISTS", key]), 0);
    } finally {
      await a.close();
    }
  },
});

Deno.test({
  name:
    "redis bus: a new instance replays from the stream's recent history; an id older than it resyncs",
  ignore: !enabled,
  ...opts,
  async fn() {
    const key = uniqueName("events");
    const a = await instance(TEST_REDIS_URL!, key, 5);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await a.bus.publish(progress(i))).id);
      const b = await instance(TEST_REDIS_URL!, key, 5);
      try {
        const replay = await b.bus.replay(ids[4]!, "jobs");
        assert.equal(replay.complete, true);
        assert.deepEqual(replay.events.map((e) => e.payload.progress), [5, 6, 7]);
        assert.equal((await b.bus.replay(ids[1]!, "all")).complete, false);
        assert.deepEqual(await b.bus.replay(ids[7]!, "governance"), { events: [], complete: true });
      } finally {
        await b.close();
      }
    } finally {
      await dropKey(a.redis, key).catch(() => {});
      await a.close();
    }
  },
});

Deno.test({
  name:
    "redis bus: through a Redis restart, local events keep flowing and every event reaches both instances",
  ignore: !enabled || !redisServerBinary(),
  ...opts,
  async fn() {
    const server = privateRedis();
    await server.start();
    const key = uniqueName("events");
    const a = await instance(server.url, key);
    const b = await instance(server.url, key);
    try {
      await a.bus.publish(progress(1));
      await until(() => b.got.length === 1 && a.got.length === 1, "first event");

      await server.stop();
      const during = await a.bus.publish(progress(2));
      assert.equal(a.got.at(-1)?.id, during.id, "A's own subscribers get it at once");
      assert.equal((a.bus as RedisBus).outboxLength(), 1);
      await until(() => (b.bus as RedisBus).readerState() === "reconnecting", "B notices");

      await server.start();
      await until(() => b.got.length >= 2, "the outage event reaches B");
      await a.bus.publish(progress(3));
      await until(() => a.got.length >= 3 && b.got.length >= 3, "later event on both");

      assert.deepEqual(a.got.map((e) => e.payload.progress), [1, 2, 3]);
      assert.deepEqual(b.got.map((e) => e.payload.progress), [1, 2, 3]);
      // B may read the last flushed entry before A has taken it off its outbox.
      await until(() => (a.bus as RedisBus).outboxLength() === 0, "A's outbox to drain");
      // The restarted Redis (no persistence) lost the stream: what it held after B's position
      // cannot be known, so a replay across the restart answers resync instead of claiming
      // to be complete.
      await until(() => (b.bus as RedisBus).readerState() === "ok", "B's reader back");
      assert.deepEqual(await b.bus.replay(b.got[0]!.id, "all"), { events: [], complete: false });
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  },
});

/**
 * A on Redis through a proxy that drops the reply to A's next XADD: the entry lands, A cannot
 * know it. Cutting every connection holds A's reader back, so A keeps the event in its outbox
 * and appends it a second time; cutting only the command connection lets the reader see the
 * entry first, usually, and then A appends it once. Either way each instance delivers it once.
 */
async function lostReply(everyConnection: boolean) {
  const target = new URL(TEST_REDIS_URL!);
  const proxy = tcpProxy({ hostname: target.hostname, port: Number(target.port || 6379) });
  proxy.start();
  const viaProxy = new URL(TEST_REDIS_URL!);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  const key = uniqueName("events");
  const a = await instance(viaProxy.toString(), key);
  const b = await instance(TEST_REDIS_URL!, key);
  try {
    await a.bus.publish(progress(1));
    await until(() => a.got.length === 1 && b.got.length === 1, "first event on both");

    const dropped = proxy.dropNextReplyTo("XADD", { everyConnection });
    await a.bus.publish(progress(2));
    await dropped;
    await until(() => (a.bus as RedisBus).outboxLength() === 0, "A's outbox to drain");
    await a.bus.publish(progress(3));
    await until(() => a.got.length >= 3 && b.got.length >= 3, "later event on both");

    assert.deepEqual(a.got.map((e) => e.payload.progress), [1, 2, 3]);
    assert.deepEqual(b.got.map((e) => e.payload.progress), [1, 2, 3]);
    // A replay on B, and a new instance's history loaded from the stream, hold it once too.
    const replay = await b.bus.replay(b.got[0]!.id, "all");
    assert.deepEqual(replay.events.map((e) => e.payload.progress), [2, 3]);
    const c = await instance(TEST_REDIS_URL!, key);
    try {
      const fromStart = await c.bus.replay(b.got[0]!.id, "all");
      assert.deepEqual(fromStart.events.map((e) => e.payload.progress), [2, 3]);
    } finally {
      await c.close();
    }
    const entries = await b.redis.client.sendCommand<unknown[]>(["XRANGE", key, "-", "+"]);
    return entries.length;
  } finally {
    await dropKey(b.redis, key).catch(() => {});
    await a.close();
    await b.close();
    proxy.stop();
  }
}

Deno.test({
  name:
    "redis bus: an append whose reply is lost lands twice in the stream but is delivered once on each instance",
  ignore: !enabled,
  ...opts,
  async fn() {
    assert.equal(await lostReply(true), 4, "the event is in the stream twice");
  },
});

Deno.test({
  name:
    "redis bus: an append whose reply is lost, seen by the publisher's reader first, is delivered once",
  ignore: !enabled,
  ...opts,
  async fn() {
    const entries = await lostReply(false);
    assert.ok(entries === 3 || entries === 4, `3 or 4 entries, not ${entries}`);
  },
});

Deno.test({
  name:
    "redis bus: what others appended during this instance's outage arrives below its local ids: subscribers are told to resync, replays across it resync",
  ignore: !enabled,
  ...opts,
  async fn() {
    const target = new URL(TEST_REDIS_URL!);
    const proxy = tcpProxy({ hostname: target.hostname, port: Number(target.port || 6379) });
    proxy.start();
    const viaProxy = new URL(TEST_REDIS_URL!);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const key = uniqueName("events");
    const a = await instance(TEST_REDIS_URL!, key);
    const b = await instance(viaProxy.toString(), key);
    let resyncs = 0;
    b.bus.subscribe("all", () => {}, { onResync: () => resyncs++ });
    try {
      const first = await a.bus.publish(progress(1));
      await until(() => a.got.length === 1 && b.got.length === 1, "first event on both");

      proxy.stop();
      await until(() => (b.bus as RedisBus).readerState() === "reconnecting", "B notices");
      await a.bus.publish(progress(2));
      await a.bus.publish(progress(3));
      const local = await b.bus.publish(progress(4));
      assert.equal(b.got.at(-1)?.id, local.id, "B delivers its own event at once, local id");
      assert.equal(resyncs, 0);

      proxy.start();
      await until(() => b.got.length >= 4, "A's outage events reach B");
      assert.deepEqual(b.got.map((e) => e.payload.progress), [1, 4, 2, 3]);
      await until(() => resyncs > 0, "B's subscribers to be told to resync");
      for (const from of [first.id, local.id]) {
        assert.equal((await b.bus.replay(from, "all")).complete, false, from);
      }
      // Later events are in order again: no further resync, and replays after them are exact.
      const told = resyncs;
      const next = await a.bus.publish(progress(5));
      const last = await a.bus.publish(progress(6));
      await until(() => b.got.length >= 6, "later events on B");
      assert.equal(resyncs, told);
      assert.deepEqual(await b.bus.replay(next.id, "all"), { events: [b.got[5]!], complete: true });
      assert.equal(b.got[5]!.id, last.id);
      assert.deepEqual(a.got.map((e) => e.payload.progress), [1, 2, 3, 4, 5, 6]);
    } finally {
      await dropKey(a.redis, key).catch(() => {});
      await a.close();
      await b.close();
      proxy.stop();
    }
  },
});

Deno.test({
  name:
    "redis bus: a Redis that stops answering at start does not hang it: the history read gives up and the bus starts empty",
  ignore: !enabled || !redisServerBinary(),
  ...opts,
  async fn() {
    const server = privateRedis();
    await server.start();
    const admin = await openRedis(server.url, memoryLogger());
    const logger = memoryLogger();
    const redis = await openRedis(server.url, logger);
    let bus: RedisBus | undefined;
    try {
      // Every client's commands wait for 7 s: longer than the history read may take (5 s), shorter
      // than the reader connection's own first-connect bound needs after that.
      await admin.client.sendCommand(["CLIENT", "PAUSE", "7000", "ALL"]);
      bus = await createRedisBus({
        redis,
        streamKey: uniqueName("events"),
        clock: systemClock,
        historySize: 100,
        metrics: createAppMetrics(),
        logger,
        blockMs: 1000,
      });
      assert.ok(
        logger.lines.some((line) => line.includes("event stream history could not be loaded")),
        "started empty instead of waiting on the paused read",
      );
      const got: AppEvent[] = [];
      bus.subscribe("all", (e) => got.push(e));
      await bus.publish(progress(1));
      await until(() => got.length === 1, "the bus works once Redis answers again");
    } finally {
      await bus?.close();
      await redis.close();
      await admin.close();
      await server.stop();
    }
  },
});

/**
 * A bus that records its events and resyncs, on a stream that already holds one event (so its
 * reader reads from a real entry, not from the stream's start).
 */
async function seededInstance(
  key: string,
  options: { historySize: number; maxLen: number },
  url = TEST_REDIS_URL!,
) {
  const seed = await openRedis(TEST_REDIS_URL!, memoryLogger());
  const seedId = await seed.client.sendCommand<string>(jobEntry(key, "seed", null));
  await seed.close();
  const logger = memoryLogger();
  const redis = await openRedis(url, logger);
  const metrics = createAppMetrics();
  const bus = await createRedisBus({
    redis,
    streamKey: key,
    clock: systemClock,
    ...options,
    metrics,
    logger,
    blockMs: 500,
  });
  const got: AppEvent[] = [];
  const resyncs: string[] = [];
  bus.subscribe("all", (e) => got.push(e), { onResync: (reason) => resyncs.push(reason) });
  return {
    seedId,
    redis,
    bus,
    got,
    resyncs,
    metrics,
    logger,
    async close() {
      await bus.close();
      await redis.close();
    },
  };
}

Deno.test({
  name:
    "redis bus: a reader that finds the stream trimmed past entries it had not read tells subscribers to resync (fell_behind) and replays across it resync",
  ignore: !enabled,
  ...opts,
  async fn(t) {
    // 300 entries at once, trimmed to about 10 (MAXLEN ~ 10): the seed and the first ones are gone
    // before B's reader gets to them. B trims to the same size itself, or (a rolling configuration
    // change) keeps 1,000 while another instance trims to 10.
    for (const keeps of [10, 1000]) {
      await t.step(`B keeps ${keeps}`, async () => {
        const key = uniqueName("events");
        const b = await seededInstance(key, { historySize: keeps, maxLen: keeps });
        try {
          await appendBurst(b.redis, key, 300, 10);
          await until(() => b.got.some((e) => e.payload.jobId === "j299"), "the last entry");
          assert.ok(!b.got.some((e) => e.payload.jobId === "j0"), "the first ones were trimmed");
          await until(() => b.resyncs.length > 0, "the resync");
          assert.deepEqual(b.resyncs, ["fell_behind"]);
          assert.equal(await b.metrics.busResyncs.value({ reason: "fell_behind" }), 1);
          assert.deepEqual(await b.bus.replay(b.seedId, "all"), { events: [], complete: false });
          assert.ok(
            b.logger.lines.some((line) => /"level":"warn".*fell behind/.test(line)),
            "one warning for operators",
          );
          // Live delivery goes on.
          await b.redis.client.sendCommand(jobEntry(key, "after", 10));
          await until(() => b.got.some((e) => e.payload.jobId === "after"), "the next event");
          assert.equal(b.resyncs.length, 1);
        } finally {
          await dropKey(b.redis, key).catch(() => {});
          await b.close();
        }
      });
    }
  },
});

Deno.test({
  name:
    "redis bus: a large batch the stream still holds whole is not a gap (no resync, replay complete)",
  ignore: !enabled,
  ...opts,
  async fn() {
    const key = uniqueName("events");
    // A batch of 60 is above the 50 the stream is trimmed to, but nothing was trimmed.
    const b = await seededInstance(key, { historySize: 100, maxLen: 50 });
    try {
      await appendBurst(b.redis, key, 60, null);
      await until(() => b.got.some((e) => e.payload.jobId === "j59"), "the last entry");
      await b.redis.client.sendCommand(jobEntry(key, "after", null));
      await until(() => b.got.some((e) => e.payload.jobId === "after"), "the next event");
      assert.equal(b.got.length, 61);
      assert.deepEqual(b.resyncs, []);
      assert.equal(await b.metrics.busResyncs.value({ reason: "fell_behind" }), 0);
      const replay = await b.bus.replay(b.seedId, "all");
      assert.equal(replay.complete, true);
      assert.equal(replay.events.length, 61);
    } finally {
      await dropKey(b.redis, key).catch(() => {});
      await b.close();
    }
  },
});

Deno.test({
  name:
    "redis bus: entries Redis lost while the reader was away (a restart without persistence) are a gap; a reconnect that lost nothing is not",
  ignore: !enabled,
  ...opts,
  async fn() {
    const url = new URL(TEST_REDIS_URL!);
    const proxy = tcpProxy({ hostname: url.hostname, port: Number(url.port || 6379) });
    proxy.start();
    const key = uniqueName("events");
    const b = await seededInstance(
      key,
      { historySize: 100, maxLen: 100 },
      `redis://127.0.0.1:${proxy.port}`,
    );
    const raw = await openRedis(TEST_REDIS_URL!, memoryLogger());
    try {
      // Away and back, nothing lost: two entries appended meanwhile, both read, no resync.
      proxy.stop();
      await until(() => b.bus.readerState() === "reconnecting", "B's reader to lose Redis");
      await raw.client.sendCommand(jobEntry(key, "kept-1", null));
      await raw.client.sendCommand(jobEntry(key, "kept-2", null));
      proxy.start();
      await until(() => b.got.some((e) => e.payload.jobId === "kept-2"), "the entries kept");
      await raw.client.sendCommand(jobEntry(key, "next", null));
      await until(() => b.got.some((e) => e.payload.jobId === "next"), "the next entry");
      assert.deepEqual(b.resyncs, []);

      // Away again; Redis loses the stream (restarted without persistence) and a new one starts.
      proxy.stop();
      await until(() => b.bus.readerState() === "reconnecting", "B's reader to lose Redis again");
      await raw.client.sendCommand(["DEL", key]);
      await raw.client.sendCommand(jobEntry(key, "after-restart", null));
      proxy.start();
      await until(() => b.got.some((e) => e.payload.jobId === "after-restart"), "the new entry");
      await until(() => b.resyncs.length > 0, "the resync");
      assert.deepEqual(b.resyncs, ["fell_behind"]);
    } finally {
      await raw.client.sendCommand(["DEL", key]).catch(() => {});
      await raw.close();
      await b.close();
      proxy.stop();
    }
  },
});

Deno.test({
  name:
    "redis bus: when the reader cannot check the stream after a large read, it assumes a gap (fail closed)",
  ignore: !enabled,
  ...opts,
  async fn() {
    // A Redis user that may do everything the bus does except XRANGE, the check's command.
    const user = uniqueName("bus_no_xrange");
    const admin = await openRedis(TEST_REDIS_URL!, memoryLogger());
    await admin.client.sendCommand([
      "ACL",
      "SETUSER",
      user,
      "on",
      "nopass",
      "~*",
      "&*",
      "+@all",
      "-xrange",
    ]);
    const url = new URL(TEST_REDIS_URL!);
    url.username = user;
    url.password = "unused";
    const key = uniqueName("events");
    const b = await seededInstance(key, { historySize: 100, maxLen: 100 }, url.toString());
    try {
      await appendBurst(admin, key, 20, null); // nothing trimmed, but the check cannot tell
      await until(() => b.got.some((e) => e.payload.jobId === "j19"), "the last entry");
      await until(() => b.resyncs.length > 0, "the resync");
      assert.deepEqual(b.resyncs, ["fell_behind"]);
    } finally {
      await dropKey(admin, key).catch(() => {});
      await b.close();
      await admin.client.sendCommand(["ACL", "DELUSER", user]).catch(() => {});
      await admin.close();
    }
  },
});

Deno.test({
  name:
    "redis bus started while Redis is down: publishes locally, then on first contact resyncs, appends its outbox, and hears the others; a replay across the skipped entries is incomplete",
  ignore: !redisServerBinary(),
  ...opts,
  async fn() {
    const server = privateRedis();
    await server.start();
    // A reaches Redis only through a proxy that is down until B has appended: whatever the
    // machine's load, A's first contact comes after B's entry and B's own start.
    const proxy = tcpProxy({ hostname: "127.0.0.1", port: server.port });
    proxy.start();
    proxy.stop();
    const cleanups: Array<() => Promise<void>> = [() => server.stop()];
    const key = uniqueName("events");
    const logger = memoryLogger();
    const { handle: redisA, connected } = await startRedis(
      `redis://127.0.0.1:${proxy.port}`,
      logger,
      200,
    );
    assert.equal(connected, false);
    const metrics = createAppMetrics();
    const a = await createRedisBus({
      redis: redisA,
      streamKey: key,
      clock: systemClock,
      historySize: 100,
      metrics,
      logger,
      blockMs: 500,
    });
    const gotA: AppEvent[] = [];
    const resyncs: string[] = [];
    a.subscribe("all", (e) => gotA.push(e), { onResync: (reason) => resyncs.push(reason) });
    try {
      assert.equal(a.readerState(), "reconnecting");
      // Published during the outage: delivered here at once, kept for the stream.
      await a.publish(progress(1));
      assert.equal(gotA.length, 1);
      assert.equal(a.outboxLength(), 1);

      // Another instance appends before A's reader reaches Redis: A never reads it as news.
      const b = await instance(server.url, key);
      cleanups.push(() => b.close());
      const skipped = await b.bus.publish(progress(2));
      proxy.start();
      cleanups.push(() => Promise.resolve(proxy.stop()));

      await until(() => resyncs.includes("fell_behind"), "A's streams told to resync", 30_000);
      await until(() => a.readerState() === "ok" && a.outboxLength() === 0, "A caught up", 30_000);
      // A's outage event reached B through the stream.
      await until(() => b.got.some((e) => e.payload.progress === 1), "A's event on B", 30_000);
      assert.ok(!gotA.some((e) => e.payload.progress === 2), "the skipped entry is not news");
      assert.equal((await a.replay(skipped.id, "all")).complete, false);

      // From now on the others' events come live, exactly once.
      await b.bus.publish(progress(3));
      await until(() => gotA.some((e) => e.payload.progress === 3), "B's event on A", 30_000);
      assert.deepEqual(gotA.map((e) => e.payload.progress), [1, 3]);
      assert.deepEqual(
        logger.lines.filter((l) => l.includes('"warn"')).map((l) => JSON.parse(l).msg),
        [],
        "no warning from the bus or the client: the start's own warning says it",
      );
    } finally {
      await a.close();
      await redisA.close();
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    }
  },
});

Deno.test({
  name:
    "redis bus: ids given out during an outage are local: a replay from another instance's local id, or from one this instance gave, resyncs instead of skipping an event",
  ignore: !enabled,
  ...opts,
  async fn() {
    const target = new URL(TEST_REDIS_URL!);
    const proxy = tcpProxy({ hostname: target.hostname, port: Number(target.port || 6379) });
    proxy.start();
    const viaProxy = new URL(TEST_REDIS_URL!);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const key = uniqueName("events");
    const a = await instance(viaProxy.toString(), key);
    const b = await instance(viaProxy.toString(), key);
    try {
      const first = await a.bus.publish(progress(1));
      await until(() => a.got.length === 1 && b.got.length === 1, "first event on both");
      assert.equal((await a.bus.replay(first.id, "all")).complete, true, "a stream id");

      proxy.stop();
      await until(
        () =>
          (a.bus as RedisBus).readerState() === "reconnecting" && !a.redis.isReady() &&
          (b.bus as RedisBus).readerState() === "reconnecting" && !b.redis.isReady(),
        "both notice",
      );
      const onA = await a.bus.publish(progress(2));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const onB = await b.bus.publish(progress(3));
      // A client of B that got B's event (local id) moves to A: A never had that id, and its own
      // event (below it) must not be skipped as if the client had seen it.
      const fromB = await a.bus.replay(onB.id, "all");
      assert.ok(
        !fromB.complete || fromB.events.some((e) => e.payload.progress === 2),
        JSON.stringify(fromB),
      );
      // Another instance may have given the same local id to another event: not trusted either.
      assert.equal((await a.bus.replay(onA.id, "all")).complete, false, "A's own local id");
      assert.equal((await b.bus.replay(onA.id, "all")).complete, false, "A's local id on B");

      proxy.start();
      await until(() => a.got.length >= 3 && b.got.length >= 3, "both events on both", 15_000);
      // Still not trusted once the stream has the events (under other ids).
      const later = await a.bus.replay(onB.id, "all");
      assert.ok(
        !later.complete || later.events.some((e) => e.payload.progress === 2),
        JSON.stringify(later),
      );
      assert.equal((await b.bus.replay(onA.id, "all")).complete, false, "A's local id on B");
    } finally {
      proxy.stop();
      await a.close();
      await b.close();
      const redis = await openRedis(TEST_REDIS_URL!, memoryLogger());
      await dropKey(redis, key).catch(() => {});
      await redis.close();
    }
  },
});
