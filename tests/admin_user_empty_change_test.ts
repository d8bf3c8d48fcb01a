/**
 * A change to an account that names no field is refused, not accepted and audited: the
 * /admin/users/<id> form posted with only its CSRF field answered 303 "The account was updated."
 * and wrote a `user.update` audit entry whose before equalled its after; PATCH
 * /api/admin/users/<id> with `{}` answered 200. Now the API answers 400 VALIDATION_FAILED
 * (problem+json) and the form 400 with a message on the users page; nothing is audited. A real
 * change (the role only, the active flag only) still goes through.
 */
import assert from "node:assert/strict";
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

Deno.test("PATCH /api/admin/users/<id> with no field is 400 VALIDATION_FAILED; a role or active change is taken", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const user = await createUser(app, { role: "RESEARCHER" });
    const patch = (body: unknown) =>
      app.request(`/api/admin/users/${user.id}`, {
        method: "PATCH",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify(body),
      });

    const empty = await patch({});
    assert.equal(empty.status, 400);
    assert.match(empty.headers.get("content-type") ?? "", /application\/problem\+json/);
    const problem = await empty.json() as { code: string; errors: { message: string }[] };
    assert.equal(problem.code, "VALIDATION_FAILED");
    assert.match(problem.errors[0]?.message ?? "", /role, active or displayName/);
    assert.equal(await userUpdates(app, user.id), 0);

    const role = await patch({ role: "STEWARD" });
    assert.equal(role.status, 200);
    assert.equal((await role.json() as { user: { role: string } }).user.role, "STEWARD");
    const active = await patch({ active: false });
    assert.equal(active.status, 200);
    assert.equal((await active.json() as { user: { active: boolean } }).user.active, false);
    assert.equal(await userUpdates(app, user.id), 2);
  });
});

Deno.test("/admin/users/<id> form with no field is 400 with a message on the page; a role or active change is taken", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const user = await createUser(app, { role: "RESEARCHER" });

    const empty = await postForm(app, admin, `/admin/users/${user.id}`, []);
    assert.equal(empty.status, 400);
    const page = await empty.text();
    assert.match(
      page,
      /role="alert"[\s\S]*?Nothing was changed: choose a new role, or deactivate or reactivate the account/,
    );
    // The users page itself, so the administrator can go on from it.
    assert.match(page, /<h1>Users<\/h1>/);
    assert.equal(await userUpdates(app, user.id), 0);

    const role = await postForm(app, admin, `/admin/users/${user.id}`, [["role", "STEWARD"]]);
    assert.equal(role.status, 303);
    assert.match(role.headers.get("location") ?? "", /notice=role_changed/);
    const active = await postForm(app, admin, `/admin/users/${user.id}`, [["active", "false"]]);
    assert.equal(active.status, 303);
    assert.match(active.headers.get("location") ?? "", /notice=user_deactivated/);
    const after = (await app.services.auth.listUsers()).find((u) => u.id === user.id);
    assert.equal(after?.role, "STEWARD");
    assert.equal(after?.active, false);
    assert.equal(await userUpdates(app, user.id), 2);
  });
});
