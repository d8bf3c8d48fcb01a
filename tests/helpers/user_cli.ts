/**
 * `deno task user` (scripts/user.ts) run as a real subprocess beside a running in-process app
 * instance: a fresh Postgres database both use (the instance through a TCP proxy that can be
 * stopped, so it alone loses the database) and the real Redis under a unique event stream key.
 * For the tests of credentials the command ends being dropped from the instance's memory.
 */
import {
  bundledMigrationsDir,
  type Db,
  migrate,
  openDatabase,
  openPostgres,
  readMigrations,
} from "../../lib/db/mod.ts";
import { memoryLogger } from "../../lib/log/mod.ts";
import { openRedis } from "../../lib/redis/client.ts";
import { buildTestApp, type TestApp } from "./app.ts";
import { uniqueName } from "./db.ts";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "./env.ts";
import { type TcpProxy, tcpProxy } from "./tcp_proxy.ts";
import { readUpToNow } from "./bus_marker.ts";

const USER_SCRIPT = new URL("../../scripts/user.ts", import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

/** Runs `deno task user <args>` with only `env` (and LOG_LEVEL=error) in its environment. */
export function runUserCli(
  env: Record<string, string>,
  args: string[],
  stdin?: string,
): Promise<CliResult> {
  return runScript(USER_SCRIPT, env, args, stdin);
}

/**
 * Runs one of scripts/ (a path) as its task does, with only `env` (and LOG_LEVEL=error). With
 * `limitMs`, a process still running after it is killed (SIGTERM), so a hang fails the test's
 * assertions instead of stalling the run.
 */
export async function runScript(
  script: string,
  env: Record<string, string>,
  args: string[],
  stdin?: string,
  limitMs?: number,
): Promise<CliResult> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-env",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-sys",
      script,
      ...args,
    ],
    env: { NO_COLOR: "1", LOG_LEVEL: "error", ...env },
    clearEnv: true,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(limitMs !== undefined ? { signal: AbortSignal.timeout(limitMs) } : {}),
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const result = await child.output();
  return {
    code: result.code,
    stdout: new TextDecoder().decode(result.stdout),
    stderr: new TextDecoder().decode(result.stderr),
    ms: performance.now() - started,
  };
}

export interface CliDatabase {
  /** DATABASE_URL of the fresh database. */
  url: string;
  drop(): Promise<void>;
}

/**
 * Migrates the database the command's `env` names (DATABASE_URL, or the embedded one in
 * DATA_DIR), as `deno task migrate` would: the command itself only checks the migrations.
 */
export async function migrateForCli(env: Record<string, string>): Promise<void> {
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR ?? "" });
  try {
    await migrate(db, await readMigrations(bundledMigrationsDir()));
  } finally {
    await db.close();
  }
}

/**
 * A fresh (empty) database on TEST_DATABASE_URL's server; the command refuses it until it is
 * migrated ({@link migrateForCli}).
 */
export async function freshCliDatabase(): Promise<CliDatabase> {
  const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
  const name = uniqueName("rf_cli");
  await admin.exec(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      try {
        await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.close();
      }
    },
  };
}

export interface InstanceBesideCli {
  /** The running instance. */
  b: TestApp;
  /** DATABASE_URL, REDIS_URL and EVENT_STREAM_KEY of the deployment, for the command. */
  env: Record<string, string>;
  streamKey: string;
  /** Makes the database unreachable for B (its proxy stops); the command still reaches it. */
  cutDbOfB(): void;
  /**
   * Resolves once B's bus has read everything appended to the stream before this call: B
   * publishes a marker event and waits for its own reader to deliver it (the stream is read in
   * order).
   */
  bHasReadUpToNow(): Promise<void>;
  close(): Promise<void>;
}

/** Starts instance B on a fresh database and TEST_REDIS_URL; needs both test URLs. */
export async function startInstanceBesideCli(): Promise<InstanceBesideCli> {
  const cleanups: Array<() => Promise<void>> = [];
  const run = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const database = await freshCliDatabase();
    cleanups.push(() => database.drop());
    const target = new URL(database.url);
    const pgProxy: TcpProxy = tcpProxy({
      hostname: target.hostname,
      port: Number(target.port || 5432),
    });
    pgProxy.start();
    cleanups.push(() => Promise.resolve(pgProxy.stop()));
    const proxied = new URL(database.url);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(pgProxy.port);
    let cut = false;
    const dbB: Db = openPostgres(proxied.href, { max: 2, connectTimeoutSeconds: 1 });
    cleanups.push(async () => {
      // Its connections were cut: closing the pool waits out its end timeout, so it is left to
      // finish in the background (the database is dropped WITH (FORCE) meanwhile).
      if (cut) void dbB.close().catch(() => {});
      else await dbB.close();
    });
    await migrate(dbB, await readMigrations(bundledMigrationsDir()));

    const streamKey = uniqueName("events");
    const redis = await openRedis(TEST_REDIS_URL!, memoryLogger());
    cleanups.push(async () => {
      await redis.client.sendCommand(["DEL", streamKey]).catch(() => {});
      await redis.close();
    });
    const b = await buildTestApp({
      env: { EVENT_STREAM_KEY: streamKey, RATE_LIMIT_PER_MIN: "0" },
      redis,
      testDb: { db: dbB, cleanup: () => Promise.resolve() },
    });
    cleanups.push(() => b.dispose());
    let markers = 0;
    return {
      b,
      env: { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL!, EVENT_STREAM_KEY: streamKey },
      streamKey,
      cutDbOfB() {
        cut = true;
        pgProxy.stop();
      },
      // Markers are numbered (`marker-1`, …): tests look for them in event streams.
      bHasReadUpToNow: () => readUpToNow(b.services.bus, b.services.bus, `marker-${++markers}`),
      close: run,
    };
  } catch (error) {
    await run();
    throw error;
  }
}
