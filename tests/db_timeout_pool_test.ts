/**
 * The `DB_*_TIMEOUT_MS` bounds reach every connection of the pool (as startup parameters), a
 * cancelled statement surfaces as a DatabaseTimeoutError without the statement, and migrations
 * keep working under them: no statement timeout for a migration, no lock timeout while waiting
 * for another starter, but the pool's lock timeout for a migration's own locks.
 */
import assert from "node:assert/strict";
import { testConfig } from "../lib/config.ts";
import {
  type Db,
  migrate,
  type MigrationFile,
  openDatabase,
  openPostgres,
  sha256Hex,
  sqlState,
} from "../lib/db/mod.ts";
import type { DatabaseTimeoutError } from "../lib/errors/mod.ts";
import { withTimeout } from "../lib/timeout.ts";
import { uniqueName } from "./helpers/db.ts";
import { holdTableLock } from "./helpers/db_bounds.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";

/** A one-shot signal: `opened` resolves once `open()` was called. */
function gate(): { open(): void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  return { open, opened };
}

/** Resolves once `check()` holds (polled; bounded by the caller). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Bounds a hung call so the test fails instead of waiting for ever (not a timing assertion). */
const BOUND_MS = 20_000;

function bounded<T>(work: Promise<T>, what: string): Promise<T> {
  return withTimeout(work, BOUND_MS, () => new Error(`${what} did not finish`));
}

interface Schema {
  name: string;
  /** DATABASE_URL for this schema (search_path as a connection parameter). */
  url: string;
  /** A pool without bounds on the schema (the "other session"). */
  other: Db;
  drop(): Promise<void>;
}

