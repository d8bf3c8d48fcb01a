export {
  type Connection,
  databaseTimeoutOf,
  type Db,
  type DbTimeouts,
  inTransaction,
  isTransientConflict,
  isUniqueViolation,
  isUnstorableTextError,
  type Queryable,
  type Row,
  sqlState,
} from "./db.ts";
export { isConnectionFailure, openPostgres, type PostgresOptions } from "./postgres.ts";
export { openPglite, openPgliteFromDump, wrapPglite } from "./pglite.ts";
export {
  bundledMigrationsDir,
  migrate,
  MigrationChecksumError,
  migrationFailureLine,
  type MigrationFile,
  type MigrationResult,
  readMigrations,
  sha256Hex,
} from "./migrate.ts";
export { openDatabase } from "./open.ts";
