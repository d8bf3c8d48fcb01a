import type { Config } from "../config.ts";
import { dataDirProblem, DataDirUnusableError, lockDataDir } from "./data_dir_lock.ts";
import type { Db } from "./db.ts";
import { openPglite } from "./pglite.ts";
import { openPostgres } from "./postgres.ts";

/**
 * Opens the configured database: the server at `DATABASE_URL`, else PGlite under `DATA_DIR`.
 * Every connection to a server carries the `DB_*_TIMEOUT_MS` bounds (`config.database`; without
 * it, the server's own settings). PGlite enforces none of them and gets none.
 * PGlite is single-process: `DATA_DIR` is locked until `close()`, and a second opener gets a
 * {@link DataDirInUseError} instead of silently losing its writes; a DATA_DIR (or its `pglite`
 * directory) that cannot be created gets a {@link DataDirUnusableError}.
 */
export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "dataDir"> & Partial<Pick<Config, "database">>,
): Promise<Db> {
  if (config.databaseUrl) {
    return openPostgres(
      config.databaseUrl,
      config.database ? { timeouts: config.database } : {},
    );
  }
  const dir = config.dataDir.replace(/\/$/, "");
  const lock = await lockDataDir(dir);
  const pgliteDir = `${dir}/pglite`;
  let db: Db;
  try {
    // A file (or an unwritable entry) at <DATA_DIR>/pglite is the operator's to fix: one line.
    await Deno.mkdir(pgliteDir, { recursive: true }).catch((error) => {
      const problem = dataDirProblem(error);
      throw problem ? new DataDirUnusableError(dir, problem, pgliteDir) : error;
    });
    db = await openPglite(pgliteDir);
  } catch (error) {
    lock.release();
    throw error;
  }
  return {
    ...db,
    async close() {
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
}
