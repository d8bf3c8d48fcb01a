/**
 * Every change the auth service makes is written with its audit entry in one transaction, on
 * PGlite and the real Postgres: when the audit insert fails (here a test trigger on audit_log
 * raises for one action, standing in for a timeout, a dropped connection or a constraint), the
 * call rejects and its change is not in the database either. Once the trigger is gone the same
 * call succeeds with its entry. A credential whose ending rolled back is still dropped from this
 * instance's memory and announced (the safe direction): it is verified against the database again.
 */
import assert from "node:assert/strict";
import { auditRefusal, rejectsWithRefusal } from "./helpers/audit_refusal.ts";
import { createAuditLog } from "../lib/audit/audit.ts";
import { createAuthService, createAuthStore } from "../lib/auth/mod.ts";
import type { CredentialsEnded } from "../lib/auth/credentials_ended.ts";
import { AuthUnavailableError } from "../lib/auth/service.ts";
import { systemClock } from "../lib/clock.ts";
import type { Db } from "../lib/db/mod.ts";
import { TEST_PASSWORD_PARAMS } from "./helpers/app.ts";
import { TEST_PASSWORD as PASSWORD } from "./helpers/auth.ts";
import { cuttableDb } from "./helpers/cuttable_db.ts";
import { dbTargets, type TestDb } from "./helpers/db.ts";

type Auth = ReturnType<typeof createAuthService>;
const ADMIN = { type: "system" as const };
const META = { ip: "198.51.100.7", userAgent: null };

interface Ctx {
  auth: Auth;
  db: Db;
  cut: ReturnType<typeof cuttableDb>;
  /** Credentials this instance told its listeners had ended. */
  ended: CredentialsEnded[];
  /** Makes every audit insert of `action` fail until the returned function is called. */
  refuse(action: string): Promise<() => Promise<void>>;
}

async function withService(
  target: { open(): Promise<TestDb> },
  fn: (ctx: Ctx) => Promise<void>,
): Promise<void> {
  const testDb = await target.open();
  const cut = cuttableDb(testDb.db);
  const auth = createAuthService({
    store: createAuthStore(cut.db),
    audit: createAuditLog({ db: cut.db }),
    clock: systemClock,
    sessionIdleMinutes: 30,
    sessionAbsoluteHours: 12,
    passwordParams: TEST_PASSWORD_PARAMS,
  });
  const ended: CredentialsEnded[] = [];
  auth.onCredentialsEnded({ ended: (e) => ended.push(e), missed: () => {} });
  const db = testDb.db;
  const refusal = auditRefusal(db);
  const refuse = refusal.refuse;
  try {
    await fn({ auth, db, cut, ended, refuse });
  } finally {
    try {
      auth.close();
      await refusal.dropAny();
    } finally {
      await testDb.cleanup();
    }
  }
}

async function auditCount(db: Db, action: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_log WHERE action = $1",
    [action],
  );
  return row!.n;
}

async function userRow(db: Db, id: string) {
  const [row] = await db.query<
    {
      role: string;
      active: boolean;
      display_name: string;
      password_hash: string | null;
      last_login_at: Date | null;
      updated_at: Date;
    }
  >(
    "SELECT role, active, display_name, password_hash, last_login_at, updated_at FROM users WHERE id = $1",
    [id],
  );
  return row;
}

async function sessionIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    "SELECT id FROM sessions WHERE user_id = $1 ORDER BY id",
    [userId],
  );
  return rows.map((r) => r.id);
}

async function newUser(auth: Auth, role: "RESEARCHER" | "STEWARD" | "ADMIN" = "RESEARCHER") {
  return await auth.createUser(
    { email: `u-${crypto.randomUUID().slice(0, 8)}@example.org`, role, password: PASSWORD },
    ADMIN,
  );
}

async function newSession(auth: Auth, role: "RESEARCHER" | "STEWARD" | "ADMIN" = "RESEARCHER") {
  const user = await newUser(auth, role);
  const { sessionSecret, principal } = await auth.signIn(user.email, PASSWORD, META);
  return { user, secret: sessionSecret, principal };
}

/** With the database cut off: "memory" when served from it, "refused" when not. */
async function fromMemory(
  cut: ReturnType<typeof cuttableDb>,
  call: () => Promise<unknown>,
): Promise<"memory" | "refused"> {
  cut.cut();
  try {
    return (await call()) ? "memory" : "refused";
  } catch (error) {
    if (error instanceof AuthUnavailableError) return "refused";
    throw error;
  } finally {
    cut.restore();
  }
}

