/**
 * A request that meets a database out of reach (connection refused or lost, server restarting)
 * answers 503 with Retry-After — an HTML page for a form, problem+json for the API — not 500.
 * The database is made to fail the way postgres.js reports a lost server, after sign-in (so the
 * session is in the verified-credential memory and the request gets as far as its own queries).
 */
import assert from "node:assert/strict";
import type { Connection, Db } from "../lib/db/mod.ts";
import { isConnectionFailure } from "../lib/db/mod.ts";
import { buildTestApp, json } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { freshPglite } from "./helpers/db.ts";
import { until } from "./helpers/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** `db`, except that every statement fails with `code` while `down.value` is true. */
function failingWhen(db: Db, down: { value: boolean }, code: string): Db {
  const lost = () => Object.assign(new Error("write CONNECTION_CLOSED"), { code });
  const guard = <T>(run: () => Promise<T>): Promise<T> =>
    down.value ? Promise.reject(lost()) : run();
  const wrap = (conn: Connection): Connection => ({
    ...conn,
    query: (text, params) => guard(() => conn.query(text, params)),
    exec: (script) => guard(() => conn.exec(script)),
  });
  return {
    ...db,
    kind: db.kind,
    description: db.description,
    query: (text, params) => guard(() => db.query(text, params)),
    exec: (script) => guard(() => db.exec(script)),
    transaction: (fn) => guard(() => db.transaction((tx) => fn(wrap(tx)))),
    withAdvisoryLock: (key, fn) => guard(() => db.withAdvisoryLock(key, (c) => fn(wrap(c)))),
    ping: () => guard(() => db.ping()),
    close: () => db.close(),
  };
}

Deno.test("isConnectionFailure() tells an unreachable database from a refused statement", () => {
  for (
    const code of ["ECONNREFUSED", "CONNECTION_CLOSED", "57P01", "57P03", "08006", "ETIMEDOUT"]
  ) {
    assert.ok(isConnectionFailure(Object.assign(new Error("x"), { code })), code);
  }
  for (const code of ["23505", "22P02", "40001", "57014", undefined]) {
    assert.ok(!isConnectionFailure(Object.assign(new Error("x"), { code })), String(code));
  }
});

Deno.test({
  name: "a form or API call meeting an unreachable database answers 503 with Retry-After, not 500",
  ...opts,
  async fn() {
    const testDb = await freshPglite();
    const down = { value: false };
    const app = await buildTestApp({
      testDb: { db: failingWhen(testDb.db, down, "CONNECTION_CLOSED"), cleanup: testDb.cleanup },
    });
    try {
      const admin = await signInAs(app, "ADMIN");
      // One request while the database answers puts the session in the verified-credential
      // memory, so later requests get past sign-in to their own queries.
      const seen = await app.request("/api/auth/session", { headers: admin.headers() });
      assert.equal(seen.status, 200);
      await seen.body?.cancel();
      down.value = true;
      // Before: 500 "Something went wrong" (an unmapped driver error).
      const form = await app.request("/admin/users", {
        method: "POST",
        headers: {
          cookie: admin.cookie,
          origin: "http://localhost",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({
          csrf_token: admin.csrfToken,
          email: "new.person@example.org",
          role: "RESEARCHER",
          password: "a-long-enough-password-1",
        }).toString(),
      });
      assert.equal(form.status, 503);
      assert.match(form.headers.get("content-type") ?? "", /^text\/html/);
      assert.equal(form.headers.get("retry-after"), "5");
      assert.match(await form.text(), /The database cannot be reached right now/);

      const api = await app.request("/api/admin/users", { headers: admin.headers() });
      assert.equal(api.status, 503);
      assert.equal(api.headers.get("retry-after"), "5");
      assert.equal((await json<{ code: string }>(api)).code, "SERVICE_UNAVAILABLE");
    } finally {
      down.value = false;
      await app.dispose().catch(() => {});
    }
  },
});

Deno.test({
  name:
    "/login says sign-in is unavailable while the database is out of reach, and not for a corrupt mode row",
  ...opts,
  async fn() {
    const testDb = await freshPglite();
    const down = { value: false };
    const app = await buildTestApp({
      testDb: { db: failingWhen(testDb.db, down, "ECONNREFUSED"), cleanup: testDb.cleanup },
    });
    const loginPage = async () => await (await app.request("/login")).text();
    const mode = app.services.mode;
    try {
      assert.doesNotMatch(await loginPage(), /sign-in-unavailable/);

      down.value = true;
      // The instance's periodic re-read of the mode fails and it fails closed (MODE_TOGGLE.md).
      await until(() => mode.failedClosedBecause() !== undefined, "the mode to fail closed");
      assert.equal(mode.state().source, "fail-closed");
      const page = await loginPage();
      assert.match(page, /data-testid="sign-in-unavailable"/);
      assert.match(page, /the server cannot reach its database/);
      assert.match(page, /<form method="post" action="\/login"/, "the form stays, to retry");
      const attempt = await app.request("/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: "someone@example.org", password: "pw" }).toString(),
      });
      assert.equal(attempt.status, 503);
      await attempt.body?.cancel();

      down.value = false;
      await until(() => mode.failedClosedBecause() === undefined, "the mode to be read again");
      assert.doesNotMatch(await loginPage(), /sign-in-unavailable/);

      // A corrupt mode row also fails closed, but the database answers: no notice.
      await testDb.db.exec(
        "ALTER TABLE governance_config DROP CONSTRAINT IF EXISTS governance_config_mode_check",
      );
      await testDb.db.query(
        `INSERT INTO governance_config (key, value) VALUES ('mode', '{}'::jsonb)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      );
      await until(() => mode.failedClosedBecause() === "corrupt_row", "the corrupt row to be read");
      assert.doesNotMatch(await loginPage(), /sign-in-unavailable/);
    } finally {
      down.value = false;
      await app.dispose().catch(() => {});
    }
  },
});
