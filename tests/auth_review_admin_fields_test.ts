/**
 * The admin API's set-password route names its own fields in its errors (`$.password`,
 * `$.currentPassword`), for another account and for the caller's own alike: the own account's
 * change does not borrow the self-service route's names (`$.newPassword`), which are not in
 * this body.
 */
import assert from "node:assert/strict";
import { json, type TestApp, withTestApp } from "./helpers/app.ts";
import { createUser, type Session, signInAs, TEST_PASSWORD } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function errorPaths(
  app: TestApp,
  session: Session,
  path: string,
  body: unknown,
): Promise<string[]> {
  const response = await app.request(path, {
    method: "POST",
    headers: session.headers({ "content-type": "application/json" }),
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 400);
  const problem = await json<{ code: string; errors?: Array<{ path: string }> }>(response);
  assert.equal(problem.code, "VALIDATION_FAILED");
  return problem.errors?.map((issue) => issue.path) ?? [];
}

Deno.test({
  name:
    "POST /api/admin/users/{id}/password: a refused new password is at $.password, for the caller's own account too",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const admin = await signInAs(app, "ADMIN");
      const other = await createUser(app, { role: "RESEARCHER" });
      for (const id of [other.id, admin.user.id]) {
        const path = `/api/admin/users/${id}/password`;
        const which = id === admin.user.id ? "own" : "other";
        assert.deepEqual(
          await errorPaths(app, admin, path, { password: "short", currentPassword: TEST_PASSWORD }),
          ["$.password"],
          `${which}: too short`,
        );
        assert.deepEqual(
          await errorPaths(app, admin, path, {
            password: "a brand new passphrase 42",
            currentPassword: "not my password at all",
          }),
          ["$.currentPassword"],
          `${which}: the caller's password wrong`,
        );
      }
      // Only the caller's own account can be "the same as the current password".
      assert.deepEqual(
        await errorPaths(app, admin, `/api/admin/users/${admin.user.id}/password`, {
          password: TEST_PASSWORD,
          currentPassword: TEST_PASSWORD,
        }),
        ["$.password"],
        "own: same as the current password",
      );
    });
  },
});

Deno.test({
  name: "POST /api/auth/password keeps its own names: $.newPassword and $.currentPassword",
  ...opts,
  async fn() {
    await withTestApp(async (app) => {
      const user = await signInAs(app, "RESEARCHER");
      assert.deepEqual(
        await errorPaths(app, user, "/api/auth/password", {
          currentPassword: TEST_PASSWORD,
          newPassword: "short",
        }),
        ["$.newPassword"],
      );
      assert.deepEqual(
        await errorPaths(app, user, "/api/auth/password", {
          currentPassword: TEST_PASSWORD,
          newPassword: TEST_PASSWORD,
        }),
        ["$.newPassword"],
      );
    });
  },
});
