/**
 * DB_STATEMENT_TIMEOUT_MS, DB_LOCK_TIMEOUT_MS and DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: documented
 * defaults, 0 for off, bounded ranges, and a one-line start-up error that never echoes the value.
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../lib/config.ts";
import { spawnApp } from "./helpers/process.ts";

const RANGES = {
  DB_STATEMENT_TIMEOUT_MS: "must be 0 (off) or a whole number of milliseconds from 100 to 3600000",
  DB_LOCK_TIMEOUT_MS: "must be 0 (off) or a whole number of milliseconds from 100 to 3600000",
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS:
    "must be 0 (off) or a whole number of milliseconds from 1000 to 86400000",
} as const;

Deno.test("loadConfig() bounds database statements by default: 15 s statements, 5 s lock waits, 60 s idle in a transaction", () => {
  assert.deepEqual(loadConfig({}).database, {
    statementTimeoutMs: 15_000,
    lockTimeoutMs: 5_000,
    idleInTransactionTimeoutMs: 60_000,
  });
});

Deno.test("loadConfig() reads the database bounds, 0 (off) and the ends of their ranges", () => {
  assert.deepEqual(
    loadConfig({
      DB_STATEMENT_TIMEOUT_MS: "30000",
      DB_LOCK_TIMEOUT_MS: " 100 ",
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: "86400000",
    }).database,
    { statementTimeoutMs: 30_000, lockTimeoutMs: 100, idleInTransactionTimeoutMs: 86_400_000 },
  );
  assert.deepEqual(
    loadConfig({
      DB_STATEMENT_TIMEOUT_MS: "0",
      DB_LOCK_TIMEOUT_MS: "0",
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: "0",
    }).database,
    { statementTimeoutMs: 0, lockTimeoutMs: 0, idleInTransactionTimeoutMs: 0 },
  );
  assert.equal(loadConfig({ DB_STATEMENT_TIMEOUT_MS: "" }).database.statementTimeoutMs, 15_000);
});

Deno.test("loadConfig() refuses a database bound that is not 0 or a whole number in range, naming the variable without the value", () => {
  const bad = {
    DB_STATEMENT_TIMEOUT_MS: ["15s", "-1", "99", "3600001", "1.5", "1e9", "abc"],
    DB_LOCK_TIMEOUT_MS: ["5s", "-5", "50", "3600001", "0.5"],
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: ["1min", "999", "86400001", "-1000"],
  };
  for (const [variable, values] of Object.entries(bad)) {
    for (const value of values) {
      assert.throws(() => loadConfig({ [variable]: value }), (error: unknown) => {
        assert.ok(error instanceof ConfigError, `${variable}=${value}`);
        assert.equal(error.variable, variable);
        assert.equal(
          error.message,
          `Invalid configuration: ${variable} ${RANGES[variable as keyof typeof RANGES]}`,
        );
        return true;
      });
    }
  }
});

Deno.test("a bad DB_LOCK_TIMEOUT_MS stops the start with one line and exit 1", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "rf_bounds_start_" });
  const app = spawnApp({ DB_LOCK_TIMEOUT_MS: "5 seconds", DATA_DIR: dataDir });
  try {
    const started = await Promise.race([
      app.listening.then(() => true, () => false),
      app.status.then(() => false),
    ]);
    assert.equal(started, false, "the app must not start with a bad value");
    assert.equal((await app.status).code, 1);
    assert.deepEqual(app.stderr, [
      `Invalid configuration: DB_LOCK_TIMEOUT_MS ${RANGES.DB_LOCK_TIMEOUT_MS}`,
    ]);
    assert.equal(app.records.length, 0, "nothing else is logged");
  } finally {
    try {
      app.child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await app.status;
    await Deno.remove(dataDir, { recursive: true });
  }
});
