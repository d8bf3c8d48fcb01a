/**
 * A Redis that stops answering while its connections stay open (a stopped process, a stalled
 * proxy, a network blackhole): a publish must not wait for the connection's idle bound (30 s,
 * lib/redis/client.ts). After a short bound the event is delivered on this instance and kept in
 * the outbox; an append that lands late is not delivered twice.
 */
import assert from "node:assert/strict";
import { systemClock } from "../lib/clock.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { openRedis } from "../lib/redis/client.ts";
import { createRedisBus, type RedisBus } from "../lib/realtime/redis_bus.ts";
import type { SseMessage } from "../lib/realtime/sse_parse.ts";
import type { AppEvent, NewEvent } from "../lib/realtime/types.ts";
import { createAppMetrics } from "../lib/telemetry/mod.ts";
import { createToken, postJson, signInAs } from "./helpers/auth.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";
import { redisTarget, stallingProxy } from "./helpers/stalling_proxy.ts";
import { until } from "./helpers/wait.ts";
import { startCluster } from "./realtime_cluster.ts";
import { readSse } from "./realtime_sse_reader.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Well under the 30 s the connection's idle bound took; not a tight timing assertion. */
const PROMPT_MS = 10_000;

function modeEvents(messages: SseMessage[], mode: string): SseMessage[] {
  return messages.filter((m) =>
    m.event === "governance.mode_changed" && JSON.parse(m.data).payload.mode === mode
  );
}

/** Whether the stream has told its client of `mode`: the event, or a resync after which it refetches. */
function heard(messages: SseMessage[], mode: string): boolean {
  return modeEvents(messages, mode).length > 0 ||
    messages.some((m) => m.event === "resync" && JSON.parse(m.data).reason === "state_changed");
}

Deno.test({
  name:
    "redis stall: a mode and a flag change on the instance whose Redis stopped answering answer promptly, and its own stream hears of the mode at once; once Redis answers, each stream gets the event once",
  ignore: !hasRedis() || !hasPostgres(),
  ...opts,
  async fn() {
    const proxy = stallingProxy(redisTarget());
    // A reaches Redis through the proxy; B directly.
    const cluster = await startCluster(proxy.url, {}, { redisUrlB: TEST_REDIS_URL! });
    try {
      const { a, b } = cluster;
      const admin = await signInAs(a, "ADMIN");
      const headersA = {
        authorization: `Bearer ${await createToken(a, { scopes: ["events:read"] })}`,
      };
      const headersB = {
        authorization: `Bearer ${await createToken(b, { scopes: ["events:read"] })}`,
      };
      const sseA = readSse(await a.request("/api/stream?topic=governance", { headers: headersA }));
      const sseB = readSse(await b.request("/api/stream?topic=governance", { headers: headersB }));
      await sseA.until((m) => m.some((x) => x.event === "hello"), "A's hello");
      await sseB.until((m) => m.some((x) => x.event === "hello"), "B's hello");

      proxy.stall();
      const started = Date.now();
      const changed = await postJson(a, admin, "/api/governance/mode", { mode: "STANDBY" });
      const answeredAfter = Date.now() - started;
      assert.equal(changed.status, 200);
      await changed.body?.cancel();
      assert.equal(a.services.mode.current(), "STANDBY");
      assert.ok(answeredAfter < PROMPT_MS, `the mode change answered after ${answeredAfter} ms`);
      await sseA.until((m) => heard(m, "STANDBY"), "A's stream to hear of STANDBY", PROMPT_MS);
      const heardAfter = Date.now() - started;
      assert.ok(heardAfter < PROMPT_MS, `A's stream heard of it after ${heardAfter} ms`);

      // Later changes do not wait for the stalled append either.
      const flagStarted = Date.now();
      const flag = await postJson(a, admin, "/api/governance/flags/stall.flag", { enabled: true });
      const flagAfter = Date.now() - flagStarted;
      assert.equal(flag.status, 200, await flag.text());
      assert.ok(flagAfter < PROMPT_MS, `the flag change answered after ${flagAfter} ms`);
      assert.ok((a.services.bus as RedisBus).outboxLength() >= 1, "kept for the stream");

      proxy.resume();
      const busA = a.services.bus as RedisBus;
      await until(() => busA.outboxLength() === 0, "A's outbox to drain", 15_000);
      await sseB.until((m) => modeEvents(m, "STANDBY").length > 0, "B's stream to get the event");
      // A change published after the drain marks the point by which any repeat would have come.
      await a.services.flags.set("stall.after", { enabled: true }, {
        actor: { type: "system" },
      });
      const after = (m: SseMessage[]) =>
        m.some((x) => x.event === "governance.flag_changed" && x.data.includes("stall.after"));
      await sseA.until(after, "A's stream to get the later change");
      await sseB.until(after, "B's stream to get the later change");
      assert.equal(modeEvents(sseA.messages, "STANDBY").length, 1, "A's stream: the event once");
      assert.equal(modeEvents(sseB.messages, "STANDBY").length, 1, "B's stream: the event once");
      await sseA.close();
      await sseB.close();
    } finally {
      // The cluster deletes its stream key through A's Redis, which is the proxy: resumed until
      // then (closed first, the DEL failed and every run left its stream behind).
      proxy.resume();
      await cluster.close();
      proxy.close();
    }
  },
});

