/**
 * What an administrator does about an account locked by wrong passwords (SECURITY.md, Lock-outs):
 * `deno task user reset-password <email>` lifts the account's lock (and sets a new password);
 * "Clear lock" on /admin/users lifts one lock, account or address, without changing the password.
 * A lock on the client address is not lifted by a password reset.
 */
import assert from "node:assert/strict";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { hashSecret } from "../lib/auth/tokens.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createUser, loginStatus, signInAs, TEST_PASSWORD } from "./helpers/auth.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";
import { runUserCli } from "./helpers/user_cli.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function lockAccount(app: TestApp, email: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    assert.equal(await loginStatus(app, email, "wrong password here"), 401);
  }
  assert.equal(await loginStatus(app, email, TEST_PASSWORD), 429, "locked");
}

Deno.test({
  name: "[postgres] deno task user reset-password lifts the account's sign-in lock",
  ignore: !hasPostgres(),
  ...opts,
  async fn() {
    const server = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    const database = uniqueName("rf_lock");
    await server.exec(`CREATE DATABASE ${database}`);
    const url = new URL(TEST_DATABASE_URL!);
    url.pathname = `/${database}`;
    const db = openPostgres(url.href, { max: 5 });
    let app: TestApp | undefined;
    try {
      await migrate(db, await readMigrations(bundledMigrationsDir()));
      app = await buildTestApp({
        testDb: { db, cleanup: () => db.close() },
        env: { RATE_LIMIT_PER_MIN: "0" },
      });
      const user = await createUser(app, { role: "RESEARCHER" });
      await lockAccount(app, user.email);

      const reset = await runUserCli(
        { DATABASE_URL: url.href },
        ["reset-password", user.email, "--password-stdin"],
        "a fresh long passphrase 9\n",
      );
      assert.equal(reset.code, 0, reset.stderr);
      assert.equal(
        await loginStatus(app, user.email, "a fresh long passphrase 9"),
        200,
        "unlocked",
      );
      const left = await db.query("SELECT 1 FROM login_throttle WHERE key = $1", [
        await hashSecret(`account:${user.email}`),
      ]);
      assert.equal(left.length, 0);
    } finally {
      await app?.dispose();
      if (!app) await db.close();
      await server.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await server.close();
    }
  },
});

Deno.test({
  name:
    "/admin/users: Clear lock lifts an account's lock without changing its password; a reset leaves an address lock",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const admin = await signInAs(app, "ADMIN");
      const user = await createUser(app, { role: "STEWARD" });
      await lockAccount(app, user.email);

      const page = await (await app.request("/admin/users", { headers: { cookie: admin.cookie } }))
        .text();
      const key = await hashSecret(`account:${user.email}`);
      assert.ok(page.includes(`action="/admin/locks/${key}/clear"`), "listed with its button");
      const cleared = await app.request(`/admin/locks/${key}/clear`, {
        method: "POST",
        headers: {
          cookie: admin.cookie,
          origin: "http://localhost",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ csrf_token: admin.csrfToken }).toString(),
        redirect: "manual",
      });
      assert.equal(cleared.status, 303);
      assert.equal(
        await loginStatus(app, user.email, TEST_PASSWORD),
        200,
        "same password, unlocked",
      );

      // 20 failures from one address lock the address; a password reset lifts the account's
      // lock only.
      for (let i = 0; i < 20; i++) {
        await loginStatus(app, `nobody-${i}@example.org`, "wrong password here");
      }
      await app.services.auth.resetPassword(user.id, "a fresh long passphrase 9", {
        type: "system",
      });
      assert.equal(
        await loginStatus(app, user.email, "a fresh long passphrase 9"),
        429,
        "address lock",
      );
    } finally {
      await app.dispose();
    }
  },
});
