/**
 * `deno task user` only checks the migrations, it never applies them: against an empty database
 * it created the whole schema without a word, and against a live database it applied whatever
 * migrations the operator's checkout had (a newer checkout changed a running production schema).
 * Pending or unknown migrations stop it with one line and status 1, and nothing is changed.
 */
import assert from "node:assert/strict";
import {
  bundledMigrationsDir,
  type Db,
  migrate,
  openDatabase,
  openPostgres,
  readMigrations,
} from "../lib/db/mod.ts";
import { hasPostgres } from "./helpers/env.ts";
import { freshCliDatabase, runUserCli } from "./helpers/user_cli.ts";

const NEEDS = "The database needs migrations this tool does not apply: run `deno task migrate` " +
  "as the role that owns the tables, then this command again\n";
const UNKNOWN = "The database has migrations this checkout does not know: use the checkout " +
  "of the running version\n";

async function tables(db: Db): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables " +
      "WHERE table_schema = current_schema() ORDER BY 1",
  );
  return rows.map((row) => row.name);
}

async function applied(db: Db): Promise<string[]> {
  const rows = await db.query<{ name: string }>("SELECT name FROM schema_migrations ORDER BY 1");
  return rows.map((row) => row.name);
}

Deno.test("[pglite] deno task user against an empty DATA_DIR refuses with one line and creates nothing; once migrated it works", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "rf_cli_migr_" });
  const env = { DATA_DIR: dataDir };
  try {
    for (const args of [["list"], ["create", "a@example.org", "--role", "STEWARD"]]) {
      const refused = await runUserCli(env, args);
      assert.equal(refused.code, 1, args.join(" "));
      assert.equal(refused.stderr, NEEDS);
      assert.equal(refused.stdout, "");
    }
    const db = await openDatabase({ databaseUrl: undefined, dataDir });
    try {
      assert.deepEqual(await tables(db), [], "the command created no table");
      await migrate(db, await readMigrations(bundledMigrationsDir()));
    } finally {
      await db.close();
    }
    const created = await runUserCli(env, ["create", "a@example.org", "--role", "STEWARD"]);
    assert.equal(created.code, 0, created.stderr);
    assert.match((await runUserCli(env, ["list"])).stdout, /a@example\.org\tSTEWARD\tactive/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test({
  name:
    "[postgres] deno task user refuses a database with a pending migration (and applies none) or one this checkout does not know",
  ignore: !hasPostgres(),
  async fn() {
    const database = await freshCliDatabase();
    const db = openPostgres(database.url, { max: 1 });
    const env = { DATABASE_URL: database.url };
    try {
      const files = await readMigrations(bundledMigrationsDir());
      // The running version's schema: every migration but the checkout's newest.
      await migrate(db, files.slice(0, -1));
      const before = await applied(db);
      const pending = await runUserCli(env, ["list"]);
      assert.equal(pending.code, 1);
      assert.equal(pending.stderr, NEEDS);
      assert.deepEqual(await applied(db), before, "no migration was applied");

      // Up to date: it works.
      await migrate(db, files);
      const list = await runUserCli(env, ["list"]);
      assert.equal(list.code, 0, list.stderr);

      // A newer schema than this checkout knows.
      await db.query("INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)", [
        "9999_from_a_newer_release.sql",
        "0".repeat(64),
      ]);
      const unknown = await runUserCli(env, ["list"]);
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stderr, UNKNOWN);
    } finally {
      await db.close();
      await database.drop();
    }
  },
});
