/**
 * A session in use stays signed in whatever SESSION_IDLE_MINUTES is (lib/auth/service.ts): its
 * last-seen time is written often enough that the idle limit, checked against it, is the one
 * configured. Found by a review: with SESSION_IDLE_MINUTES=1 everyone was signed out 60 s after
 * sign-in however active, because last-seen was only written once it was more than 60 s old (by
 * which time the session was idle), and any idle limit ended sessions up to a minute early.
 * The store is the real one on PGlite; the clock is injected.
 */
import assert from "node:assert/strict";
import { createAuditLog } from "../lib/audit/audit.ts";
import { createAuthService, createAuthStore } from "../lib/auth/mod.ts";
import { manualClock } from "../lib/clock.ts";
import { TEST_PASSWORD_PARAMS } from "./helpers/app.ts";
import { freshPglite } from "./helpers/db.ts";

const PASSWORD = "correct horse battery staple";

async function withService(
  idleMinutes: number,
  fn: (t: {
    auth: ReturnType<typeof createAuthService>;
    clock: ReturnType<typeof manualClock>;
    /** Waits for the last-seen writes started so far to land. */
    touched(): Promise<void>;
    signIn(email: string): Promise<string>;
  }) => Promise<void>,
) {
  const { db, cleanup } = await freshPglite();
  const store = createAuthStore(db);
  const clock = manualClock(Date.UTC(2026, 10, 24, 9));
  const writes: Promise<unknown>[] = [];
  const auth = createAuthService({
    store: {
      ...store,
      touchSession(sessionId: string, now: Date) {
        const write = store.touchSession(sessionId, now);
        writes.push(write.catch(() => {}));
        return write;
      },
    },
    audit: createAuditLog({ db }),
    clock,
    sessionIdleMinutes: idleMinutes,
    sessionAbsoluteHours: 12,
    passwordParams: TEST_PASSWORD_PARAMS,
  });
  try {
    await fn({
      auth,
      clock,
      touched: async () => void await Promise.all(writes.splice(0)),
      async signIn(email) {
        await auth.createUser({ email, role: "STEWARD", password: PASSWORD }, { type: "system" });
        return (await auth.signIn(email, PASSWORD, { ip: "192.0.2.20" })).sessionSecret;
      },
    });
  } finally {
    auth.close();
    await cleanup();
  }
}

Deno.test("with a one-minute idle limit, a session used every 10 s stays signed in for 3 minutes", async () => {
  await withService(1, async ({ auth, clock, touched, signIn }) => {
    const secret = await signIn("active@example.org");
    for (let second = 10; second <= 180; second += 10) {
      clock.advance(10_000);
      const principal = await auth.authenticateSession(secret);
      assert.equal(principal?.email, "active@example.org", `still signed in at ${second} s`);
      await touched();
    }
  });
});

Deno.test("with a one-minute idle limit, a session unused for just over a minute is signed out, and not before", async () => {
  await withService(1, async ({ auth, clock, touched, signIn }) => {
    const secret = await signIn("idle@example.org");
    clock.advance(40_000);
    assert.ok(await auth.authenticateSession(secret), "used after 40 s");
    await touched();
    clock.advance(59_000);
    assert.ok(await auth.authenticateSession(secret), "59 s after its last use");
    await touched();
    clock.advance(60_001);
    assert.equal(await auth.authenticateSession(secret), undefined, "idle for over a minute");
  });
});

Deno.test("with a 30-minute idle limit, a session used every 10 minutes stays signed in; 31 minutes unused end it", async () => {
  await withService(30, async ({ auth, clock, touched, signIn }) => {
    const secret = await signIn("steady@example.org");
    for (let minute = 10; minute <= 120; minute += 10) {
      clock.advance(10 * 60_000);
      assert.ok(await auth.authenticateSession(secret), `still signed in at ${minute} min`);
      await touched();
    }
    clock.advance(31 * 60_000);
    assert.equal(await auth.authenticateSession(secret), undefined);
  });
});
