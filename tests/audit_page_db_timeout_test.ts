/**
 * The audit log page (/audit) whose read waits behind a lock held by another session answers the
 * HTML error page with 503 and Retry-After, logs `database timeout` and counts it, like the other
 * pages (tests/db_timeout_pages_test.ts): it does not say "No matching records.", which would
 * tell a steward that nothing happened. A cursor that is not one of ours is a 400 of its own
 * (tests/audit_cursor_test.ts), not a 503.
 */
import assert from "node:assert/strict";
import { renderPrometheus } from "../lib/telemetry/mod.ts";
import { withTimeout } from "../lib/timeout.ts";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { boundedApp, holdTableLock } from "./helpers/db_bounds.ts";
import { hasPostgres } from "./helpers/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Bounds a hung request so the test fails instead of waiting for ever (not a timing assertion). */
const ANSWER_BOUND_MS = 20_000;

Deno.test({
  name: "/audit with a cursor that is not valid answers 400, not an empty list",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const admin = await signInAs(app, "ADMIN");
      const response = await app.request("/audit?cursor=not-a-cursor", {
        headers: { cookie: admin.cookie },
      });
      assert.equal(response.status, 400);
      const html = await response.text();
      assert.ok(!html.includes("No matching records"));
      assert.match(html, /This link to older entries is not valid/);
    } finally {
      await app.dispose();
    }
  },
});

if (hasPostgres()) {
  Deno.test({
    name:
      "[postgres] /audit whose read waits behind a lock answers 503 with Retry-After, is logged and counted as DB_TIMEOUT, and shows the records once the lock is gone",
    ...opts,
    async fn() {
      const { app, other } = await boundedApp({ DB_LOCK_TIMEOUT_MS: "200" }, {
        RATE_LIMIT_PER_MIN: "0",
      });
      let unlock: (() => Promise<void>) | undefined;
      try {
        const admin = await signInAs(app, "ADMIN");
        unlock = await holdTableLock(other, "audit_log", "ACCESS EXCLUSIVE");
        const response = await withTimeout(
          app.request("/audit", { headers: { cookie: admin.cookie } }),
          ANSWER_BOUND_MS,
          () => new Error("GET /audit did not answer while the lock was held"),
        );
        assert.equal(response.status, 503);
        assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
        assert.equal(response.headers.get("retry-after"), "5");
        const html = await response.text();
        assert.match(html, /class="error-page"/);
        assert.ok(!html.includes("No matching records"), "the page does not say there are none");
        for (const leak of ["SELECT", "LOCK", "canceling", "audit_log"]) {
          assert.ok(!html.includes(leak), `the page does not mention ${leak}`);
        }
        await unlock();
        unlock = undefined;

        const logs = app.logs
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((record) => record.msg === "database timeout");
        assert.deepEqual(
          logs.map((record) => [record.level, record.reason, record.route, record.method]),
          [["warn", "lock_not_available", "/audit", "GET"]],
        );
        assert.match(
          await renderPrometheus(app.services.metrics.registry),
          /^db_timeouts_total\{reason="lock_not_available"\} 1$/m,
        );

        const after = await app.request("/audit", { headers: { cookie: admin.cookie } });
        assert.equal(after.status, 200);
        assert.ok(!(await after.text()).includes("No matching records"), "the sign-in is listed");
      } finally {
        await unlock?.();
        await app.dispose();
      }
    },
  });
}
