/**
 * The app's Postgres connections name themselves (`application_name`), so the DB_TIMEOUT
 * runbook (docs/operations/TROUBLESHOOTING.md) can filter `pg_stat_activity` by it.
 */
import assert from "node:assert/strict";
import { testConfig } from "../lib/config.ts";
import { type Db, openDatabase, openPostgres } from "../lib/db/mod.ts";
import { APPLICATION_NAME } from "../lib/db/postgres.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function applicationName(db: Pick<Db, "query">): Promise<string | undefined> {
  const [row] = await db.query<{ name: string }>(
    "SELECT current_setting('application_name') AS name",
  );
  return row?.name;
}

async function withDb(db: Db, fn: (db: Db) => Promise<void>): Promise<void> {
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

if (hasPostgres()) {
  Deno.test({
    name:
      "[postgres] the pool main.ts opens names every connection researchflow-governance, as pg_stat_activity shows it",
    ...opts,
    async fn() {
      assert.equal(APPLICATION_NAME, "researchflow-governance");
      const config = testConfig({ DATABASE_URL: TEST_DATABASE_URL! });
      await withDb(await openDatabase(config), async (db) => {
        assert.equal(await applicationName(db), "researchflow-governance");
        assert.equal(await db.transaction(applicationName), "researchflow-governance");
        // The migrations' reserved connection is one of the pool's.
        assert.equal(await db.withAdvisoryLock(7_114_001, applicationName), APPLICATION_NAME);
        // The runbook's filter finds this very session.
        const rows = await db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE application_name = 'researchflow-governance' AND pid = pg_backend_pid()`,
        );
        assert.equal(rows.length, 1);
      });
    },
  });

  Deno.test({
    name:
      "[postgres] openPostgres() takes another application_name as an option, and one in the URL wins",
    ...opts,
    async fn() {
      await withDb(
        openPostgres(TEST_DATABASE_URL!, {
          max: 1,
          applicationName: "researchflow-governance-cli",
        }),
        async (db) => assert.equal(await applicationName(db), "researchflow-governance-cli"),
      );
      const url = new URL(TEST_DATABASE_URL!);
      url.searchParams.set("application_name", "governance-eu-1");
      await withDb(
        openPostgres(url.href, { max: 1 }),
        async (db) => assert.equal(await applicationName(db), "governance-eu-1"),
      );
    },
  });
}
