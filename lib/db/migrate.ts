/**
 * Migration runner: `migrations/NNNN_name.sql` applied in name order, each in
 * its own transaction, recorded in `schema_migrations` with its sha256.
 * Concurrent starters serialize on an advisory lock so each file runs once.
 *
 * Bounds (docs/configuration.md, "Database timeouts"): waiting for another starter's migrations
 * has none (it is logged, once, when the lock was found held); a migration's statements run without `statement_timeout` (rewriting a large table
 * may take minutes) but keep the pool's `lock_timeout`, so a migration that cannot get its lock
 * fails the start instead of queueing every other query on that table behind it.
 */
import type { Logger } from "../log/mod.ts";
import { DatabaseTimeoutError } from "../errors/mod.ts";
import type { Connection, Db, Queryable } from "./db.ts";
import { databaseReadOnlyOf, inTransaction, sqlState } from "./db.ts";

export interface MigrationFile {
  name: string;
  sql: string;
  sha256: string;
}

/** A migration that was applied has changed on disk since: the start must stop. */
export class MigrationChecksumError extends Error {
  constructor(readonly migration: string) {
    super(
      `Migration ${migration} was changed after it was applied (sha256 differs); ` +
        "restore the original file and add a new migration instead",
    );
    this.name = "MigrationChecksumError";
  }
}

/**
 * A `*.sql` file in the migrations directory is not named `NNNN_name.sql`: the runner would skip
 * it while reporting success, so reading the directory stops, naming the files (file names are
 * the developers', never user data).
 */
export class MigrationFileNameError extends Error {
  constructor(readonly files: readonly string[]) {
    const one = files.length === 1;
    super(
      `Migration file${one ? "" : "s"} ${files.join(", ")} ${one ? "is" : "are"} not named ` +
        "NNNN_name.sql (four digits, an underscore, then a-z 0-9 _) and would never be applied: " +
        `rename ${one ? "it" : "them"} (or remove ${one ? "it" : "them"}) before migrating`,
    );
    this.name = "MigrationFileNameError";
  }
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
  /** Recorded in the database but unknown to this build (an older build against a newer schema). */
  unknown: string[];
}

/** Advisory lock key shared by every instance ("rfmigr" in ASCII, fits in int4). */
export const MIGRATION_LOCK_KEY = 0x72666d67;

const FILE_PATTERN = /^\d{4}_[a-z0-9_]+\.sql$/;

/** Hex sha256 of a text. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Reads `NNNN_name.sql` files from a directory, sorted by name. Any other `*.sql` file there (a
 * hyphen, capitals, fewer digits, `.SQL`, white space after `.sql`) throws a
 * {@link MigrationFileNameError} naming it; a symbolic link is read as its target; files not
 * ending in `.sql` and directories are not migrations.
 */
export async function readMigrations(dir: string | URL): Promise<MigrationFile[]> {
  const names: string[] = [];
  const misnamed: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    // `.sql` with trailing white space is a migration misnamed, not another kind of file.
    if (entry.isDirectory || !/\.sql\s*$/i.test(entry.name)) continue;
    if (!FILE_PATTERN.test(entry.name)) misnamed.push(entry.name);
    // A symbolic link is read as the file it points to (one that points nowhere fails the read).
    else if (entry.isFile || entry.isSymlink) names.push(entry.name);
  }
  if (misnamed.length > 0) throw new MigrationFileNameError(misnamed.sort());
  names.sort();
  const base = typeof dir === "string" ? dir.replace(/\/?$/, "/") : dir.href.replace(/\/?$/, "/");
  return await Promise.all(names.map(async (name) => {
    const sql = await Deno.readTextFile(
      typeof dir === "string" ? base + name : new URL(name, base),
    );
    return { name, sql, sha256: await sha256Hex(sql) };
  }));
}

/** The migrations that ship with the app. */
export function bundledMigrationsDir(): URL {
  return new URL("../../migrations/", import.meta.url);
}

export interface MigrateOptions {
  /** Told (info) when another instance holds the migration lock, before waiting for it. */
  logger?: Pick<Logger, "info">;
}

/** Logged before waiting on the migration lock another instance holds. */
/**
 * Fixed words for the SQLSTATEs (or their classes) a migration meets, so the start's line says
 * what to fix without the server's message, which quotes the statement and may hold values.
 */
const MIGRATION_FAILURE_CLASSES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^42501$/, "permission denied"],
  [/^42P0[467]$|^42710$|^42723$/, "object already exists"],
  [/^42/, "statement refused"],
  [/^23/, "constraint violated by existing data"],
  [/^22/, "invalid data"],
  [/^53/, "server out of resources"],
  [/^08/, "connection lost"],
  [/^57P0[1-3]$/, "server shutting down"],
  [/^40/, "transaction conflict"],
  [/^28/, "authentication failed"],
];

/**
 * The one line of a start (or `deno task migrate`) on a database that takes no writes, whether
 * its migrations found it (pending ones) or the mode's first read did (none pending).
 */
export const DATABASE_READ_ONLY_START_LINE =
  "Database at DATABASE_URL is read-only (a standby, or default_transaction_read_only is on); " +
  "point DATABASE_URL at the primary";

/**
 * The start's one line for a failed migration: a timeout keeps its class, fixed message, reason
 * and SQLSTATE; a database that refused the migration's writes as read-only (SQLSTATE 25006: a
 * standby, or `default_transaction_read_only`) gives {@link DATABASE_READ_ONLY_START_LINE}, as a
 * start on a migrated read-only database does; another database error gives a fixed class and its
 * SQLSTATE (e.g. `permission denied (SQLSTATE 42501)`: a login without DDL rights); a misnamed
 * migration file ({@link MigrationFileNameError}) its message, which names files only; anything
 * else only its class name. Never the statement or the server's message text.
 */
