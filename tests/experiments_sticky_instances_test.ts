/**
 * Sticky assignments across instances on one database: an instance's in-memory cache of
 * persisted variants does not outlive the experiment version it was read at. Another instance
 * may move a subject off a removed variant; once the experiment changes again, every instance
 * answers what the database holds, not what it cached before.
 */
import assert from "node:assert/strict";
import { memoryLogger } from "../lib/log/mod.ts";
import { openRedis } from "../lib/redis/client.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createUser } from "./helpers/auth.ts";
import { freshPostgres, uniqueName } from "./helpers/db.ts";
import { hasPostgres, hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";

const ACTOR = { actor: { type: "system" as const } };

/** Polls `probe` until it returns true; a liveness bound, not a timing assertion. */
async function eventually(probe: () => boolean, boundMs: number): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    if (probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return probe();
}

Deno.test({
  name:
    "a variant removed and re-added: an instance that cached the old sticky assignment answers the database's",
  ignore: !(hasPostgres() && hasRedis()),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const testDb = await freshPostgres();
    const logger = memoryLogger();
    const redisA = await openRedis(TEST_REDIS_URL!, logger);
    const redisB = await openRedis(TEST_REDIS_URL!, logger);
    const env = { RATE_LIMIT_PER_MIN: "0", EVENT_STREAM_KEY: uniqueName("sticky_events") };
    const a = await buildTestApp({ testDb, redis: redisA, env });
    const b = await buildTestApp({
      testDb: { db: testDb.db, cleanup: () => Promise.resolve() },
      redis: redisB,
      env,
    });
    const key = "sticky.instances";
    const setVariants = async (variants: Record<string, { weight: number }>) => {
      const version = a.services.experiments.get(key)?.version;
      const view = await a.services.experiments.set({
        key,
        enabled: true,
        variants,
        ...(version ? { version } : {}),
      }, ACTOR);
      // Both instances hold the new version before the next request (the bus carries it).
      for (const app of [a, b]) {
        assert.ok(
          await eventually(() => app.services.experiments.get(key)?.version === view.version, 5000),
          "the instance loads the new version",
        );
      }
    };
    const variantOn = async (app: TestApp, user: { userId: string }) =>
      (await app.services.experiments.variantFor(key, user)).variant;
    const stored = async () =>
      (await a.db.query<{ variant: string }>(
        "SELECT variant FROM experiment_assignments WHERE experiment_key = $1",
        [key],
      )).map((row) => row.variant);
    try {
      const user = { userId: (await createUser(a, { role: "RESEARCHER" })).id };
      await setVariants({ alpha: { weight: 100 }, beta: { weight: 0 } });
      assert.equal(await variantOn(a, user), "alpha", "assigned on A, and cached there");
      assert.equal(await variantOn(a, user), "alpha");

      // alpha is removed: B moves the user to beta in the database.
      await setVariants({ beta: { weight: 100 } });
      assert.equal(await variantOn(b, user), "beta");
      assert.deepEqual(await stored(), ["beta"]);

      // alpha is back (and would win the hash): the user stays in beta on every instance.
      await setVariants({ alpha: { weight: 100 }, beta: { weight: 0 } });
      assert.equal(await variantOn(b, user), "beta");
      const onA = await a.services.experiments.variantFor(key, user);
      assert.deepEqual(
        [onA.variant, onA.reason],
        ["beta", "STICKY"],
        "A does not answer its old cache",
      );
      assert.deepEqual(await stored(), ["beta"]);
    } finally {
      await b.close();
      await a.dispose();
      await redisA.client.sendCommand(["DEL", env.EVENT_STREAM_KEY]).catch(() => {});
      await redisA.close();
      await redisB.close();
    }
  },
});
