/**
 * The rule of lib/auth/service.ts for a token lookup that does not settle, driven by a manual
 * timer instead of the clock on the wall: only while the database is known to be failing, and
 * only after TOKEN_LOOKUP_WAIT_MS (500 ms), does a token verified before answer from memory; a
 * token not in memory, or a database not known to be failing, waits for the database's answer.
 * The store is the real one on PGlite, with its token lookup held by the test.
 */
import assert from "node:assert/strict";
import { settle, tracked, untilTimerSet, withHeldLookups } from "./helpers/held_auth.ts";

const SYSTEM = { type: "system" as const };
const withService = withHeldLookups;

Deno.test("with the database failing, a verified token answers from memory once the lookup outlasts its 500 ms timer, and not before", async () => {
  await withService(async ({ auth, timers, failing, hold, release }) => {
    const { secret } = await auth.createToken(
      { name: "poller", scopes: ["flags:evaluate"] },
      SYSTEM,
    );
    const verified = await auth.authenticateToken(secret);
    assert.equal(verified?.name, "poller");

    failing.value = true;
    hold();
    const answer = tracked(auth.authenticateToken(secret));
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

Deno.test("with the database failing, a token not in memory waits for the lookup however long it takes", async () => {
  await withService(async ({ auth, timers, failing, hold, untilHeld, release }) => {
    const { secret } = await auth.createToken({ name: "new", scopes: ["flags:evaluate"] }, SYSTEM);
    failing.value = true;
    hold();
    const answer = tracked(auth.authenticateToken(secret));
    await untilHeld();
    timers.advance(60_000);
    await settle();
    assert.equal(answer.state().settled, false, "nothing in memory to answer with");
    await release();
    assert.equal((await answer.work)?.name, "new", "the database's answer decides");
  });
});

Deno.test("a database not known to be failing is waited for: a token revoked there is refused though memory holds it", async () => {
  await withService(async ({ auth, db, timers, hold, untilHeld, release }) => {
    const { token, secret } = await auth.createToken(
      { name: "revoked", scopes: ["flags:evaluate"] },
      SYSTEM,
    );
    assert.ok(await auth.authenticateToken(secret), "verified once");
    // Revoked through the store, unannounced: only the database knows.
    await db.query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1", [token.id]);
    hold();
    const answer = tracked(auth.authenticateToken(secret));
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
