/** Building the whole app in process for tests (no port), on a test database. */
import { type App, createApp } from "../../lib/app.ts";
import type { KdfGate } from "../../lib/auth/mod.ts";
import type { RevealOnce } from "../../lib/auth/reveal_once.ts";
import { type Clock, systemClock } from "../../lib/clock.ts";
import { testConfig } from "../../lib/config.ts";
import type { Db } from "../../lib/db/mod.ts";
import { memoryLogger } from "../../lib/log/mod.ts";
import type { RedisHandle } from "../../lib/redis/client.ts";
import { readIslandManifest } from "../../lib/web/build.ts";
import { freshPglite, type TestDb } from "./db.ts";

export const ROOT = new URL("../../", import.meta.url);

/** Cheap scrypt parameters for tests (hashes still verify with their stored parameters). */
export const TEST_PASSWORD_PARAMS = { logN: 10, r: 8, p: 1 };

const manifest = await readIslandManifest(ROOT);

export interface TestApp extends App {
  db: Db;
  logs: string[];
  /** `app.request` with a path relative to http://localhost. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Closes the app and the test database. */
  dispose(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  testDb?: TestDb;
  redis?: RedisHandle;
  clock?: Clock;
  kdfGate?: KdfGate;
  /**
   * When background chores first run (default: not before their interval, so a test's own calls
   * of a chore are the only runs it sees; main.ts runs them 30-60 s after start).
   */
  choresFirstRunDelayMs?: (intervalMs: number) => number;
  /** Where a new token's secret waits for its page (default: in memory). */
  tokenReveal?: RevealOnce;
}

/** Builds an app on a fresh PGlite unless a database is given. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const testDb = options.testDb ?? await freshPglite();
  const logger = memoryLogger();
  const handle = await createApp({
    config: testConfig(options.env),
    db: testDb.db,
    logger,
    clock: options.clock ?? systemClock,
    ...(options.redis ? { redis: options.redis } : {}),
    islands: () => manifest,
    passwordParams: TEST_PASSWORD_PARAMS,
    ...(options.kdfGate ? { kdfGate: options.kdfGate } : {}),
    choresFirstRunDelayMs: options.choresFirstRunDelayMs ?? (() => Number.POSITIVE_INFINITY),
    ...(options.tokenReveal ? { tokenReveal: options.tokenReveal } : {}),
  });
  return {
    ...handle,
    db: testDb.db,
    logs: logger.lines,
    request: (path, init) => Promise.resolve(handle.app.request(path, init)),
    async dispose() {
      await handle.close();
      await testDb.cleanup();
    },
  };
}

/** Reads a JSON body after asserting nothing; callers assert status and type first. */
export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return await response.json() as T;
}

/** Runs `fn` with a fresh app (no rate limit unless `env` sets one), disposed afterwards. */
export async function withTestApp(
  fn: (app: TestApp) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0", ...env } });
  try {
    await fn(app);
  } finally {
    await app.dispose();
  }
}
