/**
 * A statement sent right after the server ended the pool's sessions (`pg_terminate_backend`, a
 * restart, a failover), before the pool saw its sockets close, and whose reconnect the server then
 * refuses with a FATAL error (55000 after `ALLOW_CONNECTIONS false`; 57P03 while it shuts down or
 * starts up) fails within a bound instead of waiting for good. postgres.js 3.4.9 keeps the
 * statement that was on the dead socket as the connection's current one, so the refusal of the
 * reconnect is taken for that statement's error and the waiting one is never rejected (it
 * reconnects in a loop). The abandoned transaction's callback never runs later, and the pool
 * answers again once the database takes connections. Needs the real Postgres (TEST_DATABASE_URL;
 * required in CI): the test makes and drops a database of its own.
 */
import assert from "node:assert/strict";
import { type Db, isConnectionFailure, openPostgres } from "../lib/db/mod.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";
import { withTimeout } from "../lib/timeout.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Far above the bound (connect 1 s + statement 1 s + 1 s): only a hang reaches it. */
const DEADLINE_MS = 20_000;

function urlOf(database: string): string {
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

/** How `work` settled, or "hung" once {@link DEADLINE_MS} passed (so a hang fails the test). */
function outcome(work: Promise<unknown>): Promise<string> {
  return withTimeout(
    work.then(
      () => "answered",
      (error) => isConnectionFailure(error) ? "unreachable" : `other error: ${error}`,
    ),
    DEADLINE_MS,
    () => new Error("hung"),
  ).catch(() => "hung");
}

async function withRefusingDatabase(
  max: number,
  run: (db: Db, reopen: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const name = uniqueName("fix_pgh_rr");
  const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
  await admin.exec(`CREATE DATABASE ${name}`);
  const db = openPostgres(urlOf(name), {
    max,
    connectTimeoutSeconds: 1,
    timeouts: { statementTimeoutMs: 1000, lockTimeoutMs: 500, idleInTransactionTimeoutMs: 5000 },
  });
  try {
    await db.exec("CREATE TABLE late (n int)");
    // Every connection of the pool open and idle.
    await Promise.all(Array.from({ length: max }, () => db.query("SELECT pg_sleep(0.05)")));
    await admin.exec(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [name],
    );
    await run(db, () => admin.exec(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
  } finally {
    await admin.exec(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    await withTimeout(db.close(), DEADLINE_MS, () => new Error("close hung")).catch(() => {});
    await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  }
}

/** Queries (with no delay after the sessions ended) that must each answer or fail in time. */
async function race(db: Db, count: number, calls: { n: number }): Promise<string[]> {
  return await Promise.all(
    Array.from({ length: count }, (_, i) =>
      outcome(db.transaction(async (tx) => {
        calls.n++;
        await tx.query("INSERT INTO late VALUES ($1)", [i]);
      }))),
  );
}

if (hasPostgres()) {
  Deno.test({
    name:
      "[postgres] pool of 1, two transactions right after its session was ended and reconnecting is refused (55000): both fail as unreachable, neither hangs",
    ...opts,
    async fn() {
      await withRefusingDatabase(1, async (db, reopen) => {
        const calls = { n: 0 };
        const results = await race(db, 2, calls);
        assert.ok(!results.includes("hung"), `a transaction hung: ${results}`);
        assert.deepEqual(results, ["unreachable", "unreachable"]);
        await reopen();
        // The pool answers again, and the abandoned transactions did not run late.
        assert.equal(await outcome(db.query("SELECT 1")), "answered");
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.deepEqual([...await db.query("SELECT count(*)::int AS n FROM late")], [{ n: 0 }]);
        assert.equal(calls.n, 0, "no abandoned callback ran");
      });
    },
  });

  Deno.test({
    name:
      "[postgres] pool of 2, three transactions and a query right after its sessions were ended and reconnecting is refused: all fail as unreachable in time",
    ...opts,
    async fn() {
      await withRefusingDatabase(2, async (db, reopen) => {
        const calls = { n: 0 };
        const [results, query] = await Promise.all([
          race(db, 3, calls),
          outcome(db.query("SELECT 1")),
        ]);
        assert.ok(![...results, query].includes("hung"), `hung: ${results} / ${query}`);
        assert.deepEqual([...results, query], Array(4).fill("unreachable"));
        await reopen();
        assert.equal(await outcome(db.transaction((tx) => tx.query("SELECT 1"))), "answered");
        assert.deepEqual([...await db.query("SELECT count(*)::int AS n FROM late")], [{ n: 0 }]);
        assert.equal(calls.n, 0);
      });
    },
  });
}
