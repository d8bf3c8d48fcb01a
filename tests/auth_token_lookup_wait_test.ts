/**
 * The rule of lib/auth/service.ts for a token lookup that does not settle, driven by a manual
 * timer instead of the clock on the wall: only while the database is known to be failing, and
 * only after TOKEN_LOOKUP_WAIT_MS (500 ms), does a token verified before answer from memory; a
 * token not in memory, or a database not known to be failing, waits for the database's answer.
 * The store is the real one on PGlite, with its token lookup held by the test.
 */
import assert from "node:assert/strict";
import { createAuditLog } from "../lib/audit/audit.ts";
import { createAuthService, createAuthStore } from "../lib/auth/mod.ts";
import type { ApiToken } from "../lib/auth/store.ts";
import { systemClock } from "../lib/clock.ts";
import type { Db } from "../lib/db/mod.ts";
import { manualTimeouts } from "../lib/timeout.ts";
import { TEST_PASSWORD_PARAMS } from "./helpers/app.ts";
import { freshPglite } from "./helpers/db.ts";

const SYSTEM = { type: "system" as const };
/** Lets every continuation queued so far run (and any real timer at 0 ms fire). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function withService(
  fn: (t: {
    auth: ReturnType<typeof createAuthService>;
    timers: ReturnType<typeof manualTimeouts>;
    db: Db;
    failing: { value: boolean };
    /** Holds every token lookup from now on until `release()`. */
    hold(): void;
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
      async findActiveToken(hash: string, now: Date): Promise<ApiToken | undefined> {
        if (held) await new Promise<void>((resolve) => held!.push(resolve));
        return await store.findActiveToken(hash, now);
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
      hold: () => void (held = []),
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

/** The answer of `work` so far: "pending", or what it settled with. */
function tracked<T>(work: Promise<T>) {
  let state: { settled: false } | { settled: true; value: T } = { settled: false };
  work.then((value) => (state = { settled: true, value }), () => {});
  return { state: () => state, work };
}

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
    await settle();
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
  await withService(async ({ auth, timers, failing, hold, release }) => {
    const { secret } = await auth.createToken({ name: "new", scopes: ["flags:evaluate"] }, SYSTEM);
    failing.value = true;
    hold();
    const answer = tracked(auth.authenticateToken(secret));
    await settle();
    timers.advance(60_000);
    await settle();
    assert.equal(answer.state().settled, false, "nothing in memory to answer with");
    await release();
    assert.equal((await answer.work)?.name, "new", "the database's answer decides");
  });
});

Deno.test("a database not known to be failing is waited for: a token revoked there is refused though memory holds it", async () => {
  await withService(async ({ auth, db, timers, hold, release }) => {
    const { token, secret } = await auth.createToken(
      { name: "revoked", scopes: ["flags:evaluate"] },
      SYSTEM,
    );
    assert.ok(await auth.authenticateToken(secret), "verified once");
    // Revoked through the store, unannounced: only the database knows.
    await db.query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1", [token.id]);
    hold();
    const answer = tracked(auth.authenticateToken(secret));
    await settle();
    assert.deepEqual(timers.pending(), [], "no timer: the lookup is not bounded");
    timers.advance(60_000);
    await settle();
    assert.equal(answer.state().settled, false);
    await release();
    assert.equal(await answer.work, undefined);
  });
});