async function freshSchema(): Promise<Schema> {
  const name = uniqueName("t");
  const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${name}`);
  const url = new URL(TEST_DATABASE_URL!);
  url.searchParams.set("search_path", name);
  const other = openPostgres(TEST_DATABASE_URL!, { schema: name, max: 2 });
  return {
    name,
    url: url.href,
    other,
    async drop() {
      await other.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await admin.close();
    },
  };
}

interface Bounds {
  pid: number;
  statement: string;
  lock: string;
  idle: string;
}

const BOUNDS_SQL = `SELECT pg_backend_pid() AS pid,
  current_setting('statement_timeout') AS statement,
  current_setting('lock_timeout') AS lock,
  current_setting('idle_in_transaction_session_timeout') AS idle`;

/** The bounds seen by `count` connections of `db` at once (each in its own transaction). */
async function boundsOfConnections(db: Db, count: number): Promise<Bounds[]> {
  let arrived = 0;
  let allArrived!: () => void;
  const everyone = new Promise<void>((resolve) => allArrived = resolve);
  return await Promise.all(
    Array.from({ length: count }, () =>
      db.transaction(async (tx) => {
        const [row] = await tx.query<Bounds>(BOUNDS_SQL);
        // Held until every transaction has its own connection, so the pids are distinct.
        if (++arrived === count) allArrived();
        await everyone;
        return row!;
      })),
  );
}

async function migrationFile(name: string, sql: string): Promise<MigrationFile> {
  return { name, sql, sha256: await sha256Hex(sql) };
}

if (hasPostgres()) {
  Deno.test("[postgres] every pooled connection carries the configured bounds (SHOW statement_timeout)", async () => {
    const schema = await freshSchema();
    const db = await openDatabase(testConfig({
      DATABASE_URL: schema.url,
      DB_STATEMENT_TIMEOUT_MS: "1500",
      DB_LOCK_TIMEOUT_MS: "250",
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: "4000",
    }));
    try {
      assert.deepEqual([...await db.query("SHOW statement_timeout")], [{
        statement_timeout: "1500ms",
      }]);
      const seen = await bounded(boundsOfConnections(db, 4), "four transactions");
      assert.equal(new Set(seen.map((row) => row.pid)).size, 4, "four distinct connections");
      for (const row of seen) {
        assert.deepEqual([row.statement, row.lock, row.idle], ["1500ms", "250ms", "4s"]);
      }
    } finally {
      await db.close();
      await schema.drop();
    }
  });

  Deno.test("[postgres] the documented defaults are 15 s, 5 s and 60 s; 0 leaves the server's own setting", async () => {
    const schema = await freshSchema();
    const defaults = await openDatabase(testConfig({ DATABASE_URL: schema.url }));
    const off = await openDatabase(testConfig({
      DATABASE_URL: schema.url,
      DB_STATEMENT_TIMEOUT_MS: "0",
      DB_LOCK_TIMEOUT_MS: "0",
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: "0",
    }));
    try {
      const [row] = await defaults.query<Bounds>(BOUNDS_SQL);
      assert.deepEqual([row!.statement, row!.lock, row!.idle], ["15s", "5s", "1min"]);
      const [server] = await schema.other.query<Bounds>(BOUNDS_SQL);
      const [unset] = await off.query<Bounds>(BOUNDS_SQL);
      assert.deepEqual(
        [unset!.statement, unset!.lock, unset!.idle],
        [server!.statement, server!.lock, server!.idle],
      );
    } finally {
      await defaults.close();
      await off.close();
      await schema.drop();
    }
  });

  Deno.test("[postgres] a statement waiting on a lock past DB_LOCK_TIMEOUT_MS rejects with a DatabaseTimeoutError that holds no SQL; the pool goes on", async () => {
    const schema = await freshSchema();
    const db = await openDatabase(testConfig({
      DATABASE_URL: schema.url,
      DB_LOCK_TIMEOUT_MS: "150",
    }));
    let unlock: (() => Promise<void>) | undefined;
    try {
      await db.exec("CREATE TABLE probe (secret_column text)");
      unlock = await holdTableLock(schema.other, "probe");
      for (
        const attempt of [
          () => db.query("SELECT secret_column FROM probe WHERE secret_column = $1", ["value-1"]),
          () => db.transaction((tx) => tx.query("INSERT INTO probe VALUES ($1)", ["value-2"])),
          () => db.exec("DELETE FROM probe"),
        ]
      ) {
        await bounded(
          assert.rejects(attempt, (thrown: unknown) => {
            const error = thrown as DatabaseTimeoutError;
            assert.equal(error.name, "DatabaseTimeoutError");
            assert.equal(error.code, "DB_TIMEOUT");
            assert.equal(error.sqlState, "55P03");
            assert.equal(sqlState(error), "55P03");
            assert.equal(error.reason, "lock_not_available");
            const shown = JSON.stringify({ ...error, message: error.message, stack: error.stack });
            for (const leak of ["secret_column", "value-", "probe"]) {
              assert.ok(!shown.includes(leak), `the error does not carry ${leak}`);
            }
            return true;
          }),
          "the blocked statement",
        );
      }
      assert.deepEqual([...await db.query("SELECT 1 AS one")], [{ one: 1 }]);
      await unlock();
      assert.deepEqual([...await db.query("SELECT count(*) AS n FROM probe")], [{ n: 0 }]);
    } finally {
      await unlock?.();
      await db.close();
      await schema.drop();
    }
  });

  Deno.test("[postgres] migrations run without the statement timeout, wait for another starter past the lock timeout, and keep the lock timeout for their own locks", async () => {
    const schema = await freshSchema();
    const timeouts = { statementTimeoutMs: 300, lockTimeoutMs: 200, idleInTransactionTimeoutMs: 0 };
    // One connection each, so SHOW afterwards sees the connection the migration used.
    const first = openPostgres(TEST_DATABASE_URL!, { schema: schema.name, max: 1, timeouts });
    const second = openPostgres(TEST_DATABASE_URL!, { schema: schema.name, max: 1, timeouts });
    let unlock: (() => Promise<void>) | undefined;
    try {
      // Longer than the statement timeout; the second starter waits longer than the lock timeout.
      const slow = await migrationFile(
        "0001_slow.sql",
        "CREATE TABLE slow (a int); SELECT pg_sleep(0.8);",
      );
      const results = await bounded(
        Promise.all([migrate(first, [slow]), migrate(second, [slow])]),
        "two concurrent migrate() calls",
      );
      assert.deepEqual(results.map((r) => r.applied.length).sort(), [0, 1]);
      for (const db of [first, second]) {
        const [row] = await db.query<Bounds>(BOUNDS_SQL);
        assert.deepEqual([row!.statement, row!.lock], ["300ms", "200ms"], "bounds restored");
      }

      const alter = await migrationFile("0002_alter.sql", "ALTER TABLE slow ADD COLUMN b int;");
      unlock = await holdTableLock(schema.other, "slow");
      await bounded(
        assert.rejects(() => migrate(first, [slow, alter]), (error: unknown) => {
          assert.equal(sqlState(error), "55P03");
          return true;
        }),
        "a migration blocked by a lock",
      );
      await unlock();
      assert.deepEqual((await migrate(first, [slow, alter])).applied, ["0002_alter.sql"]);
      const [row] = await first.query<Bounds>(BOUNDS_SQL);
      assert.deepEqual([row!.statement, row!.lock], ["300ms", "200ms"], "bounds restored");
    } finally {
      await unlock?.();
      await first.close();
      await second.close();
      await schema.drop();
    }
  });

  Deno.test("[postgres] a transaction left idle past the idle-in-transaction timeout is ended, releases its locks, and its late statements reach neither the server nor the next transaction", async () => {
    const schema = await freshSchema();
    // One connection, so the next transaction runs on the connection the pool reopened.
    const db = openPostgres(TEST_DATABASE_URL!, {
      schema: schema.name,
      max: 1,
      timeouts: { statementTimeoutMs: 0, lockTimeoutMs: 0, idleInTransactionTimeoutMs: 500 },
    });
    const resumeFirst = gate();
    const resumeSecond = gate();
    try {
      await db.exec("CREATE TABLE held (v text)");
      const locked = gate();
      let late: unknown;
      const abandoned = db.transaction(async (tx) => {
        await tx.exec("LOCK TABLE held IN ACCESS EXCLUSIVE MODE");
        locked.open();
        await resumeFirst.opened; // work that forgot the database
        late = await tx.query("INSERT INTO held VALUES ('late')").then(() => "sent", (e) => e);
      });
      abandoned.catch(() => {});
      await locked.opened;
      // Another session gets the table once the server has ended the idle transaction.
      await bounded(schema.other.query("SELECT count(*) FROM held"), "a read of the locked table");
      await bounded(assert.rejects(() => abandoned), "the abandoned transaction");

      const inserted = gate();
      const next = db.transaction(async (tx) => {
        await tx.query("INSERT INTO held VALUES ('next')");
        inserted.open();
        await resumeSecond.opened;
        throw new Error("the next transaction rolls back");
      });
      next.catch(() => {});
      await inserted.opened;
      resumeFirst.open(); // the abandoned callback goes on while the next transaction is open
      await bounded(until(() => late !== undefined), "the late statement");
      assert.equal((late as Error).name, "TransactionEndedError", "the late statement is refused");
      resumeSecond.open();
      await bounded(
        assert.rejects(() => next, /the next transaction rolls back/),
        "the next transaction",
      );
      assert.deepEqual(
        [...await schema.other.query("SELECT v FROM held")],
        [],
        "nothing committed",
      );
      assert.deepEqual([...await db.query("SELECT 1 AS one")], [{ one: 1 }], "the pool goes on");
    } finally {
      resumeFirst.open();
      resumeSecond.open();
      await db.close();
      await schema.drop();
    }
  });

  Deno.test("[postgres] a transaction whose session is terminated under a statement rejects; the process and the pool go on", async () => {
    const schema = await freshSchema();
    const db = openPostgres(TEST_DATABASE_URL!, { schema: schema.name, max: 1 });
    try {
      let pid: number | undefined;
      const doomed = db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        pid = row!.pid;
        await tx.query("SELECT pg_sleep(5)");
      });
      doomed.catch(() => {});
      await bounded(until(() => pid !== undefined), "the transaction's first statement");
      await schema.other.query("SELECT pg_terminate_backend($1)", [pid]);
      await bounded(assert.rejects(() => doomed), "the terminated transaction");
      // postgres.js may hand the old session's 57P01 to the first statement on the reopened
      // connection (an upstream quirk); the pool answers again right after it.
      let answered = false;
      for (let attempt = 0; attempt < 3 && !answered; attempt++) {
        answered = await db.query("SELECT 1 AS one").then(() => true, () => false);
      }
      assert.ok(answered, "the pool answers again");
    } finally {
      await db.close();
      await schema.drop();
    }
  });
}

Deno.test("[pglite] the embedded database gets no bounds: PGlite does not enforce them", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "rf_bounds_" });
  try {
    const db = await openDatabase(testConfig({
      DATA_DIR: dataDir,
      DB_STATEMENT_TIMEOUT_MS: "1500",
      DB_LOCK_TIMEOUT_MS: "250",
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: "4000",
    }));
    try {
      const [row] = await db.query<Omit<Bounds, "pid">>(
        `SELECT current_setting('statement_timeout') AS statement,
                current_setting('lock_timeout') AS lock,
                current_setting('idle_in_transaction_session_timeout') AS idle`,
      );
      assert.deepEqual([row!.statement, row!.lock, row!.idle], ["0", "0", "0"]);
    } finally {
      await db.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
