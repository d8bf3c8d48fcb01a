/** `deno task migrate`: applies pending migrations and exits. */
import { ConfigError, loadConfigFromProcess } from "../lib/config.ts";
import { DataDirInUseError } from "../lib/db/data_dir_lock.ts";
import {
  bundledMigrationsDir,
  migrate,
  MigrationChecksumError,
  readMigrations,
} from "../lib/db/mod.ts";
import { DatabaseUnreachableError, openReachableDatabase } from "../lib/db/reach.ts";
import { createLogger } from "../lib/log/mod.ts";
import { VERSION } from "../lib/version.ts";

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
    error instanceof DataDirInUseError || error instanceof DatabaseUnreachableError
  ) {
    Deno.stderr.writeSync(new TextEncoder().encode(error.message + "\n"));
    Deno.exit(1);
  }
  throw error;
}
