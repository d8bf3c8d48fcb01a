/**
 * Password changes: a user's own (their current password checked and counted like a sign-in,
 * their session renewed), an administrator's reset of another account's, and the check and hash
 * of a new password.
 */
import type { AuditActor, AuditLog } from "../audit/audit.ts";
import type { Clock } from "../clock.ts";
import { NotFoundError, ValidationError } from "../errors/mod.ts";
import type { CredentialsEnded } from "./credentials_ended.ts";
import type { CredentialsEndedAnnouncer } from "./credentials_ended_announcer.ts";
import type { KdfGate } from "./kdf_gate.ts";
import type { LockKeys } from "./lock_keys.ts";
import { hashPassword, passwordProblem, type ScryptParams } from "./password.ts";
import type { UserPrincipal } from "./principal.ts";
import { lockedError } from "./sign_in_lock_error.ts";
import type { SignInLocks } from "./sign_in_locks.ts";
import type { AuthStore } from "./store.ts";
import { hashSecret, randomSecret } from "./tokens.ts";
import type { VerifiedCache } from "./verified_cache.ts";

/** Where a password check comes from: its address (for the address lock) and request. */
export interface PasswordCheckMeta {
  ip: string;
  requestId?: string | undefined;
}

/**
 * The caller's names (paths such as `$.password`) of a password change's two fields, for the
 * issues of a refusal: each route has its own, and a refusal must name a field of its body.
 */
export interface PasswordFields {
  /** The new password. */
  password: string;
  /** The caller's current password (an administrator's own when setting another's). */
  currentPassword: string;
}

/** The session a password change renewed: its new secret, for the cookie. */
export interface RenewedSession {
  sessionSecret: string;
}

export interface PasswordChangesOptions {
  store: AuthStore;
  audit: AuditLog;
  clock: Clock;
  lockKeys: LockKeys;
  locks: SignInLocks;
  /** Bounds the password hashes running at once. */
  kdf: KdfGate;
  /** scrypt cost of a new password's hash. */
  passwordParams: ScryptParams;
  /** This instance's memory of verified sessions (a changed password's user is dropped). */
  sessionCache: VerifiedCache<UserPrincipal>;
  ending: CredentialsEndedAnnouncer["ending"];
  endingSessionsOf: CredentialsEndedAnnouncer["endingSessionsOf"];
}

