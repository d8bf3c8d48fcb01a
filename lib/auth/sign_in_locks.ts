/**
 * The sign-in locks: every password check (a sign-in, or a signed-in user confirming their own
 * password) is counted against the account's lock and the client address's before the slow
 * hash runs, and the locks it sets are audited; administrators list and clear them. The policy
 * itself is lib/auth/throttle.ts, the keys lib/auth/lock_keys.ts.
 */
import type { AuditActor, AuditLog } from "../audit/audit.ts";
import type { Clock } from "../clock.ts";
import { KdfBusyError, type KdfGate } from "./kdf_gate.ts";
import type { LockKeys } from "./lock_keys.ts";
import { createDummyVerifier, type ScryptParams, verifyPassword } from "./password.ts";
import type { LockScope } from "./sign_in_lock_error.ts";
import type { AuthStore, User } from "./store.ts";
import { ACCOUNT_POLICY, IP_POLICY, lockRemainingSeconds, THROTTLE_MEMORY_MS } from "./throttle.ts";

/** The locks an admitted attempt was counted against, and the lock each one set (if any). */
export interface Reservation {
  ipLock: Date | null;
  accountLock: Date | null;
}

/** An attempt the locks refused: the seconds to wait, and which lock refused. */
export interface LockRefusal {
  retryAfter: number;
  scope: LockScope;
}

export interface SignInLocksOptions {
  store: AuthStore;
  audit: AuditLog;
  clock: Clock;
  /** The keys of the locks (see AuthServiceOptions.lockKeys). */
  lockKeys: LockKeys;
  /** Bounds the password hashes running at once. */
  kdf: KdfGate;
  /** scrypt cost of the dummy check of an account without a password. */
  passwordParams: ScryptParams;
}

