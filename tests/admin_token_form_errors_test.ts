/**
 * The create-token form reports every refused field in one round: a past expiry is named
 * together with a missing scope (it was named only once the scopes were fixed, a second round).
 */
import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

function postForm(app: TestApp, session: Session, fields: [string, string][]) {
  return app.request("/admin/tokens", {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams([["csrf_token", session.csrfToken], ...fields]).toString(),
    redirect: "manual",
  });
}

const SUMMARY = /data-testid="form-errors"[\s\S]*?<\/ul>/;

Deno.test("token form: a past expiry and a missing scope are reported together, 400", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const both = await postForm(app, admin, [["name", "etl"], ["expires_at", "2020-01-01T00:00"]]);
    assert.equal(both.status, 400);
    const summary = (await both.text()).match(SUMMARY)?.[0] ?? "";
    assert.match(summary, /Scopes: tick at least one/);
    assert.match(summary, /The expiry must be in the future/);

    // With a scope, the past expiry alone; nothing created.
    const past = await postForm(app, admin, [
      ["name", "etl"],
      ["scopes", "jobs:read"],
      ["expires_at", "2020-01-01T00:00"],
    ]);
    assert.equal(past.status, 400);
    const alone = (await past.text()).match(SUMMARY)?.[0] ?? "";
    assert.match(alone, /The expiry must be in the future/);
    assert.ok(!/Scopes/.test(alone));
    assert.equal((await app.services.auth.listTokens()).length, 0);

    // A future expiry is taken.
    const ok = await postForm(app, admin, [
      ["name", "etl"],
      ["scopes", "jobs:read"],
      ["expires_at", "2099-01-01T00:00"],
    ]);
    assert.ok([201, 303].includes(ok.status), String(ok.status));
  });
});
