/**
 * Password changes need the current password:
 * - every role changes their own at /settings/account (or POST /api/auth/password): the current
 *   password is checked like a sign-in and counts against the same lock, the other sessions end
 *   and this one stays (under a new secret), audited;
 * - an administrator setting a password at /admin/users (or through the API) confirms with their
 *   own: a wrong one changes nothing, ends no session and counts toward their lock; on their own
 *   account it is a change of their own password.
 */
import assert from "node:assert/strict";
import { json, type TestApp, withTestApp } from "./helpers/app.ts";
import {
  createToken,
  createUser,
  loginStatus,
  postForm,
  postJson,
  sessionStatus,
  signIn,
  signInAs,
  TEST_PASSWORD,
} from "./helpers/auth.ts";

const NEW_PASSWORD = "a brand new passphrase 42";
const WRONG = "not my password at all";
const opts = { sanitizeOps: false, sanitizeResources: false };

const changeForm = (current: string, next = NEW_PASSWORD, confirm = next): [string, string][] => [
  ["current_password", current],
  ["new_password", next],
  ["confirm_password", confirm],
];

/** The session cookie (`name=value`) a password change set: this session, renewed. */
function renewedCookie(response: Response): string {
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  assert.ok(cookie, "the renewed session's cookie is set");
  return cookie;
}

async function passwordHash(app: TestApp, id: string): Promise<string> {
  const [row] = await app.db.query<{ password_hash: string }>(
    "SELECT password_hash FROM users WHERE id = $1",
    [id],
  );
  return row!.password_hash;
}

/** The failures counted against an account's sign-in lock (0 when none). */
async function accountFailures(app: TestApp, email: string): Promise<number> {
  const key = app.services.auth.lockKeys.account(email);
  const [row] = await app.db.query<{ failures: number }>(
    "SELECT failures FROM login_throttle WHERE key = $1",
    [key],
  );
  return row?.failures ?? 0;
}

async function auditActions(app: TestApp, userId: string): Promise<string[]> {
  const rows = await app.db.query<{ action: string }>(
    "SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id",
    [userId],
  );
  return rows.map((r) => r.action);
}

/**
 * The text of the page's error notices and of the messages of its error summary (a form refused
 * for what was typed lists them there, each linked to its field).
 */
function errorsOf(html: string): string {
  const notices = [...html.matchAll(/<p class="notice notice--error" role="alert"[^>]*>([^<]*)</g)];
  const summary = html.slice(html.indexOf('data-testid="form-errors"'));
  const listed = html.includes('data-testid="form-errors"')
    ? [...summary.slice(0, summary.indexOf("</ul>")).matchAll(/<li>(?:<a [^>]*>)?([^<]*)</g)]
    : [];
  return [...notices, ...listed].map((m) => m[1]).join(" | ");
}

