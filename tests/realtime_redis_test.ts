/**
 * The event bus and /api/stream across two instances on real Redis and
 * Postgres: fan-out from A to a client on B, replay after a disconnect on
 * either instance, a Redis restart, and a mode change seen on the other one.
 */
import assert from "node:assert/strict";
import type { Mode } from "../lib/config.ts";
import { openPostgres } from "../lib/db/mod.ts";
import type { RedisBus } from "../lib/realtime/redis_bus.ts";
import type { SseMessage } from "../lib/realtime/sse_parse.ts";
import { type AppEvent, compareEventIds, type NewEvent } from "../lib/realtime/types.ts";
import type { TestApp } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { hasPostgres, hasRedis, TEST_DATABASE_URL, TEST_REDIS_URL } from "./helpers/env.ts";
import { privateRedis, redisServerBinary } from "./helpers/redis_server.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";
import { until } from "./helpers/wait.ts";
import { type Cluster, startCluster } from "./realtime_cluster.ts";
import { readSse } from "./realtime_sse_reader.ts";

const enabled = hasRedis() && hasPostgres();
const opts = { sanitizeOps: false, sanitizeResources: false };

async function report(app: TestApp, token: string, job: string, body: unknown) {
  const response = await app.request(`/api/jobs/${job}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  return (await response.json()) as { job: { status: string; progress: number } };
}

Deno.test({
  name:
    "redis: an event published on instance A reaches an SSE client connected to instance B, once",
  ignore: !enabled,
  ...opts,
  async fn() {
    const cluster = await startCluster(TEST_REDIS_URL!);
    try {
      const { a, b } = cluster;
      const user = await signInAs(b, "RESEARCHER");
      const sse = readSse(await b.request("/api/stream?topic=jobs", { headers: user.headers() }));
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
      const worker = await createToken(a, { scopes: ["jobs:write"] });
      await report(a, worker, "job-a", { status: "started" });
      await report(a, worker, "job-a", { status: "progress", progress: 50 });
      await sse.until(() => sse.events().length >= 2, "both events on B");
      // A later event proves nothing more was queued before it.
      await report(a, worker, "job-a", { status: "completed" });
      await sse.until(() => sse.events().length >= 3, "the third event");
      assert.deepEqual(sse.events().map((m) => m.event), [
        "job.started",
        "job.progress",
        "job.completed",
      ]);
      const ids = sse.events().map((m) => m.id!);
      assert.equal(new Set(ids).size, 3);
      const stream = await cluster.redisA.client.sendCommand<unknown[]>([
        "XRANGE",
        cluster.streamKey,
        "-",
        "+",
      ]);
      assert.deepEqual(stream.map((e) => (e as [string])[0]), ids, "event ids are stream ids");
      await sse.close();
    } finally {
      await cluster.close();
    }
  },
});

Deno.test({
  name:
    "redis: a client that misses three events reconnects with Last-Event-ID on either instance and gets exactly those three",
  ignore: !enabled,
  ...opts,
  async fn() {
    const cluster = await startCluster(TEST_REDIS_URL!);
    try {
      const { a, b } = cluster;
      const user = await signInAs(b, "RESEARCHER");
      const first = readSse(await b.request("/api/stream", { headers: user.headers() }));
      await first.until((m) => m.some((x) => x.event === "hello"), "hello");
      const seen = await a.services.bus.publish({
        type: "job.started",
        topic: "jobs",
        payload: { jobId: "j-1" },
      });
      await first.until(() => first.events().length === 1, "first event");
      const lastEventId = first.events()[0]!.id!;
      assert.equal(lastEventId, seen.id);
      await first.close();

      const missed = [];
      for (let i = 1; i <= 3; i++) {
        missed.push(
          await a.services.bus.publish({
            type: "job.progress",
            topic: "jobs",
            payload: { jobId: "j-1", progress: i * 10 },
          }),
        );
      }
      const again = [b, a].map(async (app) =>
        readSse(
          await app.request("/api/stream", {
            headers: user.headers({ "last-event-id": lastEventId }),
          }),
        )
      );
      const [onB, onA] = await Promise.all(again);
      for (const [name, sse] of [["B", onB!], ["A", onA!]] as const) {
        await sse.until(() => sse.events().length >= 3, `replay on ${name}`);
        assert.deepEqual(sse.events().map((m) => m.id), missed.map((e) => e.id), name);
        assert.ok(!sse.messages.some((m) => m.event === "resync"), name);
      }
      // Nothing beyond the three: the next event is a fresh one, on both.
      const next = await b.services.bus.publish({
        type: "job.completed",
        topic: "jobs",
        payload: { jobId: "j-1" },
      });
      for (const [name, sse] of [["B", onB!], ["A", onA!]] as const) {
        await sse.until(() => sse.events().length >= 4, `live on ${name}`);
        assert.deepEqual(sse.events().slice(3).map((m) => m.id), [next.id], name);
        await sse.close();
      }
    } finally {
      await cluster.close();
    }
  },
});

Deno.test({
  name:
    "redis: a mode change on instance A is seen by instance B (state, mode service and its SSE clients)",
  ignore: !enabled,
  ...opts,
  async fn() {
    const cluster = await startCluster(TEST_REDIS_URL!);
    try {
      const { a, b } = cluster;
      const steward = await signInAs(b, "STEWARD");
      const sse = readSse(
        await b.request("/api/stream?topic=governance", { headers: steward.headers() }),
      );
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
      const seenOnB = new Promise<Mode>((resolve) =>
        b.services.mode.onChange((state) => resolve(state.mode))
      );
      const admin = await signInAs(a, "ADMIN");
      const response = await a.request("/api/governance/mode", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ mode: "STANDBY" }),
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();
      assert.equal(await seenOnB, "STANDBY");
      assert.equal(b.services.mode.current(), "STANDBY");
      const state = await (await b.request("/api/governance/state", { headers: steward.headers() }))
        .json();
      assert.equal(state.mode, "STANDBY");
      await sse.until((m) => m.some((x) => x.event === "governance.mode_changed"), "event on B");
      // B now refuses writes too.
      const write = await b.request("/api/jobs/j/status", {
        method: "POST",
        headers: steward.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ status: "started" }),
      });
      assert.equal(write.status, 503);
      await write.body?.cancel();
      await sse.close();
    } finally {
      await cluster.close();
    }
  },
});

Deno.test({
  name:
    "redis: while Redis is down instances stay ready and take flag changes made on another instance from the database within seconds",
  ignore: !enabled || !redisServerBinary(),
  ...opts,
  async fn() {
    const server = privateRedis();
    await server.start();
    const cluster = await startCluster(server.url);
    const actor = { actor: { type: "system" as const } };
    const enabledOn = (app: TestApp) =>
      app.services.flags.snapshot()?.flags.get("ward.kill")?.flag.enabled;
    try {
      const { a, b } = cluster;
      await a.services.flags.set("ward.kill", { enabled: true }, actor);
      await until(() => enabledOn(b) === true, "B to hear of the flag");
      await server.stop();
      await until(() => !b.services.bus.internal.listening(), "B to notice it cannot hear A");
      assert.equal((await b.request("/health/ready")).status, 200);
      // A kill switch on A: no event can carry it to B, which re-reads the database every 2 s
      // while it cannot hear A (before: only the 30 s safety net).
      await a.services.flags.set("ward.kill", { enabled: false }, actor);
      await until(() => enabledOn(b) === false, "B to take the change from the database", 30_000);
    } finally {
      await cluster.close();
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "redis: restarting Redis mid-stream loses no event for a client that reconnects; readiness reports redis meanwhile",
  ignore: !enabled || !redisServerBinary(),
  ...opts,
  async fn() {
    const server = privateRedis();
    await server.start();
    const cluster = await startCluster(server.url);
    try {
      const { a, b } = cluster;
      const user = await signInAs(b, "RESEARCHER");
      const worker = await createToken(a, { scopes: ["jobs:write"] });
      const first = readSse(await b.request("/api/stream?topic=jobs", { headers: user.headers() }));
      await first.until((m) => m.some((x) => x.event === "hello"), "hello");
      await report(a, worker, "job-r", { status: "started" });
      await first.until(() => first.events().length === 1, "first event");
      const lastEventId = first.events()[0]!.id!;

      await server.stop();
      // Reported, but the instance stays in service: Redis holds no state.
      const ready = await b.request("/health/ready");
      assert.equal(ready.status, 200);
      const body = await ready.json();
      assert.match(body.checks.redis, /^failed/);
      // Published while Redis is down: stored, and kept for the stream.
      await report(a, worker, "job-r", { status: "progress", progress: 40 });
      assert.equal((a.services.bus as RedisBus).outboxLength(), 1);
      await first.close();

      await server.start();
      await report(a, worker, "job-r", { status: "completed" });
      const again = readSse(
        await b.request("/api/stream?topic=jobs", {
          headers: user.headers({ "last-event-id": lastEventId }),
        }),
      );
      await again.until(() => again.events().length >= 2, "the two later events");
      assert.deepEqual(again.events().map((m) => m.event), ["job.progress", "job.completed"]);
      assert.deepEqual(
        again.events().map((m) => JSON.parse(m.data).payload.progress),
        [40, 100],
      );
      assert.ok(!again.messages.some((m) => m.event === "resync"));
      // B can read the last flushed entry before A has taken it off its outbox.
      const busA = a.services.bus as RedisBus;
      await until(() => busA.outboxLength() === 0, "A's outbox to drain");
      assert.equal((b.services.bus as RedisBus).readerState(), "ok");
      await again.close();
    } finally {
      await cluster.close();
      await server.stop();
    }
  },
});

/** A client's view of the governance state: its hello, with the events after it applied. */
function clientView(messages: SseMessage[]) {
  const hello = messages.find((m) => m.event === "hello");
  if (!hello) return undefined;
  const state = JSON.parse(hello.data) as { mode: string; flags: Record<string, boolean> };
  for (const message of messages.slice(messages.indexOf(hello) + 1)) {
    if (message.event === "governance.mode_changed") {
      state.mode = String(JSON.parse(message.data).payload.mode);
    }
    if (message.event === "governance.flag_changed") {
      const { flagKey, enabled } = JSON.parse(message.data).payload;
      state.flags[flagKey] = enabled;
    }
  }
  return state;
}

/** Holds an exclusive lock on `table` (reads of it wait) until `release()`. */
async function lockTable(schema: string, table: string) {
  const db = openPostgres(TEST_DATABASE_URL!, { schema, max: 1 });
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => locked = resolve);
  const done = db.transaction(async (tx) => {
    await tx.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    locked();
    await released;
  });
  await isLocked;
  return {
    async release() {
      release();
      await done;
      await db.close();
    },
  };
}

const redisTarget = () => {
  const url = new URL(TEST_REDIS_URL!);
  return { hostname: url.hostname, port: Number(url.port || 6379) };
};

/**
 * A change made on A reaches B while B cannot re-read it yet (the table is locked), and a
 * client opens a stream on B in that window: the hello shows the old state, so it must not
 * claim the change's id, and the change must follow it.
 */
async function helloDuringReRead(
  what: string,
  table: string,
  prepare: (cluster: Cluster) => Promise<void>,
  change: (cluster: Cluster) => Promise<void>,
  isChange: (event: AppEvent) => boolean,
  changed: (view: NonNullable<ReturnType<typeof clientView>>) => boolean,
) {
  const proxy = tcpProxy(redisTarget());
  proxy.start();
  const cluster = await startCluster(TEST_REDIS_URL!, {}, {
    redisUrlB: `redis://127.0.0.1:${proxy.port}`,
  });
  let lock: Awaited<ReturnType<typeof lockTable>> | undefined;
  try {
    const { b } = cluster;
    const token = await createToken(b, { scopes: ["events:read"] });
    await prepare(cluster);
    // B's reader loses Redis, A makes the change, B's re-read of the table is made to wait,
    // then B's reader gets the event.
    const busB = b.services.bus as RedisBus;
    proxy.stop();
    await until(() => busB.readerState() === "reconnecting", "B's reader to lose Redis");
    await change(cluster);
    lock = await lockTable(cluster.schema, table);
    let event: AppEvent | undefined;
    const off = b.services.bus.subscribe("governance", (e) => {
      if (isChange(e)) event = e;
    });
    proxy.start();
    await until(() => event !== undefined, `B to receive the ${what}`);
    off();

    const sse = readSse(
      await b.request("/api/stream?topic=governance", {
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
    const hello = sse.messages.find((m) => m.event === "hello")!;
    assert.equal(changed(clientView([hello])!), false, "the hello holds the old state");
    assert.ok(
      hello.id === undefined || compareEventIds(hello.id, event!.id) < 0,
      `the hello (id ${hello.id}) does not claim the ${what} (id ${event!.id})`,
    );
    await sse.until((m) => changed(clientView(m)!), `the client to see the ${what}`);
    await sse.close();
  } finally {
    await lock?.release();
    await cluster.close();
    proxy.stop();
  }
}

const SYSTEM = { actor: { type: "system" as const } };

Deno.test({
  name:
    "redis: a stream opened on B while B re-reads a flag changed on A gets the change after its hello",
  ignore: !enabled,
  ...opts,
  async fn() {
    await helloDuringReRead(
      "flag change",
      "feature_flags",
      async ({ a, b }) => {
        await a.services.flags.set("race.flag", { enabled: false }, SYSTEM);
        await until(() => b.services.flags.get("race.flag") !== undefined, "B to know the flag");
      },
      async ({ a }) => {
        await a.services.flags.set("race.flag", { enabled: true }, SYSTEM);
      },
      (e) => e.type === "governance.flag_changed" && e.payload.flagKey === "race.flag",
      (view) => view.flags["race.flag"] === true,
    );
  },
});

Deno.test({
  name:
    "redis: a stream opened on B while B re-reads a mode changed on A gets the change after its hello",
  ignore: !enabled,
  ...opts,
  async fn() {
    await helloDuringReRead(
      "mode change",
      "governance_config",
      () => Promise.resolve(),
      async ({ a }) => {
        await a.services.mode.setMode("LIVE", { type: "system" });
      },
      (e) => e.type === "governance.mode_changed",
      (view) => view.mode === "LIVE",
    );
  },
});

Deno.test({
  name:
    "redis: events A publishes while B is cut off from Redis are not lost for B's clients (resync)",
  ignore: !enabled,
  ...opts,
  async fn() {
    const proxy = tcpProxy(redisTarget());
    proxy.start();
    const cluster = await startCluster(TEST_REDIS_URL!, {}, {
      redisUrlB: `redis://127.0.0.1:${proxy.port}`,
    });
    try {
      const { a, b } = cluster;
      const busB = b.services.bus as RedisBus;
      const token = await createToken(b, { scopes: ["events:read"] });
      const headers = { authorization: `Bearer ${token}` };
      const job = (jobId: string): NewEvent => ({
        type: "job.progress",
        topic: "jobs",
        payload: { jobId, progress: 1 },
      });
      const jobOf = (m: SseMessage) => JSON.parse(m.data).payload.jobId;
      const sse = readSse(await b.request("/api/stream?topic=jobs", { headers }));
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
      const before = await a.services.bus.publish(job("before"));
      await sse.until(() => sse.events().length === 1, "the first event");

      proxy.stop();
      await until(() => busB.readerState() === "reconnecting", "B's reader to lose Redis");
      await a.services.bus.publish(job("a1"));
      await a.services.bus.publish(job("a2"));
      const b1 = await b.services.bus.publish(job("b1")); // delivered on B under a local id
      await sse.until(() => sse.events().length === 2, "b1 on B");

      proxy.start();
      await until(() => busB.outboxLength() === 0, "B's outbox to drain");
      // Catch-up first (its events or its resync), then a new event. (The resync waits for B's
      // flag and mode re-reads, so it may also come after the new event: both are fine for a
      // client, which refetches the state on it.)
      await sse.until(
        (m) =>
          m.some((x) => x.event === "resync") ||
          (sse.events().some((e) => jobOf(e) === "a1") &&
            sse.events().some((e) => jobOf(e) === "a2")),
        "the catch-up after the outage",
      );
      const after = await a.services.bus.publish(job("after"));
      await sse.until((m) => m.some((x) => x.id === after.id), "the event after the outage");
      const sinceB1 = sse.messages.slice(sse.messages.findIndex((m) => m.id === b1.id) + 1);
      const got = sinceB1.filter((m) => m.event === "job.progress").map(jobOf);
      const resync = sinceB1.find((m) => m.event === "resync");
      assert.ok(
        (got.includes("a1") && got.includes("a2")) || resync !== undefined,
        `the client gets a1 and a2 or a resync; got ${JSON.stringify(sinceB1)}`,
      );
      if (resync) assert.deepEqual(JSON.parse(resync.data), { reason: "out_of_order" });
      await sse.close();

      // A client that left before the outage and resumes on B: all of it, or a resync.
      for (const from of [before.id, b1.id]) {
        const again = readSse(
          await b.request("/api/stream?topic=jobs", {
            headers: { ...headers, "last-event-id": from },
          }),
        );
        await again.until(
          (m) => m.some((x) => x.event === "resync" || x.id === after.id),
          "the replay",
        );
        const replayed = again.events().map(jobOf);
        assert.ok(
          again.messages.some((m) => m.event === "resync") ||
            (replayed.includes("a1") && replayed.includes("a2")),
          `resuming after ${from === before.id ? "before" : "b1"}: ${JSON.stringify(replayed)}`,
        );
        await again.close();
      }
    } finally {
      await cluster.close();
      proxy.stop();
    }
  },
});

Deno.test({
  name:
    "redis: a flag change trimmed from the stream while B was cut off still reaches B's clients: B re-reads its flags, then its streams resync (fell_behind)",
  ignore: !enabled,
  ...opts,
  async fn() {
    const proxy = tcpProxy(redisTarget());
    proxy.start();
    let lock: Awaited<ReturnType<typeof lockTable>> | undefined;
    // The stream keeps about 10 entries (the least EVENT_HISTORY_SIZE allows).
    const cluster = await startCluster(TEST_REDIS_URL!, { EVENT_HISTORY_SIZE: "10" }, {
      redisUrlB: `redis://127.0.0.1:${proxy.port}`,
    });
    try {
      const { a, b } = cluster;
      const busB = b.services.bus as RedisBus;
      await a.services.flags.set("trimmed.flag", { enabled: false }, SYSTEM);
      await until(() => b.services.flags.get("trimmed.flag") !== undefined, "B to know the flag");
      const token = await createToken(b, { scopes: ["events:read", "governance:read"] });
      const sse = readSse(
        await b.request("/api/stream?topic=governance", {
          headers: { authorization: `Bearer ${token}` },
        }),
      );
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");

      proxy.stop();
      await until(() => busB.readerState() === "reconnecting", "B's reader to lose Redis");
      await a.services.flags.set("trimmed.flag", { enabled: true }, SYSTEM);
      // Enough later events that the change is trimmed away before B reads it again.
      for (let i = 0; i < 300; i++) {
        await a.services.bus.publish({
          type: "job.progress",
          topic: "jobs",
          payload: { jobId: `j${i}`, progress: 1 },
        });
      }
      const oldest = await cluster.redisA.client.sendCommand<Array<[string, string[]]>>([
        "XRANGE",
        cluster.streamKey,
        "-",
        "+",
        "COUNT",
        "1",
      ]);
      assert.ok(!oldest[0]![1].includes("governance.flag_changed"), "the change was trimmed");
      assert.equal(b.services.flags.get("trimmed.flag")?.enabled, false, "B has not seen it");

      // B cannot re-read its flags when it comes back (the table is locked for longer than a
      // re-read may take), so it must not tell its streams to resync yet: a client refetching
      // then would get the old value and never hear of the change again.
      lock = await lockTable(cluster.schema, "feature_flags");
      const gaps: string[] = [];
      busB.internal.subscribe(() => {}, (reason) => gaps.push(reason));
      proxy.start();
      await until(() => gaps.includes("fell_behind"), "B to find the gap");
      // Longer than one re-read may take (3 s): B has tried and is retrying.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      assert.ok(!sse.messages.some((m) => m.event === "resync"), "no resync while B is stale");
      assert.equal(b.services.flags.get("trimmed.flag")?.enabled, false);
      await lock.release();
      lock = undefined;

      await sse.until((m) => m.some((x) => x.event === "resync"), "the resync");
      const resync = sse.messages.find((m) => m.event === "resync")!;
      assert.deepEqual(JSON.parse(resync.data), { reason: "fell_behind" });
      assert.ok(
        !sse.messages.some((m) => m.event === "governance.flag_changed"),
        "the change itself never came: the resync is what tells the client",
      );
      // What the client refetches on resync already holds the change (well before the 30 s
      // periodic reload).
      const state = await b.request("/api/governance/state", {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal((await state.json()).flags["trimmed.flag"], true);
      await sse.close();
    } finally {
      await lock?.release();
      await cluster.close();
      proxy.stop();
    }
  },
});

/** A stream of B's: its last word on the mode is a resync (refetch) or the event's mode. */
function lastModeWord(messages: SseMessage[]): "resync" | string | undefined {
  const last = messages.filter((m) => m.event === "resync" || m.event === "governance.mode_changed")
    .at(-1);
  if (!last) return undefined;
  return last.event === "resync" ? "resync" : String(JSON.parse(last.data).payload.mode);
}

Deno.test({
  name:
    "redis: a mode change B takes from the database while cut off from Redis reaches B's open streams (resync)",
  ignore: !enabled,
  ...opts,
  async fn() {
    const proxy = tcpProxy(redisTarget());
    proxy.start();
    const cluster = await startCluster(TEST_REDIS_URL!, {}, {
      redisUrlB: `redis://127.0.0.1:${proxy.port}`,
    });
    try {
      const { a, b } = cluster;
      const busB = b.services.bus as RedisBus;
      const token = await createToken(b, { scopes: ["events:read", "governance:read"] });
      const headers = { authorization: `Bearer ${token}` };
      const sse = readSse(await b.request("/api/stream?topic=governance", { headers }));
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
      assert.equal(clientView(sse.messages)!.mode, "DEMO");

      proxy.stop();
      await until(() => busB.readerState() === "reconnecting", "B's reader to lose Redis");
      await a.services.mode.setMode("STANDBY", { type: "system" });
      // B's periodic re-read (every second) takes it; its stream hears of it at once, not
      // once Redis is back.
      await until(() => b.services.mode.current() === "STANDBY", "B to enforce STANDBY", 30_000);
      await sse.until((m) => lastModeWord(m) !== undefined, "B's stream to hear of it", 3000);
      const word = lastModeWord(sse.messages);
      assert.ok(word === "resync" || word === "STANDBY", `got ${word}`);
      if (word === "resync") {
        const resync = sse.messages.findLast((m) => m.event === "resync")!;
        assert.deepEqual(JSON.parse(resync.data), { reason: "state_changed" });
        // What the client refetches on it is what B enforces.
        const state = await b.request("/api/governance/state", { headers });
        assert.equal((await state.json()).mode, "STANDBY");
      }
      // A flag change too: B re-reads its flags every 2 s while it cannot hear A.
      const before = sse.messages.filter((m) => m.event === "resync").length;
      await a.services.flags.set("cut.flag", { enabled: true }, SYSTEM);
      await until(() => b.services.flags.get("cut.flag")?.enabled === true, "B to take it", 6000);
      await sse.until(
        (m) => m.filter((x) => x.event === "resync").length > before,
        "B's stream to hear of the flag",
        3000,
      );
      assert.equal(busB.readerState(), "reconnecting", "all of it while B was cut off");
      await sse.close();
    } finally {
      await cluster.close();
      proxy.stop();
    }
  },
});

Deno.test({
  name:
    "redis: B failing closed to STANDBY (its database hangs) and recovering tells B's open streams each time (resync)",
  ignore: !enabled,
  ...opts,
  async fn() {
    const cluster = await startCluster(TEST_REDIS_URL!);
    let lock: Awaited<ReturnType<typeof lockTable>> | undefined;
    try {
      const { b } = cluster;
      const token = await createToken(b, { scopes: ["events:read", "governance:read"] });
      const headers = { authorization: `Bearer ${token}` };
      const sse = readSse(await b.request("/api/stream?topic=governance", { headers }));
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
      assert.equal(clientView(sse.messages)!.mode, "DEMO");
      const resyncs = () => sse.messages.filter((m) => m.event === "resync");

      // B's re-reads of the mode wait: after 2.5 s without one it serves STANDBY.
      lock = await lockTable(cluster.schema, "governance_config");
      await until(() => b.services.mode.state().source === "fail-closed", "B to fail closed", 8000);
      await sse.until(() => resyncs().length === 1, "B's stream to hear of STANDBY", 3000);
      assert.deepEqual(JSON.parse(resyncs()[0]!.data), { reason: "state_changed" });
      assert.ok(
        !sse.messages.some((m) => m.event === "governance.mode_changed"),
        "no event: nothing was published",
      );

      await lock.release();
      lock = undefined;
      await until(() => b.services.mode.current() === "DEMO", "B to read DEMO again", 8000);
      await sse.until(() => resyncs().length === 2, "B's stream to hear it recovered", 3000);
      await sse.close();
    } finally {
      await lock?.release();
      await cluster.close();
    }
  },
});
