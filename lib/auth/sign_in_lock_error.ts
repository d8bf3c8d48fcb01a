/** The refusals of a password check by a sign-in lock (lib/auth/sign_in_locks.ts). */
import { RateLimitedError } from "../errors/mod.ts";

/** Which sign-in lock refused an attempt: the account's (by its email) or the client address's. */
export type LockScope = "account" | "address";

/**
 * An attempt refused by a sign-in lock (RATE_LIMITED), naming which lock: an address lock (20
 * failures from one address, such as a hospital's NAT) is not the user's account being locked,
 * and a signed-in user must not be told that it is.
 */
export class SignInLockedError extends RateLimitedError {
  constructor(readonly scope: LockScope, message: string, retryAfterSeconds: number) {
    super(message, retryAfterSeconds);
  }
}

/**
 * The refusal of a password check by the signed-in user (a password change) by `scope`'s lock.
 * Sign-in says the same for both ("too many failed sign-in attempts"); here the user is known,
 * and the address lock comes from failures that need not be theirs.
 */
export function lockedError(refusal: { retryAfter: number; scope: LockScope }): SignInLockedError {
  return new SignInLockedError(
    refusal.scope,
    refusal.scope === "address"
      ? "Too many failed sign-ins from your network address; try again later, or ask an " +
        "administrator to clear the lock for that address"
      : "Too many wrong passwords for this account; try again later, or ask an administrator " +
        "to clear the lock",
    refusal.retryAfter,
  );
}
