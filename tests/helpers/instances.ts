/** Two app instances on one database, as a deployment runs them, for the cross-instance tests. */
import { memoryLogger } from "../../lib/log/mod.ts";
import { openRedis } from "../../lib/redis/client.ts";
import { buildTestApp, type TestApp } from "./app.ts";
import { freshPostgres, uniqueName } from "./db.ts";
import { TEST_REDIS_URL } from "./env.ts";

export interface TwoInstances {
  a: TestApp;
  b: TestApp;
  /** Closes both, drops the database, deletes the test's event stream. */
  close(): Promise<void>;
}

/**
 * Instances A and B on one fresh Postgres database, each with its own connection to the real
 * Redis, sharing an event stream of the test's own (`<prefix>_…`). Needs Postgres and Redis.
 */
export async function twoInstances(streamPrefix: string): Promise<TwoInstances> {
  const testDb = await freshPostgres();
  const logger = memoryLogger();
  const redisA = await openRedis(TEST_REDIS_URL!, logger);
  const redisB = await openRedis(TEST_REDIS_URL!, logger);
  const env = { RATE_LIMIT_PER_MIN: "0", EVENT_STREAM_KEY: uniqueName(streamPrefix) };
  const a = await buildTestApp({ testDb, redis: redisA, env });
  const b = await buildTestApp({
    testDb: { db: testDb.db, cleanup: () => Promise.resolve() },
    redis: redisB,
    env,
  });
  return {
    a,
    b,
    async close() {
      await b.close();
      await a.dispose();
      // The test's own stream: shared Redis servers (CI machines) must not collect them.
      await redisA.client.sendCommand(["DEL", env.EVENT_STREAM_KEY]).catch(() => {});
      await redisA.close();
      await redisB.close();
    },
  };
}

/** Polls `probe` until it returns true; a liveness bound, not a timing assertion. */
export async function eventually(
  probe: () => boolean | Promise<boolean>,
  boundMs: number,
): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return await probe();
}