export function migrationFailureLine(error: unknown): string {
  if (databaseReadOnlyOf(error)) return DATABASE_READ_ONLY_START_LINE;
  if (error instanceof DatabaseTimeoutError) {
    return `Migrations failed: ${error.name}: ${error.message} (${error.reason}, SQLSTATE ${error.sqlState})`;
  }
  const state = sqlState(error);
  if (state !== undefined) {
    const words = MIGRATION_FAILURE_CLASSES.find(([pattern]) => pattern.test(state))?.[1] ??
      "database error";
    return `Migrations failed: ${words} (SQLSTATE ${state})`;
  }
  // A misnamed file: its message names only file names, and says what to do.
  if (error instanceof MigrationFileNameError) return `Migrations failed: ${error.message}`;
  return `Migrations failed: ${error instanceof Error ? error.name : "error"}`;
}

export const WAITING_FOR_LOCK_MESSAGE = "waiting for another instance to finish migrations";

/**
 * Whether another session holds the migration lock right now. `pg_try_advisory_xact_lock` in a
 * statement of its own never waits, and whatever it took is released when the statement's
 * transaction ends. PGlite is one process (its withAdvisoryLock takes no lock): never held.
 */
async function lockHeldElsewhere(db: Db): Promise<boolean> {
  if (db.kind !== "postgres") return false;
  const [row] = await db.query<{ taken: boolean }>(
    "SELECT pg_try_advisory_xact_lock($1) AS taken",
    [MIGRATION_LOCK_KEY],
  );
  return row?.taken === false;
}

/**
 * Applies every pending migration; throws {@link MigrationChecksumError} on a changed file.
 * While another instance migrates, waits for it (unbounded), saying so once through `logger`.
 */
export async function migrate(
  db: Db,
  files: readonly MigrationFile[],
  options: MigrateOptions = {},
): Promise<MigrationResult> {
  // Tried first so a start that waits says why instead of going silent after "database opened";
  // the lock is then taken (and waited for) as before. An instance that takes it between the try
  // and the wait is waited for without the line.
  if (options.logger && await lockHeldElsewhere(db)) {
    options.logger.info(WAITING_FOR_LOCK_MESSAGE);
  }
  return await db.withAdvisoryLock(MIGRATION_LOCK_KEY, async (conn) => {
    // Session-level on this pooled connection; RESET hands it back with its startup value.
    await conn.exec("SET statement_timeout = 0");
    try {
      return await applyPending(conn, files);
    } finally {
      await conn.exec("RESET statement_timeout");
    }
  });
}

export interface MigrationStatus {
  /** Known to this build, not recorded in the database. */
  pending: string[];
  /** Recorded in the database but unknown to this build (a newer schema). */
  unknown: string[];
}

/**
 * Which of `files` the database still needs and which of its migrations this build does not know,
 * changing nothing (for tools that must not migrate, such as `deno task user`); throws
 * {@link MigrationChecksumError} on a changed file. A database without the ledger needs them all.
 */
export async function migrationStatus(
  db: Queryable,
  files: readonly MigrationFile[],
): Promise<MigrationStatus> {
  const [ledger] = await db.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  const rows = ledger?.present
    ? await db.query<{ name: string; sha256: string }>(
      "SELECT name, sha256 FROM schema_migrations ORDER BY name",
    )
    : [];
  const recorded = new Map(rows.map((row) => [row.name, row.sha256.trim()]));
  const known = new Set(files.map((file) => file.name));
  for (const file of files) {
    const checksum = recorded.get(file.name);
    if (checksum !== undefined && checksum !== file.sha256) {
      throw new MigrationChecksumError(file.name);
    }
  }
  return {
    pending: files.filter((file) => !recorded.has(file.name)).map((file) => file.name),
    unknown: rows.map((row) => row.name).filter((name) => !known.has(name)),
  };
}

async function applyPending(
  conn: Connection,
  files: readonly MigrationFile[],
): Promise<MigrationResult> {
  // Created only when missing: CREATE TABLE IF NOT EXISTS needs the right to create tables even
  // when the table exists, and an app that runs with a role allowed only to read and write rows
  // (docs/operations/SECURITY.md, Database roles) checks its migrations without it.
  const [ledger] = await conn.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  if (!ledger?.present) {
    await conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name TEXT PRIMARY KEY,
      sha256 CHAR(64) NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
  }
  const rows = await conn.query<{ name: string; sha256: string }>(
    "SELECT name, sha256 FROM schema_migrations ORDER BY name",
  );
  const recorded = new Map(rows.map((row) => [row.name, row.sha256.trim()]));
  const known = new Set(files.map((file) => file.name));
  const result: MigrationResult = {
    applied: [],
    alreadyApplied: [],
    unknown: rows.map((row) => row.name).filter((name) => !known.has(name)),
  };
  for (const file of files) {
    const checksum = recorded.get(file.name);
    if (checksum !== undefined) {
      if (checksum !== file.sha256) throw new MigrationChecksumError(file.name);
      result.alreadyApplied.push(file.name);
      continue;
    }
    await inTransaction(conn, async (tx) => {
      await tx.exec(file.sql);
      await tx.query("INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)", [
        file.name,
        file.sha256,
      ]);
    });
    result.applied.push(file.name);
  }
  return result;
}
