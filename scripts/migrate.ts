/** `deno task migrate`: applies pending migrations and exits. */
import { parseArgs } from "node:util";
import { ConfigError, loadConfigFromProcess } from "../lib/config.ts";
import { DataDirInUseError, DataDirUnusableError } from "../lib/db/data_dir_lock.ts";
import {
  bundledMigrationsDir,
  migrate,
  MigrationChecksumError,
  migrationFailureLine,
  readMigrations,
} from "../lib/db/mod.ts";
import { DatabaseUnreachableError, openReachableDatabase } from "../lib/db/reach.ts";
import { createLogger } from "../lib/log/mod.ts";
import { VERSION } from "../lib/version.ts";

const USAGE = `Usage: deno task migrate

Applies every pending migration to DATABASE_URL (or the embedded database in DATA_DIR) and
exits; run it as the role that owns the tables. It takes no option (there is no dry run).
Exit status: 0 done; 1 not done.`;

const err = (line: string) => Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));

// Before anything touches the database: an option this command does not know (say --dry-run)
// must not be read as "go ahead".
try {
  const { values } = parseArgs({
    args: Deno.args,
    options: { help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    Deno.stdout.writeSync(new TextEncoder().encode(USAGE + "\n"));
    Deno.exit(0);
  }
} catch (error) {
  err(error instanceof Error ? error.message : String(error));
  err(USAGE);
  Deno.exit(1);
}

try {
  const config = loadConfigFromProcess(VERSION);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // The first round trip is bounded (10 s): an unreachable database stops it with one line.
  const db = await openReachableDatabase(config);
  try {
    const result = await migrate(db, await readMigrations(bundledMigrationsDir()), { logger });
    logger.info("migrations done", {
      database: db.description,
      applied: result.applied,
      alreadyApplied: result.alreadyApplied.length,
    });
  } finally {
    await db.close();
  }
} catch (error) {
  if (
    error instanceof ConfigError || error instanceof MigrationChecksumError ||
    error instanceof DataDirInUseError || error instanceof DataDirUnusableError ||
    error instanceof DatabaseUnreachableError
  ) {
    err(error.message);
    Deno.exit(1);
  }
  // Anything else is reported as the start reports it: a fixed class and the SQLSTATE, never the
  // statement or the server's message (a constraint error repeats the row's values).
  err(migrationFailureLine(error));
  Deno.exit(1);
}
