/**
 * /admin/users: the set-password form on the administrator's own row (shown there after a refused
 * change of their own password) says what happens to their own sessions (the others end, this one
 * stays, renewed), not that all of their sessions end, which is what it says for another account.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { createUser, signInAs } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** The hint beside "Your password" in the form posting to `action`. */
function hintOf(html: string, action: string): string {
  const start = html.indexOf(`<form method="post" action="${action}"`);
  assert.ok(start >= 0, `no form posting to ${action}`);
  const form = html.slice(start, html.indexOf("</form>", start));
  const hint = form.match(/Your password[\s\S]*?<span class="field-hint">([\s\S]*?)<\/span>/)?.[1];
  assert.ok(hint, "the hint");
  return hint.replace(/<!-- -->/g, "").replace(/\s+/g, " ");
}

Deno.test({
  name: "/admin/users: the own row's set-password hint keeps this session; another's ends all",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const admin = await signInAs(app, "ADMIN");
      const other = await createUser(app, { role: "STEWARD", displayName: "Dana Other" });
      const own = `/admin/users/${admin.user.id}/password`;
      const response = await app.request(own, {
        method: "POST",
        headers: {
          cookie: admin.cookie,
          origin: "http://localhost",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams([
          ["csrf_token", admin.csrfToken],
          ["password", "a brand new passphrase 42"],
          ["current_password", "not my password at all"],
        ]).toString(),
      });
      assert.equal(response.status, 400);
      const html = await response.text();
      const ownHint = hintOf(html, own);
      assert.doesNotMatch(ownHint, /all of/);
      assert.match(ownHint, /your current password/);
      assert.match(ownHint, /your other sessions end/);
      assert.match(ownHint, /this one stays signed in/);
      const otherHint = hintOf(html, `/admin/users/${other.id}/password`);
      // The name isolated (<bdi>) inside the sentence.
      assert.match(otherHint, /all of\s*<bdi>Dana Other<\/bdi>'s sessions end/);
    } finally {
      await app.dispose();
    }
  },
});
