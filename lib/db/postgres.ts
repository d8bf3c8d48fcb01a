/** The {@link Db} over a Postgres server, through postgres.js. */
import postgres from "postgres";
import type { Connection, Db, DbTimeouts, Row } from "./db.ts";
import { checkTextParams, databaseReadOnlyOf, databaseTimeoutOf, inTransaction } from "./db.ts";
import { settlesWithin, systemTimeouts, type TimeoutTimers, withTimeout } from "../timeout.ts";

/**
 * How the app's connections appear in `pg_stat_activity.application_name` (postgres.js would
 * say `postgres.js`), so an operator can tell them from other clients of the same server.
 */
export const APPLICATION_NAME = "researchflow-governance";

export interface PostgresOptions {
  /** Connection pool size. */
  max?: number;
  /** Schema to use instead of `public` (tests run each in a fresh one). */
  schema?: string;
  /** Seconds to wait for a connection. */
  connectTimeoutSeconds?: number;
  /**
   * Server-side bounds for every connection of the pool (the app passes `DB_*_TIMEOUT_MS`
   * through {@link openDatabase}); without them the server's own settings apply.
   */
  timeouts?: DbTimeouts;
  /**
   * `application_name` of every connection of the pool (default {@link APPLICATION_NAME}); an
   * `application_name` in the URL's query string wins over it.
   */
  applicationName?: string;
  /**
   * The timer bounding the wait for a transaction to settle after its connection closed
   * (default: the real one; tests pass manual ones).
   */
  timers?: TimeoutTimers;
}

type Sql = postgres.Sql<Record<string, never>>;
type Runner = { unsafe: Sql["unsafe"] };

/**
 * Settles like `work`, with a cancelled statement or lock wait as a DatabaseTimeoutError and a
 * write refused by a read-only database (a standby) as a DatabaseReadOnlyError.
 */
async function translated<T>(work: PromiseLike<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw databaseTimeoutOf(error) ?? databaseReadOnlyOf(error) ?? error;
  }
}

function connection(runner: Runner): Connection {
  return {
    async query<T extends object = Row>(text: string, params: readonly unknown[] = []) {
      checkTextParams(params);
      return (await translated(runner.unsafe(
        text,
        params as postgres.ParameterOrJSON<never>[],
      ))) as unknown as T[];
    },
    async exec(script: string) {
      await translated(runner.unsafe(script).simple());
    },
  };
}

/** A statement sent by a transaction's callback after the transaction settled. */
export class TransactionEndedError extends Error {
  override name = "TransactionEndedError";
  constructor() {
    super("The transaction already ended (committed, rolled back or its connection closed)");
  }
}

/** `conn`, refusing every statement once `ended()` is true. */
function endable(conn: Connection, ended: () => boolean): Connection {
  return {
    query<T extends object = Row>(text: string, params?: readonly unknown[]) {
      return ended() ? Promise.reject(new TransactionEndedError()) : conn.query<T>(text, params);
    },
    exec(script: string) {
      return ended() ? Promise.reject(new TransactionEndedError()) : conn.exec(script);
    },
  };
}

/** A promise that never settles: what a transaction callback hands back after its connection died. */
const NEVER = new Promise<never>(() => {});

/** postgres.js' codes for a connection that closed under a statement, and socket errors. */
const CONNECTION_LOSS = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
]);

/** How long a transaction has to settle after a connection-loss error before it counts as not lost. */
export const CONNECTION_LOST_SETTLE_MS = 1000;

/**
 * True when `error` came from the transaction's connection going away: the transaction already
 * settled, or the error says the connection closed (or the server ended the session, severity
 * FATAL) and the transaction settles within {@link CONNECTION_LOST_SETTLE_MS}, as postgres.js does
 * when it sees the close. `timers` bound that wait (tests pass manual ones).
 */
