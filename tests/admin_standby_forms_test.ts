/**
 * /admin/users and /admin/tokens in STANDBY: the forms STANDBY pauses (add an account, set a
 * password, create a token) say so above them; their buttons stay enabled, because nothing would
 * enable them again when the mode changes (the user would have to reload and lose what they
 * typed). One submitted in STANDBY gets the same page back, 503 with Retry-After, the error in that
 * form and what was typed kept (never a password), and nothing is changed; sent again once the
 * platform is back in DEMO, it is done. What STANDBY still allows on those pages (demote,
 * deactivate, clear a lock, revoke) stays usable.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createUser, type Session, signInAs } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function postForm(app: TestApp, session: Session, path: string, fields: [string, string][]) {
  return app.request(path, {
    method: "POST",
    headers: {
      cookie: session.cookie,
      origin: "http://localhost",
      referer: "http://localhost/admin/users",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams([["csrf_token", session.csrfToken], ...fields]).toString(),
    redirect: "manual",
  });
}

async function get(app: TestApp, session: Session, path: string): Promise<string> {
  const response = await app.request(path, { headers: { cookie: session.cookie } });
  assert.equal(response.status, 200, path);
  return await response.text();
}

/** The `<form …>` element whose action is `action`, up to its end. */
function formOf(html: string, action: string): string {
  const start = html.indexOf(`<form method="post" action="${action}"`);
  assert.ok(start >= 0, `no form posting to ${action}`);
  return html.slice(start, html.indexOf("</form>", start) + 7);
}

/** The submit button of a form. */
function submitOf(form: string): string {
  return form.match(/<button type="submit"[^>]*>/)?.[0] ?? "";
}

const ERROR = /<p class="notice notice--error" role="alert"[^>]*>The platform is now in STANDBY/;