export function createPasswordChanges(options: PasswordChangesOptions) {
  const { store, audit, clock, locks, kdf, sessionCache, ending, endingSessionsOf } = options;
  const params = options.passwordParams;
  const now = () => new Date(clock.now());
  const accountKey = options.lockKeys.account;
  const ipKey = options.lockKeys.address;

  /**
   * Checks the signed-in user's own password before a password change, as a sign-in checks it:
   * the attempt counts against the same account and address locks first (5 wrong passwords lock
   * the account, for sign-in too), so a session cannot be used to guess the password faster than
   * the sign-in form allows. A wrong password is audited (`auth.password_check_failed`) and
   * refused with VALIDATION_FAILED on `field`; a lock with RATE_LIMITED
   * (SignInLockedError, naming the account's or the address's lock). A right one
   * clears the account's count, as a successful sign-in does.
   */
  async function confirmOwnPassword(
    principal: UserPrincipal,
    password: string,
    meta: PasswordCheckMeta,
    field: string,
  ): Promise<void> {
    const emailKey = accountKey(principal.email);
    const ipKeyValue = ipKey(meta.ip);
    const reservation = await locks.reserve(emailKey, ipKeyValue, clock.now());
    if ("retryAfter" in reservation) throw lockedError(reservation);
    const user = await store.findUserByEmail(principal.email);
    const ok = await locks.verifyReserved(
      user?.passwordHash,
      password,
      emailKey,
      ipKeyValue,
      reservation,
    );
    if (!ok || !user || user.id !== principal.id || !user.active) {
      await audit.record({
        actor: { type: "user", id: principal.id },
        action: "auth.password_check_failed",
        target: { type: "user", id: principal.id },
        requestId: meta.requestId,
      });
      await locks.recordLocks(reservation, emailKey, ipKeyValue, principal.id, meta.requestId, {
        type: "user",
        id: principal.id,
      });
      throw new ValidationError("Your current password is not correct", [{
        path: field,
        message: "Not correct",
      }]);
    }
    await locks.succeeded(emailKey, ipKeyValue, reservation);
  }

  /** Refuses a new password that breaks the account rules, before anything is counted. */
  function checkNewPassword(password: string, field: string): void {
    const problem = passwordProblem(password);
    if (problem) throw new ValidationError(problem, [{ path: field, message: problem }]);
  }

  /**
   * Sets the signed-in user's own password after checking the current one (confirmOwnPassword):
   * the user's other sessions end; the one that asked stays signed in under a new secret (the
   * old one, perhaps copied, is accepted nowhere any more). Returns that secret for the cookie,
   * or undefined when the session was signed out meanwhile.
   */
  async function changeOwnPassword(
    principal: UserPrincipal,
    currentPassword: string,
    newPassword: string,
    meta: PasswordCheckMeta,
    fields: PasswordFields,
  ): Promise<RenewedSession | undefined> {
    checkNewPassword(newPassword, fields.password);
    if (newPassword === currentPassword) {
      throw new ValidationError("The new password must differ from the current one", [{
        path: fields.password,
        message: "Same as the current password",
      }]);
    }
    await confirmOwnPassword(principal, currentPassword, meta, fields.currentPassword);
    const passwordHash = await kdf.run(() => hashPassword(newPassword, params));
    const lockKey = accountKey(principal.email);
    const userId = principal.id;
    // This session goes on under a new secret, as after a sign-in: whoever copied the old one
    // (the reason to change a password) is signed out with the other sessions.
    const sessionSecret = randomSecret();
    const tokenHash = await hashSecret(sessionSecret);
    const { renewed } = await ending(
      // The old secret too: none of the user's sessions is served from memory meanwhile.
      () => sessionCache.invalidate((cached) => cached.id === userId),
      // Committed: the other sessions deleted and this one's old row (its id ends, with the
      // event streams opened under it). Unknown (the transaction failed, perhaps after its
      // COMMIT): all of the user's, so that no instance serves one of them from memory.
      (outcome): CredentialsEnded =>
        !outcome.committed
          ? { ended: "user", ids: [userId] }
          : { ended: "session", ids: [...outcome.value.ended, principal.sessionId] },
      () =>
        store.transaction(async (tx) => {
          await tx.updateUser(userId, { passwordHash }, now());
          const ended = await tx.deleteOtherSessionsOfUser(userId, principal.sessionId);
          const renewed = await tx.renewSession(principal.sessionId, tokenHash, now());
          await tx.clearThrottle(lockKey);
          await audit.record({
            actor: { type: "user", id: userId },
            action: "user.password_change",
            target: { type: "user", id: userId },
            after: { otherSessionsEnded: ended.length },
            requestId: meta.requestId,
          }, tx.tx);
          return { ended, renewed };
        }),
    );
    return renewed === undefined ? undefined : { sessionSecret };
  }

  /**
   * A new password checked against the account rules (VALIDATION_FAILED on `$.password`) and
   * hashed, before anything is stored.
   */
  async function validNewPassword(password: string): Promise<string> {
    const problem = passwordProblem(password);
    if (problem) throw new ValidationError(problem, [{ path: "$.password", message: problem }]);
    return await kdf.run(() => hashPassword(password, params));
  }

  /** Sets a new password, ends the user's sessions and lifts the account's sign-in lock. */
  async function resetPassword(
    id: string,
    password: string,
    actor: AuditActor,
    requestId?: string,
  ): Promise<void> {
    const user = await store.findUserById(id);
    if (!user) throw new NotFoundError("No such user");
    const passwordHash = await validNewPassword(password);
    const lockKey = accountKey(user.email);
    await endingSessionsOf(id, () =>
      store.transaction(async (tx) => {
        await tx.updateUser(id, { passwordHash }, now());
        await tx.deleteSessionsOfUser(id);
        await tx.clearThrottle(lockKey);
        await audit.record({
          actor,
          action: "user.password_reset",
          target: { type: "user", id },
          requestId,
        }, tx.tx);
      }));
  }

  return {
    validNewPassword,

    resetPassword,

    /**
     * The signed-in user changes their own password: the current one is checked like a sign-in
     * (counted against the account's lock; VALIDATION_FAILED on `$.currentPassword` when wrong,
     * RATE_LIMITED while locked), the new one must meet the account rules. Ends the user's other
     * sessions and renews this one under a new secret (returned, for the cookie; undefined when
     * it was signed out meanwhile); clears the account's sign-in lock.
     */
    changeOwnPassword(
      principal: UserPrincipal,
      input: { currentPassword: string; newPassword: string },
      meta: PasswordCheckMeta,
    ): Promise<RenewedSession | undefined> {
      return changeOwnPassword(principal, input.currentPassword, input.newPassword, meta, {
        password: "$.newPassword",
        currentPassword: "$.currentPassword",
      });
    },

    /**
     * An administrator sets an account's password, confirming with their own (`adminPassword`,
     * checked and counted as in {@link changeOwnPassword}; nothing changes and no session ends
     * when it is wrong). For another account it is {@link resetPassword}: all of that user's
     * sessions end. For their own account it is {@link changeOwnPassword}: `adminPassword` is the
     * current password and this session is renewed (its new secret returned). Returns which it
     * was. A refusal names the caller's fields, `fields` (the route's names for the new password
     * and the administrator's own), whichever account it is.
     */
    async setPasswordAsAdmin(
      admin: UserPrincipal,
      input: { userId: string; password: string; adminPassword: string },
      meta: PasswordCheckMeta,
      fields: PasswordFields,
    ): Promise<{ kind: "own"; renewed: RenewedSession | undefined } | { kind: "other" }> {
      if (input.userId === admin.id) {
        const renewed = await changeOwnPassword(
          admin,
          input.adminPassword,
          input.password,
          meta,
          fields,
        );
        return { kind: "own", renewed };
      }
      checkNewPassword(input.password, fields.password);
      await confirmOwnPassword(admin, input.adminPassword, meta, fields.currentPassword);
      await resetPassword(
        input.userId,
        input.password,
        { type: "user", id: admin.id },
        meta.requestId,
      );
      return { kind: "other" };
    },
  };
}
