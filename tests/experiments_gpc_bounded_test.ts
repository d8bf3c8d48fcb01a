/**
 * `Sec-GPC: 1` on GET /api/experiments/{key}/variant is recorded without holding the answer: the
 * consent read that records it waits at most STICKY_READ_TIMEOUT_MS, so with `user_consents`
 * locked by another session a STICKY call still answers its variant (before, it waited for the
 * lock). The signal is recorded once the lock is gone, and an instance that has recorded a
 * user's signal does not read it again on their later calls. Real Postgres (a second session holds
 * the lock).
 */
import assert from "node:assert/strict";
import { withTimeout } from "../lib/timeout.ts";
import { json, type TestApp } from "./helpers/app.ts";
import { consentedUser } from "./helpers/analytics.ts";
import type { Session } from "./helpers/auth.ts";
import { withLockingApp } from "./helpers/db_bounds.ts";
import { hasPostgres } from "./helpers/env.ts";
import { until } from "./helpers/wait.ts";
import type { Db } from "../lib/db/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Bounds a hung request so the test fails instead of waiting for ever (not a timing assertion). */
const ANSWER_BOUND_MS = 20_000;
const KEY = "exp.gpc-bound";

function call(app: TestApp, session: Session, gpc: boolean): Promise<Response> {
  return app.request(`/api/experiments/${KEY}/variant`, {
    headers: session.headers(gpc ? { "sec-gpc": "1" } : {}),
  });
}

/** Answered while the lock is still held: the test releases it only after this resolves. */
async function answeredWhileLocked(app: TestApp, session: Session) {
  const response = await withTimeout(
    call(app, session, true),
    ANSWER_BOUND_MS,
    () => new Error("the variant endpoint did not answer while user_consents was locked"),
  );
  assert.equal(response.status, 200);
  return await json<{ variant: string; reason: string }>(response);
}

async function gpcRecorded(db: Db, userId: string): Promise<boolean> {
  const rows = await db.query(
    "SELECT 1 FROM privacy_signals WHERE user_id = $1 AND signal = 'gpc'",
    [userId],
  );
  return rows.length > 0;
}

const unavailable = (app: TestApp) =>
  app.logs.filter((line) => line.includes("consent state unavailable")).length;

if (hasPostgres()) {
  Deno.test({
    name:
      "[postgres] a GPC call for a stored variant answers while user_consents is locked; the signal is recorded once the lock is gone",
    ...opts,
    fn: () =>
      withLockingApp(async ({ app, other, lock }) => {
        await app.services.experiments.set({
          key: KEY,
          enabled: true,
          variants: { a: { weight: 50 }, b: { weight: 50 } },
        }, { actor: { type: "system" } });
        const user = await consentedUser(app);
        const first = await json<{ variant: string }>(await call(app, user, false));

        const unlock = await lock("user_consents", "ACCESS EXCLUSIVE");
        const locked = await answeredWhileLocked(app, user);
        assert.deepEqual(locked, { ...first, reason: "STICKY" });
        assert.equal(await gpcRecorded(other, user.user.id), false, "not recorded while locked");
        assert.equal(unavailable(app), 1, "the unanswered read is logged");
        await unlock();

        // A later call once the lock is gone: the signal is recorded (by the read left waiting,
        // or this call's own).
        const later = await call(app, user, true);
        assert.equal(later.status, 200);
        await later.body?.cancel();
        await until(
          () => gpcRecorded(other, user.user.id),
          "the GPC signal, after the lock was released",
          ANSWER_BOUND_MS,
        );
        // Recorded and known to this instance: a later GPC call does not read consent again,
        // so a lock on user_consents costs it nothing and nothing is logged.
        const again = await call(app, user, true);
        await again.body?.cancel();
        const logged = unavailable(app);
        const unlockAgain = await lock("user_consents", "ACCESS EXCLUSIVE");
        assert.deepEqual(await answeredWhileLocked(app, user), { ...first, reason: "STICKY" });
        assert.equal(unavailable(app), logged, "no consent read was attempted");
        await unlockAgain();
      }),
  });
}
