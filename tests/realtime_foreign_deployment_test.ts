/**
 * Two deployments (staging and production) on one Redis with the same EVENT_STREAM_KEY: each
 * instance tags its stream entries with its database's deployment id (migration 0008) and ignores
 * the other deployment's entries, live and in replays and history, with one warning per interval
 * and a counter (`bus_events_foreign_total`). Instances of one deployment still deliver to each
 * other, and untagged entries (an older version during a rolling upgrade) are accepted.
 * Real Redis; PGlite and, when configured, the real Postgres.
 */
import assert from "node:assert/strict";
import { createAuditLog } from "../lib/audit/mod.ts";
import { type Clock, systemClock } from "../lib/clock.ts";
import { bundledMigrationsDir, type Db, migrate, readMigrations } from "../lib/db/mod.ts";
import { readStoredMode } from "../lib/governance/store.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import {
  createRedisBus,
  DEPLOYMENT_RECHECK_INTERVAL_MS,
  FOREIGN_WARN_INTERVAL_MS,
} from "../lib/realtime/redis_bus.ts";
import { deploymentTag, readDeploymentId } from "../lib/realtime/deployment.ts";
import type { AppEvent, InternalMessage, NewEvent } from "../lib/realtime/types.ts";
import { openRedis } from "../lib/redis/client.ts";
import { prepareRestoredDatabase } from "../lib/restore.ts";
import { createAppMetrics } from "../lib/telemetry/mod.ts";
import { buildTestApp } from "./helpers/app.ts";
import { dbTargets, uniqueName } from "./helpers/db.ts";
import { hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";
import { jobEntry } from "./helpers/stream_entries.ts";
import { until } from "./helpers/wait.ts";

const enabled = hasRedis();
const opts = { sanitizeOps: false, sanitizeResources: false };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHARED_WARNING = "event stream key is shared with another deployment";
const RENEWED_ERROR =
  "deployment id changed while running (restore-prepare?); restart this instance";

const PROD = "6f0c2a8e-4b1d-4c3a-9e7f-1a2b3c4d5e6f";
const STAGE = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70";

const job = (jobId: string): NewEvent => ({
  type: "job.progress",
  topic: "jobs",
  payload: { jobId, progress: 1 },
});

/** A bus instance of deployment `deploymentId` (none: untagged) recording what it delivers. */
async function instance(
  streamKey: string,
  deploymentId: string | undefined,
  clock: Clock = systemClock,
  rereadDeploymentId?: () => Promise<string | undefined>,
) {
  const logger = memoryLogger();
  const redis = await openRedis(TEST_REDIS_URL!, logger);
  const metrics = createAppMetrics();
  const bus = await createRedisBus({
    redis,
    streamKey,
    clock,
    historySize: 100,
    metrics,
    logger,
    blockMs: 500,
    ...(deploymentId !== undefined ? { deploymentId } : {}),
    ...(rereadDeploymentId !== undefined ? { rereadDeploymentId } : {}),
  });
  const got: AppEvent[] = [];
  const messages: InternalMessage[] = [];
  bus.subscribe("all", (e) => got.push(e));
  bus.internal.subscribe((m) => messages.push(m), () => {});
  return {
    redis,
    bus,
    got,
    messages,
    logs: logger.lines,
    foreign: () => metrics.busForeign.value(),
    warnings: () => logger.lines.filter((line) => line.includes(SHARED_WARNING)),
    renewedErrors: () =>
      logger.lines.filter((line) =>
        JSON.parse(line).level === "error" && line.includes(RENEWED_ERROR)
      ),
    jobs: () => got.map((e) => e.payload.jobId),
    async close() {
      await bus.close();
      await redis.close();
    },
  };
}

/**
 * Runs `fn` with a fresh stream key and `open`, which starts a bus instance on it; afterwards the
 * key is deleted and every instance opened is closed, also when `fn` or an opening fails.
 */
async function onOneStreamKey(
  fn: (
    open: (...args: DropFirst<Parameters<typeof instance>>) => ReturnType<typeof instance>,
    key: string,
  ) => Promise<void>,
): Promise<void> {
  const key = uniqueName("events");
  const opened: Array<Awaited<ReturnType<typeof instance>>> = [];
  try {
    await fn(async (...args) => {
      const started = await instance(key, ...args);
      opened.push(started);
      return started;
    }, key);
  } finally {
    await opened[0]?.redis.client.sendCommand(["DEL", key]).catch(() => {});
    for (const each of opened) await each.close();
  }
}

type DropFirst<T extends unknown[]> = T extends [unknown, ...infer Rest] ? Rest : never;

async function eventuallyEqual(read: () => Promise<number>, want: number, what: string) {
  let value = await read();
  const deadline = Date.now() + 10_000;
  while (value !== want && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  assert.equal(value, want, what);
}

async function migratedFresh(
  open: (o: { migrated: boolean }) => Promise<{ db: Db; cleanup(): Promise<void> }>,
) {
  const testDb = await open({ migrated: false });
  await migrate(testDb.db, await readMigrations(bundledMigrationsDir()));
  return testDb;
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] migration 0008 gives each fresh database its own deployment id; migrating again keeps it`, async () => {
    const one = await migratedFresh(target.open);
    const two = await migratedFresh(target.open);
    try {
      const first = await readDeploymentId(one.db);
      const second = await readDeploymentId(two.db);
      assert.match(first ?? "", UUID);
      assert.match(second ?? "", UUID);
      assert.notEqual(first, second);
      const again = await migrate(one.db, await readMigrations(bundledMigrationsDir()));
      assert.deepEqual(again.applied, []);
      assert.equal(await readDeploymentId(one.db), first);
      // The row is no mode: the mode reader still finds none stored.
      assert.equal(await readStoredMode(one.db), undefined);
    } finally {
      await one.cleanup();
      await two.cleanup();
    }
  });

  Deno.test(`[${target.name}] restore preparation gives the restored copy a new deployment id`, async () => {
    const testDb = await migratedFresh(target.open);
    try {
      const before = await readDeploymentId(testDb.db);
      await prepareRestoredDatabase(testDb.db, createAuditLog({ db: testDb.db }));
      const after = await readDeploymentId(testDb.db);
      assert.match(after ?? "", UUID);
      assert.notEqual(after, before);
    } finally {
      await testDb.cleanup();
    }
  });
}

Deno.test({
  name:
    "redis bus: two deployments on one stream key ignore each other's events (live, replay, history), warn once and count; one deployment's instances still deliver",
  ignore: !enabled,
  ...opts,
  async fn() {
    await onOneStreamKey(async (open, key) => {
      const prodA = await open(PROD);
      const prodB = await open(PROD);
      const stage = await open(STAGE);
      const s1 = await stage.bus.publish(job("s1"));
      await stage.bus.publish(job("s2"));
      const p1 = await prodA.bus.publish(job("p1"));
      await stage.bus.publish(job("s3"));
      // Entries are read in stream order: once p1 and s3 arrived, s1 and s2 were read too.
      await until(() => prodA.got.length >= 1 && prodB.got.length >= 1, "p1 on production");
      await until(() => stage.got.length >= 3, "s3 on staging");
      assert.deepEqual(prodA.jobs(), ["p1"]);
      assert.deepEqual(prodB.jobs(), ["p1"]);
      assert.deepEqual(stage.jobs(), ["s1", "s2", "s3"]);
      await eventuallyEqual(prodB.foreign, 3, "production counts staging's three entries");
      assert.equal(prodB.got[0]!.id, p1.id);

      // Replay and the newest id are production's own events only. From an id of staging's, an
      // instance answers with production's events after it, or, where it cannot tell that the
      // id is a stream id it passed (554a416: a replay resumes only from an id it keeps), tells
      // the client to resync; never with staging's events.
      const ownOnly = (result: { complete: boolean; events: Array<{ payload: unknown }> }) => {
        const jobs = result.events.map((e) => (e.payload as { jobId: string }).jobId);
        if (result.complete) assert.deepEqual(jobs, ["p1"]);
        else assert.deepEqual(jobs, []);
      };
      ownOnly(await prodB.bus.replay(s1.id, "all"));
      assert.equal(prodB.bus.lastId(), p1.id);

      // A production instance started now loads the stream's history without staging's events.
      const prodC = await open(PROD);
      ownOnly(await prodC.bus.replay(s1.id, "all"));
      assert.equal(prodC.bus.lastId(), p1.id);
      assert.equal(await prodC.foreign(), 3);

      // One warning per instance, naming the setting, never the other deployment's id or tag.
      await eventuallyEqual(prodA.foreign, 3, "production A counts staging's entries");
      await eventuallyEqual(stage.foreign, 1, "staging counts production's entry");
      for (const each of [prodA, prodB, prodC, stage]) {
        assert.equal(each.warnings().length, 1);
        assert.match(each.warnings()[0]!, /EVENT_STREAM_KEY per deployment/);
        assert.equal(each.bus.foreignEntries(), each === stage ? 1 : 3);
      }
      for (const line of [...prodA.logs, ...stage.logs]) {
        for (const secret of [PROD, STAGE, deploymentTag(PROD), deploymentTag(STAGE)]) {
          assert.ok(!line.includes(secret), "no deployment id or whole tag in a log line");
        }
      }

      // Entries carry the tag of their deployment.
      const raw = await prodA.redis.client.sendCommand<[string, string[]][]>([
        "XRANGE",
        key,
        p1.id,
        p1.id,
      ]);
      const fields = raw[0]![1];
      assert.equal(fields[fields.indexOf("g") + 1], deploymentTag(PROD));
    });
  },
});

Deno.test({
  name:
    "redis bus: another deployment's internal message is not handed to this deployment's internal channel",
  ignore: !enabled,
  ...opts,
  async fn() {
    await onOneStreamKey(async (open) => {
      const prodA = await open(PROD);
      const prodB = await open(PROD);
      const stage = await open(STAGE);
      const ended = (id: string): InternalMessage => ({
        kind: "auth.credentials_ended",
        payload: { ended: "user", ids: [id] },
      });
      await stage.bus.internal.publish(ended("3f1c0a52-8d7e-4b8e-9a34-2c1d5e6f7a8b"));
      await prodA.bus.internal.publish(ended("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"));
      await until(() => prodB.messages.length >= 1, "production's message on B");
      assert.deepEqual(prodB.messages, [ended("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")]);
      await eventuallyEqual(prodB.foreign, 1, "staging's message counted on B");
    });
  },
});

Deno.test({
  name:
    "redis bus: an entry without a deployment tag (an older version) is delivered and not counted",
  ignore: !enabled,
  ...opts,
  async fn() {
    await onOneStreamKey(async (open, key) => {
      const prod = await open(PROD);
      const untagged = await open(undefined);
      await prod.redis.client.sendCommand(jobEntry(key, "old", null));
      await until(() => prod.got.length >= 1, "the untagged entry on production");
      assert.deepEqual(prod.jobs(), ["old"]);
      // A bus without a deployment id accepts tagged entries of any deployment.
      await prod.bus.publish(job("p1"));
      await until(() => untagged.got.length >= 2, "both on the untagged bus");
      assert.deepEqual(untagged.jobs(), ["old", "p1"]);
      assert.equal(await prod.foreign(), 0);
      assert.equal(prod.warnings().length, 0);
    });
  },
});

Deno.test({
  name:
    "redis bus: the shared-key warning comes again only after the interval; every foreign entry counts",
  ignore: !enabled,
  ...opts,
  async fn() {
    await onOneStreamKey(async (open) => {
      let offset = 0;
      const clock: Clock = { now: () => Date.now() + offset };
      const prod = await open(PROD, clock);
      const stage = await open(STAGE);
      await stage.bus.publish(job("s1"));
      await eventuallyEqual(prod.foreign, 1, "first foreign entry");
      await stage.bus.publish(job("s2"));
      await eventuallyEqual(prod.foreign, 2, "second foreign entry");
      assert.equal(prod.warnings().length, 1);
      offset = FOREIGN_WARN_INTERVAL_MS;
      await stage.bus.publish(job("s3"));
      await eventuallyEqual(prod.foreign, 3, "third foreign entry");
      assert.equal(prod.warnings().length, 2);
      assert.deepEqual(prod.jobs(), []);
    });
  },
});

Deno.test({
  name:
    "redis bus: another deployment's entries make the bus re-read its deployment id at most once per interval; still its own, they stay ignored",
  ignore: !enabled,
  ...opts,
  async fn() {
    await onOneStreamKey(async (open) => {
      let offset = 0;
      const clock: Clock = { now: () => Date.now() + offset };
      let rereads = 0;
      const prod = await open(PROD, clock, () => {
        rereads++;
        return Promise.resolve(PROD);
      });
      const stage = await open(STAGE);
      for (const jobId of ["s1", "s2", "s3"]) await stage.bus.publish(job(jobId));
      await eventuallyEqual(prod.foreign, 3, "three foreign entries");
      assert.equal(rereads, 1, "one re-read for the flood");
      offset = DEPLOYMENT_RECHECK_INTERVAL_MS;
      await stage.bus.publish(job("s4"));
      await eventuallyEqual(prod.foreign, 4, "the fourth foreign entry");
      assert.equal(rereads, 2, "re-read again after the interval");
      assert.deepEqual(prod.jobs(), []);
      assert.equal(prod.warnings().length, 1);
      assert.deepEqual(prod.renewedErrors(), []);
      // Production still hears its own.
      await prod.bus.publish(job("p1"));
      await until(() => prod.got.length === 1, "production's own event");
    });
  },
});

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}+redis] an instance left running across restore-prepare (its database's deployment id renewed) and one started afterwards hear each other: the stale one logs once that it must be restarted and takes the new id`,
    ignore: !enabled,
    ...opts,
    async fn() {
      const key = uniqueName("events_renewed");
      const testDb = await migratedFresh(target.open);
      const reread = () => readDeploymentId(testDb.db);
      const stale = await instance(key, await reread(), systemClock, reread);
      await prepareRestoredDatabase(testDb.db, createAuditLog({ db: testDb.db }));
      const fresh = await instance(key, await reread(), systemClock, reread);
      try {
        // The new instance's entry: the stale one re-reads its id, finds it renewed, delivers.
        await fresh.bus.publish(job("from-fresh"));
        await until(() => stale.jobs().includes("from-fresh"), "the stale instance to hear it");
        // The stale instance's entries now carry the new tag: the new one hears them.
        await stale.bus.publish(job("from-stale"));
        await stale.bus.internal.publish({
          kind: "auth.credentials_ended",
          payload: { ended: "api_token", ids: ["7d0c4c7e-2f55-4d2a-9c1e-3b6f0a8e5d21"] },
        });
        await until(() => fresh.jobs().includes("from-stale"), "the new instance to hear it");
        await until(() => fresh.messages.length === 1, "the internal message");
        await fresh.bus.publish(job("from-fresh-2"));
        await until(() => stale.jobs().includes("from-fresh-2"), "the second event");

        assert.deepEqual(stale.jobs(), ["from-fresh", "from-stale", "from-fresh-2"]);
        assert.deepEqual(fresh.jobs(), ["from-fresh", "from-stale", "from-fresh-2"]);
        assert.equal(stale.renewedErrors().length, 1, "the stale instance says restart, once");
        assert.deepEqual(fresh.renewedErrors(), []);
        assert.deepEqual(stale.warnings(), [], "not told to set EVENT_STREAM_KEY");
        assert.deepEqual(fresh.warnings(), []);
        assert.equal(await stale.foreign(), 0);
        assert.equal(await fresh.foreign(), 0);
      } finally {
        await stale.redis.client.sendCommand(["DEL", key]).catch(() => {});
        await stale.close();
        await fresh.close();
        await testDb.cleanup();
      }
    },
  });
}