for (const role of ["RESEARCHER", "STEWARD", "ADMIN"] as const) {
  Deno.test({
    name:
      `${role}: /settings/account changes the own password with the current one; other sessions end, this one stays`,
    ...opts,
    async fn() {
      await withTestApp(async (app) => {
        const user = await createUser(app, { role });
        const here = await signIn(app, user);
        const elsewhere = await signIn(app, user);

        const page = await app.request("/settings/account", { headers: { cookie: here.cookie } });
        assert.equal(page.status, 200);
        assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
        const html = await page.text();
        assert.match(html, /<a href="\/settings\/account"[^>]* class="nav__link/, "in the nav");
        assert.match(html, /<form method="post" action="\/settings\/account\/password"/);
        assert.match(html, new RegExp(`name="csrf_token" value="${here.csrfToken}"`));
        for (const field of ["current_password", "new_password", "confirm_password"]) {
          assert.match(html, new RegExp(`type="password" name="${field}"`));
        }

        const changed = await postForm(
          app,
          here,
          "/settings/account/password",
          changeForm(TEST_PASSWORD),
        );
        assert.equal(changed.status, 303);
        assert.equal(changed.headers.get("location"), "/settings/account?notice=password_changed");
        // This session stays, renewed under a new secret (tests/auth_review_session_renew_test.ts).
        const renewed = renewedCookie(changed);
        assert.equal(await sessionStatus(app, renewed), 200, "this session stays");
        assert.equal(await sessionStatus(app, here.cookie), 401, "under a new secret");
        assert.equal(await sessionStatus(app, elsewhere.cookie), 401, "the other one ended");
        assert.equal(await loginStatus(app, user.email, TEST_PASSWORD), 401);
        assert.equal(await loginStatus(app, user.email, NEW_PASSWORD), 200);
        assert.ok((await auditActions(app, user.id)).includes("user.password_change"));
        const notice = await app.request("/settings/account?notice=password_changed", {
          headers: { cookie: renewed },
        });
        assert.match(await notice.text(), /Your password was changed/);
      });
    },
  });
}

Deno.test({
  name:
    "/settings/account: a wrong current password changes nothing, ends nothing, and counts toward the lock that also stops sign-in",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const user = await createUser(app, { role: "RESEARCHER" });
      const here = await signIn(app, user);
      const elsewhere = await signIn(app, user);
      const before = await passwordHash(app, user.id);

      // Checked before the current password: cost no attempt.
      const mismatch = await postForm(
        app,
        here,
        "/settings/account/password",
        changeForm(WRONG, NEW_PASSWORD, "something else entirely"),
      );
      assert.equal(mismatch.status, 400);
      assert.match(errorsOf(await mismatch.text()), /two new passwords differ/);
      const short = await postForm(
        app,
        here,
        "/settings/account/password",
        changeForm(WRONG, "short"),
      );
      assert.equal(short.status, 400);
      assert.match(errorsOf(await short.text()), /at least 12 characters/);
      assert.equal(await accountFailures(app, user.email), 0);

      for (let i = 1; i <= 5; i++) {
        const wrong = await postForm(app, here, "/settings/account/password", changeForm(WRONG));
        assert.equal(wrong.status, 400, `attempt ${i}`);
        const html = await wrong.text();
        assert.match(errorsOf(html), /Your current password is not correct/);
        assert.ok(!html.includes(WRONG) && !html.includes(NEW_PASSWORD), "no password echoed");
        assert.equal(await accountFailures(app, user.email), i);
      }
      assert.equal(await passwordHash(app, user.id), before, "unchanged");
      assert.equal(await sessionStatus(app, here.cookie), 200);
      assert.equal(await sessionStatus(app, elsewhere.cookie), 200, "no session ended");
      const actions = await auditActions(app, user.id);
      assert.equal(actions.filter((a) => a === "auth.password_check_failed").length, 5);
      assert.ok(!actions.includes("user.password_change"));

      // Locked: the right password is refused too, here and at sign-in.
      const locked = await postForm(
        app,
        here,
        "/settings/account/password",
        changeForm(TEST_PASSWORD),
      );
      assert.equal(locked.status, 429);
      assert.equal(locked.headers.get("retry-after"), "60");
      assert.match(errorsOf(await locked.text()), /the account is locked/);
      assert.equal(await loginStatus(app, user.email, TEST_PASSWORD), 429);
      assert.equal(await passwordHash(app, user.id), before);
      assert.equal(await sessionStatus(app, here.cookie), 200, "still signed in here");
    });
  },
});

Deno.test({
  name: "/settings/account: the form needs the session's CSRF token",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const user = await createUser(app, { role: "RESEARCHER" });
      const here = await signIn(app, user);
      const before = await passwordHash(app, user.id);
      const forged = await app.request("/settings/account/password", {
        method: "POST",
        headers: {
          cookie: here.cookie,
          origin: "http://localhost",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams(changeForm(TEST_PASSWORD)).toString(),
        redirect: "manual",
      });
      assert.equal(forged.status, 403);
      await forged.body?.cancel();
      assert.equal(await passwordHash(app, user.id), before);
    });
  },
});

