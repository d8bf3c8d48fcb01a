/**
 * A lock on the client address (20 failed sign-ins from one address, for instance a hospital's
 * NAT) is not the signed-in user's account being locked: the password-change pages and APIs say
 * which lock refused, so that nobody is told their own account is locked because of someone
 * else's failures.
 */
import assert from "node:assert/strict";
import { json, type TestApp, withTestApp } from "./helpers/app.ts";
import {
  createUser,
  loginStatus,
  postForm,
  postJson,
  type Session,
  signIn,
  signInAs,
  TEST_PASSWORD,
} from "./helpers/auth.ts";

const NEW_PASSWORD = "a brand new passphrase 42";
const opts = { sanitizeOps: false, sanitizeResources: false };

/** 20 failed sign-ins with unknown emails from the test's one address: only the address locks. */
async function lockAddress(app: TestApp): Promise<void> {
  for (let i = 0; i < 20; i++) {
    assert.equal(await loginStatus(app, `nobody-${i}@example.org`, "wrong password"), 401);
  }
}

/** The text of the page's error notices (a lock is a notice, not about a field). */
function noticesOf(html: string): string {
  return [...html.matchAll(/<p class="notice notice--error" role="alert"[^>]*>([^<]*)</g)]
    .map((m) => m[1]).join(" | ");
}

async function lockKinds(app: TestApp, admin: Session): Promise<string[]> {
  const body = await json<{ locks: Array<{ kind: string }> }>(
    await app.request("/api/admin/locks", { headers: admin.headers() }),
  );
  return body.locks.map((lock) => lock.kind);
}

Deno.test({
  name:
    "an address lock refuses the own password change as a lock of the network address, not of the account",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const admin = await signInAs(app, "ADMIN");
      const user = await createUser(app, { role: "RESEARCHER" });
      const userSession = await signIn(app, user);
      await lockAddress(app);
      assert.deepEqual(await lockKinds(app, admin), ["ip"], "only the address is locked");

      // /settings/account with the right current password.
      const page = await postForm(app, userSession, "/settings/account/password", [
        ["current_password", TEST_PASSWORD],
        ["new_password", NEW_PASSWORD],
        ["confirm_password", NEW_PASSWORD],
      ]);
      assert.equal(page.status, 429);
      assert.ok(page.headers.get("retry-after"));
      const pageText = noticesOf(await page.text());
      assert.match(pageText, /too many failed sign-ins from your network/i);
      assert.match(pageText, /clear the lock for your network address/);
      assert.doesNotMatch(pageText, /account is locked/);

      // POST /api/auth/password: the same stable code, a detail that names the address.
      const api = await postJson(app, userSession, "/api/auth/password", {
        currentPassword: TEST_PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(api.status, 429);
      const problem = await json<{ code: string; detail: string }>(api);
      assert.equal(problem.code, "RATE_LIMITED");
      assert.match(problem.detail, /from your network/);
      assert.doesNotMatch(problem.detail, /this account|account is locked/);

      // The administrator's set-password form on /admin/users.
      const target = await createUser(app, { role: "STEWARD" });
      const form = await postForm(app, admin, `/admin/users/${target.id}/password`, [
        ["password", NEW_PASSWORD],
        ["current_password", TEST_PASSWORD],
      ]);
      assert.equal(form.status, 429);
      const formText = noticesOf(await form.text());
      assert.match(formText, /too many failed sign-ins from your network/i);
      assert.match(formText, /clear the lock for your network address/);
      assert.doesNotMatch(formText, /your account is locked/);

      // And its API.
      const adminApi = await postJson(app, admin, `/api/admin/users/${target.id}/password`, {
        password: NEW_PASSWORD,
        currentPassword: TEST_PASSWORD,
      });
      assert.equal(adminApi.status, 429);
      const adminProblem = await json<{ code: string; detail: string }>(adminApi);
      assert.equal(adminProblem.code, "RATE_LIMITED");
      assert.match(adminProblem.detail, /from your network/);
      assert.deepEqual(await lockKinds(app, admin), ["ip"], "still no account lock");
    });
  },
});

Deno.test({
  name: "an account lock still says that the account is locked",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const user = await createUser(app, { role: "RESEARCHER" });
      const session = await signIn(app, user);
      for (let i = 0; i < 5; i++) {
        assert.equal(await loginStatus(app, user.email, "wrong password"), 401);
      }
      const page = await postForm(app, session, "/settings/account/password", [
        ["current_password", TEST_PASSWORD],
        ["new_password", NEW_PASSWORD],
        ["confirm_password", NEW_PASSWORD],
      ]);
      assert.equal(page.status, 429);
      const text = noticesOf(await page.text());
      assert.match(text, /the account is locked/);
      assert.doesNotMatch(text, /network/);
      const api = await postJson(app, session, "/api/auth/password", {
        currentPassword: TEST_PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(api.status, 429);
      const problem = await json<{ code: string; detail: string }>(api);
      assert.equal(problem.code, "RATE_LIMITED");
      assert.match(problem.detail, /this account/);
    });
  },
});
