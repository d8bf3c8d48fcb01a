/**
 * `deno task restore-prepare [--backup <label>]`: run once against a restored database
 * (DATABASE_URL, or PGlite in DATA_DIR), with every instance stopped, before the first start.
 * Applies pending migrations, ends every session, stores the governance mode STANDBY and marks
 * the restore in the audit log (lib/restore.ts); with REDIS_URL, deletes the event stream
 * (EVENT_STREAM_KEY), whose history belongs to the database that was replaced and would
 * otherwise replay its changes to clients over the restored state.
 *
 * Without DATABASE_URL, a DATA_DIR that holds no PGlite cluster (`pglite/PG_VERSION`) is refused
 * before anything is opened, so nothing is created there.
 *
 * Exit status: 0 done; 1 not done; 3 the database is ready but the event stream could not be
 * deleted (the warning says why): delete it before the first start.
 */
import { parseArgs } from "node:util";
import { createAuditLog } from "../lib/audit/mod.ts";
import { ConfigError, loadConfigFromProcess } from "../lib/config.ts";
import { DataDirInUseError, DataDirUnusableError } from "../lib/db/data_dir_lock.ts";
import {
  bundledMigrationsDir,
  migrate,
  MigrationChecksumError,
  MigrationFileNameError,
  readMigrations,
} from "../lib/db/mod.ts";
import { DatabaseUnreachableError, openReachableDatabase } from "../lib/db/reach.ts";
import { createLogger } from "../lib/log/mod.ts";
import { redact } from "../lib/phi/mod.ts";
import { openRedis } from "../lib/redis/client.ts";
import { BACKUP_LABEL, holdsApplicationData, prepareRestoredDatabase } from "../lib/restore.ts";
import { withTimeout } from "../lib/timeout.ts";
import { VERSION } from "../lib/version.ts";

const USAGE = `Usage: deno task restore-prepare [--backup <label>]

Run once against a restored database, with every instance stopped, before the first start:
applies migrations, ends every session, stores the governance mode STANDBY, and writes a
system.restore_prepared audit entry (with --backup, the dump's file name or timestamp).
With REDIS_URL, also deletes the event stream (EVENT_STREAM_KEY).
Exit status: 0 done; 1 not done; 3 done, but the event stream was not deleted.`;

/** Exit status when the database is ready but the event stream could not be deleted. */
const EXIT_STREAM_KEPT = 3;
/** How long reaching Redis and deleting the stream may take. */
const REDIS_TIMEOUT_MS = 5_000;