Deno.test({
  name:
    "POST /api/auth/password: 204 with the current password; 400 at $.currentPassword when wrong (counted); never for tokens",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const user = await createUser(app, { role: "STEWARD" });
      const here = await signIn(app, user);
      const elsewhere = await signIn(app, user);

      const wrong = await postJson(app, here, "/api/auth/password", {
        currentPassword: WRONG,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.headers.get("content-type"), "application/problem+json");
      const problem = await json<{ code: string; errors?: Array<{ path: string }> }>(wrong);
      assert.equal(problem.code, "VALIDATION_FAILED");
      assert.deepEqual(problem.errors?.map((i) => i.path), ["$.currentPassword"]);
      assert.equal(await accountFailures(app, user.email), 1);
      assert.equal(await sessionStatus(app, elsewhere.cookie), 200);

      const weak = await postJson(app, here, "/api/auth/password", {
        currentPassword: TEST_PASSWORD,
        newPassword: "aaaaaaaaaaaaaaaa",
      });
      assert.equal(weak.status, 400);
      await weak.body?.cancel();

      const token = await createToken(app, { scopes: ["jobs:read"] });
      const byToken = await app.request("/api/auth/password", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }),
      });
      assert.equal(byToken.status, 403);
      await byToken.body?.cancel();

      const ok = await postJson(app, here, "/api/auth/password", {
        currentPassword: TEST_PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(ok.status, 204);
      assert.equal(await accountFailures(app, user.email), 0, "a right password clears the count");
      assert.equal(await sessionStatus(app, renewedCookie(ok)), 200, "renewed");
      assert.equal(await sessionStatus(app, elsewhere.cookie), 401);
      assert.equal(await loginStatus(app, user.email, NEW_PASSWORD), 200);

      const spec = await json<{ paths: Record<string, { post?: unknown }> }>(
        await app.request("/api/openapi.json"),
      );
      assert.ok(spec.paths["/api/auth/password"]?.post, "documented in OpenAPI");
    });
  },
});

Deno.test({
  name:
    "/admin/users: setting another user's password needs the admin's own; a wrong one changes nothing, ends no session, counts toward the admin's lock",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const admin = await signInAs(app, "ADMIN");
      const target = await createUser(app, { role: "RESEARCHER" });
      const targetSession = await signIn(app, target);
      const before = await passwordHash(app, target.id);
      const path = `/admin/users/${target.id}/password`;

      const usersPage = await (await app.request("/admin/users", {
        headers: { cookie: admin.cookie },
      })).text();
      const form = usersPage.slice(usersPage.indexOf(`action="${path}"`));
      assert.match(
        form.slice(0, form.indexOf("</form>")),
        /Your password[\s\S]*name="current_password"/,
      );

      const missing = await postForm(app, admin, path, [["password", NEW_PASSWORD]]);
      assert.equal(missing.status, 400);
      assert.match(errorsOf(await missing.text()), /Enter your own password too/);

      const wrong = await postForm(app, admin, path, [
        ["password", NEW_PASSWORD],
        ["current_password", WRONG],
      ]);
      assert.equal(wrong.status, 400);
      const html = await wrong.text();
      assert.match(errorsOf(html), /Your current password is not correct/);
      // In the form that was sent, which stays open.
      assert.match(
        html,
        new RegExp(
          `<details open>[\\s\\S]{0,400}action="${path}"><div class="notice notice--error" role="alert" tabindex="-1" autofocus`,
        ),
      );
      assert.equal(await passwordHash(app, target.id), before, "unchanged");
      assert.equal(await sessionStatus(app, targetSession.cookie), 200, "the user's session stays");
      assert.equal(await sessionStatus(app, admin.cookie), 200, "the admin's session stays");
      assert.equal(await accountFailures(app, admin.user.email), 1, "counted for the admin");
      assert.equal(await accountFailures(app, target.email), 0);
      assert.ok(!(await auditActions(app, target.id)).includes("user.password_reset"));

      const right = await postForm(app, admin, path, [
        ["password", NEW_PASSWORD],
        ["current_password", TEST_PASSWORD],
      ]);
      assert.equal(right.status, 303);
      assert.equal(
        right.headers.get("location"),
        `/admin/users?notice=password_set&id=${target.id}`,
      );
      assert.equal(await sessionStatus(app, targetSession.cookie), 401, "the user's sessions end");
      assert.equal(await sessionStatus(app, admin.cookie), 200);
      assert.equal(await loginStatus(app, target.email, NEW_PASSWORD), 200);

      // Four more wrong ones lock the admin's own account: refused in the form, 429.
      for (let i = 0; i < 5; i++) {
        const again = await postForm(app, admin, path, [
          ["password", "yet another passphrase 7"],
          ["current_password", WRONG],
        ]);
        assert.equal(again.status, 400);
        await again.body?.cancel();
      }
      const locked = await postForm(app, admin, path, [
        ["password", "yet another passphrase 7"],
        ["current_password", TEST_PASSWORD],
      ]);
      assert.equal(locked.status, 429);
      assert.ok(locked.headers.get("retry-after"));
      assert.match(errorsOf(await locked.text()), /your account is locked/);
      assert.equal(await loginStatus(app, admin.user.email, TEST_PASSWORD), 429);
      assert.equal(await loginStatus(app, target.email, NEW_PASSWORD), 200, "nothing changed");
    });
  },
});