Deno.test({
  name:
    "STANDBY: the paused admin forms say so above them; their buttons stay enabled (a send is answered in the form)",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const admin = await signInAs(app, "ADMIN");
      const other = await createUser(app, { role: "STEWARD" });
      await app.services.auth.createToken({ name: "live", scopes: ["jobs:read"] }, {
        type: "system",
      });

      // DEMO: no notice, every button usable.
      let users = await get(app, admin, "/admin/users");
      assert.ok(!users.includes('data-testid="standby-paused"'));
      assert.ok(!submitOf(formOf(users, "/admin/users")).includes("disabled"));
      assert.ok(!submitOf(formOf(users, `/admin/users/${other.id}/password`)).includes("disabled"));

      await app.services.mode.setMode("STANDBY", { type: "system" });
      users = await get(app, admin, "/admin/users");
      const notice = users.indexOf('data-testid="standby-paused"');
      assert.ok(notice > 0, "the STANDBY notice");
      assert.ok(notice < users.indexOf(`action="/admin/users/${other.id}/password"`), "above");
      assert.match(
        users,
        /adding accounts, setting passwords, reactivating accounts and raising roles are paused/,
      );
      assert.match(users, /Lowering a role, deactivating and clearing sign-in locks still work/);
      assert.match(users, /a change sent now is not made/);
      // Not disabled: nothing would enable them again when STANDBY ends.
      assert.ok(!submitOf(formOf(users, "/admin/users")).includes("disabled"));
      assert.ok(!submitOf(formOf(users, `/admin/users/${other.id}/password`)).includes("disabled"));
      // Still allowed in STANDBY: the role form (demotion) and deactivation.
      for (const action of [`/admin/users/${other.id}`]) {
        const forms = [
          ...users.matchAll(new RegExp(`<form[^>]*action="${action}"[\\s\\S]*?</form>`, "g")),
        ];
        assert.ok(forms.length >= 2);
        for (const form of forms) assert.ok(!submitOf(form[0]).includes("disabled"));
      }

      const tokens = await get(app, admin, "/admin/tokens");
      const tokenNotice = tokens.indexOf('data-testid="standby-paused"');
      assert.ok(tokenNotice > 0 && tokenNotice < tokens.indexOf('action="/admin/tokens"'));
      assert.match(tokens, /new tokens are paused/);
      assert.ok(!submitOf(formOf(tokens, "/admin/tokens")).includes("disabled"));
      const revoke = tokens.match(
        /<form[^>]*action="\/admin\/tokens\/[^"]+\/revoke"[\s\S]*?<\/form>/,
      );
      assert.ok(revoke && !submitOf(revoke[0]).includes("disabled"), "revoking still works");
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "STANDBY: a paused admin form submitted anyway answers the page again, 503, error in the form, input kept (no password), nothing changed",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const admin = await signInAs(app, "ADMIN");
      const other = await createUser(app, { role: "STEWARD" });
      await app.services.mode.setMode("STANDBY", { type: "system" });
      const typedPassword = "a-synthetic-password-1234";
      const before = await app.db.query<{ password_hash: string }>(
        "SELECT password_hash FROM users WHERE id = $1",
        [other.id],
      );

      const assertAnswer = async (response: Response, label: string) => {
        assert.equal(response.status, 503, label);
        assert.match(response.headers.get("content-type") ?? "", /^text\/html/, label);
        assert.equal(response.headers.get("retry-after"), "60", label);
        const html = await response.text();
        assert.match(html, /<nav aria-label="Main">/, label);
        assert.ok(!html.includes(typedPassword), `${label}: no password typed is sent back`);
        return html;
      };

      const created = await assertAnswer(
        await postForm(app, admin, "/admin/users", [
          ["email", "new.person@example.org"],
          ["display_name", "New Person"],
          ["role", "STEWARD"],
          ["password", typedPassword],
        ]),
        "add account",
      );
      const createForm = formOf(created, "/admin/users");
      assert.match(createForm, ERROR, "the error in the create form");
      assert.match(createForm, /name="email"[^>]*value="new.person@example.org"/);
      assert.match(createForm, /value="New Person"/);
      assert.match(createForm, /<option value="STEWARD" selected/);
      assert.equal(await app.services.auth.findUserByEmail("new.person@example.org"), undefined);

      const reset = await assertAnswer(
        await postForm(app, admin, `/admin/users/${other.id}/password`, [
          ["password", typedPassword],
          ["current_password", "an admin password typed"],
        ]),
        "set password",
      );
      assert.match(formOf(reset, `/admin/users/${other.id}/password`), ERROR);
      assert.match(
        reset,
        new RegExp(
          `<details open><summary>Set password<span class="sr-only"> of <bdi>[^<]*</bdi></span></summary><form method="post" action="/admin/users/${other.id}/password"`,
        ),
      );
      assert.ok(!reset.includes("an admin password typed"));
      const after = await app.db.query<{ password_hash: string }>(
        "SELECT password_hash FROM users WHERE id = $1",
        [other.id],
      );
      assert.equal(after[0]!.password_hash, before[0]!.password_hash, "the password is unchanged");

      const token = await assertAnswer(
        await postForm(app, admin, "/admin/tokens", [
          ["name", "standby exporter"],
          ["scopes", "flags:evaluate"],
        ]),
        "create token",
      );
      const tokenForm = formOf(token, "/admin/tokens");
      assert.match(tokenForm, ERROR);
      assert.match(tokenForm, /value="standby exporter"/);
      assert.match(tokenForm, /value="flags:evaluate" checked/);
      assert.ok(!submitOf(tokenForm).includes("disabled"), "the answer can be sent again");
      assert.ok(!submitOf(createForm).includes("disabled"));
      assert.equal((await app.services.auth.listTokens()).length, 0);

      // Back in DEMO, the same form as answered is sent again and done: nobody is stranded.
      await app.services.mode.setMode("DEMO", { type: "system" });
      const again = await postForm(app, admin, "/admin/tokens", [
        ["name", tokenForm.match(/name="name"[^>]*value="([^"]*)"/)![1]!],
        ["scopes", "flags:evaluate"],
      ]);
      assert.equal(again.status, 303);
      await again.body?.cancel();
      assert.deepEqual(
        (await app.services.auth.listTokens()).map((t) => t.name),
        ["standby exporter"],
      );
      await app.services.mode.setMode("STANDBY", { type: "system" });

      // Who may post is checked first: a steward gets the forbidden answer, not the admin page.
      const steward = await signInAs(app, "STEWARD");
      const forbidden = await postForm(app, steward, "/admin/tokens", [["name", "x"]]);
      assert.equal(forbidden.status, 403);
      assert.ok(!(await forbidden.text()).includes("standby-paused"));
    } finally {
      await app.dispose();
    }
  },
});
