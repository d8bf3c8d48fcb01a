/**
 * An unexpected database error (not a timeout, not read-only, not an audit write) answers 500 and
 * logs `unhandled error` with the error's class only: for a Postgres error that said
 * `PostgresError` and nothing an operator could act on. The line now carries the SQLSTATE as the
 * `database timeout` and `audit write failed` lines do (a code, never the message: that can hold
 * SQL or values). Here: the audit table renamed away under a running app, 42P01 (undefined_table).
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] an unexpected database error logs its SQLSTATE, never its message`, async () => {
    const testDb = await target.open();
    const app = await buildTestApp({ testDb });
    try {
      const admin = await signInAs(app, "ADMIN");
      await testDb.db.exec("ALTER TABLE audit_log RENAME TO audit_log_elsewhere");
      const response = await app.request("/api/audit", {
        headers: { cookie: admin.cookie, accept: "application/json" },
      });
      assert.equal(response.status, 500);
      const body = await response.text();
      assert.equal(JSON.parse(body).code, "INTERNAL_ERROR");
      assert.ok(!body.includes("audit_log"), "no SQL or relation name in the answer");
      const records = app.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
      const unhandled = records.filter((record) => record.msg === "unhandled error");
      assert.equal(unhandled.length, 1);
      assert.equal(unhandled[0]!.sqlState, "42P01");
      assert.ok(!app.logs.join("\n").includes("audit_log"), "no relation name in the log");
    } finally {
      await testDb.db.exec("ALTER TABLE IF EXISTS audit_log_elsewhere RENAME TO audit_log")
        .catch(() => {});
      await app.dispose();
    }
  });
}
