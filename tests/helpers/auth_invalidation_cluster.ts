/**
 * Two app instances sharing one database and one Redis event stream, where instance B can lose
 * either on its own: its database (a TCP proxy in front of Postgres, or a cuttable view of a
 * shared in-process PGlite) and its Redis (a TCP proxy). Instance A keeps both. For the tests of
 * credentials ended on one instance and held in another one's memory.
 */
import type { Db } from "../../lib/db/mod.ts";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../../lib/db/mod.ts";
import { memoryLogger } from "../../lib/log/mod.ts";
import { openRedis, type RedisHandle } from "../../lib/redis/client.ts";
import { buildTestApp, type TestApp } from "./app.ts";
import { cuttableDb } from "./cuttable_db.ts";
import { freshPglite, uniqueName } from "./db.ts";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "./env.ts";
import { type TcpProxy, tcpProxy } from "./tcp_proxy.ts";
import { readUpToNow } from "./bus_marker.ts";

export type ClusterDb = "pglite" | "postgres";

export interface SplitCluster {
  a: TestApp;
  b: TestApp;
  streamKey: string;
  /** B's Redis connections go through this proxy (stop it to cut B off from Redis). */
  redisProxyB: TcpProxy;
  /** A's Redis connection (B's goes through the proxy). */
  redisA: RedisHandle;
  /** Makes the database unreachable for B; A keeps it. */
  cutDbOfB(): void;
  /**
   * Resolves once B's bus has delivered everything A appended before this call: A publishes a
   * marker event and B's subscriber waits for it (the stream is read in order).
   */
  bHasReadUpToNow(): Promise<void>;
  close(): Promise<void>;
}

function redisTarget(): { hostname: string; port: number } {
  const url = new URL(TEST_REDIS_URL!);
  return { hostname: url.hostname, port: Number(url.port || 6379) };
}

/** Starts A and B on a fresh database of `kind` and TEST_REDIS_URL; needs TEST_REDIS_URL. */
/** Runs `fn` with a fresh split cluster (instances built with `env`), closed afterwards. */
export async function withSplitCluster(
  kind: ClusterDb,
  env: Record<string, string>,
  fn: (cluster: SplitCluster) => Promise<void>,
): Promise<void> {
  const cluster = await startSplitCluster(kind, env);
  try {
    await fn(cluster);
  } finally {
    await cluster.close();
  }
}

export async function startSplitCluster(
  kind: ClusterDb,
  env: Record<string, string> = {},
): Promise<SplitCluster> {
  const streamKey = uniqueName("events");
  const fullEnv = { EVENT_STREAM_KEY: streamKey, RATE_LIMIT_PER_MIN: "0", ...env };
  const cleanups: Array<() => Promise<void>> = [];
  let dbA: Db;
  let dbB: Db;
  let cutDbOfB: () => void;
  if (kind === "pglite") {
    const shared = await freshPglite();
    cleanups.push(() => shared.cleanup());
    const view = cuttableDb(shared.db);
    dbA = shared.db;
    dbB = view.db;
    cutDbOfB = () => view.cut();
  } else {
    const schema = uniqueName("t");
    const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    cleanups.push(async () => {
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    });
    const url = new URL(TEST_DATABASE_URL!);
    const pgProxy = tcpProxy({ hostname: url.hostname, port: Number(url.port || 5432) });
    pgProxy.start();
    let pgCut = false;
    cleanups.push(() => Promise.resolve(pgProxy.stop()));
    const proxied = new URL(TEST_DATABASE_URL!);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(pgProxy.port);
    dbA = openPostgres(TEST_DATABASE_URL!, { schema, max: 5 });
    dbB = openPostgres(proxied.toString(), { schema, max: 2, connectTimeoutSeconds: 1 });
    cleanups.push(() => dbA.close(), async () => {
      // Its connections were cut: closing the pool waits out its 5 s end timeout, so it is left
      // to finish in the background.
      if (pgCut) void dbB.close().catch(() => {});
      else await dbB.close().catch(() => {});
    });
    await migrate(dbA, await readMigrations(bundledMigrationsDir()));
    cutDbOfB = () => {
      pgCut = true;
      pgProxy.stop();
    };
  }
  const redisProxyB = tcpProxy(redisTarget());
  redisProxyB.start();
  const redisA = await openRedis(TEST_REDIS_URL!, memoryLogger());
  const redisB = await openRedis(`redis://127.0.0.1:${redisProxyB.port}`, memoryLogger());
  cleanups.push(
    async () => {
      await redisA.client.sendCommand(["DEL", streamKey]).catch(() => {});
      await redisA.close();
    },
    () => redisB.close().catch(() => {}),
    () => Promise.resolve(redisProxyB.stop()),
  );
  const a = await buildTestApp({
    env: fullEnv,
    redis: redisA,
    testDb: { db: dbA, cleanup: () => Promise.resolve() },
  });
  const b = await buildTestApp({
    env: fullEnv,
    redis: redisB,
    testDb: { db: dbB, cleanup: () => Promise.resolve() },
  });
  let markers = 0;
  return {
    a,
    b,
    streamKey,
    redisProxyB,
    redisA,
    cutDbOfB,
    // Markers are numbered (`marker-1`, …): tests look for them in event streams.
    bHasReadUpToNow: () => readUpToNow(a.services.bus, b.services.bus, `marker-${++markers}`),
    async close() {
      await b.dispose().catch(() => {});
      await a.dispose().catch(() => {});
      // Connections first, then the servers behind them (reverse order of creation).
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    },
  };
}