Deno.test({
  name:
    "/admin/users on the admin's own account: a link to /settings/account; a post needs the current password and keeps this session (renewed)",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const admin = await signInAs(app, "ADMIN");
      const other = await signIn(app, admin.user);
      const path = `/admin/users/${admin.user.id}/password`;
      const page = await (await app.request("/admin/users", {
        headers: { cookie: admin.cookie },
      })).text();
      assert.ok(!page.includes(`action="${path}"`), "no set-password form on one's own row");
      assert.match(page, /<a href="\/settings\/account" data-testid="own-password">/);

      const before = await passwordHash(app, admin.user.id);
      const wrong = await postForm(app, admin, path, [
        ["password", NEW_PASSWORD],
        ["current_password", WRONG],
      ]);
      assert.equal(wrong.status, 400);
      assert.match(errorsOf(await wrong.text()), /Your current password is not correct/);
      assert.equal(await passwordHash(app, admin.user.id), before);
      assert.equal(await sessionStatus(app, other.cookie), 200);

      const right = await postForm(app, admin, path, [
        ["password", NEW_PASSWORD],
        ["current_password", TEST_PASSWORD],
      ]);
      assert.equal(right.status, 303);
      assert.equal(right.headers.get("location"), "/admin/users?notice=own_password_changed");
      assert.equal(await sessionStatus(app, renewedCookie(right)), 200, "this session stays");
      assert.equal(await sessionStatus(app, admin.cookie), 401, "under a new secret");
      assert.equal(await sessionStatus(app, other.cookie), 401, "the other one ended");
      assert.ok((await auditActions(app, admin.user.id)).includes("user.password_change"));
    });
  },
});

Deno.test({
  name:
    "POST /api/admin/users/{id}/password needs currentPassword (the admin's own): wrong changes nothing, right sets it",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const admin = await signInAs(app, "ADMIN");
      const target = await createUser(app, { role: "STEWARD" });
      const targetSession = await signIn(app, target);
      const before = await passwordHash(app, target.id);
      const path = `/api/admin/users/${target.id}/password`;

      const without = await postJson(app, admin, path, { password: NEW_PASSWORD });
      assert.equal(without.status, 400);
      assert.equal((await json(without)).code, "VALIDATION_FAILED");

      const wrong = await postJson(app, admin, path, {
        password: NEW_PASSWORD,
        currentPassword: WRONG,
      });
      assert.equal(wrong.status, 400);
      const problem = await json<{ errors?: Array<{ path: string }> }>(wrong);
      assert.deepEqual(problem.errors?.map((i) => i.path), ["$.currentPassword"]);
      assert.equal(await passwordHash(app, target.id), before);
      assert.equal(await sessionStatus(app, targetSession.cookie), 200);
      assert.equal(await accountFailures(app, admin.user.email), 1);

      // Own account through the admin route: the current password is required as well.
      const own = await postJson(app, admin, `/api/admin/users/${admin.user.id}/password`, {
        password: NEW_PASSWORD,
        currentPassword: WRONG,
      });
      assert.equal(own.status, 400);
      await own.body?.cancel();
      assert.equal(await accountFailures(app, admin.user.email), 2);

      const right = await postJson(app, admin, path, {
        password: NEW_PASSWORD,
        currentPassword: TEST_PASSWORD,
      });
      assert.equal(right.status, 204);
      assert.equal(await sessionStatus(app, targetSession.cookie), 401);
      assert.equal(await loginStatus(app, target.email, NEW_PASSWORD), 200);
    });
  },
});
