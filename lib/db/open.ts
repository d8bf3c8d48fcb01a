import type { Config } from "../config.ts";
import type { Db } from "./db.ts";
import { openPglite } from "./pglite.ts";
import { openPostgres } from "./postgres.ts";

/** Opens the configured database: the server at `DATABASE_URL`, else PGlite under `DATA_DIR`. */
export async function openDatabase(config: Pick<Config, "databaseUrl" | "dataDir">): Promise<Db> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  return await openPglite(`${config.dataDir.replace(/\/$/, "")}/pglite`);
}
