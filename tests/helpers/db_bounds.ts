/**
 * For the tests of the database bounds (DB_*_TIMEOUT_MS): an app whose pool is opened the way
 * main.ts opens it, and a lock held by another session.
 */
import { testConfig } from "../../lib/config.ts";
import {
  bundledMigrationsDir,
  type Db,
  migrate,
  openDatabase,
  openPostgres,
  readMigrations,
} from "../../lib/db/mod.ts";
import { buildTestApp, type TestApp } from "./app.ts";
import { uniqueName } from "./db.ts";
import { TEST_DATABASE_URL } from "./env.ts";

export interface BoundedApp {
  app: TestApp;
  /** A pool of its own on the app's schema, without bounds: the "operator's psql session". */
  other: Db;
}

/**
 * An app on a fresh schema of TEST_DATABASE_URL whose pool is opened from `env` exactly as
 * main.ts opens it; `appEnv` is added to the app's own configuration only.
 */
export async function boundedApp(
  env: Record<string, string>,
  appEnv: Record<string, string> = {},
): Promise<BoundedApp> {
  const schema = uniqueName("t");
  const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const url = new URL(TEST_DATABASE_URL!);
  url.searchParams.set("search_path", schema);
  const db = await openDatabase(testConfig({ ...env, DATABASE_URL: url.href }));
  const other = openPostgres(TEST_DATABASE_URL!, { schema, max: 2 });
  const cleanup = async () => {
    await db.close();
    await other.close();
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  };
  try {
    await migrate(db, await readMigrations(bundledMigrationsDir()));
  } catch (error) {
    await cleanup();
    throw error;
  }
  const app = await buildTestApp({ env: { ...appEnv, ...env }, testDb: { db, cleanup } });
  return { app, other };
}

/**
 * Takes `LOCK TABLE … IN <mode> MODE` in an open transaction on `db` (ACCESS EXCLUSIVE: reads
 * and writes wait; EXCLUSIVE: only writes do); resolves once held, with the function that
 * releases it.
 */
export async function holdTableLock(
  db: Db,
  table: string,
  mode: "EXCLUSIVE" | "ACCESS EXCLUSIVE" = "ACCESS EXCLUSIVE",
): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let held!: () => void;
  const isHeld = new Promise<void>((resolve) => held = resolve);
  const done = db.transaction(async (tx) => {
    await tx.exec(`LOCK TABLE ${table} IN ${mode} MODE`);
    held();
    await released;
  });
  await Promise.race([isHeld, done]);
  let open = true;
  return async () => {
    if (!open) return;
    open = false;
    release();
    await done;
  };
}

export interface LockingApp extends BoundedApp {
  /** Holds a table lock (see holdTableLock); whatever is still held is released at the end. */
  lock(table: string, mode?: "EXCLUSIVE" | "ACCESS EXCLUSIVE"): Promise<() => Promise<void>>;
}

/**
 * Runs `fn` on an app whose database bounds (lock and statement timeouts) are out of the way, so
 * only the code's own bound can answer while `lock` holds a table; then releases every lock still
 * held and disposes of the app, whatever happened.
 */
export async function withLockingApp(
  fn: (t: LockingApp) => Promise<void>,
  appEnv: Record<string, string> = { RATE_LIMIT_PER_MIN: "0" },
): Promise<void> {
  const { app, other } = await boundedApp({
    DB_LOCK_TIMEOUT_MS: "3600000",
    DB_STATEMENT_TIMEOUT_MS: "3600000",
  }, appEnv);
  const held: Array<() => Promise<void>> = [];
  try {
    await fn({
      app,
      other,
      lock: async (table, mode) => {
        const release = await holdTableLock(other, table, mode);
        held.push(release);
        return release;
      },
    });
  } finally {
    for (const release of held) await release();
    await app.dispose();
  }
}
