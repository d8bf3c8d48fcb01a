/**
 * Who set a lock, in the audit log: a lock set by a signed-in user's wrong current passwords (a
 * password change) is recorded with that user as the actor; a lock set by failed sign-ins stays
 * `anonymous` (nobody is signed in).
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createUser, loginStatus, signIn } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function lockEntries(app: TestApp) {
  return await app.db.query<{ actor_type: string; actor_id: string | null; scope: string }>(
    `SELECT actor_type, actor_id, after->>'scope' AS scope FROM audit_log
     WHERE action = 'auth.sign_in_locked' ORDER BY id`,
  );
}

Deno.test({
  name:
    "auth.sign_in_locked: the signed-in user is the actor of a lock set through a password change; anonymous for sign-in",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const user = await createUser(app, { role: "RESEARCHER" });
      const session = await signIn(app, user);
      for (let i = 1; i <= 5; i++) {
        const response = await app.request("/api/auth/password", {
          method: "POST",
          headers: session.headers({ "content-type": "application/json" }),
          body: JSON.stringify({
            currentPassword: "not my password at all",
            newPassword: "a brand new passphrase 42",
          }),
        });
        assert.equal(response.status, 400, `attempt ${i}`);
        await response.body?.cancel();
      }
      assert.deepEqual(await lockEntries(app), [
        { actor_type: "user", actor_id: user.id, scope: "account" },
      ]);

      const other = await createUser(app, { role: "RESEARCHER" });
      for (let i = 0; i < 5; i++) {
        assert.equal(await loginStatus(app, other.email, "wrong password"), 401);
      }
      assert.deepEqual((await lockEntries(app)).slice(1), [
        { actor_type: "anonymous", actor_id: null, scope: "account" },
      ]);
    } finally {
      await app.dispose();
    }
  },
});