const encoder = new TextEncoder();
const out = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));
const err = (line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n"));

/**
 * The marker file of a PGlite cluster under `dataDir` (`<DATA_DIR>/pglite/PG_VERSION`) when it
 * does not exist, else undefined. Looks without creating anything. A DATA_DIR or `pglite` that is
 * not a directory, or a `pglite` directory this user may not write, is left to opening, which
 * names the problem in the same words as the start and the other scripts (`Cannot use
 * DATA_DIR=…: not a directory`, `permission denied`); a write check leaves nothing behind.
 */
async function missingEmbeddedCluster(dataDir: string): Promise<string | undefined> {
  const dir = dataDir.replace(/\/$/, "");
  const marker = `${dir}/pglite/PG_VERSION`;
  try {
    await Deno.lstat(marker);
    return undefined;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return undefined;
  }
  try {
    // stat, not lstat: a pglite that is a symbolic link to a directory (a mounted volume) is one.
    if (!(await Deno.stat(`${dir}/pglite`)).isDirectory) return undefined;
  } catch {
    return marker; // No pglite directory (or no DATA_DIR): nothing to prepare.
  }
  const probe = `${dir}/pglite/.write-check`;
  try {
    (await Deno.open(probe, { write: true, create: true, truncate: true })).close();
    await Deno.remove(probe);
  } catch {
    return undefined;
  }
  return marker;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { backup: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (values.backup !== undefined && !BACKUP_LABEL.test(values.backup)) {
    err("--backup must be the dump's file name or a timestamp (letters, digits, . _ : + -)");
    return 1;
  }
  const config = loadConfigFromProcess(VERSION);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // Opening the embedded database where there is none would create one (a lock file and a new
  // cluster under DATA_DIR), before the check below refuses it as empty: a backup extracted
  // there afterwards would land over a cluster that was not there before. Refuse first.
  if (!config.databaseUrl) {
    const missing = await missingEmbeddedCluster(config.dataDir);
    if (missing !== undefined) {
      err(
        `No embedded database in ${config.dataDir}: ${missing} does not exist. Point DATA_DIR at ` +
          "the directory the backup was extracted into (it holds pglite/), or set DATABASE_URL. " +
          "Nothing was created or changed.",
      );
      return 1;
    }
  }
  // The first round trip is bounded (10 s): an unreachable database stops it with one line.
  const db = await openReachableDatabase(config);
  let prepared;
  try {
    // A mistyped or missing DATABASE_URL (or DATA_DIR) would "prepare" an empty database and
    // report success: refuse one that holds nothing of this application.
    if (!await holdsApplicationData(db)) {
      err(
        `${db.description} holds no ResearchFlow data: point DATABASE_URL (or DATA_DIR) at the ` +
          "restored database. Nothing was changed.",
      );
      return 1;
    }
    const migrations = await migrate(db, await readMigrations(bundledMigrationsDir()), {
      logger,
    });
    prepared = await prepareRestoredDatabase(
      db,
      createAuditLog({ db, scrub: (value) => redact(value) }),
      values.backup !== undefined ? { backupLabel: values.backup } : {},
    );
    out(`Database ${db.description} prepared:`);
    out(`  migrations applied now: ${migrations.applied.length}`);
    out(`  sessions ended: ${prepared.sessionsEnded}`);
    out(`  governance mode: STANDBY (before this run: ${prepared.previousMode ?? "none stored"})`);
    out(
      `  audit log: entries up to id ${
        prepared.lastAuditIdInBackup ?? "(none)"
      } come from the backup; system.restore_prepared marks the restore`,
    );
    if (prepared.preparedBefore !== null) {
      out(
        `  this copy was already prepared (system.restore_prepared id ${prepared.preparedBefore}):` +
          " its boundary is kept",
      );
    }
  } finally {
    await db.close();
  }

  let status = 0;
  if (config.redisUrl) {
    try {
      const redis = await openRedis(config.redisUrl, logger, REDIS_TIMEOUT_MS);
      try {
        const deleted = await withTimeout(
          redis.client.sendCommand<number>(["DEL", config.realtime.streamKey]),
          REDIS_TIMEOUT_MS,
          () => new Error("Redis did not answer"),
        );
        out(`  event stream ${config.realtime.streamKey}: ${deleted ? "deleted" : "was empty"}`);
      } finally {
        await redis.close().catch(() => {});
      }
    } catch (error) {
      err(
        `Warning: the event stream ${config.realtime.streamKey} was not deleted (${
          error instanceof Error ? error.name : "error"
        }). Delete it (redis-cli DEL ${config.realtime.streamKey}) before the first start.`,
      );
      status = EXIT_STREAM_KEPT;
    }
  } else {
    out("  event stream: REDIS_URL is not set here; if the instances use Redis, delete their");
    out("  EVENT_STREAM_KEY before the first start");
  }
  out("");
  out("Next: start the instances (they serve in STANDBY), check /health/ready, /governance and");
  out("/audit, redo what was changed after the backup (see the runbook), then set the mode on");
  out("/governance deliberately.");
  return status;
}

try {
  Deno.exit(await main());
} catch (error) {
  if (
    error instanceof ConfigError || error instanceof MigrationChecksumError ||
    error instanceof MigrationFileNameError ||
    error instanceof DataDirInUseError || error instanceof DataDirUnusableError ||
    error instanceof DatabaseUnreachableError ||
    error instanceof RangeError ||
    (error instanceof TypeError && "code" in error &&
      String(error.code).startsWith("ERR_PARSE_ARGS"))
  ) {
    err(error.message);
    if (error instanceof TypeError) err(USAGE);
    Deno.exit(1);
  }
  // One line for the operator (a database that cannot be reached, say), not a stack trace.
  err(
    `restore-prepare failed: ${
      error instanceof Error ? `${error.name}: ${error.message}` : "error"
    }`,
  );
  Deno.exit(1);
}
