/**
 * An instance starts while Redis is down (docs/operations/MODE_TOGGLE.md, "Emergency STANDBY":
 * a rollout during a Redis outage must not replace serving pods with crash-looping ones). Real
 * processes of main.ts:
 * - Redis on a closed port, or a server that never answers: the start ends within a bound with
 *   one warning (no credentials), the instance serves, and readiness and metrics report Redis
 *   down as they do for an outage after the start;
 * - Redis that comes up later (a private redis-server started after the instance): the instance
 *   connects by itself, its streams resync, and then another instance's changes reach them;
 * - a REDIS_URL the client cannot use is still a configuration error that stops the start.
 * Waits are generous "eventually" bounds (a hang fails the test); nothing asserts a duration.
 */
import assert from "node:assert/strict";
import { openPostgres } from "../lib/db/mod.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { openRedis } from "../lib/redis/client.ts";
import { buildTestApp } from "./helpers/app.ts";
import { blackhole } from "./helpers/blackhole.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";
import { eventually } from "./helpers/instances.ts";
import { listeningWithin, spawnApp, stop } from "./helpers/process.ts";
import { privateRedis, redisServerBinary } from "./helpers/redis_server.ts";
import { readSse } from "./realtime_sse_reader.ts";

const PASSWORD = "r3dis-s3cret-pw";
const ADMIN_EMAIL = "ops-no-redis@example.org";
const ADMIN_PASSWORD = "7qL!x9Vr#2mKp4Zw8Tn1";
/** Generous: a start that hangs fails the test; the start's duration is not asserted. */
const START_BOUND_MS = 60_000;
const opts = { sanitizeOps: false, sanitizeResources: false };

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function readiness(
  base: string,
): Promise<{ status: number; checks: Record<string, string> }> {
  const response = await fetch(`${base}/health/ready`);
  const body = await response.json() as { checks: Record<string, string> };
  return { status: response.status, checks: body.checks };
}

