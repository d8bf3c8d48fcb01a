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
import { AuthUnavailableError } from "../lib/auth/service.ts";
import {
  type HeldAuth,
  settle,
  tracked,
  untilTimerSet,
  withHeldLookups,
} from "./helpers/held_auth.ts";

const SYSTEM = { type: "system" as const };
const PASSWORD = "correct horse battery staple";
const META = { ip: "192.0.2.10" };

/** A held-lookup auth service, with a sign-in whose secret no lookup has verified yet. */
function withService(
  fn: (t: HeldAuth & { signIn(email: string): Promise<string> }) => Promise<void>,
): Promise<void> {
  return withHeldLookups((t) =>
    fn({
      ...t,
      async signIn(email) {
        await t.auth.createUser({ email, role: "STEWARD", password: PASSWORD }, SYSTEM);
        return (await t.auth.signIn(email, PASSWORD, META)).sessionSecret;
      },
    })
  );
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
