/**
 * The first round trip of a process to its database, shared by main.ts and the scripts that
 * open it (`deno task migrate`, `user`, `restore-prepare`). postgres.js' own `connect_timeout`
 * does not fire under Deno, so without a bound a blackholed host hangs the process with no
 * output, and a refused connection surfaces as an uncaught error with a stack trace.
 */
import { withTimeout } from "../timeout.ts";
import type { Db } from "./db.ts";
import { openDatabase } from "./open.ts";
import { DatabaseUnreachableError, reachDatabase } from "./postgres.ts";

export { DatabaseUnreachableError };

/** The first database round trip may take this long (docs/operations/DEPLOYMENT.md). */
export const DB_START_TIMEOUT_MS = 10_000;
/**
 * Closing the pool after a failed first round trip may take this long; then it is abandoned (the
 * caller stops). Nothing was written, and postgres.js would wait its whole end timeout (5 s) for
 * the unanswered round trip.
 */
export const DB_CLOSE_AFTER_FAILURE_MS = 2_000;

export interface ReachOptions {
  /** Bound of the first round trip (default {@link DB_START_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/**
 * One round trip to `db`, bounded. On failure `db` is closed (bounded too, then abandoned) and a
 * {@link DatabaseUnreachableError} is thrown: its `message` is one line naming the cause, without
 * the URL, user or password.
 */
export async function reachOrClose(db: Db, options: ReachOptions = {}): Promise<void> {
  try {
    await reachDatabase(db, options.timeoutMs ?? DB_START_TIMEOUT_MS);
  } catch (error) {
    try {
      await withTimeout(
        Promise.resolve().then(() => db.close()),
        DB_CLOSE_AFTER_FAILURE_MS,
        () => new Error("timeout"),
      );
    } catch {
      // Abandoned: the caller stops anyway.
    }
    throw error;
  }
}

/**
 * {@link openDatabase}, then {@link reachOrClose}: the database answered once, or a
 * {@link DatabaseUnreachableError} (or what opening it threw, such as a DataDirInUseError).
 */
export async function openReachableDatabase(
  config: Parameters<typeof openDatabase>[0],
  options: ReachOptions = {},
): Promise<Db> {
  const db = await openDatabase(config);
  await reachOrClose(db, options);
  return db;
}
