/**
 * A request whose statement waits behind a lock held by another session answers 503 DB_TIMEOUT
 * (application/problem+json, Retry-After) once the server-side bound fires, instead of holding
 * the request and a pool connection for as long as the lock lasts. The pool is configured the
 * way main.ts configures it: `openDatabase(config)` with the `DB_*_TIMEOUT_MS` variables.
 * Timing is not asserted beyond "it answered before a generous test bound".
 */
import assert from "node:assert/strict";
import { renderPrometheus } from "../lib/telemetry/mod.ts";
import { withTimeout } from "../lib/timeout.ts";
import { json, type TestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { boundedApp, holdTableLock } from "./helpers/db_bounds.ts";
import { hasPostgres } from "./helpers/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Bounds a hung request so the test fails instead of waiting for ever (not a timing assertion). */
const ANSWER_BOUND_MS = 20_000;

/** The request's response, or a failure when it has not answered within {@link ANSWER_BOUND_MS}. */
function answered(app: TestApp, path: string, init?: RequestInit): Promise<Response> {
  return withTimeout(
    app.request(path, init),
    ANSWER_BOUND_MS,
    () => new Error(`${init?.method ?? "GET"} ${path} did not answer while the lock was held`),
  );
}

/** Asserts a 503 DB_TIMEOUT problem that names neither the statement nor the table. */
async function assertDbTimeout(response: Response): Promise<void> {
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal(response.headers.get("retry-after"), "5");
  const text = await response.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.equal(body.code, "DB_TIMEOUT");
  assert.equal(body.status, 503);
  assert.equal(body.title, "Database timeout");
  assert.equal(body.detail, "The database did not answer in time; try again shortly");
  assert.equal(typeof body.requestId, "string");
  for (const leak of ["SELECT", "INSERT", "LOCK", "audit_log", "feature_flags", "canceling"]) {
    assert.ok(!text.includes(leak), `the response does not mention ${leak}`);
  }
}

/** The log lines about database timeouts, parsed. */
function timeoutLogs(app: TestApp): Array<Record<string, unknown>> {
  return app.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => record.msg === "database timeout");
}

async function metricsText(app: TestApp): Promise<string> {
  return await renderPrometheus(app.services.metrics.registry);
}

if (hasPostgres()) {
  Deno.test({
    name:
      "[postgres] reads blocked by a table lock answer 503 DB_TIMEOUT (lock_not_available) with Retry-After, more of them than the pool holds, and the pool works afterwards",
    ...opts,
    async fn() {
      const t = await boundedApp({ DB_LOCK_TIMEOUT_MS: "200", DB_STATEMENT_TIMEOUT_MS: "10000" });
      let unlock: (() => Promise<void>) | undefined;
      try {
        const steward = await signInAs(t.app, "STEWARD");
        const ready = (await t.app.request("/health/ready")).status;
        assert.equal(
          (await t.app.request("/api/audit", { headers: steward.headers() })).status,
          200,
        );

        unlock = await holdTableLock(t.other, "audit_log");
        // More requests than the pool's 10 connections: each is bounded, none is stuck.
        const responses = await Promise.all(
          Array.from(
            { length: 14 },
            () => answered(t.app, "/api/audit", { headers: steward.headers() }),
          ),
        );
        for (const response of responses) await assertDbTimeout(response);
        // The lock is still held, but no connection is: the pool answers other work.
        assert.equal((await answered(t.app, "/health/ready")).status, ready);

        const logs = timeoutLogs(t.app);
        assert.equal(logs.length, 14, "one line per timed-out request");
        for (const record of logs) {
          assert.equal(record.level, "warn");
          assert.equal(record.sqlState, "55P03");
          assert.equal(record.reason, "lock_not_available");
          assert.equal(record.route, "/api/audit");
          assert.equal(record.method, "GET");
          assert.ok(!JSON.stringify(record).includes("audit_log"), "no SQL in the log");
        }
        assert.ok(
          !t.app.logs.some((line) => line.includes("unhandled error")),
          "a timeout is not an unhandled error (500)",
        );
        assert.match(
          await metricsText(t.app),
          /^db_timeouts_total\{reason="lock_not_available"\} 14$/m,
        );

        await unlock();
        const after = await answered(t.app, "/api/audit", { headers: steward.headers() });
        assert.equal(after.status, 200);
        assert.equal(after.headers.get("content-type"), "application/json");
        assert.ok(Array.isArray((await json<{ records: unknown[] }>(after)).records));
      } finally {
        await unlock?.();
        await t.app.dispose();
      }
    },
  });

  Deno.test({
    name:
      "[postgres] with DB_LOCK_TIMEOUT_MS=0 the statement timeout ends the wait: 503 DB_TIMEOUT (query_canceled)",
    ...opts,
    async fn() {
      const t = await boundedApp({ DB_LOCK_TIMEOUT_MS: "0", DB_STATEMENT_TIMEOUT_MS: "300" });
      let unlock: (() => Promise<void>) | undefined;
      try {
        const steward = await signInAs(t.app, "STEWARD");
        unlock = await holdTableLock(t.other, "audit_log");
        await assertDbTimeout(
          await answered(t.app, "/api/audit", { headers: steward.headers() }),
        );
        const [record] = timeoutLogs(t.app);
        assert.equal(record?.sqlState, "57014");
        assert.equal(record?.reason, "query_canceled");
        assert.equal(record?.route, "/api/audit");
        assert.match(await metricsText(t.app), /^db_timeouts_total\{reason="query_canceled"\} 1$/m);
        await unlock();
        assert.equal(
          (await answered(t.app, "/api/audit", { headers: steward.headers() })).status,
          200,
        );
      } finally {
        await unlock?.();
        await t.app.dispose();
      }
    },
  });

  Deno.test({
    name:
      "[postgres] a flag change blocked by a lock answers 503 DB_TIMEOUT through the flag store, then succeeds once the lock is gone",
    ...opts,
    async fn() {
      const t = await boundedApp({ DB_LOCK_TIMEOUT_MS: "200" });
      let unlock: (() => Promise<void>) | undefined;
      try {
        const admin = await signInAs(t.app, "ADMIN");
        const change = () =>
          answered(t.app, "/api/admin/feature-flags/timeout_probe", {
            method: "POST",
            headers: admin.headers({ "content-type": "application/json" }),
            body: JSON.stringify({ enabled: true, rolloutPercent: 100 }),
          });
        unlock = await holdTableLock(t.other, "feature_flags");
        await assertDbTimeout(await change());
        const [record] = timeoutLogs(t.app);
        assert.equal(record?.sqlState, "55P03");
        assert.equal(record?.route, "/api/admin/feature-flags/:name");
        assert.equal(record?.method, "POST");
        await unlock();
        const stored = await change();
        assert.equal(stored.status, 200);
        assert.equal((await json<{ success: boolean }>(stored)).success, true);
      } finally {
        await unlock?.();
        await t.app.dispose();
      }
    },
  });
}