/** Starts main.ts with Redis unreachable and checks it serves and reports Redis down. */
async function startsWithoutRedis(redisUrl: string) {
  const dataDir = await Deno.makeTempDir();
  const app = spawnApp({
    DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    METRICS_ALLOW_IPS: "127.0.0.1",
  });
  try {
    const base = await listeningWithin(app, START_BOUND_MS);
    const warnings = app.records.filter((r) => r.level === "warn");
    assert.deepEqual(
      warnings.map((r) => r.msg),
      ["redis unreachable at start; serving without it, connecting when it comes up"],
      "one warning",
    );
    assert.match(String(warnings[0]!.redis), /^127\.0\.0\.1:\d+$/);
    assert.equal(app.stderr.length, 0, `nothing outside the log: ${app.stderr.join(" | ")}`);

    // It serves: readiness (the database decides), a page, a sign-in.
    const ready = await readiness(base);
    assert.equal(ready.status, 200);
    assert.equal(ready.checks.db, "ok");
    assert.match(ready.checks.redis!, /^failed: /);
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    assert.equal(login.status, 200, await login.clone().text());
    await login.body?.cancel();

    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(
      text,
      /readiness_checks_total\{[^}]*check="redis"[^}]*result="failed"[^}]*\} [1-9]/,
    );

    const output = JSON.stringify([app.records, app.stderr]);
    assert.ok(!output.includes(PASSWORD), "the password is never logged");
    assert.ok(!output.includes(ADMIN_PASSWORD), "the admin password is never logged");
  } finally {
    await stop(app);
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test({
  name:
    "REDIS_URL on a closed port: the instance starts with one warning, serves, and reports redis failed",
  ...opts,
  async fn() {
    await startsWithoutRedis(`redis://:${PASSWORD}@127.0.0.1:${freePort()}`);
  },
});

Deno.test({
  name: "REDIS_URL on a server that never answers: the instance starts with one warning and serves",
  ...opts,
  async fn() {
    const hole = blackhole();
    try {
      await startsWithoutRedis(`redis://:${PASSWORD}@127.0.0.1:${hole.port}`);
    } finally {
      hole.close();
    }
  },
});

Deno.test({
  name:
    "REDIS_URL the client cannot use: the start exits 1 with a configuration line, not an outage",
  ...opts,
  async fn() {
    const dataDir = await Deno.makeTempDir();
    try {
      const app = spawnApp({
        DATA_DIR: dataDir,
        REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${freePort()}/not-a-number`,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const status = await Promise.race([
        app.status,
        new Promise<"hung">((resolve) => timer = setTimeout(() => resolve("hung"), START_BOUND_MS)),
      ]);
      clearTimeout(timer);
      if (status === "hung") {
        await stop(app);
        assert.fail("the process did not exit");
      }
      assert.equal(status.code, 1);
      assert.equal(app.stderr.length, 1, JSON.stringify(app.stderr));
      assert.match(app.stderr[0]!, /^Invalid configuration: REDIS_URL /);
      assert.ok(!JSON.stringify([app.records, app.stderr]).includes(PASSWORD));
      assert.ok(!app.records.some((r) => r.msg === "listening"));
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "[postgres] Redis comes up after the start: the instance connects by itself, its streams resync, then another instance's flag and mode changes reach them",
  ignore: !(hasPostgres() && redisServerBinary() !== undefined),
  ...opts,
  async fn() {
    const server = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    const database = uniqueName("rf_no_redis");
    await server.exec(`CREATE DATABASE ${database}`);
    const url = new URL(TEST_DATABASE_URL!);
    url.pathname = `/${database}`;
    const redisServer = privateRedis();
    const streamKey = uniqueName("events_no_redis");
    const app = spawnApp({
      DATABASE_URL: url.href,
      REDIS_URL: redisServer.url,
      EVENT_STREAM_KEY: streamKey,
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      RATE_LIMIT_PER_MIN: "0",
    });
    const cleanups: Array<() => Promise<void>> = [];
    try {
      const base = await listeningWithin(app, START_BOUND_MS);
      assert.ok(
        app.records.some((r) => r.msg?.toString().startsWith("redis unreachable at start")),
      );
      const login = await fetch(`${base}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
      await login.body?.cancel();

      // A stream opened while Redis is down.
      const sse = readSse(
        await fetch(`${base}/api/stream?topic=governance`, { headers: { cookie } }),
      );
      cleanups.push(() => sse.close());
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");

      // Redis comes up: the instance connects by itself and its open stream resyncs (what others
      // changed meanwhile may have gone past it).
      await redisServer.start();
      cleanups.push(() => redisServer.stop());
      await sse.until(
        (m) => m.some((x) => x.event === "resync"),
        "resync after connecting",
        60_000,
      );
      assert.ok(
        await eventually(async () => (await readiness(base)).checks.redis === "ok", 60_000),
        "readiness reports redis ok",
      );
      assert.ok(
        await eventually(
          () => app.records.some((r) => r.msg === "event stream reader caught up"),
          60_000,
        ),
        "the reader listens",
      );

      // Another instance on the same database and stream changes a flag and the mode.
      const redisB = await openRedis(redisServer.url, memoryLogger());
      cleanups.push(() => redisB.close());
      const dbB = openPostgres(url.href, { max: 2 });
      const b = await buildTestApp({
        testDb: { db: dbB, cleanup: () => dbB.close() },
        redis: redisB,
        env: { EVENT_STREAM_KEY: streamKey, RATE_LIMIT_PER_MIN: "0" },
      });
      cleanups.push(() => b.dispose());
      await b.services.flags.set("no.redis.at.start", { enabled: true }, {
        actor: { type: "system" },
      });
      await sse.until(
        (m) =>
          m.some((x) =>
            x.event === "governance.flag_changed" && x.data.includes("no.redis.at.start")
          ),
        "the other instance's flag change",
        60_000,
      );
      const before = sse.messages.length;
      await b.services.mode.setMode("STANDBY", { type: "system" });
      await sse.until(
        (m) => m.slice(before).some((x) => x.event === "governance.mode_changed"),
        "the other instance's mode change",
        60_000,
      );
      const state = await fetch(`${base}/health/ready`);
      const body = await state.json() as { mode?: { effective?: string } };
      assert.equal(body.mode?.effective, "STANDBY");
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
      await stop(app);
      await server.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await server.close();
    }
  },
});
