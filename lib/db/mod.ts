export {
  type Connection,
  databaseReadOnlyOf,
  databaseTimeoutOf,
  type Db,
  type DbTimeouts,
  inTransaction,
  isTransientConflict,
  isUniqueViolation,
  isUnstorableTextError,
  type Queryable,
  READ_ONLY_SQL,
  type Row,
  sqlState,
} from "./db.ts";
export { isConnectionFailure, openPostgres, type PostgresOptions } from "./postgres.ts";
export { openPglite, openPgliteFromDump, wrapPglite } from "./pglite.ts";
export {
  bundledMigrationsDir,
  DATABASE_READ_ONLY_START_LINE,
  migrate,
  MigrationChecksumError,
  migrationFailureLine,
  type MigrationFile,
  MigrationFileNameError,
  type MigrationResult,
  readMigrations,
  sha256Hex,
} from "./migrate.ts";
export { openDatabase } from "./open.ts";