Deno.test({
  name:
    "redis bus: a replay after another deployment's entry ahead of this instance's events resyncs",
  ignore: !enabled,
  ...opts,
  async fn() {
    await onOneStreamKey(async (open) => {
      const prod = await open(PROD);
      const stage = await open(STAGE);
      await prod.bus.publish(job("p1"));
      const s1 = await stage.bus.publish(job("s1"));
      await eventuallyEqual(prod.foreign, 1, "the foreign entry read");
      // Its id is above production's newest: production's events after it were never read here.
      assert.equal((await prod.bus.replay(s1.id, "all")).complete, false);
    });
  },
});

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}+redis] an app ignores the mode change of another deployment on its stream key; the same database's instances are one deployment`,
    ignore: !enabled,
    ...opts,
    async fn() {
      const env = { RATE_LIMIT_PER_MIN: "0", EVENT_STREAM_KEY: uniqueName("events") };
      const logger = memoryLogger();
      const redisStage = await openRedis(TEST_REDIS_URL!, logger);
      const redisProd = await openRedis(TEST_REDIS_URL!, logger);
      const stageDb = await migratedFresh(target.open);
      const prodDb = await migratedFresh(target.open);
      const stage = await buildTestApp({ testDb: stageDb, redis: redisStage, env });
      const prod = await buildTestApp({ testDb: prodDb, redis: redisProd, env });
      try {
        const seen: AppEvent[] = [];
        prod.services.bus.subscribe("governance", (e) => seen.push(e));
        await stage.services.mode.setMode("LIVE", { type: "system" });
        // Read in stream order: once production's own change arrived, staging's was read before.
        await prod.services.mode.setMode("STANDBY", { type: "system" });
        await until(() => seen.length >= 1, "production's own mode change");
        assert.deepEqual(seen.map((e) => [e.type, e.payload.mode]), [
          ["governance.mode_changed", "STANDBY"],
        ]);
        assert.equal(prod.services.mode.current(), "STANDBY");
        await eventuallyEqual(
          () => prod.services.metrics.busForeign.value(),
          1,
          "staging's mode change read and ignored by production",
        );
        assert.equal(prod.logs.filter((line) => line.includes(SHARED_WARNING)).length, 1);
      } finally {
        await redisProd.client.sendCommand(["DEL", env.EVENT_STREAM_KEY]).catch(() => {});
        await prod.dispose();
        await stage.dispose();
        await redisStage.close();
        await redisProd.close();
      }
    },
  });
}

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}+redis] an app left running across restore-prepare hears an app started afterwards on the same database: it re-reads the renewed id and says to restart it`,
    ignore: !enabled,
    ...opts,
    async fn() {
      const env = { RATE_LIMIT_PER_MIN: "0", EVENT_STREAM_KEY: uniqueName("events") };
      const logger = memoryLogger();
      const redisStale = await openRedis(TEST_REDIS_URL!, logger);
      const redisFresh = await openRedis(TEST_REDIS_URL!, logger);
      const testDb = await migratedFresh(target.open);
      const stale = await buildTestApp({ testDb, redis: redisStale, env });
      let fresh: Awaited<ReturnType<typeof buildTestApp>> | undefined;
      try {
        await prepareRestoredDatabase(testDb.db, createAuditLog({ db: testDb.db }));
        // The same database, opened once: the fresh app must not close it on dispose.
        fresh = await buildTestApp({
          testDb: { db: testDb.db, cleanup: async () => {} },
          redis: redisFresh,
          env,
        });
        const seen: AppEvent[] = [];
        stale.services.bus.subscribe("governance", (e) => seen.push(e));
        await fresh.services.mode.setMode("LIVE", { type: "system" });
        await until(() => seen.length >= 1, "the fresh app's mode change on the stale app");
        assert.deepEqual(seen.map((e) => [e.type, e.payload.mode]), [
          ["governance.mode_changed", "LIVE"],
        ]);
        assert.equal(stale.logs.filter((line) => line.includes(RENEWED_ERROR)).length, 1);
        assert.equal(stale.logs.filter((line) => line.includes(SHARED_WARNING)).length, 0);
      } finally {
        await redisStale.client.sendCommand(["DEL", env.EVENT_STREAM_KEY]).catch(() => {});
        await fresh?.dispose();
        await stale.dispose();
        await redisStale.close();
        await redisFresh.close();
      }
    },
  });
}
