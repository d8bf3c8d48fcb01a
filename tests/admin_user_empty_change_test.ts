/**
 * A change to an account that names no field is refused, not accepted and audited: the
 * /admin/users/<id> form posted with only its CSRF field answered 303 "The account was updated."
 * and wrote a `user.update` audit entry whose before equalled its after; PATCH
 * /api/admin/users/<id> with `{}` answered 200. Now the API answers 400 VALIDATION_FAILED
 * (problem+json) and the form 400 with a message on the users page; nothing is audited. A real
 * change (the role only, the active flag only) still goes through.
 *
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
import { createUser, postForm, signInAs, userChangeEntries } from "./helpers/auth.ts";

/** An administrator's session, a RESEARCHER account, and PATCH of that account as the admin. */
async function setUp(app: TestApp) {
  const admin = await signInAs(app, "ADMIN");
  const user = await createUser(app, { role: "RESEARCHER" });
  const patch = (body: unknown) =>
    app.request(`/api/admin/users/${user.id}`, {
      method: "PATCH",
      headers: admin.headers({ "content-type": "application/json" }),
      body: JSON.stringify(body),
    });
  return { admin, user, patch };
}

Deno.test("PATCH /api/admin/users/<id> with no field is 400 VALIDATION_FAILED; a role or active change is taken", async () => {
  await withTestApp(async (app) => {
    const { user, patch } = await setUp(app);

    const empty = await patch({});
    assert.equal(empty.status, 400);
    assert.match(empty.headers.get("content-type") ?? "", /application\/problem\+json/);
    const problem = await empty.json() as { code: string; errors: { message: string }[] };
    assert.equal(problem.code, "VALIDATION_FAILED");
    assert.match(problem.errors[0]?.message ?? "", /role, active or displayName/);
    assert.equal(await userChangeEntries(app, user.id), 0);

    const role = await patch({ role: "STEWARD" });
    assert.equal(role.status, 200);
    assert.equal((await role.json() as { user: { role: string } }).user.role, "STEWARD");
    const active = await patch({ active: false });
    assert.equal(active.status, 200);
    assert.equal((await active.json() as { user: { active: boolean } }).user.active, false);
    assert.equal(await userChangeEntries(app, user.id), 2);
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
    assert.equal(await userChangeEntries(app, user.id), 0);

    const role = await postForm(app, admin, `/admin/users/${user.id}`, [["role", "STEWARD"]]);
    assert.equal(role.status, 303);
    assert.match(role.headers.get("location") ?? "", /notice=role_changed/);
    const active = await postForm(app, admin, `/admin/users/${user.id}`, [["active", "false"]]);
    assert.equal(active.status, 303);
    assert.match(active.headers.get("location") ?? "", /notice=user_deactivated/);
    const after = (await app.services.auth.listUsers()).find((u) => u.id === user.id);
    assert.equal(after?.role, "STEWARD");
    assert.equal(after?.active, false);
    assert.equal(await userChangeEntries(app, user.id), 2);
  });
});

Deno.test("PATCH /api/admin/users/<id> with the values the account has is 200 and not audited", async () => {
  await withTestApp(async (app) => {
    const { user, patch } = await setUp(app);

    const same = await patch({ role: "RESEARCHER", active: true });
    assert.equal(same.status, 200);
    const body = await same.json() as { user: { role: string; active: boolean } };
    assert.equal(body.user.role, "RESEARCHER");
    assert.equal(body.user.active, true);
    assert.equal(await userChangeEntries(app, user.id), 0);

    // A real change next to an unchanged field still goes through, once.
    const changed = await patch({ role: "STEWARD", active: true });
    assert.equal(changed.status, 200);
    assert.equal(await userChangeEntries(app, user.id), 1);
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
    // Named, as the other notices of a row's change are: on a long list the admin sees which.
    assert.match(page, /Nothing was changed: <bdi>[^<]+<\/bdi> already had that role and state\./);
    // Focused on load, so it is announced: a status already in the page when it loads is not.
    assert.match(page, /role="status" tabindex="-1" autofocus>Nothing was changed/);
    assert.doesNotMatch(page, /now has the role/);
    assert.equal(await userChangeEntries(app, user.id), 0);

    const reactivate = await postForm(app, admin, `/admin/users/${user.id}`, [["active", "true"]]);
    assert.match(reactivate.headers.get("location") ?? "", /notice=user_unchanged/);
    assert.equal(await userChangeEntries(app, user.id), 0);
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
    assert.equal(await userChangeEntries(app, user.id), 1);
  });
});

Deno.test("the audit action names what changed, not the fields sent; a display name is stored trimmed", async () => {
  await withTestApp(async (app) => {
    const { user, patch } = await setUp(app);
    const actions = async () =>
      (await app.db.query<{ action: string }>(
        "SELECT action FROM audit_log WHERE target_id = $1 AND action <> 'user.create' ORDER BY id",
        [user.id],
      )).map((row) => row.action);
    // The role sent is the account's own: a rename, audited as user.update (it was
    // user.role_change; a restore's redo list of role changes would have held it).
    assert.equal((await patch({ role: "RESEARCHER", displayName: " Bob Newname " })).status, 200);
    assert.equal((await patch({ active: false })).status, 200);
    // Already deactivated: a rename, not a second deactivation.
    assert.equal((await patch({ active: false, displayName: "Bob Other" })).status, 200);
    assert.deepEqual(await actions(), ["user.update", "user.deactivate", "user.update"]);
    const [stored] = await app.db.query<{ display_name: string }>(
      "SELECT display_name FROM users WHERE id = $1",
      [user.id],
    );
    assert.equal(stored?.display_name, "Bob Other");
    // Trimmed before the comparison: the same name with spaces is no change.
    assert.equal((await patch({ displayName: "  Bob Other" })).status, 200);
    assert.equal(await userChangeEntries(app, user.id), 3);
  });
});

Deno.test("demoting the last administrator on /admin/users says the way forward, focused", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const refused = await postForm(app, admin, `/admin/users/${admin.user.id}`, [
      ["role", "RESEARCHER"],
    ]);
    assert.equal(refused.status, 400);
    // It said only that it cannot be done, with the focus left at the top of the page.
    assert.match(
      await refused.text(),
      /role="alert" tabindex="-1" autofocus>The last active administrator cannot be demoted or deactivated: make another account ADMIN first, then change this one\.</,
    );
  });
});
