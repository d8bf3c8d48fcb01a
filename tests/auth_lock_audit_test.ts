/**
 * A sign-in lock is one audit entry, however many refusals follow it. Found by a security review:
 * every refused attempt wrote `auth.sign_in_locked`, so anyone, unauthenticated, could fill the
 * audit log (which refuses deletes) at the rate limit and bury real events.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { createUser } from "./helpers/auth.ts";

Deno.test("5 wrong passwords lock the account with one audit entry; 45 refusals while locked add none", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const user = await createUser(app, { role: "RESEARCHER" });
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const response = await app.request("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: user.email, password: `wrong password ${i}` }),
      });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(45).fill(429)]);
    const entries = await app.db.query<
      { action: string; target_id: string | null; after: unknown }
    >(
      "SELECT action, target_id, after FROM audit_log WHERE action LIKE 'auth.sign_in_%' ORDER BY id",
    );
    assert.equal(entries.filter((e) => e.action === "auth.sign_in_failed").length, 5);
    const locks = entries.filter((e) => e.action === "auth.sign_in_locked");
    assert.equal(locks.length, 1);
    assert.equal(locks[0]!.target_id, user.id);
    assert.equal((locks[0]!.after as { scope: string }).scope, "account");
    assert.match((locks[0]!.after as { lockEndsAt: string }).lockEndsAt, /^\d{4}-\d\d-\d\dT/);
  } finally {
    await app.dispose();
  }
});
