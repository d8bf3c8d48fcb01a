/**
 * Two app instances on one fresh Postgres schema and one fresh Redis event stream of their own
 * (`modefix_…` / `modefix-…`): A with the deployment's configuration, B with `envB` on top (a pin,
 * say) and a view of the database the test can cut — a mixed rollout, as the runbook's emergency
 * pin makes one.
 */
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../../lib/db/mod.ts";
import { memoryLogger } from "../../lib/log/mod.ts";
import { openRedis, type RedisHandle } from "../../lib/redis/client.ts";
import { buildTestApp, type TestApp } from "./app.ts";
import { type CuttableDb, cuttableDb } from "./cuttable_db.ts";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "./env.ts";

export interface Pair {
  a: TestApp;
  b: TestApp;
  /** B's view of the shared database, which the test can cut. */
  dbB: CuttableDb;
  close(): Promise<void>;
}

/** A (no pin) and B (with `envB`) on a fresh schema and a fresh event stream of their own. */
export async function startPair(envB: Record<string, string>): Promise<Pair> {
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const schema = `modefix_${suffix}`;
  const streamKey = `modefix-${suffix}`;
  const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const dbA = openPostgres(TEST_DATABASE_URL!, { schema, max: 5 });
  const rawB = openPostgres(TEST_DATABASE_URL!, { schema, max: 5 });
  await migrate(dbA, await readMigrations(bundledMigrationsDir()));
  const redis: RedisHandle[] = [
    await openRedis(TEST_REDIS_URL!, memoryLogger()),
    await openRedis(TEST_REDIS_URL!, memoryLogger()),
  ];
  const env = {
    EVENT_STREAM_KEY: streamKey,
    ANALYTICS_IP_SALT: crypto.randomUUID().replaceAll("-", ""),
  };
  const dbB = cuttableDb(rawB);
  const a = await buildTestApp({
    env,
    redis: redis[0],
    testDb: { db: dbA, cleanup: () => dbA.close() },
  });
  const b = await buildTestApp({
    env: { ...env, ...envB },
    redis: redis[1],
    testDb: { db: dbB.db, cleanup: () => rawB.close() },
  });
  return {
    a,
    b,
    dbB,
    async close() {
      dbB.restore();
      await a.dispose();
      await b.dispose();
      // The stream and the keys named after it (rate windows): shared Redis servers must not
      // collect them.
      const keys = await redis[0]!.client.sendCommand<string[]>(
        ["KEYS", `${streamKey}*`],
      ).catch(() => [] as string[]);
      for (const key of keys) await redis[0]!.client.sendCommand(["DEL", key]).catch(() => {});
      for (const handle of redis) await handle.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    },
  };
}
