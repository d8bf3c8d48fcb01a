/** The {@link Db} over a Postgres server, through postgres.js. */
import postgres from "postgres";
import type { Connection, Db, Row } from "./db.ts";
import { inTransaction } from "./db.ts";
import { withTimeout } from "../timeout.ts";

export interface PostgresOptions {
  /** Connection pool size. */
  max?: number;
  /** Schema to use instead of `public` (tests run each in a fresh one). */
  schema?: string;
  /** Seconds to wait for a connection. */
  connectTimeoutSeconds?: number;
}

type Sql = postgres.Sql<Record<string, never>>;
type Runner = { unsafe: Sql["unsafe"] };

function connection(runner: Runner): Connection {
  return {
    async query<T extends object = Row>(text: string, params: readonly unknown[] = []) {
      return (await runner.unsafe(
        text,
        params as postgres.ParameterOrJSON<never>[],
      )) as unknown as T[];
    },
    async exec(script: string) {
      await runner.unsafe(script).simple();
    },
  };
}

/** Where a URL points, without user or password. */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `postgres ${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
}

/** Opens a pool; no query is sent until first use. */
export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const sql: Sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 60,
    onnotice: () => {},
    connection: options.schema ? { search_path: options.schema } : {},
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
      return (await sql.begin((tx) => fn(connection(tx as unknown as Runner)))) as T;
    },
    async withAdvisoryLock<T>(key: number, fn: (conn: Connection) => Promise<T>): Promise<T> {
      const reserved = await sql.reserve();
      const conn = connection(reserved as unknown as Runner);
      try {
        await conn.query("SELECT pg_advisory_lock($1)", [key]);
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
      await sql.unsafe("SELECT 1");
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