for (const target of dbTargets()) {
  const t = `[${target.name}]`;

  Deno.test(`${t} createUser() whose audit entry fails creates no account`, async () => {
    await withService(target, async ({ auth, db, refuse }) => {
      const drop = await refuse("user.create");
      const email = "new.person@example.org";
      await rejectsWithRefusal(
        auth.createUser({ email, role: "STEWARD", password: PASSWORD }, ADMIN),
      );
      assert.equal(await auth.findUserByEmail(email), undefined);
      await drop();
      const user = await auth.createUser({ email, role: "STEWARD", password: PASSWORD }, ADMIN);
      assert.equal(user.email, email);
      assert.equal(await auditCount(db, "user.create"), 1);
    });
  });

  Deno.test(`${t} updateUser() whose audit entry fails leaves role, name and active flag, and the sessions, as they were`, async () => {
    await withService(target, async ({ auth, db, refuse }) => {
      await newUser(auth, "ADMIN"); // so the others can be changed freely
      const { user, secret } = await newSession(auth, "STEWARD");
      const before = await userRow(db, user.id);
      const sessionsBefore = await sessionIds(db, user.id);
      assert.equal(sessionsBefore.length, 1);
      const cases: Array<[string, { role?: "RESEARCHER"; active?: false; displayName?: string }]> =
        [
          ["user.role_change", { role: "RESEARCHER" }],
          ["user.deactivate", { active: false }],
          ["user.update", { displayName: "Renamed" }],
        ];
      for (const [action, changes] of cases) {
        const drop = await refuse(action);
        await rejectsWithRefusal(auth.updateUser(user.id, changes, ADMIN));
        assert.deepEqual(await userRow(db, user.id), before, action);
        assert.deepEqual(await sessionIds(db, user.id), sessionsBefore, action);
        assert.equal((await auth.authenticateSession(secret))?.role, "STEWARD", action);
        assert.equal(await auditCount(db, action), 0, action);
        await drop();
      }
      // The same change without the trigger: stored, with its entry.
      await auth.updateUser(user.id, { active: false }, ADMIN);
      assert.equal((await userRow(db, user.id))?.active, false);
      assert.deepEqual(await sessionIds(db, user.id), []);
      assert.equal(await auditCount(db, "user.deactivate"), 1);
    });
  });

  Deno.test(`${t} resetPassword() whose audit entry fails keeps the old password, the sessions and the sign-in lock`, async () => {
    await withService(target, async ({ auth, db, refuse }) => {
      const { user, secret } = await newSession(auth);
      const before = await userRow(db, user.id);
      const sessionsBefore = await sessionIds(db, user.id);
      const lockKey = auth.lockKeys.account(user.email);
      await db.query(
        `INSERT INTO login_throttle (key, kind, failures, locked_until, last_failure_at)
         VALUES ($1, 'account', 9, now() + interval '1 hour', now())`,
        [lockKey],
      );
      const drop = await refuse("user.password_reset");
      await rejectsWithRefusal(auth.resetPassword(user.id, "another long password", ADMIN));
      assert.deepEqual(await userRow(db, user.id), before);
      assert.deepEqual(await sessionIds(db, user.id), sessionsBefore);
      assert.ok(await auth.authenticateSession(secret));
      assert.equal((await auth.listLocks()).filter((l) => l.key === lockKey).length, 1);
      await drop();
      await auth.resetPassword(user.id, "another long password", ADMIN);
      assert.notEqual((await userRow(db, user.id))?.password_hash, before?.password_hash);
      assert.deepEqual(await sessionIds(db, user.id), []);
      assert.equal((await auth.listLocks()).filter((l) => l.key === lockKey).length, 0);
      assert.equal(await auditCount(db, "user.password_reset"), 1);
    });
  });

  Deno.test(`${t} signIn() whose audit entry fails opens no session, records no login and keeps the session it would replace`, async () => {
    await withService(target, async ({ auth, db, refuse }) => {
      const { user, secret } = await newSession(auth);
      const before = await userRow(db, user.id);
      const sessionsBefore = await sessionIds(db, user.id);
      const drop = await refuse("auth.sign_in");
      await rejectsWithRefusal(
        auth.signIn(user.email, PASSWORD, { ...META, previousSessionSecret: secret }),
      );
      assert.deepEqual(await sessionIds(db, user.id), sessionsBefore);
      assert.deepEqual((await userRow(db, user.id))?.last_login_at, before?.last_login_at);
      assert.ok(await auth.authenticateSession(secret));
      await drop();
      const next = await auth.signIn(user.email, PASSWORD, {
        ...META,
        previousSessionSecret: secret,
      });
      assert.deepEqual(await sessionIds(db, user.id), [next.principal.sessionId]);
      assert.equal(await auth.authenticateSession(secret), undefined);
      assert.equal(await auditCount(db, "auth.sign_in"), 2);
    });
  });

  Deno.test(`${t} signOut() whose audit entry fails keeps the session, yet drops it from memory and announces it`, async () => {
    await withService(target, async ({ auth, db, cut, ended, refuse }) => {
      const { user, secret } = await newSession(auth);
      const principal = await auth.authenticateSession(secret);
      assert.ok(principal);
      const drop = await refuse("auth.sign_out");
      await rejectsWithRefusal(auth.signOut(principal));
      assert.deepEqual(await sessionIds(db, user.id), [principal.sessionId]);
      assert.deepEqual(ended, [{ ended: "session", ids: [principal.sessionId] }]);
      // Not served from memory: verified against the database again, where it still stands.
      assert.equal(await fromMemory(cut, () => auth.authenticateSession(secret)), "refused");
      assert.equal((await auth.authenticateSession(secret))?.sessionId, principal.sessionId);
      await drop();
      await auth.signOut(principal);
      assert.deepEqual(await sessionIds(db, user.id), []);
      assert.equal(await auditCount(db, "auth.sign_out"), 1);
    });
  });

  Deno.test(`${t} createToken() whose audit entry fails leaves no token behind`, async () => {
    await withService(target, async ({ auth, db, refuse }) => {
      const drop = await refuse("token.create");
      await rejectsWithRefusal(
        auth.createToken({ name: "svc", scopes: ["flags:evaluate"] }, ADMIN),
      );
      assert.deepEqual(await auth.listTokens(), []);
      await drop();
      const { token, secret } = await auth.createToken(
        { name: "svc", scopes: ["flags:evaluate"] },
        ADMIN,
      );
      assert.equal((await auth.authenticateToken(secret))?.id, token.id);
      assert.equal((await auth.listTokens()).length, 1);
      assert.equal(await auditCount(db, "token.create"), 1);
    });
  });

  Deno.test(`${t} revokeToken() whose audit entry fails leaves the token valid, yet drops it from memory and announces it`, async () => {
    await withService(target, async ({ auth, db, cut, ended, refuse }) => {
      const { token, secret } = await auth.createToken(
        { name: "svc", scopes: ["flags:evaluate"] },
        ADMIN,
      );
      assert.ok(await auth.authenticateToken(secret));
      const drop = await refuse("token.revoke");
      await rejectsWithRefusal(auth.revokeToken(token.id, ADMIN));
      const [stored] = await auth.listTokens();
      assert.equal(stored?.revokedAt, null);
      assert.deepEqual(ended, [{ ended: "api_token", ids: [token.id] }]);
      assert.equal(await fromMemory(cut, () => auth.authenticateToken(secret)), "refused");
      assert.equal((await auth.authenticateToken(secret))?.id, token.id);
      await drop();
      await auth.revokeToken(token.id, ADMIN);
      assert.equal(await auth.authenticateToken(secret), undefined);
      assert.equal(await auditCount(db, "token.revoke"), 1);
      // Revoking again is idempotent and writes nothing.
      await auth.revokeToken(token.id, ADMIN);
      assert.equal(await auditCount(db, "token.revoke"), 1);
    });
  });

  Deno.test(`${t} clearLock() whose audit entry fails keeps the lock`, async () => {
    await withService(target, async ({ auth, db, refuse }) => {
      const key = auth.lockKeys.address("203.0.113.9");
      await db.query(
        `INSERT INTO login_throttle (key, kind, failures, locked_until, last_failure_at)
         VALUES ($1, 'ip', 30, now() + interval '1 hour', now())`,
        [key],
      );
      const drop = await refuse("auth.lock_clear");
      await rejectsWithRefusal(auth.clearLock(key, ADMIN));
      assert.deepEqual((await auth.listLocks()).map((l) => l.key), [key]);
      await drop();
      await auth.clearLock(key, ADMIN);
      assert.deepEqual(await auth.listLocks(), []);
      assert.equal(await auditCount(db, "auth.lock_clear"), 1);
    });
  });
}
