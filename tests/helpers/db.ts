/**
 * Test databases: a fresh migrated PGlite (loaded from a template dump
 * kept on disk, ~0.35 s) and, when TEST_DATABASE_URL is set, a fresh schema
 * on the real Postgres, dropped afterwards. Runs never collide.
 */
import { createHash } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import {
  bundledMigrationsDir,
  type Db,
  migrate,
  openPostgres,
  readMigrations,
  wrapPglite,
} from "../../lib/db/mod.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./env.ts";

export interface TestDb {
  db: Db;
  /** Drops what the test created and closes connections. */
  cleanup(): Promise<void>;
}

// Creating a PGlite cluster costs ~2 s of CPU (initdb in WebAssembly); loading a dump of one
// costs ~0.35 s. Every test file runs in its own isolate, so an in-memory template alone was made
// again by each of ~150 files: the dump is also kept on disk, shared by every file and worker.
const templates = new Map<boolean, Promise<Blob>>();

async function makeTemplate(migrated: boolean): Promise<Blob> {
  const pg = await PGlite.create();
  if (migrated) {
    await migrate(wrapPglite(pg, "template"), await readMigrations(bundledMigrationsDir()));
  }
  const dump = await pg.dumpDataDir("none");
  await pg.close();
  return dump;
}

/**
 * Where the dump for this schema and these dependencies is kept: named by a hash of the
 * migrations and the lock file, so a changed migration or PGlite version never loads a stale one.
 */
async function templatePath(migrated: boolean): Promise<string> {
  const migrations = migrated ? await readMigrations(bundledMigrationsDir()) : [];
  const lock = await Deno.readTextFile(new URL("../../deno.lock", import.meta.url));
  const name = createHash("sha256")
    .update(JSON.stringify([migrations.map((m) => m.sha256), lock]))
    .digest("hex")
    .slice(0, 24);
  const dir = Deno.env.get("TMPDIR") ?? "/tmp";
  return `${dir}/researchflow-test-pglite-${migrated ? "migrated" : "empty"}-${name}.tar`;
}

/**
 * The template from disk, or made and written there (atomically: racing workers each write a
 * whole file, the last rename wins).
 */
async function diskTemplate(migrated: boolean): Promise<Blob> {
  const path = await templatePath(migrated);
  try {
    return new Blob([await Deno.readFile(path)]);
  } catch {
    // Not made yet (or unreadable): make it.
  }
  const dump = await makeTemplate(migrated);
  const partial = `${path}.${crypto.randomUUID()}.part`;
  try {
    await Deno.writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
    await Deno.rename(partial, path);
  } catch {
    // A full or read-only temporary directory costs speed, not the run: this file keeps its dump
    // in memory, and the next file tries again.
    await Deno.remove(partial).catch(() => {});
  }
  return dump;
}

/** A fresh, migrated in-memory PGlite. */
export async function freshPglite(options: { migrated?: boolean } = {}): Promise<TestDb> {
  const migrated = options.migrated !== false;
  let template = templates.get(migrated);
  if (!template) {
    template = diskTemplate(migrated);
    templates.set(migrated, template);
  }
  const pg = await PGlite.create({ loadDataDir: await template });
  const db = wrapPglite(pg, "embedded PGlite in memory");
  return { db, cleanup: () => db.close() };
}

/** A unique identifier for schemas, databases and keys of one test. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** A fresh schema on the real Postgres (migrated unless told otherwise). */
export async function freshPostgres(options: { migrated?: boolean } = {}): Promise<TestDb> {
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const schema = uniqueName("t");
  const admin = openPostgres(TEST_DATABASE_URL, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const db = openPostgres(TEST_DATABASE_URL, { schema, max: 5 });
  if (options.migrated !== false) await migrate(db, await readMigrations(bundledMigrationsDir()));
  return {
    db,
    async cleanup() {
      await db.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    },
  };
}

export interface DbTarget {
  name: "pglite" | "postgres";
  open(options?: { migrated?: boolean }): Promise<TestDb>;
}

/** PGlite always; the real Postgres too when configured (required in CI). */
export function dbTargets(): DbTarget[] {
  const targets: DbTarget[] = [{ name: "pglite", open: freshPglite }];
  if (hasPostgres()) targets.push({ name: "postgres", open: freshPostgres });
  return targets;
}

/** A test database whose queries matching `pattern` are counted (`reads`; set it back to 0 at will). */
export function countingQueries(testDb: TestDb, pattern: RegExp): TestDb & { reads: number } {
  const counted = {
    reads: 0,
    cleanup: testDb.cleanup,
    db: {
      ...testDb.db,
      query(text: string, params?: unknown[]) {
        if (pattern.test(text)) counted.reads++;
        return testDb.db.query(text, params);
      },
    } as TestDb["db"],
  };
  return counted;
}
