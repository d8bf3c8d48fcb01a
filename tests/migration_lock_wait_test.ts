/**
 * A start that finds another instance migrating says so ("waiting for another instance to
 * finish migrations") before it waits for the migration lock, instead of going silent after
 * "database opened"; a start that finds the lock free says nothing of it. Advisory locks belong to
 * one database, so each test takes a database of its own on the real Postgres (other tests
 * migrate in TEST_DATABASE_URL's database at the same time). PGlite takes no lock: never held.
 */
import assert from "node:assert/strict";
import {
  bundledMigrationsDir,
  type Db,
  migrate,
  openPostgres,
  readMigrations,
} from "../lib/db/mod.ts";
import { MIGRATION_LOCK_KEY, WAITING_FOR_LOCK_MESSAGE } from "../lib/db/migrate.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { freshPglite } from "./helpers/db.ts";
import { hasPostgres } from "./helpers/env.ts";
import { spawnApp } from "./helpers/process.ts";
import { freshCliDatabase } from "./helpers/user_cli.ts";
import { until } from "./helpers/wait.ts";

const waitingLines = (lines: string[]) =>
  lines.filter((line) => JSON.parse(line).msg === WAITING_FOR_LOCK_MESSAGE);

/** Holds the migration lock from a connection of its own until `release()`. */
async function holdMigrationLock(url: string): Promise<{ release(): Promise<void> }> {
  const holder: Db = openPostgres(url, { max: 1 });
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let held!: () => void;
  const isHeld = new Promise<void>((resolve) => held = resolve);
  const done = holder.withAdvisoryLock(MIGRATION_LOCK_KEY, async () => {
    held();
    await released;
  });
  await Promise.race([isHeld, done]);
  return {
    async release() {
      release();
      await done;
      await holder.close();
    },
  };
}

Deno.test("[pglite] migrate() with a logger migrates and says nothing of a lock", async () => {
  const { db, cleanup } = await freshPglite({ migrated: false });
  try {
    const logger = memoryLogger("info");
    const result = await migrate(db, await readMigrations(bundledMigrationsDir()), { logger });
    assert.ok(result.applied.length > 0);
    assert.deepEqual(waitingLines(logger.lines), []);
  } finally {
    await cleanup();
  }
});

if (hasPostgres()) {
  Deno.test("[postgres] migrate() logs one line when the lock is held elsewhere, waits, then migrates; none when free", async () => {
    const database = await freshCliDatabase();
    const db = openPostgres(database.url, { max: 2 });
    try {
      const files = await readMigrations(bundledMigrationsDir());
      const lock = await holdMigrationLock(database.url);
      let settled = false;
      const logger = memoryLogger("info");
      const running = migrate(db, files, { logger }).finally(() => settled = true);
      try {
        await until(() => waitingLines(logger.lines).length > 0, "the waiting line");
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(settled, false, "it waits for the lock");
      } finally {
        await lock.release();
      }
      const result = await running;
      assert.equal(result.applied.length, files.length);
      assert.equal(waitingLines(logger.lines).length, 1, "said once");

      const free = memoryLogger("info");
      const again = await migrate(db, files, { logger: free });
      assert.equal(again.alreadyApplied.length, files.length);
      assert.deepEqual(waitingLines(free.lines), [], "nothing when the lock is free");
    } finally {
      await db.close();
      await database.drop();
    }
  });

  Deno.test("[postgres] a starting instance logs the waiting line after 'database opened' while another holds the lock", async () => {
    const database = await freshCliDatabase();
    const dataDir = await Deno.makeTempDir();
    const lock = await holdMigrationLock(database.url);
    let released = false;
    const app = spawnApp({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      ADMIN_EMAIL: "admin@example.org",
      ADMIN_PASSWORD: "a long configured password",
    });
    try {
      await until(
        () => app.records.some((r) => r.msg === WAITING_FOR_LOCK_MESSAGE),
        "the waiting line",
        30_000,
      );
      const messages = app.records.map((r) => r.msg);
      assert.ok(
        messages.indexOf("database opened") < messages.indexOf(WAITING_FOR_LOCK_MESSAGE),
        JSON.stringify(messages),
      );
      assert.ok(!messages.includes("migrations checked"), "still waiting");
      await lock.release();
      released = true;
      await app.listening;
      assert.equal(
        app.records.filter((r) => r.msg === WAITING_FOR_LOCK_MESSAGE).length,
        1,
        "said once",
      );
    } finally {
      if (!released) await lock.release();
      app.child.kill("SIGTERM");
      await app.status;
      await Deno.remove(dataDir, { recursive: true });
      await database.drop();
    }
  });
}
