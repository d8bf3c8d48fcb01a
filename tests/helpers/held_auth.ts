/**
 * An auth service whose database lookups (sessions and tokens) the test can hold, with a manual
 * timer instead of the clock on the wall: the set-up of the tests of lib/auth/service.ts's bounded
 * wait for a lookup that does not settle (a stalled connection). The store is the real one on
 * PGlite; only its two lookups are wrapped.
 */
import { createAuditLog } from "../../lib/audit/audit.ts";
import { createAuthService, createAuthStore } from "../../lib/auth/mod.ts";
import type { ApiToken, SessionWithUser } from "../../lib/auth/store.ts";
import { systemClock } from "../../lib/clock.ts";
import type { Db } from "../../lib/db/mod.ts";
import { manualTimeouts } from "../../lib/timeout.ts";
import { TEST_PASSWORD_PARAMS } from "./app.ts";
import { freshPglite } from "./db.ts";

/** Lets every continuation queued so far run (and any real timer at 0 ms fire). */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

export interface HeldAuth {
  auth: ReturnType<typeof createAuthService>;
  timers: ReturnType<typeof manualTimeouts>;
  db: Db;
  /** What the service's `databaseFailing()` answers. */
  failing: { value: boolean };
  /** Holds every session and token lookup from now on until `release()`. */
  hold(): void;
  /** Waits until a lookup is being held (it has been asked for). */
  untilHeld(): Promise<void>;
  release(): Promise<void>;
}

export async function withHeldLookups(fn: (t: HeldAuth) => Promise<void>): Promise<void> {
  const { db, cleanup } = await freshPglite();
  const store = createAuthStore(db);
  let held: Array<() => void> | undefined;
  const wait = async () => {
    if (held) await new Promise<void>((resolve) => held!.push(resolve));
  };
  const timers = manualTimeouts();
  const failing = { value: false };
  const auth = createAuthService({
    store: {
      ...store,
      async findActiveToken(hash: string, now: Date): Promise<ApiToken | undefined> {
        await wait();
        return await store.findActiveToken(hash, now);
      },
      async findSession(
        hash: string,
        now: Date,
        idleMs: number,
      ): Promise<SessionWithUser | undefined> {
        await wait();
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
      hold: () => void (held = []),
      async untilHeld() {
        for (let turn = 0; turn < 500 && (held?.length ?? 0) === 0; turn++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        if (!held?.length) throw new Error("no lookup was asked for");
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
 * Waits until the service has set its wait's timer (or gives up after a while; the assertion that
 * follows says what was pending): the secret is hashed off the main thread first, which one turn
 * of the event loop may not cover on a loaded machine.
 */
export async function untilTimerSet(timers: ReturnType<typeof manualTimeouts>): Promise<void> {
  for (let turn = 0; turn < 500 && timers.pending().length === 0; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The answer of `work` so far: "pending", or what it settled with (or failed with). */
export function tracked<T>(work: Promise<T>) {
  let state: { settled: false } | { settled: true; value?: T; error?: unknown } = {
    settled: false,
  };
  work.then((value) => (state = { settled: true, value }), (error) => {
    state = { settled: true, error };
  });
  return { state: () => state, work };
}
