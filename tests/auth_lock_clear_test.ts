/**
 * What an administrator does about an account locked by wrong passwords (SECURITY.md, Lock-outs):
 * `deno task user reset-password <email>` lifts the account's lock (and sets a new password);
 * "Clear lock" on /admin/users lifts one lock, account or address, without changing the password.
 * A lock on the client address is not lifted by a password reset.
 */
import assert from "node:assert/strict";
import {
  bundledMigrationsDir,
  type Db,
  migrate,
  openPostgres,
  readMigrations,
} from "../lib/db/mod.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createUser, loginStatus, signInAs, TEST_PASSWORD } from "./helpers/auth.ts";
import { hasPostgres } from "./helpers/env.ts";
import { freshCliDatabase, runUserCli } from "./helpers/user_cli.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/**
 * The deployment secret the lock keys derive from (lib/auth/lock_keys.ts): the command finds the
 * app's locks by email or address only with the app's own, as in a deployment, where both load
 * the same configuration.
 */
const SALT = "auth-lock-clear-test-salt-0123";

async function lockAccount(app: TestApp, email: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    assert.equal(await loginStatus(app, email, "wrong password here"), 401);
  }
  assert.equal(await loginStatus(app, email, TEST_PASSWORD), 429, "locked");
}

/**
 * Runs `fn` with an app on a fresh Postgres database that `deno task user` reaches at `url`
 * (the same ANALYTICS_IP_SALT, so both compute the same lock keys), dropped afterwards.
 */
async function withDatabaseApp(
  fn: (app: TestApp, url: string, db: Db) => Promise<void>,
): Promise<void> {
  const database = await freshCliDatabase();
  const db = openPostgres(database.url, { max: 5 });
  let app: TestApp | undefined;
  try {
    await migrate(db, await readMigrations(bundledMigrationsDir()));
    app = await buildTestApp({
      testDb: { db, cleanup: () => db.close() },
      env: { RATE_LIMIT_PER_MIN: "0", ANALYTICS_IP_SALT: SALT },
    });
    await fn(app, database.url, db);
  } finally {
    await app?.dispose();
    if (!app) await db.close();
    await database.drop();
  }
}

