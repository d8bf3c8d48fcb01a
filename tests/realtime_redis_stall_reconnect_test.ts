/**
 * A Redis whose existing connections stop answering while new ones work (a failover behind a
 * proxy, a half-dead path): the stalled append must end, and this instance's events must reach
 * the others, even while something else writes to the command connection (the readiness probe's
 * PING every few seconds), which keeps the connection's idle bound (lib/redis/client.ts) from ever
 * dropping it. Also: a full outbox during a stall does not deliver an event twice here.
 */
import assert from "node:assert/strict";
import { systemClock } from "../lib/clock.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { openRedis } from "../lib/redis/client.ts";
import { createRedisBus } from "../lib/realtime/redis_bus.ts";
import type { AppEvent, NewEvent } from "../lib/realtime/types.ts";
import { createAppMetrics } from "../lib/telemetry/mod.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";
import { redisTarget, stallingProxy } from "./helpers/stalling_proxy.ts";
import { until } from "./helpers/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const progress = (n: number): NewEvent => ({
  type: "job.progress",
  topic: "jobs",
  payload: { jobId: "job-stall-reconnect", progress: n },
});

Deno.test({
  name:
    "redis stall: existing connections blackholed, new ones fine, readiness PINGs every 3 s: the stalled append ends and the other instance gets the event within 45 s",
  ignore: !hasRedis(),
  ...opts,
  async fn() {
    const proxy = stallingProxy(redisTarget());
    const key = uniqueName("events");
    const logger = memoryLogger();
    const redisA = await openRedis(proxy.url, logger);
    const redisB = await openRedis(TEST_REDIS_URL!, memoryLogger());
    const deps = { streamKey: key, clock: systemClock, historySize: 100, blockMs: 1000 };
    const a = await createRedisBus({ ...deps, logger, redis: redisA, metrics: createAppMetrics() });
    const b = await createRedisBus({
      ...deps,
      logger: memoryLogger(),
      redis: redisB,
      metrics: createAppMetrics(),
    });
    const gotA: AppEvent[] = [];
    const gotB: AppEvent[] = [];
    a.subscribe("all", (e) => gotA.push(e));
    b.subscribe("all", (e) => gotB.push(e));
    // What the readiness probe does (Kubernetes probes every few seconds): a bounded PING on the
    // command connection. Its writes count as activity for the connection's idle bound.
    const pinger = setInterval(() => void redisA.ping(2000).catch(() => {}), 3000);
    try {
      await a.publish(progress(0));
      await until(() => gotB.length === 1, "the first event on B");
      proxy.blackholeExisting();
      const started = Date.now();
      await a.publish(progress(1));
      assert.ok(Date.now() - started < 5000, "the publish answered within the append bound");
      assert.deepEqual(gotA.map((e) => e.payload.progress), [0, 1], "delivered here at once");
      await a.publish(progress(2));
      await until(() => gotB.length >= 3, "B to get A's events", 45_000);
      // The stall bound (30 s) from the first stalled append, then a new connection.
      assert.ok(Date.now() - started < 45_000, `B had them after ${Date.now() - started} ms`);
      assert.deepEqual(gotB.map((e) => e.payload.progress), [0, 1, 2]);
      await until(() => a.outboxLength() === 0, "A's outbox to drain", 30_000);
      const logged = () => logger.lines.map((line) => JSON.parse(line));
      const warned = logged().filter((e) => e.level === "warn" && /stalled/.test(e.msg));
      assert.equal(warned.length, 1, logger.lines.join("\n"));
      // The reconnect's own rejections (node-redis's PING among them) are not an outage: the
      // stall's one warning is the only one.
      const warnings = logged().filter((e) => e.level === "warn").map((e) => e.msg);
      assert.deepEqual(warnings, ["redis command connection stalled; reconnecting"]);
      await until(
        () => logged().some((e) => /appends resumed/.test(e.msg)),
        "the end of the stall to be logged",
      );
      // Later events go straight through again, once each.
      await a.publish(progress(3));
      await until(() => gotB.length >= 4 && gotA.length >= 4, "the later event on both");
      assert.deepEqual(gotA.map((e) => e.payload.progress), [0, 1, 2, 3]);
      assert.deepEqual(gotB.map((e) => e.payload.progress), [0, 1, 2, 3]);
    } finally {
      clearInterval(pinger);
      await a.close();
      await b.close();
      await redisB.client.sendCommand(["DEL", key]).catch(() => {});
      proxy.close();
      await redisA.close();
      await redisB.close();
    }
  },
});

Deno.test({
  name:
    "redis stall: an outbox that overflows while the dropped entry's append is in flight does not deliver that event twice here once the append lands",
  ignore: !hasRedis(),
  ...opts,
  async fn() {
    const proxy = stallingProxy(redisTarget());
    const key = uniqueName("events");
    const logger = memoryLogger();
    const redisA = await openRedis(proxy.url, logger);
    const redisB = await openRedis(TEST_REDIS_URL!, memoryLogger());
    const deps = { streamKey: key, clock: systemClock, historySize: 100, blockMs: 1000 };
    const a = await createRedisBus({
      ...deps,
      logger,
      redis: redisA,
      metrics: createAppMetrics(),
      outboxSize: 3,
      appendTimeoutMs: 300,
    });
    const b = await createRedisBus({
      ...deps,
      logger: memoryLogger(),
      redis: redisB,
      metrics: createAppMetrics(),
    });
    const gotA: AppEvent[] = [];
    const gotB: AppEvent[] = [];
    a.subscribe("all", (e) => gotA.push(e));
    b.subscribe("all", (e) => gotB.push(e));
    try {
      proxy.stall();
      // 0 waits for its append (in flight), then goes to the outbox; 1-3 go to the outbox at
      // once, and 3 pushes 0 out while its append is still under way.
      for (let i = 0; i < 4; i++) await a.publish(progress(i));
      assert.deepEqual(gotA.map((e) => e.payload.progress), [0, 1, 2, 3]);
      proxy.resume();
      await until(() => a.outboxLength() === 0, "A's outbox to drain", 15_000);
      await until(() => gotB.length >= 4, "B to get them", 15_000);
      await a.publish(progress(4));
      await until(() => gotA.length >= 5 && gotB.length >= 5, "the later event on both");
      assert.deepEqual(gotA.map((e) => e.payload.progress), [0, 1, 2, 3, 4]);
      assert.deepEqual(gotB.map((e) => e.payload.progress), [0, 1, 2, 3, 4]);
    } finally {
      await a.close();
      await b.close();
      await redisB.client.sendCommand(["DEL", key]).catch(() => {});
      proxy.close();
      await redisA.close();
      await redisB.close();
    }
  },
});
