/**
 * A database that refuses new connections (`ALTER DATABASE … ALLOW_CONNECTIONS false`: the server
 * answers every new session with FATAL 55000 "database is not currently accepting connections")
 * is out of reach like a stopped one: an emergency mode change answers 503 SERVICE_UNAVAILABLE
 * with Retry-After, as a flag change does, logged as `database unreachable`. Before, the mode
 * change answered 500 INTERNAL_ERROR, logged as `unhandled error` (errorType PostgresError) and
 * so sent to Sentry. Needs the real Postgres (TEST_DATABASE_URL; required in CI): the test makes
 * and drops a database of its own, so only its own connections are refused.
 */
import assert from "node:assert/strict";
import {
  bundledMigrationsDir,
  type Db,
  migrate,
  openPostgres,
  readMigrations,
} from "../lib/db/mod.ts";
import { buildTestApp, json } from "./helpers/app.ts";
import { createUser, signIn } from "./helpers/auth.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";
import { until } from "./helpers/wait.ts";
import { withTimeout } from "../lib/timeout.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** The URL of `database` on the test server. */
function urlOf(database: string): string {
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Ends every session of `database` but the admin's own: the pool must open new ones. */
async function endSessions(admin: Db, database: string): Promise<void> {
  await admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [database],
  );
}

/**
 * Waits until the server has ended every session of `database` and `db`'s pool meets the refusal
 * (55000) on a new one. The pool is given a moment to see its sockets close first: postgres.js
 * 3.4.9 can leave a statement sent on a socket the server has just closed waiting for good once
 * reconnecting is refused, and each probe here is bounded so such a wait fails the test.
 */
async function refusing(admin: Db, database: string, db: Db): Promise<void> {
  await until(async () => {
    const [row] = await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    );
    return row?.n === 0;
  }, "the server to end the database's sessions");
  await new Promise((resolve) => setTimeout(resolve, 500));
  await until(
    () =>
      withTimeout(db.query("SELECT 1"), 3000, () => new Error("a probe statement hung")).then(
        () => false,
        (error) => {
          if (error instanceof Error && error.message === "a probe statement hung") throw error;
          return (error as { code?: unknown })?.code === "55000";
        },
      ),
    "the pool to meet 'not currently accepting connections'",
  );
}

if (hasPostgres()) {
  Deno.test({
    name:
      "[postgres] a database refusing new connections (55000): a mode change answers 503 with Retry-After as a flag change does, not 500 'unhandled error'",
    ...opts,
    async fn() {
      const name = uniqueName("fix_dbc");
      const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
      await admin.exec(`CREATE DATABASE ${name}`);
      try {
        const setup = openPostgres(urlOf(name), { max: 1 });
        try {
          await migrate(setup, await readMigrations(bundledMigrationsDir()));
        } finally {
          await setup.close();
        }
        const db = openPostgres(urlOf(name), { max: 2 });
        const app = await buildTestApp({
          testDb: { db, cleanup: () => db.close() },
          env: { RATE_LIMIT_PER_MIN: "0" },
        });
        try {
          const session = await signIn(app, await createUser(app, { role: "ADMIN" }));
          // One request while the database answers puts the session in the verified-credential
          // memory, so the requests below get past sign-in to their own statements.
          const seen = await app.request("/api/auth/session", { headers: session.headers() });
          assert.equal(seen.status, 200);
          await seen.body?.cancel();

          await admin.exec(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
          await endSessions(admin, name);
          await refusing(admin, name, db);

          const mode = await app.request("/api/governance/mode", {
            method: "POST",
            headers: session.headers({ "content-type": "application/json" }),
            body: JSON.stringify({ mode: "STANDBY" }),
          });
          const modeText = await mode.text();
          // Before: 500 INTERNAL_ERROR.
          assert.equal(mode.status, 503, modeText);
          assert.equal(mode.headers.get("content-type"), "application/problem+json");
          assert.equal(mode.headers.get("retry-after"), "5");
          assert.equal(JSON.parse(modeText).code, "SERVICE_UNAVAILABLE");
          assert.ok(!modeText.includes("accepting connections"), "no server message leaks");

          // The same state as a flag change meets it: 503 as well.
          const flag = await app.request("/api/governance/flags/refused-probe", {
            method: "POST",
            headers: session.headers({ "content-type": "application/json" }),
            body: JSON.stringify({ enabled: true }),
          });
          assert.equal(flag.status, 503);
          assert.ok(flag.headers.get("retry-after"));
          assert.equal((await json<{ code: string }>(flag)).code, "SERVICE_UNAVAILABLE");

          // Readiness reports the same condition for the instance.
          const ready = await app.request("/health/ready");
          assert.equal(ready.status, 503);
          const checks = (await json<{ checks: Record<string, string> }>(ready)).checks;
          assert.match(checks.db ?? "", /^failed: /);

          const records = app.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
          assert.ok(
            !records.some((record) => record.msg === "unhandled error"),
            JSON.stringify(records.filter((record) => record.msg === "unhandled error")),
          );
          assert.ok(
            records.some((record) =>
              record.msg === "database unreachable" && record.route === "/api/governance/mode" &&
              // The server's code tells a refusal (55000) from a lost or wrong-password session.
              record.sqlState === "55000"
            ),
            JSON.stringify(records.map((record) => [record.msg, record.route, record.sqlState])),
          );
          assert.ok(!app.logs.join("\n").includes("accepting connections"));
        } finally {
          await admin.exec(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => {});
          await app.dispose().catch(() => {});
        }
      } finally {
        await admin.exec(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => {});
        await endSessions(admin, name).catch(() => {});
        await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.close();
      }
    },
  });
}
