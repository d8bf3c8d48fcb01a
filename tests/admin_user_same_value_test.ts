/**
 * A change that sets what the account already has changes nothing and is not audited: choosing
 * an account's own role on /admin/users answered "… now has the role RESEARCHER" and wrote a
 * `user.role_change` entry whose before equalled its after (the audit log cannot be purged, so
 * such entries only add noise to a reviewer's reading); PATCH with the same values likewise. Now
 * the API answers 200 with the account as it is, the page says that nothing was changed, and
 * nothing is audited. The service also refuses a change naming no field (the routes did already).
 */
import assert from "node:assert/strict";
import { ValidationError } from "../lib/errors/mod.ts";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { createUser, postForm, signInAs } from "./helpers/auth.ts";

/** The audit entries of changes to the account `id` (user.update, user.role_change, …). */
async function userUpdates(app: TestApp, id: string): Promise<number> {
  const rows = await app.db.query(
    "SELECT 1 FROM audit_log WHERE action LIKE 'user.%' AND action <> 'user.create' AND target_id = $1",
    [id],
  );
  return rows.length;
}

Deno.test("PATCH /api/admin/users/<id> with the values the account has is 200 and not audited", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const user = await createUser(app, { role: "RESEARCHER" });
    const patch = (body: unknown) =>
      app.request(`/api/admin/users/${user.id}`, {
        method: "PATCH",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify(body),
      });

    const same = await patch({ role: "RESEARCHER", active: true });
    assert.equal(same.status, 200);
    const body = await same.json() as { user: { role: string; active: boolean } };
    assert.equal(body.user.role, "RESEARCHER");
    assert.equal(body.user.active, true);
    assert.equal(await userUpdates(app, user.id), 0);

    // A real change next to an unchanged field still goes through, once.
    const changed = await patch({ role: "STEWARD", active: true });
    assert.equal(changed.status, 200);
    assert.equal(await userUpdates(app, user.id), 1);
  });
});

Deno.test("/admin/users/<id> form choosing the account's own role says nothing changed and is not audited", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const user = await createUser(app, { role: "RESEARCHER" });

    const same = await postForm(app, admin, `/admin/users/${user.id}`, [["role", "RESEARCHER"]]);
    assert.equal(same.status, 303);
    const location = same.headers.get("location") ?? "";
    assert.match(location, /notice=user_unchanged/);
    const page = await (await app.request(location, { headers: admin.headers() })).text();
    assert.match(page, /Nothing was changed: the account already had that role and state\./);
    assert.doesNotMatch(page, /now has the role/);
    assert.equal(await userUpdates(app, user.id), 0);

    const reactivate = await postForm(app, admin, `/admin/users/${user.id}`, [["active", "true"]]);
    assert.match(reactivate.headers.get("location") ?? "", /notice=user_unchanged/);
    assert.equal(await userUpdates(app, user.id), 0);
  });
});

Deno.test("auth.updateUser refuses a change naming no field, and returns unchanged for the same values", async () => {
  await withTestApp(async (app) => {
    const user = await createUser(app, { role: "RESEARCHER" });
    const auth = app.services.auth;
    await assert.rejects(() => auth.updateUser(user.id, {}, { type: "system" }), ValidationError);
    const same = await auth.updateUser(user.id, { role: "RESEARCHER" }, { type: "system" });
    assert.equal(same.changed, false);
    assert.equal(same.user.role, "RESEARCHER");
    const changed = await auth.updateUser(user.id, { role: "STEWARD" }, { type: "system" });
    assert.equal(changed.changed, true);
    assert.equal(changed.user.role, "STEWARD");
    assert.equal(await userUpdates(app, user.id), 1);
  });
});