const progress = (n: number): NewEvent => ({
  type: "job.progress",
  topic: "jobs",
  payload: { jobId: "job-stall", progress: n },
});

Deno.test({
  name:
    "redis stall: publishes queued behind a stalled append are not each held for the bound in turn; all are delivered locally at once and appended once when Redis answers",
  ignore: !hasRedis(),
  ...opts,
  async fn() {
    const proxy = stallingProxy(redisTarget());
    const key = uniqueName("events");
    const logger = memoryLogger();
    const redisA = await openRedis(proxy.url, logger);
    const redisB = await openRedis(TEST_REDIS_URL!, logger);
    const deps = { streamKey: key, clock: systemClock, historySize: 100, logger, blockMs: 1000 };
    const a = await createRedisBus({ ...deps, redis: redisA, metrics: createAppMetrics() });
    const b = await createRedisBus({ ...deps, redis: redisB, metrics: createAppMetrics() });
    const gotA: AppEvent[] = [];
    const gotB: AppEvent[] = [];
    a.subscribe("all", (e) => gotA.push(e));
    b.subscribe("all", (e) => gotB.push(e));
    try {
      proxy.stall();
      const started = Date.now();
      const internal = a.internal.publish({
        kind: "auth.credentials_ended",
        payload: { ended: "user", ids: ["3f1c0a52-8d7e-4b8e-9a34-2c1d5e6f7a8b"] },
      });
      const published = await Promise.all(
        Array.from({ length: 8 }, (_, i) => a.publish(progress(i))),
      );
      await internal;
      const took = Date.now() - started;
      // Serially bounded, eight events and a message would take at least nine bounds.
      assert.ok(took < PROMPT_MS, `the publishes took ${took} ms`);
      assert.deepEqual(gotA.map((e) => e.payload.progress), [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(gotA.map((e) => e.id), published.map((e) => e.id));

      proxy.resume();
      await until(() => a.outboxLength() === 0, "A's outbox to drain", 15_000);
      await until(() => gotB.length >= 8, "B to get them all", 15_000);
      await a.publish(progress(8));
      await until(() => gotA.length >= 9 && gotB.length >= 9, "the later event on both");
      assert.deepEqual(gotA.map((e) => e.payload.progress), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(gotB.map((e) => e.payload.progress), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      proxy.close();
      await a.close();
      await b.close();
      await redisB.client.sendCommand(["DEL", key]).catch(() => {});
      await redisA.close();
      await redisB.close();
    }
  },
});
