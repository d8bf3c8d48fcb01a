/** The {@link Db} over embedded PGlite (Postgres compiled to WebAssembly). */
import { PGlite } from "@electric-sql/pglite";
import type { Connection, Db, Row } from "./db.ts";
import { checkTextParams } from "./db.ts";

interface PgliteRunner {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(script: string): Promise<unknown>;
}

function connection(runner: PgliteRunner): Connection {
  return {
    async query<T extends object = Row>(text: string, params: readonly unknown[] = []) {
      checkTextParams(params);
      return (await runner.query<T>(text, [...params])).rows;
    },
    async exec(script: string) {
      await runner.exec(script);
    },
  };
}

/** Wraps an open PGlite instance. */
export function wrapPglite(pg: PGlite, description: string): Db {
  const base = connection(pg);
  return {
    kind: "pglite",
    description,
    query: base.query,
    exec: base.exec,
    transaction: <T>(fn: (tx: Connection) => Promise<T>) =>
      pg.transaction((tx) => fn(connection(tx))),
    // One embedded instance is one connection: its own lock serializes callers.
    withAdvisoryLock: <T>(_key: number, fn: (conn: Connection) => Promise<T>) => fn(base),
    async ping() {
      await pg.query("SELECT 1");
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}

/** Opens (creating when new) a PGlite database persisted under `dir`, or in memory without one. */
export async function openPglite(dir?: string): Promise<Db> {
  if (dir) await Deno.mkdir(dir, { recursive: true });
  const pg = await PGlite.create(dir ? { dataDir: dir } : {});
  return wrapPglite(pg, dir ? `embedded PGlite at ${dir}` : "embedded PGlite in memory");
}

/** Opens an in-memory PGlite from a data-dir dump (fast copies of a migrated database). */
export async function openPgliteFromDump(dump: Blob | File): Promise<Db> {
  const pg = await PGlite.create({ loadDataDir: dump });
  return wrapPglite(pg, "embedded PGlite in memory");
}

/** Dumps an in-memory PGlite to a blob that {@link openPgliteFromDump} can load. */
export async function dumpPglite(pg: PGlite): Promise<Blob> {
  return await pg.dumpDataDir("none");
}