export function createSignInLocks(options: SignInLocksOptions) {
  const { store, audit, clock, lockKeys, kdf } = options;
  const dummyVerify = createDummyVerifier(options.passwordParams);
  const now = () => new Date(clock.now());
  // The sign-in lock keys: keyed digests of the email and the address (lib/auth/lock_keys.ts).
  const accountKey = lockKeys.account;

  /**
   * Counts this attempt against the account and the address before the (slow) password check,
   * so concurrent guesses cannot all pass a lock check that none of them has updated yet.
   * Returns the reservations (to take back on success), or the seconds to wait and which lock
   * refused (`scope`).
   */
  async function reserve(
    emailKey: string,
    ipKeyValue: string,
    nowMs: number,
  ): Promise<Reservation | LockRefusal> {
    const at = new Date(nowMs);
    const account = await store.reserveAttempt(emailKey, "account", ACCOUNT_POLICY, at);
    if (account.admitted) {
      const ip = await store.reserveAttempt(ipKeyValue, "ip", IP_POLICY, at);
      if (ip.admitted) return { ipLock: ip.lockedUntil, accountLock: account.lockedUntil };
      // Refused for the address: this attempt is not a failure of the account either.
      await store.releaseAttempt(emailKey, ACCOUNT_POLICY, account.lockedUntil);
    }
    const accountSeconds = lockRemainingSeconds(await store.getThrottle(emailKey), nowMs);
    const addressSeconds = lockRemainingSeconds(await store.getThrottle(ipKeyValue), nowMs);
    // The lock named is the one that holds the attempt back longest, so that the wait it names is
    // true; when both end together (or have just run out), the one that refused.
    const refusedBy: LockScope = account.admitted ? "address" : "account";
    const scope: LockScope = addressSeconds === accountSeconds
      ? refusedBy
      : addressSeconds > accountSeconds
      ? "address"
      : "account";
    // The lock may have run out between the refusal and this read: still ask for a pause.
    return { retryAfter: Math.max(1, accountSeconds, addressSeconds), scope };
  }

  /**
   * The audit entries of the locks a failed attempt set: one entry per lock, whatever number of
   * refusals follow. Its target is the lock as /admin/users lists it and `auth.lock_clear` names
   * it; its actor who made the attempt: `anonymous` for a sign-in, the signed-in user for the
   * check of their own password.
   */
  async function recordLocks(
    reservation: Reservation,
    emailKey: string,
    ipKeyValue: string,
    userId: string | undefined,
    requestId: string | undefined,
    actor: AuditActor,
  ): Promise<void> {
    const locked = [
      ...(reservation.accountLock
        ? [{ scope: "account", key: emailKey, until: reservation.accountLock }]
        : []),
      ...(reservation.ipLock
        ? [{ scope: "address", key: ipKeyValue, until: reservation.ipLock }]
        : []),
    ];
    for (const lock of locked) {
      await audit.record({
        actor,
        action: "auth.sign_in_locked",
        target: { type: "sign_in_lock", id: lock.key.slice(0, 12) },
        after: {
          scope: lock.scope,
          lockEndsAt: new Date(lock.until).toISOString(),
          ...(lock.scope === "account" && userId ? { userId } : {}),
        },
        requestId,
      });
    }
  }

  /**
   * `password` checked against `passwordHash` (a dummy check without one, so that an unknown
   * account takes as long), for an attempt already counted by `reservation`. Only the hash waits
   * for a turn of the gate (lib/auth/kdf_gate.ts). One refused because the gate is busy was no
   * attempt at all: its counts are given back, so a burst of sign-ins cannot lock anyone out.
   */
  async function verifyReserved(
    passwordHash: string | null | undefined,
    password: string,
    emailKey: string,
    ipKeyValue: string,
    reservation: Reservation,
  ): Promise<boolean> {
    try {
      return await kdf.run(async () => {
        if (passwordHash) return await verifyPassword(password, passwordHash);
        await dummyVerify();
        return false;
      });
    } catch (error) {
      if (error instanceof KdfBusyError) {
        await store.releaseAttempt(emailKey, ACCOUNT_POLICY, reservation.accountLock);
        await store.releaseAttempt(ipKeyValue, IP_POLICY, reservation.ipLock);
      }
      throw error;
    }
  }

  /**
   * An admitted attempt whose password was right: the account's count is cleared and the
   * address's reservation given back. The throttle's own bookkeeping, not audited.
   */
  async function succeeded(
    emailKey: string,
    ipKeyValue: string,
    reservation: Reservation,
  ): Promise<void> {
    await store.clearThrottle(emailKey);
    await store.releaseAttempt(ipKeyValue, IP_POLICY, reservation.ipLock);
  }

  return {
    reserve,
    recordLocks,
    verifyReserved,
    succeeded,

    /** Active sign-in locks, with the user each account lock belongs to (when known). */
    async listLocks(): Promise<
      Array<
        { key: string; kind: "account" | "ip"; failures: number; lockedUntil: Date; user?: User }
      >
    > {
      const locks = await store.listLocks(now());
      if (locks.length === 0) return [];
      const users = await store.listUsers();
      const byKey = new Map<string, User>();
      for (const user of users) byKey.set(accountKey(user.email), user);
      return locks.map((lock) => ({
        ...lock,
        ...(byKey.get(lock.key) ? { user: byKey.get(lock.key)! } : {}),
      }));
    },

    async clearLock(key: string, actor: AuditActor, requestId?: string): Promise<void> {
      await store.transaction(async (tx) => {
        // Nothing to clear (no such lock, or another administrator cleared it first): no change,
        // so no entry, as for a token revoked twice.
        if (!await tx.clearThrottle(key)) return;
        await audit.record({
          actor,
          action: "auth.lock_clear",
          target: { type: "sign_in_lock", id: key.slice(0, 12) },
          requestId,
        }, tx.tx);
      });
    },

    /**
     * Deletes the sign-in throttle rows that no longer count: no lock in force and the last
     * failure older than the throttle remembers ({@link THROTTLE_MEMORY_MS}, 24 h), so failed
     * attempts (for emails of no account too) are not kept for ever. Returns how many went.
     */
    async sweepSignInLocks(): Promise<number> {
      const at = now();
      return await store.deleteStaleThrottles(new Date(at.getTime() - THROTTLE_MEMORY_MS), at);
    },
  };
}

/** The sign-in locks of one auth service. */
export type SignInLocks = ReturnType<typeof createSignInLocks>;
