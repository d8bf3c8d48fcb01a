/**
 * A database that takes no writes (a failover that left DATABASE_URL on a replica, here stood in
 * for by `default_transaction_read_only = on` on a database of the test's own) makes the
 * instance not ready (`db: failed: read only`) and answers a write 503 SERVICE_UNAVAILABLE with
 * Retry-After, logged with its SQLSTATE, instead of a ready instance answering every sign-in and
 * change with a 500. Embedded PGlite is never read-only: its readiness stays `ok`.
 */
import assert from "node:assert/strict";
import { type Db, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { bundledMigrationsDir } from "../lib/db/mod.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createUser, signIn, TEST_PASSWORD } from "./helpers/auth.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";
import { until } from "./helpers/wait.ts";
import { DatabaseReadOnlyError } from "../lib/errors/mod.ts";
import { spawnApp, stop } from "./helpers/process.ts";
import { runScript } from "./helpers/user_cli.ts";
import { withTimeout } from "../lib/timeout.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const MIGRATE_SCRIPT = new URL("../scripts/migrate.ts", import.meta.url).pathname;

/** The URL of `database` on the test server. */
function urlOf(database: string): string {
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

/** An app on `db` whose disposal closes the pool only (the database is dropped by the test). */
function appOn(db: Db): Promise<TestApp> {
  return buildTestApp({
    testDb: { db, cleanup: () => db.close() },
    env: { RATE_LIMIT_PER_MIN: "0" },
  });
}

async function readiness(app: TestApp): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await app.request("/health/ready");
  return { status: response.status, body: await json(response) };
}

/** A database of the test's own on the test server, migrated; dropped by `drop()`. */
async function ownDatabase(): Promise<
  { url: string; name: string; admin: Db; drop(): Promise<void> }
> {
  const name = uniqueName("fixops2");
  const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
  await admin.exec(`CREATE DATABASE ${name}`);
  const url = urlOf(name);
  const db = openPostgres(url, { max: 1 });
  await migrate(db, await readMigrations(bundledMigrationsDir()));
  await db.close();
  return {
    url,
    name,
    admin,
    async drop() {
      await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

/**
 * The database stops taking writes under running instances, as after a failover that left the
 * URL on a standby: read-only for new sessions, and the current sessions ended (the pool
 * reconnects).
 */
async function turnReadOnly(database: { name: string; admin: Db }): Promise<void> {
  await database.admin.exec(
    `ALTER DATABASE ${database.name} SET default_transaction_read_only = on`,
  );
  await database.admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [database.name],
  );
}

if (hasPostgres()) {
  Deno.test({
    name:
      "[postgres] a database that turns read-only: readiness says 'db: failed: read only' (503), the mode fails closed to STANDBY, sign-in and a change answer 503 SERVICE_UNAVAILABLE logged with SQLSTATE 25006",
    ...opts,
    async fn() {
      const database = await ownDatabase();
      try {
        const app = await appOn(openPostgres(database.url, { max: 2 }));
        try {
          const user = await createUser(app, { role: "ADMIN" });
          const session = await signIn(app, user);
          const before = await readiness(app);
          assert.equal(before.status, 200);
          assert.equal((before.body.checks as Record<string, string>).db, "ok");
          assert.equal(before.body.database, "postgres");

          await turnReadOnly(database);
          let ready = before;
          await until(async () => {
            ready = await readiness(app);
            return (ready.body.checks as Record<string, string>).db === "failed: read only";
          }, "readiness to see the read-only database");
          assert.equal(ready.status, 503);
          assert.equal(ready.body.status, "not_ready");
          assert.equal(ready.body.database, "postgres");
          // As when the database is down: the stored mode may be stale, so STANDBY.
          await until(
            () => app.services.mode.state().source === "fail-closed",
            "the mode to fail closed",
          );
          assert.equal(app.services.mode.current(), "STANDBY");

          const login = await app.request("/api/auth/login", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ email: user.email, password: TEST_PASSWORD }),
          });
          assert.equal(login.status, 503);
          assert.equal(login.headers.get("content-type"), "application/problem+json");
          assert.ok(login.headers.get("retry-after"));
          const problem = await json(login);
          assert.equal(problem.code, "SERVICE_UNAVAILABLE");

          // The sign-in page: its own error view with the status, not "Something went wrong".
          const page = await app.request("/login", {
            method: "POST",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              origin: "http://localhost",
            },
            body: new URLSearchParams({ email: user.email, password: TEST_PASSWORD }).toString(),
            redirect: "manual",
          });
          const pageHtml = await page.text();
          assert.equal(page.status, 503);
          assert.ok(page.headers.get("retry-after"));
          assert.match(pageHtml, /not accepting changes right now/);
          assert.doesNotMatch(pageHtml, /Something went wrong/);

          // A governance change (allowed in STANDBY) reaches the database and is refused there.
          const change = await app.request("/api/governance/flags/read-only-probe", {
            method: "POST",
            headers: session.headers({ "content-type": "application/json" }),
            body: JSON.stringify({ enabled: true }),
          });
          const changeText = await change.text();
          assert.equal(change.status, 503, changeText);
          assert.equal(JSON.parse(changeText).code, "SERVICE_UNAVAILABLE");
          for (const leak of ["INSERT", "UPDATE", "read-only transaction", "feature_flags"]) {
            assert.ok(!changeText.includes(leak), `the answer does not mention ${leak}`);
          }

          const records = app.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
          const readOnly = records.filter((record) => record.msg === "database read only");
          assert.ok(readOnly.length >= 3, JSON.stringify(records.map((r) => r.msg)));
          assert.ok(readOnly.every((record) => record.sqlState === "25006"));
          assert.ok(!records.some((record) => record.msg === "unhandled error"));
          assert.ok(!app.logs.join("\n").includes("read-only transaction"));

          // Writable again (the URL back on a primary): ready, and the stored mode again.
          await database.admin.exec(
            `ALTER DATABASE ${database.name} RESET default_transaction_read_only`,
          );
          await database.admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            [database.name],
          );
          await until(async () => (await readiness(app)).status === 200, "ready again");
          await until(
            () => app.services.mode.state().source !== "fail-closed",
            "the stored mode again",
          );
        } finally {
          await app.dispose();
        }
      } finally {
        await database.drop();
      }
    },
  });

  Deno.test({
    name:
      "[postgres] an app started on a read-only database refuses to start (DatabaseReadOnlyError), as on an unreachable one",
    ...opts,
    async fn() {
      const database = await ownDatabase();
      try {
        await turnReadOnly(database);
        const db = openPostgres(database.url, { max: 1 });
        try {
          await assert.rejects(appOn(db), DatabaseReadOnlyError);
        } finally {
          await db.close();
        }
      } finally {
        await database.drop();
      }
    },
  });

  Deno.test({
    name:
      "[postgres] an empty read-only database (migrations pending): the start and `deno task migrate` both exit 1 with the read-only line, not 'Migrations failed: database error (SQLSTATE 25006)'",
    ...opts,
    async fn() {
      const name = uniqueName("fix_ops_ro");
      const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
      await admin.exec(`CREATE DATABASE ${name}`);
      try {
        await admin.exec(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
        const url = urlOf(name);
        const line =
          /^Database at DATABASE_URL is read-only \(a standby, or default_transaction_read_only is on\); point DATABASE_URL at the primary$/m;

        const migrated = await runScript(
          MIGRATE_SCRIPT,
          { DATABASE_URL: url },
          [],
          undefined,
          60_000,
        );
        assert.equal(migrated.code, 1, migrated.stderr);
        assert.match(migrated.stderr, line);
        assert.doesNotMatch(migrated.stderr, /Migrations failed/);

        const app = spawnApp({ DATABASE_URL: url, RATE_LIMIT_PER_MIN: "0" });
        try {
          // Bounded so a start that hangs fails the test; its duration is not asserted.
          const status = await withTimeout(
            app.status,
            60_000,
            () => new Error("the start did not end"),
          );
          assert.equal(status.code, 1, app.stderr.join("\n"));
          assert.ok(app.stderr.some((text) => line.test(text)), app.stderr.join("\n"));
          assert.ok(!app.stderr.some((text) => /Migrations failed/.test(text)));
        } finally {
          await stop(app);
        }
      } finally {
        await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.close();
      }
    },
  });
}

Deno.test({
  name: "[pglite] readiness says db ok and the embedded database",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const ready = await readiness(app);
      assert.equal(ready.status, 200);
      assert.equal((ready.body.checks as Record<string, string>).db, "ok");
      assert.equal(ready.body.database, "embedded");
    } finally {
      await app.dispose();
    }
  },
});