Deno.test({
  name: "[postgres] deno task user reset-password lifts the account's sign-in lock",
  ignore: !hasPostgres(),
  ...opts,
  async fn() {
    await withDatabaseApp(async (app, url, db) => {
      const user = await createUser(app, { role: "RESEARCHER" });
      await lockAccount(app, user.email);

      const reset = await runUserCli(
        { DATABASE_URL: url, ANALYTICS_IP_SALT: SALT },
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
        app.services.auth.lockKeys.account(user.email),
      ]);
      assert.equal(left.length, 0);
    });
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
      const key = app.services.auth.lockKeys.account(user.email);
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

Deno.test({
  name:
    "[postgres] deno task user locks / unlock: lists locks and clears an account's or an address's lock, password unchanged",
  ignore: !hasPostgres(),
  ...opts,
  async fn() {
    await withDatabaseApp(async (app, url, db) => {
      const env = { DATABASE_URL: url, ANALYTICS_IP_SALT: SALT };
      assert.match((await runUserCli(env, ["locks"])).stdout, /No account or address is locked/);

      const user = await createUser(app, { role: "ADMIN" });
      await lockAccount(app, user.email);
      // 20 failures from one address lock the address too (the test requests have no socket
      // address: the app sees "unknown").
      for (let i = 0; i < 15; i++) {
        await loginStatus(app, `nobody-${i}@example.org`, "wrong password here");
      }
      const listed = await runUserCli(env, ["locks"]);
      assert.equal(listed.code, 0, listed.stderr);
      const accountLine = listed.stdout.split("\n").find((l) => l.includes(user.email));
      assert.ok(accountLine, listed.stdout);
      assert.match(accountLine, /^[0-9a-f]{64}\t\S+\t5 failures\tlocked until \d{4}-/);
      const addressLine = listed.stdout.split("\n").find((l) => l.includes("a client address"));
      assert.ok(addressLine, listed.stdout);
      const addressKey = addressLine.split("\t")[0]!;

      // An address that is not locked: nothing to clear, and nothing else is touched.
      const other = await runUserCli(env, ["unlock", "203.0.113.9"]);
      assert.equal(other.code, 0, other.stderr);
      assert.match(other.stdout, /nothing to clear/);
      // Neither an email, an address nor a key: refused, saying what to give.
      const bad = await runUserCli(env, ["unlock", "not-a-key"]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /Give the account's email, the client address, or the lock's key/);

      // By email, in other letter case: the account's lock goes, its password unchanged.
      const byEmail = await runUserCli(env, ["unlock", user.email.toUpperCase()]);
      assert.equal(byEmail.code, 0, byEmail.stderr);
      assert.match(byEmail.stdout, new RegExp(`Sign-in lock on ${user.email} cleared`));
      // The address is still locked, so sign-in is still refused.
      assert.equal(await loginStatus(app, user.email, TEST_PASSWORD), 429, "address lock left");

      const byKey = await runUserCli(env, ["unlock", addressKey.slice(0, 10)]);
      assert.equal(byKey.code, 0, byKey.stderr);
      assert.match(byKey.stdout, /Sign-in lock on a client address cleared/);
      assert.equal(await loginStatus(app, user.email, TEST_PASSWORD), 200, "same password");
      assert.match((await runUserCli(env, ["locks"])).stdout, /No account or address is locked/);

      const audit = await db.query<{ actor_type: string }>(
        "SELECT actor_type FROM audit_log WHERE action = 'auth.lock_clear'",
      );
      assert.deepEqual(audit.map((row) => row.actor_type), ["system", "system"]);
    });
  },
});

Deno.test({
  name:
    "[postgres] deno task user locks / unlock with an ANALYTICS_IP_SALT other than the app's says so, never 'an unknown email'",
  ignore: !hasPostgres(),
  ...opts,
  async fn() {
    await withDatabaseApp(async (app, url) => {
      const user = await createUser(app, { role: "ADMIN" });
      await lockAccount(app, user.email);
      // Run with only DATABASE_URL (as the runbooks' other commands are), or another salt: the
      // command cannot compute the app's lock keys. It listed the administrator's lock as "an
      // account without a user (an unknown email)" and `unlock <email>` answered "nothing to
      // clear", so an operator would pass over the very lock to clear.
      for (
        const env of [
          { DATABASE_URL: url },
          { DATABASE_URL: url, ANALYTICS_IP_SALT: "x" + SALT },
        ] as Record<string, string>[]
      ) {
        const listed = await runUserCli(env, ["locks"]);
        assert.equal(listed.code, 0, listed.stderr);
        assert.doesNotMatch(listed.stdout, /unknown email/);
        assert.match(listed.stdout, /an account this ANALYTICS_IP_SALT cannot name/);
        assert.match(listed.stderr, /ANALYTICS_IP_SALT may not be the running app's/);
        const byEmail = await runUserCli(env, ["unlock", user.email]);
        assert.equal(byEmail.code, 1, byEmail.stdout);
        assert.match(byEmail.stderr, /No lock found with this ANALYTICS_IP_SALT/);
        assert.match(byEmail.stderr, /give the lock's key as `locks` lists it/);
        assert.equal(await loginStatus(app, user.email, TEST_PASSWORD), 429, "still locked");
      }
      // The key from the list still clears it, whatever the salt.
      const key = (await runUserCli({ DATABASE_URL: url }, ["locks"])).stdout.split("\t")[0]!;
      const byKey = await runUserCli({ DATABASE_URL: url }, ["unlock", key]);
      assert.equal(byKey.code, 0, byKey.stderr);
      assert.equal(await loginStatus(app, user.email, TEST_PASSWORD), 200, "unlocked by key");
      // With the app's salt: no warning.
      const same = await runUserCli({ DATABASE_URL: url, ANALYTICS_IP_SALT: SALT }, ["locks"]);
      assert.equal(same.stderr, "");
      // During a salt roll-out another instance started last with another salt: a lock this
      // salt finds is still cleared by email (it was refused as "not the running app's").
      await lockAccount(app, user.email);
      await app.db.query(
        "UPDATE governance_config SET value = '{\"fingerprint\":\"another\"}' WHERE key = 'lock_keys'",
      );
      const mixed = await runUserCli({ DATABASE_URL: url, ANALYTICS_IP_SALT: SALT }, [
        "unlock",
        user.email,
      ]);
      assert.equal(mixed.code, 0, mixed.stderr);
      assert.match(mixed.stdout, new RegExp(`Sign-in lock on ${user.email} cleared`));
      assert.match(mixed.stderr, /may not be the running app's/);
    });
  },
});
