/**
 * A sign-in lock is one audit entry, however many refusals follow it. Found by a security review:
 * every refused attempt wrote `auth.sign_in_locked`, so anyone, unauthenticated, could fill the
 * audit log (which refuses deletes) at the rate limit and bury real events. The entry names the
 * lock as /admin/users lists it and `auth.lock_clear` names it (its key's first 12 characters).
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createUser } from "./helpers/auth.ts";

async function signInEntries(app: TestApp) {
  return await app.db.query<
    { action: string; target_type: string | null; target_id: string | null; after: unknown }
  >(
    "SELECT action, target_type, target_id, after FROM audit_log WHERE action LIKE 'auth.sign_in_%' ORDER BY id",
  );
}

/** The current locks of one kind, named as the audit entry names them. */
async function lockIds(app: TestApp, kind: "account" | "ip"): Promise<string[]> {
  const locks = await app.services.auth.listLocks();
  return locks.filter((l) => l.kind === kind).map((l) => l.key.slice(0, 12));
}

async function attempts(app: TestApp, emails: string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const [i, email] of emails.entries()) {
    const response = await app.request("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: `wrong password ${i}` }),
    });
    statuses.push(response.status);
    await response.body?.cancel();
  }
  return statuses;
}

Deno.test("5 wrong passwords lock the account with one audit entry; 45 refusals while locked add none", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const user = await createUser(app, { role: "RESEARCHER" });
    const statuses = await attempts(app, Array(50).fill(user.email));
    assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(45).fill(429)]);
    const entries = await signInEntries(app);
    assert.equal(entries.filter((e) => e.action === "auth.sign_in_failed").length, 5);
    const locks = entries.filter((e) => e.action === "auth.sign_in_locked");
    assert.equal(locks.length, 1);
    assert.equal(locks[0]!.target_type, "sign_in_lock");
    assert.deepEqual([locks[0]!.target_id], await lockIds(app, "account"));
    const after = locks[0]!.after as { scope: string; lockEndsAt: string; userId: string };
    assert.equal(after.scope, "account");
    assert.equal(after.userId, user.id);
    assert.match(after.lockEndsAt, /^\d{4}-\d\d-\d\dT/);
  } finally {
    await app.dispose();
  }
});

Deno.test("20 failures from one address lock the address with one audit entry naming the lock; refusals add none", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    // A different unknown account each time: only the address reaches its threshold.
    const emails = Array.from({ length: 30 }, (_, i) => `nobody-${i}@example.org`);
    assert.deepEqual(await attempts(app, emails), [
      ...Array(20).fill(401),
      ...Array(10).fill(429),
    ]);
    const locks = (await signInEntries(app)).filter((e) => e.action === "auth.sign_in_locked");
    assert.equal(locks.length, 1);
    assert.equal(locks[0]!.target_type, "sign_in_lock");
    assert.deepEqual([locks[0]!.target_id], await lockIds(app, "ip"));
    assert.deepEqual(Object.keys(locks[0]!.after as object).sort(), ["lockEndsAt", "scope"]);
    assert.equal((locks[0]!.after as { scope: string }).scope, "address");
  } finally {
    await app.dispose();
  }
});
