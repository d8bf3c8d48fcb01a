/**
 * A password change renews the session that made it: a new session secret is set as the cookie
 * (as at sign-in), the old secret is no longer accepted (a copied cookie stops working, here and
 * from another instance's memory), and the CSRF token, derived from the secret, changes with it.
 * The user's other sessions end as before; the audit entry is unchanged.
 */
import assert from "node:assert/strict";
import { json, type TestApp, withTestApp } from "./helpers/app.ts";
import {
  postForm,
  postJson,
  type Session,
  sessionStatus,
  signIn,
  signInAs,
  TEST_PASSWORD,
} from "./helpers/auth.ts";
import { withSplitCluster } from "./helpers/auth_invalidation_cluster.ts";
import { hasRedis } from "./helpers/env.ts";

const NEW_PASSWORD = "a brand new passphrase 42";
const opts = { sanitizeOps: false, sanitizeResources: false };

/** The cookie a response sets (`name=value`), and its attributes as sent. */
function setCookieOf(response: Response): { cookie: string; attributes: string[] } {
  const header = response.headers.get("set-cookie");
  assert.ok(header, "a new session cookie is set");
  const [cookie, ...attributes] = header.split(";").map((part) => part.trim());
  return { cookie: cookie!, attributes: attributes.map((a) => a.toLowerCase()).sort() };
}

/** The attributes sign-in sets on its cookie. */
async function signInCookieAttributes(app: TestApp, email: string): Promise<string[]> {
  const response = await app.request("/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: NEW_PASSWORD }),
  });
  assert.equal(response.status, 200);
  await response.body?.cancel();
  return setCookieOf(response).attributes;
}

async function csrfOf(app: TestApp, cookie: string): Promise<string> {
  const response = await app.request("/api/auth/session", { headers: { cookie } });
  assert.equal(response.status, 200);
  return (await json<{ csrfToken: string }>(response)).csrfToken;
}

async function auditAfter(app: TestApp, userId: string): Promise<unknown[]> {
  const rows = await app.db.query<{ after: unknown }>(
    "SELECT after FROM audit_log WHERE target_id = $1 AND action = 'user.password_change'",
    [userId],
  );
  return rows.map((row) => row.after);
}

const ENVS: Record<string, string>[] = [{}, {
  APP_ENV: "staging",
  ANALYTICS_IP_SALT: "x".repeat(32),
  // These apps run on a test PGlite; staging asks for the embedded database by name.
  EMBEDDED_DATABASE: "true",
}];
for (const env of ENVS) {
  const where = "APP_ENV" in env ? "[secure cookies]" : "[development]";
  Deno.test({
    name:
      `${where} /settings/account: the change renews this session (new cookie, old secret refused, new CSRF token on the next page)`,
    ...opts,
    async fn() {
      await withTestApp(async (app) => {
        const here = await signInAs(app, "RESEARCHER");
        const copied = here.cookie;
        const elsewhere = await signIn(app, here.user);
        const changed = await postForm(app, here, "/settings/account/password", [
          ["current_password", TEST_PASSWORD],
          ["new_password", NEW_PASSWORD],
          ["confirm_password", NEW_PASSWORD],
        ]);
        assert.equal(changed.status, 303);
        assert.equal(changed.headers.get("location"), "/settings/account?notice=password_changed");
        const renewed = setCookieOf(changed);
        assert.notEqual(renewed.cookie, copied);
        assert.equal(renewed.cookie.split("=")[0], copied.split("=")[0], "the same cookie name");
        assert.deepEqual(
          renewed.attributes,
          await signInCookieAttributes(app, here.user.email),
          "the same attributes as at sign-in",
        );
        assert.equal(await sessionStatus(app, copied), 401, "the old secret no longer works");
        assert.equal(await sessionStatus(app, elsewhere.cookie), 401, "other sessions end");
        assert.equal(await sessionStatus(app, renewed.cookie), 200, "still signed in here");

        const next = await app.request("/settings/account?notice=password_changed", {
          headers: { cookie: renewed.cookie },
        });
        const html = await next.text();
        assert.match(html, /Your password was changed/);
        const token = await csrfOf(app, renewed.cookie);
        assert.notEqual(token, here.csrfToken);
        assert.match(html, new RegExp(`name="csrf_token" value="${token}"`), "the page works on");
        assert.deepEqual(await auditAfter(app, here.user.id), [{ otherSessionsEnded: 1 }]);
      }, env);
    },
  });
}