export async function connectionLost(
  error: unknown,
  settled: () => boolean,
  settledSignal: Promise<void>,
  timers: TimeoutTimers = systemTimeouts,
): Promise<boolean> {
  if (settled()) return true;
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  const fatal = severity === "FATAL" || severity === "PANIC";
  if (!fatal && !(typeof code === "string" && CONNECTION_LOSS.has(code))) return false;
  await settlesWithin(settledSignal, CONNECTION_LOST_SETTLE_MS, timers);
  return settled();
}

/**
 * The startup parameters for the bounds that are on, as postgres.js sends them with each new
 * connection (a value of 0 is not sent: the server's own setting applies).
 */
export function timeoutParameters(timeouts: DbTimeouts | undefined): Record<string, string> {
  const parameters: Record<string, string> = {};
  if (!timeouts) return parameters;
  if (timeouts.statementTimeoutMs > 0) {
    parameters.statement_timeout = String(timeouts.statementTimeoutMs);
  }
  if (timeouts.lockTimeoutMs > 0) parameters.lock_timeout = String(timeouts.lockTimeoutMs);
  if (timeouts.idleInTransactionTimeoutMs > 0) {
    parameters.idle_in_transaction_session_timeout = String(timeouts.idleInTransactionTimeoutMs);
  }
  return parameters;
}

