/**
 * Two app instances in process on one real Postgres schema (each with its own
 * connection pool) and one Redis (each with its own connections), sharing an
 * event stream key unique to the test — what two containers behind a load
 * balancer look like to the code.
 */
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { openRedis, type RedisHandle } from "../lib/redis/client.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { uniqueName } from "./helpers/db.ts";
import { TEST_DATABASE_URL } from "./helpers/env.ts";

export interface Cluster {
  a: TestApp;
  b: TestApp;
  streamKey: string;
  /** The Postgres schema both instances use. */
  schema: string;
  redisA: RedisHandle;
  redisB: RedisHandle;
  close(): Promise<void>;
}

/**
 * Starts two instances on a fresh schema of TEST_DATABASE_URL and the Redis at `redisUrl`
 * (instance B at `redisUrlB` when given, e.g. the same Redis through a TCP proxy).
 */
export async function startCluster(
  redisUrl: string,
  env: Record<string, string> = {},
  options: { redisUrlB?: string } = {},
): Promise<Cluster> {
  const schema = uniqueName("t");
  const streamKey = uniqueName("events");
  const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const dbA = openPostgres(TEST_DATABASE_URL!, { schema, max: 5 });
  const dbB = openPostgres(TEST_DATABASE_URL!, { schema, max: 5 });
  await migrate(dbA, await readMigrations(bundledMigrationsDir()));
  const redisA = await openRedis(redisUrl, memoryLogger());
  const redisB = await openRedis(options.redisUrlB ?? redisUrl, memoryLogger());
  // One deployment: the instances share its configuration, the keyed-digest secret included (the
  // sign-in locks and rate windows of both must agree; without it each app draws its own).
  const fullEnv = {
    EVENT_STREAM_KEY: streamKey,
    ANALYTICS_IP_SALT: crypto.randomUUID().replaceAll("-", ""),
    ...env,
  };
  const a = await buildTestApp({
    env: fullEnv,
    redis: redisA,
    testDb: { db: dbA, cleanup: () => dbA.close() },
  });
  const b = await buildTestApp({
    env: fullEnv,
    redis: redisB,
    testDb: { db: dbB, cleanup: () => dbB.close() },
  });
  return {
    a,
    b,
    streamKey,
    schema,
    redisA,
    redisB,
    async close() {
      await a.dispose();
      await b.dispose();
      await redisA.client.sendCommand(["DEL", streamKey]).catch(() => {});
      await redisA.close();
      await redisB.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    },
  };
}
