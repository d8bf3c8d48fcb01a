/**
 * Sign-in throttling policy (pure): after `threshold` consecutive failures a
 * key is locked, for a period that doubles with each further failure up to a
 * cap. Failures older than the reset window are forgotten.
 *
 * `afterFailure` is the definition; the store applies the same schedule in one
 * SQL statement (`reserveAttempt`) so concurrent attempts are counted
 * atomically, and a test checks the two agree.
 */

export interface ThrottlePolicy {
  threshold: number;
  baseLockMs: number;
  maxLockMs: number;
  resetAfterMs: number;
}

/** Per account: 5 failures → 1 min, then 2, 4, … up to 1 h. */
export const ACCOUNT_POLICY: ThrottlePolicy = {
  threshold: 5,
  baseLockMs: 60_000,
  maxLockMs: 3_600_000,
  resetAfterMs: 86_400_000,
};

/** Per IP: higher threshold (many users can share one address behind NAT). */
export const IP_POLICY: ThrottlePolicy = {
  threshold: 20,
  baseLockMs: 60_000,
  maxLockMs: 3_600_000,
  resetAfterMs: 86_400_000,
};

/**
 * How long a throttle row matters after its last failure: past both policies' reset window (the
 * count starts again) and longest lock, a row with no lock in force changes nothing and is
 * deleted (`sweepSignInLocks`).
 */
export const THROTTLE_MEMORY_MS = Math.max(
  ...[ACCOUNT_POLICY, IP_POLICY].flatMap((policy) => [policy.resetAfterMs, policy.maxLockMs]),
);

export interface ThrottleState {
  failures: number;
  lockedUntil: number | null;
  lastFailureAt: number;
}

/** The state after one more failure at `now`. */
export function afterFailure(
  state: ThrottleState | undefined,
  policy: ThrottlePolicy,
  now: number,
): ThrottleState {
  const previous = state && now - state.lastFailureAt < policy.resetAfterMs ? state.failures : 0;
  const failures = previous + 1;
  let lockedUntil: number | null = null;
  if (failures >= policy.threshold) {
    const exponent = Math.min(failures - policy.threshold, 30);
    lockedUntil = now + Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** exponent);
  }
  return { failures, lockedUntil, lastFailureAt: now };
}

/** Seconds until the key may try again, or 0 when it is not locked. */
export function lockRemainingSeconds(state: ThrottleState | undefined, now: number): number {
  if (!state?.lockedUntil || state.lockedUntil <= now) return 0;
  return Math.ceil((state.lockedUntil - now) / 1000);
}
