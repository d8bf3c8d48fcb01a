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
    // A file at <DATA_DIR>/pglite, or a directory there this user may not write (mode 0500, a
    // restore extracted as another user, a read-only mount), is the operator's to fix: one line.
    // mkdir succeeds on an existing directory whatever its permissions, so a file is written and
    // removed to find out before PGlite does, which would fail with an Emscripten ErrnoError.
    await Deno.mkdir(pgliteDir, { recursive: true });
    await checkWritable(pgliteDir);
    db = await openPglite(pgliteDir);
  } catch (error) {
    // Also what PGlite meets further in: its file system's ErrnoError, or, for a file or directory
    // inside it this user may not write, Postgres aborting with no cause given (RuntimeError:
    // Aborted()), found by looking for one only now that the open has failed.
    const problem = dataDirProblem(error) ?? await unwritableWithin(pgliteDir);
    lock.release();
    throw problem ? new DataDirUnusableError(dir, problem, pgliteDir) : error;
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

/**
 * Why a directory or file under `dir` takes no writes, in {@link dataDirProblem}'s words, or
 * undefined when all do. Walks the whole tree (a thousand files for a new database), so it runs
 * only once opening has failed; other errors (an entry gone meanwhile) are passed over.
 */
async function unwritableWithin(dir: string): Promise<string | undefined> {
  try {
    await checkWritable(dir);
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) {
        const problem = await unwritableWithin(path);
        if (problem) return problem;
      } else if (entry.isFile) {
        // Opened for writing without truncating or creating: the file is left as it was.
        try {
          (await Deno.open(path, { write: true })).close();
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        }
      }
    }
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? undefined : dataDirProblem(error);
  }
  return undefined;
}

/** Throws the OS error when `dir` takes no new file (no write or search permission, read-only). */
async function checkWritable(dir: string): Promise<void> {
  const probe = `${dir}/.write-check`;
  const file = await Deno.open(probe, { write: true, create: true, truncate: true });
  file.close();
  await Deno.remove(probe);
}
