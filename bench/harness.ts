import { type App, createApp } from "../lib/app.ts";
import { loadConfig } from "../lib/config.ts";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { createLogger } from "../lib/log/mod.ts";
import type { EventBus } from "../lib/realtime/mod.ts";
import { openRedis } from "../lib/redis/client.ts";

/**
 * Shared pieces of the load harnesses: arguments, output, percentiles, and a
 * server in a child process that announces itself with one JSON line.
 */

/** `--name <number>` from the command line, or the fallback. */
export function argument(name: string, fallback: number): number {
  const index = Deno.args.indexOf(`--${name}`);
  const value = index >= 0 ? Number(Deno.args[index + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Writes one line to stdout (harnesses report, they do not log). */
export function write(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

/** Nearest-rank percentile of ascending values (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/**
 * Spawns `deno run -A <script> …args`, waits for its first stdout line (JSON)
 * and returns it with the child. The child keeps stdin piped so closing it
 * can tell the server to stop.
 */
export async function spawnServer<T>(
  script: string,
  options: { args?: string[]; env?: Record<string, string>; denoFlags?: string[] } = {},
): Promise<{ child: Deno.ChildProcess; info: T }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...(options.denoFlags ?? []), script, ...(options.args ?? [])],
    ...(options.env ? { env: options.env } : {}),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  while (!buffered.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the server exited before it was ready");
    buffered += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return { child, info: JSON.parse(buffered.split("\n")[0]!) as T };
}

/** Two app instances on one fresh Postgres schema and one Redis (the event bus between them). */
export interface TwoInstances {
  a: App;
  b: App;
  close(): Promise<void>;
}

/**
 * Builds two instances from TEST_DATABASE_URL/TEST_REDIS_URL (or DATABASE_URL/REDIS_URL),
 * each with its own pool and Redis connection. `busOfB` replaces B's bus (to cut it off).
 */
export async function twoInstances(options: { busOfB?: EventBus } = {}): Promise<TwoInstances> {
  const databaseUrl = Deno.env.get("DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL");
  const redisUrl = Deno.env.get("REDIS_URL") ?? Deno.env.get("TEST_REDIS_URL");
  if (!databaseUrl || !redisUrl) {
    throw new Error("Set TEST_DATABASE_URL and TEST_REDIS_URL (a real Postgres and Redis)");
  }
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
  const schema = `bench_${id}`;
  const admin = openPostgres(databaseUrl, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const dbA = openPostgres(databaseUrl, { schema, max: 5 });
  const dbB = openPostgres(databaseUrl, { schema, max: 5 });
  await migrate(dbA, await readMigrations(bundledMigrationsDir()));
  const logger = createLogger({ level: "error", format: "json" });
  const config = loadConfig({
    APP_ENV: "development",
    LOG_LEVEL: "error",
    EVENT_STREAM_KEY: `bench:events:${id}`,
  }, { version: "bench" });
  const [redisA, redisB] = [await openRedis(redisUrl, logger), await openRedis(redisUrl, logger)];
  const a = await createApp({ config, db: dbA, logger, redis: redisA });
  const b = await createApp({
    config,
    db: dbB,
    logger,
    redis: redisB,
    ...(options.busOfB ? { bus: options.busOfB } : {}),
  });
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await redisA.client.sendCommand(["DEL", config.realtime.streamKey]);
      await redisA.close();
      await redisB.close();
      await dbA.close();
      await dbB.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    },
  };
}

/** Yields to the event loop until `seen()` holds; throws after 10 s. */
export async function waitUntil(seen: () => boolean, started: number, what: string): Promise<void> {
  while (!seen()) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (performance.now() - started > 10_000) throw new Error(`${what} not seen within 10 s`);
  }
}

/** What a load worker reads: whether results count yet, and whether to stop. */
export interface LoadPhase {
  measuring: boolean;
  stopped: boolean;
}

/**
 * Runs `concurrency` workers: a warm-up whose results do not count, then
 * `seconds` of measurement, then stop; resolves with the measured seconds.
 */
export async function runLoad(
  options: { concurrency: number; seconds: number; warmupSeconds?: number },
  worker: (index: number, phase: LoadPhase) => Promise<void>,
): Promise<number> {
  const phase: LoadPhase = { measuring: false, stopped: false };
  const workers = Array.from({ length: options.concurrency }, (_, k) => worker(k, phase));
  await new Promise((resolve) => setTimeout(resolve, (options.warmupSeconds ?? 3) * 1000));
  phase.measuring = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  phase.measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  phase.stopped = true;
  await Promise.all(workers);
  return elapsed;
}