/** Where a URL points, without user or password. */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `postgres ${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
}

/**
 * Seconds before the pool's next connection attempt after `retries` failed ones: postgres.js's
 * exponential backoff with its jitter, but at most 2 s instead of 20 s. The driver's delay grew
 * to 10-20 s during an outage, and every query waited it out after the database was back.
 */
export function reconnectBackoffSeconds(retries: number): number {
  return (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 2);
}

/** Opens a pool; no query is sent until first use. */
export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const sql: Sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 60,
    backoff: reconnectBackoffSeconds,
    onnotice: () => {},
    // Sent in the startup message of every connection the pool opens, so each one is bounded
    // (and named) from its first statement (no SET round trip, nothing a pooled connection can
    // lose).
    connection: {
      application_name: options.applicationName ?? APPLICATION_NAME,
      ...timeoutParameters(options.timeouts),
      ...(options.schema ? { search_path: options.schema } : {}),
    },
    // Same shape as PGlite: int8 as number (ids and counts stay far below 2^53).
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (value: string) => Number(value),
      },
    },
  }) as unknown as Sql;
  const base = connection(sql);
  return {
    kind: "postgres",
    description: describeUrl(url) + (options.schema ? ` (schema ${options.schema})` : ""),
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T> {
      // postgres.js 3.4.9 settles `sql.begin` as soon as the transaction's connection closes
      // (idle_in_transaction_session_timeout, pg_terminate_backend, a failover) while `fn` may
      // still run, and once `fn` settles it sends COMMIT or ROLLBACK on that connection anyway:
      // to a destroyed socket (an uncaught TypeError from a timer: the process exits) or, once
      // the pool has reconnected it, into another caller's session (upstream issues #1133,
      // #1208, #1216). So after the connection is gone `fn`'s statements are refused and `fn`'s
      // outcome is never handed back to postgres.js, which then sends nothing more.
      let settled = false;
      let markSettled!: () => void;
      const settledSignal = new Promise<void>((resolve) => markSettled = resolve);
      const lost = (error: unknown) =>
        connectionLost(error, () => settled, settledSignal, options.timers);
      try {
        return (await translated(sql.begin(async (tx) => {
          const conn = endable(connection(tx as unknown as Runner), () => settled);
          let result: T;
          try {
            result = await fn(conn);
          } catch (error) {
            if (await lost(error)) return await NEVER;
            throw error;
          }
          if (settled) return await NEVER;
          return result;
        }))) as T;
      } finally {
        settled = true;
        markSettled();
      }
    },
    async withAdvisoryLock<T>(key: number, fn: (conn: Connection) => Promise<T>): Promise<T> {
      const reserved = await sql.reserve();
      const conn = connection(reserved as unknown as Runner);
      try {
        // Serializing means waiting as long as the holder needs (another instance migrating):
        // the wait for the advisory lock is exempt from lock_timeout and statement_timeout,
        // and `fn` runs with the pool's bounds again (RESET returns to the startup values).
        await conn.exec("SET lock_timeout = 0; SET statement_timeout = 0");
        try {
          await conn.query("SELECT pg_advisory_lock($1)", [key]);
        } finally {
          await conn.exec("RESET lock_timeout; RESET statement_timeout");
        }
        try {
          return await fn(conn);
        } finally {
          await conn.query("SELECT pg_advisory_unlock($1)", [key]);
        }
      } finally {
        reserved.release();
      }
    },
    async ping() {
      await translated(sql.unsafe("SELECT 1"));
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

export { inTransaction };

/** Thrown by {@link reachDatabase}; `message` is safe to print (no URL, user or password). */
export class DatabaseUnreachableError extends Error {
  override name = "DatabaseUnreachableError";
  constructor(readonly reason: string) {
    super(
      `Database at DATABASE_URL could not be reached at start: ${reason}; ` +
        "check the URL, credentials and that the server is running",
    );
  }
}

/**
 * Error codes that say the database could not be reached or dropped the connection: the driver's
 * and the socket's, and the server's codes that only ever end or refuse a session.
 */
const CONNECTION_FAILURE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "ECONNRESET",
  "EPIPE",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "53300", // too_many_connections (server, database or role limit): only ever at connect
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
]);

/**
 * Whether `error` says the database is out of reach (refused, lost, shutting down, class 08
 * connection exceptions), as opposed to a statement it refused: a request meeting it answers 503
 * with Retry-After, not 500.
 *
 * A server error of severity FATAL or PANIC (postgres.js' `severity`, the non-localized one) ended
 * or refused the session whatever its SQLSTATE, so it is one too: at connect, a database that is
 * not accepting connections (55000, `ALLOW_CONNECTIONS false`), does not exist (3D000), refuses
 * the login (28000, 28P01) or has no slot left (53300); later, a session the server ended
 * (terminated, idle-in-transaction timeout). The same codes from a statement (severity ERROR, e.g.
 * 55000 for `currval` before `nextval`) are a refused statement: 500.
 */
export function isConnectionFailure(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  if (
    typeof code === "string" && (CONNECTION_FAILURE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
  ) {
    return true;
  }
  if (typeof code === "string" && (severity === "FATAL" || severity === "PANIC")) return true;
  const name = error instanceof Error ? error.name : "";
  return name === "ConnectionRefused" || name === "TimedOut";
}

/** The cause of a failed first connection in words, never echoing the URL or credentials. */
export function connectFailureReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return "host not found";
    case "ETIMEDOUT":
    case "CONNECT_TIMEOUT":
      return "timed out";
    case "ECONNRESET":
    case "EPIPE":
    case "CONNECTION_CLOSED":
    case "CONNECTION_ENDED":
    case "CONNECTION_DESTROYED":
      return "connection lost";
    case "28P01":
    case "28000":
      return "authentication failed";
    case "3D000":
      return "database does not exist";
  }
  const name = error instanceof Error ? error.name : "";
  if (name === "ConnectionRefused") return "connection refused";
  if (name === "TimedOut") return "timed out";
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return `server error ${code}`;
  return "connection failed";
}

/**
 * One round trip to the database, bounded by `timeoutMs` (postgres.js' own
 * `connect_timeout` does not fire under Deno, so a blackholed host would hang).
 * Rejects with a {@link DatabaseUnreachableError} naming the cause.
 */
export async function reachDatabase(db: Pick<Db, "ping">, timeoutMs: number): Promise<void> {
  try {
    await withTimeout(
      db.ping(),
      timeoutMs,
      () => Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }),
    );
  } catch (error) {
    throw new DatabaseUnreachableError(connectFailureReason(error));
  }
}
