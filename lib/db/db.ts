/**
 * The one small database interface every store uses. Two implementations:
 * postgres.js against a server (`DATABASE_URL`) and embedded PGlite.
 *
 * Conventions that keep both drivers identical:
 * - parameters are `$1, $2, …`; pass jsonb values as JS objects/arrays (never
 *   pre-stringified: postgres.js would encode the string again), text[] as string arrays;
 * - `int8` and `count(*)` come back as JS numbers;
 * - timestamps are `timestamptz` and come back as `Date`.
 */

import { DatabaseReadOnlyError, DatabaseTimeoutError } from "../errors/mod.ts";

export type Row = Record<string, unknown>;

/**
 * Server-side bounds set on every pooled connection to a Postgres server (startup parameters),
 * in milliseconds; 0 leaves the setting to the server (its, the database's or the role's own
 * value). Embedded PGlite does not enforce them and gets none (docs/configuration.md).
 */
export interface DbTimeouts {
  /** `statement_timeout`: a statement running longer is cancelled (SQLSTATE 57014). */
  readonly statementTimeoutMs: number;
  /** `lock_timeout`: a statement waiting longer for a lock is cancelled (SQLSTATE 55P03). */
  readonly lockTimeoutMs: number;
  /** `idle_in_transaction_session_timeout`: a session idle this long inside a transaction is ended. */
  readonly idleInTransactionTimeoutMs: number;
}

/** Anything that runs one parameterised statement. */
export interface Queryable {
  query<T extends object = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

/** A single connection (or transaction) that can also run multi-statement scripts. */
export interface Connection extends Queryable {
  /** Runs a script of several statements without parameters. */
  exec(script: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** Where the data lives, without credentials (for logs and readiness). */
  readonly description: string;
  exec(script: string): Promise<void>;
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one dedicated connection while holding the session-level
   * advisory lock `key`, so concurrent processes serialize on it.
   */
  withAdvisoryLock<T>(key: number, fn: (conn: Connection) => Promise<T>): Promise<T>;
  /** `SELECT 1`; rejects when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Runs `fn` inside BEGIN/COMMIT on a connection that has no transaction helper. */
export async function inTransaction<T>(
  conn: Connection,
  fn: (tx: Connection) => Promise<T>,
): Promise<T> {
  await conn.exec("BEGIN");
  try {
    const result = await fn(conn);
    await conn.exec("COMMIT");
    return result;
  } catch (error) {
    await conn.exec("ROLLBACK").catch(() => {});
    throw error;
  }
}

/**
 * SQLSTATE of a driver error (or of a {@link DatabaseTimeoutError} or
 * {@link DatabaseReadOnlyError}), when it has one.
 */
export function sqlState(error: unknown): string | undefined {
  if (error instanceof DatabaseTimeoutError || error instanceof DatabaseReadOnlyError) {
    return error.sqlState;
  }
  if (error && typeof error === "object" && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * A text parameter holding an unpaired surrogate (half of a UTF-16 pair), refused before it reaches
 * the database. The drivers would encode it as U+FFFD and store something other than what was
 * sent, without a word; like a NUL, it is the client's bad input. Its code is the SQLSTATE
 * Postgres gives a character it cannot store (22021), so {@link isUnstorableTextError} knows it.
 */
export class UnpairedSurrogateError extends Error {
  override name = "UnpairedSurrogateError";
  readonly code = "22021";
  constructor() {
    super("A text value holds an unpaired surrogate");
  }
}

/** Throws {@link UnpairedSurrogateError} when a text parameter is not well-formed Unicode. */
export function checkTextParams(params: readonly unknown[]): void {
  for (const param of params) {
    if (typeof param === "string" && !param.isWellFormed()) throw new UnpairedSurrogateError();
  }
}

/**
 * True when the database refused a value as text it cannot take: a NUL (U+0000) character in
 * text or jsonb (SQLSTATE 22021, 22P05), or input its type cannot parse, such as JSON with an
 * unpaired surrogate (22P02). Values reach the database from clients, so this is bad input.
 */
export function isUnstorableTextError(error: unknown): boolean {
  const state = sqlState(error);
  return state === "22021" || state === "22P05" || state === "22P02";
}

/**
 * True when the database gave up on a transaction because of a concurrent one: a deadlock it broke
 * (SQLSTATE 40P01) or a serialization failure (40001). Nothing of it was written; trying again is
 * the remedy, so the caller is answered 503 with Retry-After rather than 500.
 */
export function isTransientConflict(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40P01" || state === "40001";
}

/** True for a unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === "23505";
}

/**
 * The {@link DatabaseTimeoutError} for a statement the server cancelled (SQLSTATE 57014
 * query_canceled) or a lock it did not grant in time (55P03 lock_not_available); the error
 * itself when it already is one; undefined for any other error. The driver's error (which holds
 * the statement and its parameters) is not kept.
 */
export function databaseTimeoutOf(error: unknown): DatabaseTimeoutError | undefined {
  if (error instanceof DatabaseTimeoutError) return error;
  switch (sqlState(error)) {
    case "57014":
      return new DatabaseTimeoutError("57014", "query_canceled");
    case "55P03":
      return new DatabaseTimeoutError("55P03", "lock_not_available");
  }
  return undefined;
}

/**
 * The {@link DatabaseReadOnlyError} for a write the server refused because the database is
 * read-only (SQLSTATE 25006 read_only_sql_transaction: a standby, or
 * `default_transaction_read_only`); the error itself when it already is one; undefined for any
 * other error. The driver's error (which holds the statement and its parameters) is not kept.
 */
export function databaseReadOnlyOf(error: unknown): DatabaseReadOnlyError | undefined {
  if (error instanceof DatabaseReadOnlyError) return error;
  return sqlState(error) === "25006" ? new DatabaseReadOnlyError() : undefined;
}

/**
 * A boolean SQL expression: true when this session cannot write, because the server is a standby
 * (`pg_is_in_recovery()`) or the session is read-only (`default_transaction_read_only`, set on
 * the database, the role or the server). Part of a query that runs anyway (readiness, the mode's
 * re-read), so it costs no round trip of its own; embedded PGlite answers it too (false).
 */
export const READ_ONLY_SQL =
  "(pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on')";
