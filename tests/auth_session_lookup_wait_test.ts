/**
 * A session lookup that does not settle (lib/auth/service.ts), driven by a manual timer instead
 * of the clock on the wall, under the rule token lookups follow (tests/auth_token_lookup_wait_test.ts):
 * only while the database is known to be failing, and only after the 500 ms wait, does a session
 * verified before answer from memory. A session not in memory is then refused as "cannot be
 * checked" (AuthUnavailableError, 503 SERVICE_UNAVAILABLE at the edge) instead of hanging the
 * request for as long as the connection stalls. A database not known to be failing is waited
 * for. Found by a review: with the database path stalled, a request with a session cookie never
 * answered, while one with an API token answered in 0.5 s.
 * The store is the real one on PGlite, with its session lookup held by the test.
 */
import assert from "node:assert/strict";
import { createAuditLog } from "../lib/audit/audit.ts";
import { createAuthService, createAuthStore } from "../lib/auth/mod.ts";
import { AuthUnavailableError } from "../lib/auth/service.ts";
import type { SessionWithUser } from "../lib/auth/store.ts";
import { systemClock } from "../lib/clock.ts";
import type { Db } from "../lib/db/mod.ts";
import { manualTimeouts } from "../lib/timeout.ts";
import { TEST_PASSWORD_PARAMS } from "./helpers/app.ts";
import { freshPglite } from "./helpers/db.ts";

const SYSTEM = { type: "system" as const };
const PASSWORD = "correct horse battery staple";
const META = { ip: "192.0.2.10" };
/** Lets every continuation queued so far run (and any real timer at 0 ms fire). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function withService(
  fn: (t: {
    auth: ReturnType<typeof createAuthService>;
    timers: ReturnType<typeof manualTimeouts>;
    db: Db;
    failing: { value: boolean };
    /** Signs a new user in; the secret is not yet verified by a lookup (not in memory). */
    signIn(email: string): Promise<string>;
    /** Holds every session lookup from now on until `release()`. */
    hold(): void;
    /** Waits until a lookup is being held (it has been asked for). */
    untilHeld(): Promise<void>;
    release(): Promise<void>;
  }) => Promise<void>,
) {
  const { db, cleanup } = await freshPglite();
  const store = createAuthStore(db);
  let held: Array<() => void> | undefined;
  const timers = manualTimeouts();
  const failing = { value: false };
  const auth = createAuthService({
    store: {
      ...store,
      // A lookup that does not settle until the test says so (a stalled connection).
      async findSession(
        hash: string,
        now: Date,
        idleMs: number,
      ): Promise<SessionWithUser | undefined> {
        if (held) await new Promise<void>((resolve) => held!.push(resolve));
        return await store.findSession(hash, now, idleMs);
      },
    },
    audit: createAuditLog({ db }),
    clock: systemClock,
    sessionIdleMinutes: 30,
    sessionAbsoluteHours: 12,
    passwordParams: TEST_PASSWORD_PARAMS,
    databaseFailing: () => failing.value,
    timers,
  });
  try {
    await fn({
      auth,
      db,
      timers,
      failing,
      async signIn(email) {
        await auth.createUser({ email, role: "STEWARD", password: PASSWORD }, SYSTEM);
        return (await auth.signIn(email, PASSWORD, META)).sessionSecret;
      },
      hold: () => void (held = []),
      async untilHeld() {
        for (let turn = 0; turn < 500 && (held?.length ?? 0) === 0; turn++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.ok(held?.length, "the lookup was asked for");
      },
      async release() {
        const waiting = held ?? [];
        held = undefined;
        for (const resolve of waiting) resolve();
        await settle();
      },
    });
  } finally {
    auth.close();
    await cleanup();
  }
}

/**
 * Waits until the service has set its wait's timer (or given up after a while; the assertion
 * that follows says what was pending): the session secret is hashed off the main thread first,
 * which one turn of the event loop may not cover on a loaded machine.
 */
async function untilTimerSet(timers: ReturnType<typeof manualTimeouts>) {
  for (let turn = 0; turn < 500 && timers.pending().length === 0; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The answer of `work` so far: "pending", or what it settled with (or failed with). */
function tracked<T>(work: Promise<T>) {
  let state: { settled: false } | { settled: true; value?: T; error?: unknown } = {
    settled: false,
  };
  work.then((value) => (state = { settled: true, value }), (error) => {
    state = { settled: true, error };
  });
  return { state: () => state, work };
}

Deno.test("with the database failing, a verified session answers from memory once the lookup outlasts its 500 ms timer, and not before", async () => {
  await withService(async ({ auth, timers, failing, signIn, hold, release }) => {
    const secret = await signIn("verified@example.org");
    const verified = await auth.authenticateSession(secret);
    assert.equal(verified?.email, "verified@example.org");

    failing.value = true;
    hold();
    const answer = tracked(auth.authenticateSession(secret));
    await untilTimerSet(timers);
    assert.deepEqual(timers.pending(), [500], "the lookup is given 500 ms");
    timers.advance(499);
    await settle();
    assert.equal(answer.state().settled, false, "memory is not asked before the wait is over");
    timers.advance(1);
    assert.deepEqual(await answer.work, verified);
    assert.deepEqual(timers.pending(), []);
    await release();
  });
});

Deno.test("with the database failing, a session not in memory is refused as unavailable once the lookup outlasts its timer", async () => {
  await withService(async ({ auth, timers, failing, signIn, hold, release }) => {
    const secret = await signIn("unseen@example.org");
    failing.value = true;
    hold();
    const answer = tracked(auth.authenticateSession(secret));
    await untilTimerSet(timers);
    assert.deepEqual(timers.pending(), [500]);
    timers.advance(500);
    await assert.rejects(answer.work, AuthUnavailableError);
    await release();
  });
});

Deno.test("a late answer that the session is gone takes it out of memory", async () => {
  await withService(async ({ auth, db, timers, failing, signIn, hold, release }) => {
    const secret = await signIn("ended@example.org");
    assert.ok(await auth.authenticateSession(secret), "verified once");
    // Ended in the database only (unannounced): the late lookup is the one to tell.
    await db.query("DELETE FROM sessions");
    failing.value = true;
    hold();
    const first = tracked(auth.authenticateSession(secret));
    await untilTimerSet(timers);
    timers.advance(500);
    assert.ok(await first.work, "answered from memory while the lookup hangs");
    await release();

    hold();
    const second = tracked(auth.authenticateSession(secret));
    await untilTimerSet(timers);
    timers.advance(500);
    await assert.rejects(second.work, AuthUnavailableError, "no longer in memory");
    await release();
  });
});

Deno.test("a database not known to be failing is waited for: a session ended there is refused though memory holds it", async () => {
  await withService(async ({ auth, db, timers, signIn, hold, untilHeld, release }) => {
    const secret = await signIn("waited@example.org");
    assert.ok(await auth.authenticateSession(secret), "verified once");
    await db.query("DELETE FROM sessions");
    hold();
    const answer = tracked(auth.authenticateSession(secret));
    await untilHeld();
    await settle();
    assert.deepEqual(timers.pending(), [], "no timer: the lookup is not bounded");
    timers.advance(60_000);
    await settle();
    assert.equal(answer.state().settled, false);
    await release();
    assert.equal(await answer.work, undefined);
  });
});