Deno.test({
  name:
    "POST /api/auth/password renews this session: new cookie, old secret refused, the new CSRF token from GET /api/auth/session",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const here = await signInAs(app, "STEWARD");
      const changed = await postJson(app, here, "/api/auth/password", {
        currentPassword: TEST_PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(changed.status, 204);
      const renewed = setCookieOf(changed);
      assert.notEqual(renewed.cookie, here.cookie);
      assert.equal(await sessionStatus(app, here.cookie), 401, "the old secret no longer works");
      const token = await csrfOf(app, renewed.cookie);
      assert.notEqual(token, here.csrfToken, "the CSRF token changed with the secret");

      // The old token is refused with the new cookie; the new one works.
      const stale = await app.request("/api/auth/logout", {
        method: "POST",
        headers: { cookie: renewed.cookie, "x-csrf-token": here.csrfToken },
      });
      assert.equal(stale.status, 403);
      await stale.body?.cancel();
      const out = await app.request("/api/auth/logout", {
        method: "POST",
        headers: { cookie: renewed.cookie, "x-csrf-token": token },
      });
      assert.equal(out.status, 204);
      await out.body?.cancel();

      const spec = await json<{
        paths: Record<string, { post?: { description?: string } }>;
      }>(await app.request("/api/openapi.json"));
      const description = spec.paths["/api/auth/password"]?.post?.description ?? "";
      assert.match(description, /CSRF token changes/);
      assert.match(description, /GET \/api\/auth\/session/);
    });
  },
});

Deno.test({
  name:
    "an administrator's own password set at /admin/users or through the admin API renews that session too",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const admin = await signInAs(app, "ADMIN");
      const form = await postForm(app, admin, `/admin/users/${admin.user.id}/password`, [
        ["password", NEW_PASSWORD],
        ["current_password", TEST_PASSWORD],
      ]);
      assert.equal(form.status, 303);
      const renewed = setCookieOf(form);
      assert.equal(await sessionStatus(app, admin.cookie), 401, "the old secret no longer works");
      assert.equal(await sessionStatus(app, renewed.cookie), 200);

      const session: Session = {
        user: admin.user,
        cookie: renewed.cookie,
        csrfToken: await csrfOf(app, renewed.cookie),
        headers(extra = {}) {
          return { cookie: this.cookie, "x-csrf-token": this.csrfToken, ...extra };
        },
      };
      const api = await postJson(app, session, `/api/admin/users/${admin.user.id}/password`, {
        password: "yet another passphrase 7",
        currentPassword: NEW_PASSWORD,
      });
      assert.equal(api.status, 204);
      const again = setCookieOf(api);
      assert.equal(await sessionStatus(app, renewed.cookie), 401);
      assert.equal(await sessionStatus(app, again.cookie), 200);
    });
  },
});

Deno.test({
  name:
    "[pglite] the secret a password change replaced is not served from another instance's memory",
  ignore: !hasRedis(),
  ...opts,
  async fn() {
    await withSplitCluster("pglite", {}, async (cluster) => {
      const { a, b } = cluster;
      const here = await signInAs(a, "RESEARCHER");
      const bystander = await signInAs(a, "RESEARCHER");
      assert.equal(await sessionStatus(b, here.cookie), 200, "B remembers the session");
      assert.equal(await sessionStatus(b, bystander.cookie), 200);
      const changed = await postJson(a, here, "/api/auth/password", {
        currentPassword: TEST_PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(changed.status, 204);
      await cluster.bHasReadUpToNow();
      cluster.cutDbOfB();
      const old = await b.request("/api/auth/session", { headers: { cookie: here.cookie } });
      assert.equal(old.status, 503, "the old secret is not served from memory");
      await old.body?.cancel();
      assert.equal(await sessionStatus(b, bystander.cookie), 200, "others still from memory");
    });
  },
});
