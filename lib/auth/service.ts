/**
 * Accounts, sessions, API tokens and sign-in: the orchestration over the auth
 * store, with throttling and audit records for every state change. Every change
 * is written with its audit entry in one transaction (`store.transaction`), so
 * both commit or neither does; what ends credentials in memory and on the other
 * instances runs once that transaction has settled.
 */
import type { AuditActor, AuditLog } from "../audit/audit.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log/mod.ts";
import type { InternalChannel } from "../realtime/types.ts";
import {
  ForbiddenError,
  ModeStandbyError,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
} from "../errors/mod.ts";
import {
  createDummyVerifier,
  DEFAULT_SCRYPT,
  hashPassword,
  needsRehash,
  passwordProblem,
  type ScryptParams,
  verifyPassword,
} from "./password.ts";
import {
  onlyReducesAccess,
  type Role,
  type Scope,
  type TokenPrincipal,
  type UserPrincipal,
} from "./principal.ts";
import { type ApiToken, type AuthStore, normalizeEmail, type User } from "./store.ts";
import { ACCOUNT_POLICY, IP_POLICY, lockRemainingSeconds, THROTTLE_MEMORY_MS } from "./throttle.ts";
import { createLockKeys, type LockKeys } from "./lock_keys.ts";
import { API_TOKEN_PREFIX, hashSecret, randomSecret } from "./tokens.ts";
import { VerifiedCache } from "./verified_cache.ts";
import { settlesWithin, type TimeoutTimers } from "../timeout.ts";
import { isAcceptedEmail } from "./account_rules.ts";
import { displayNameProblem } from "./display_name.ts";
import { createKdfGate, KdfBusyError, type KdfGate } from "./kdf_gate.ts";
import type { CredentialsEnded } from "./credentials_ended.ts";
import { createCredentialsEndedAnnouncer } from "./credentials_ended_announcer.ts";
import { AuthUnavailableError, LOOKUP_WAIT_MS, STALE_IF_ERROR_MS } from "./credential_lookup.ts";
import { createBackgroundTouch, sessionTouchMs, TOUCH_INTERVAL_MS } from "./credential_touch.ts";
import { toPrincipal } from "./principal_view.ts";
import { lockedError, type LockScope, SignInLockedError } from "./sign_in_lock_error.ts";

// The names importers take from here, wherever they are defined now.
export { AuthUnavailableError } from "./credential_lookup.ts";
export type { CredentialsEndedListener } from "./credentials_ended_announcer.ts";
export { principalView } from "./principal_view.ts";
export { type LockScope, SignInLockedError } from "./sign_in_lock_error.ts";

export interface AuthServiceOptions {
  store: AuthStore;
  audit: AuditLog;
  clock: Clock;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  /** scrypt cost; tests lower it, production keeps the default. */
  passwordParams?: ScryptParams;
  /**
   * The event bus's channel to the other instances: credentials ended here are announced on it,
   * and those ended elsewhere are forgotten here. Without it (the `user` command) nothing is
   * announced and memory is trusted as if this were the only instance.
   */
  peers?: InternalChannel;
  logger?: Logger;
  /** Bounds the password hashes running at once (default: 2, see lib/auth/kdf_gate.ts). */
  kdfGate?: KdfGate;
  /**
   * The keys of the sign-in locks, from the deployment's secret (`createLockKeys(ANALYTICS_IP_SALT)`,
   * lib/auth/lock_keys.ts). Default: a random key of this process (development and tests).
   */
  lockKeys?: LockKeys;
  /**
   * True while the database is known to be failing (the governance mode service failed closed:
   * its re-reads fail or hang). Only then may a slow token or session lookup be answered without
   * the database: a database that is merely slow (a lock, a busy pool) still answers, and its
   * answer decides, so a token revoked or a session ended there is refused. Without it a lookup
   * always waits for the database.
   */
  databaseFailing?: () => boolean;
  /** The timer bounding that wait (default: the real one; tests pass manual ones). */
  timers?: TimeoutTimers;
}

/**
 * Where a sign-in comes from. No User-Agent: the header is whatever the client sends (it can carry
 * a patient's name), and nothing would read it back from the session.
 */
export interface SignInMeta {
  ip: string;
  requestId?: string;
  /** The session secret presented with the request, replaced on sign-in (no fixation). */
  previousSessionSecret?: string;
}

/** Where a password check comes from: its address (for the address lock) and request. */
export interface PasswordCheckMeta {
  ip: string;
  requestId?: string | undefined;
}

export interface SignInResult {
  principal: UserPrincipal;
  /** The new session secret for the cookie. */
  sessionSecret: string;
  expiresAt: Date;
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

export function createAuthService(options: AuthServiceOptions) {
  const { store, audit, clock, peers, logger } = options;
  const params = options.passwordParams ?? DEFAULT_SCRYPT;
  const dummyVerify = createDummyVerifier(params);
  const kdf = options.kdfGate ?? createKdfGate();
  const idleMs = options.sessionIdleMinutes * 60_000;
  const absoluteMs = options.sessionAbsoluteHours * 3_600_000;
  const touchSessionMs = sessionTouchMs(idleMs);
  const now = () => new Date(clock.now());
  /** See AuthServiceOptions.databaseFailing (named apart: methods have `options` of their own). */
  const databaseFailing = () => options.databaseFailing?.() === true;
  const lookupTimers = options.timers;
  // Verified credentials stay usable for 10 minutes while the database is unreachable.
  const tokenCache = new VerifiedCache<TokenPrincipal>(clock, STALE_IF_ERROR_MS);
  // One for sessions and tokens alike (lib/auth/credential_touch.ts): its keys say which.
  const touchInBackground = createBackgroundTouch();
  const sessionCache = new VerifiedCache<UserPrincipal>(clock, STALE_IF_ERROR_MS);
  const announcer = createCredentialsEndedAnnouncer({ sessionCache, tokenCache, peers, logger });
  const { ending, endingSessionsOf, mayRecall } = announcer;
  // The sign-in lock keys: keyed digests of the email and the address (lib/auth/lock_keys.ts).
  const lockKeys = options.lockKeys ?? createLockKeys(undefined);
  const accountKey = lockKeys.account;
  const ipKey = lockKeys.address;

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
  ): Promise<
    { ipLock: Date | null; accountLock: Date | null } | { retryAfter: number; scope: LockScope }
  > {
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
    reservation: { ipLock: Date | null; accountLock: Date | null },
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
    reservation: { ipLock: Date | null; accountLock: Date | null },
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
   * Checks the signed-in user's own password before a password change, as a sign-in checks it:
   * the attempt counts against the same account and address locks first (5 wrong passwords lock
   * the account, for sign-in too), so a session cannot be used to guess the password faster than
   * the sign-in form allows. A wrong password is audited (`auth.password_check_failed`) and
   * refused with VALIDATION_FAILED on `field`; a lock with RATE_LIMITED
   * ({@link SignInLockedError}, naming the account's or the address's lock). A right one
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
    const reservation = await reserve(emailKey, ipKeyValue, clock.now());
    if ("retryAfter" in reservation) throw lockedError(reservation);
    const user = await store.findUserByEmail(principal.email);
    const ok = await verifyReserved(
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
      await recordLocks(reservation, emailKey, ipKeyValue, principal.id, meta.requestId, {
        type: "user",
        id: principal.id,
      });
      throw new ValidationError("Your current password is not correct", [{
        path: field,
        message: "Not correct",
      }]);
    }
    await store.clearThrottle(emailKey);
    await store.releaseAttempt(ipKeyValue, IP_POLICY, reservation.ipLock);
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

  /**
   * Refuses a display name that holds more than a person's name (an MRN, a date, a phone
   * number…), before anything is stored: VALIDATION_FAILED on `$.displayName`.
   */
  function checkDisplayName(name: string | undefined): void {
    if (name === undefined) return;
    const problem = displayNameProblem(name);
    if (problem) {
      throw new ValidationError(problem.message, [{
        path: "$.displayName",
        message: problem.fieldMessage,
      }]);
    }
  }

  async function validNewPassword(password: string): Promise<string> {
    const problem = passwordProblem(password);
    if (problem) throw new ValidationError(problem, [{ path: "$.password", message: problem }]);
    return await kdf.run(() => hashPassword(password, params));
  }

  return {
    /**
     * Verifies credentials and opens a new session. Unknown emails, wrong
     * passwords and inactive accounts fail the same way, after the same work.
     */
    async signIn(email: string, password: string, meta: SignInMeta): Promise<SignInResult> {
      const nowMs = clock.now();
      const emailKey = accountKey(email);
      const ipKeyValue = ipKey(meta.ip);
      const reservation = await reserve(emailKey, ipKeyValue, nowMs);
      // Refused while locked: no audit entry. The lock itself was recorded once, by the attempt
      // that set it (below); an entry for every refusal would let anyone, unauthenticated, fill
      // the audit log (which refuses deletes) at the rate limit and bury real events.
      if ("retryAfter" in reservation) {
        throw new SignInLockedError(
          reservation.scope,
          "Too many failed sign-in attempts; try again later",
          reservation.retryAfter,
        );
      }
      const user = await store.findUserByEmail(email);
      const ok = await verifyReserved(
        user?.passwordHash,
        password,
        emailKey,
        ipKeyValue,
        reservation,
      );
      if (!ok || !user || !user.active) {
        // Already counted as a failure by the reservation (which must stand whatever happens to
        // the audit entries): the entries stand alone.
        await audit.record({
          actor: { type: "anonymous" },
          action: "auth.sign_in_failed",
          target: user ? { type: "user", id: user.id } : undefined,
          requestId: meta.requestId,
        });
        await recordLocks(reservation, emailKey, ipKeyValue, user?.id, meta.requestId, {
          type: "anonymous",
        });
        throw new UnauthenticatedError("The email or password is not correct");
      }
      // The throttle's own bookkeeping, not part of the audited sign-in.
      await store.clearThrottle(emailKey);
      await store.releaseAttempt(ipKeyValue, IP_POLICY, reservation.ipLock);
      // Hashed before the transaction: the KDF is slow and holds no connection meanwhile. An
      // upgrade of the stored hash is optional: when the gate is busy it waits for a later sign-in.
      const rehashed = user.passwordHash && needsRehash(user.passwordHash, params)
        ? await kdf.run(() => hashPassword(password, params)).catch((error) => {
          if (error instanceof KdfBusyError) return undefined;
          throw error;
        })
        : undefined;
      const previous = meta.previousSessionSecret
        ? await hashSecret(meta.previousSessionSecret)
        : undefined;
      const sessionSecret = randomSecret();
      const tokenHash = await hashSecret(sessionSecret);
      // The time of the session, read after the wait for a turn of the gate.
      const signedInAt = clock.now();
      const expiresAt = new Date(signedInAt + absoluteMs);
      let replaced: string | undefined;
      const sessionId = await ending(
        () => {
          if (previous !== undefined) {
            sessionCache.invalidate((_principal, key) => key === previous);
          }
        },
        () => (replaced === undefined ? undefined : { ended: "session", ids: [replaced] }),
        () =>
          store.transaction(async (tx) => {
            // The user's row first, then their sessions: the order a password reset or a
            // deactivation takes them in, so the two cannot deadlock (session row, then user
            // row, against user row, then sessions, did).
            await tx.recordLogin(user.id, new Date(signedInAt));
            if (rehashed) await tx.updateUser(user.id, { passwordHash: rehashed }, now());
            if (previous !== undefined) replaced = await tx.deleteSessionByTokenHash(previous);
            const id = await tx.createSession({
              tokenHash,
              userId: user.id,
              now: new Date(signedInAt),
              expiresAt,
            });
            await audit.record({
              actor: { type: "user", id: user.id },
              action: "auth.sign_in",
              target: { type: "user", id: user.id },
              requestId: meta.requestId,
            }, tx.tx);
            return id;
          }),
      );
      return {
        principal: await toPrincipal(user, sessionId, sessionSecret),
        sessionSecret,
        expiresAt,
      };
    },

    /**
     * The principal of a session secret, or undefined when unknown, expired, idle or the user
     * is inactive. While the database cannot answer (its lookup fails, or, while it is known to
     * be failing, does not answer within 500 ms), a session verified in the last few minutes is
     * accepted; otherwise {@link AuthUnavailableError}.
     */
    async authenticateSession(
      secret: string,
      options: { touch?: boolean } = {},
    ): Promise<UserPrincipal | undefined> {
      const at = now();
      const hash = await hashSecret(secret);
      const mark = sessionCache.mark();
      const lookup = Promise.resolve().then(() => store.findSession(hash, at, idleMs));
      if (databaseFailing() && !await settlesWithin(lookup, LOOKUP_WAIT_MS, lookupTimers)) {
        // The database is failing and slow to answer (a stalled connection waits for TCP to give
        // up, many minutes): as for a token, a session verified recently answers from memory now,
        // under the rule for a failed lookup. Unlike a token, a session not in memory is refused
        // now as not checkable (503 with Retry-After, the answer a failed lookup gets) rather than
        // waited for: a page or its polls must not hang for as long as the stall lasts, and once
        // memory's window is over every session is one not in memory.
        // A late answer that the session is gone (ended, idle, user deactivated) still takes it
        // out of memory; a late failure changes nothing.
        lookup.then((late) => {
          if (!late) sessionCache.forget(hash);
        }, () => {});
        const cached = mayRecall() ? sessionCache.recall(hash) : undefined;
        if (cached) return cached;
        throw new AuthUnavailableError();
      }
      let found;
      try {
        found = await lookup;
      } catch {
        const cached = mayRecall() ? sessionCache.recall(hash) : undefined;
        if (cached) return cached;
        throw new AuthUnavailableError();
      }
      if (!found) {
        sessionCache.forget(hash);
        return undefined;
      }
      if (
        options.touch !== false && at.getTime() - found.lastSeenAt.getTime() > touchSessionMs
      ) {
        const { sessionId } = found;
        touchInBackground(`session:${sessionId}`, () => store.touchSession(sessionId, at));
      }
      const principal = await toPrincipal(found.user, found.sessionId, secret);
      // Not past the session's absolute end; not at all if it was ended while we were asking.
      sessionCache.remember(hash, principal, found.expiresAt.getTime(), mark);
      return principal;
    },

    async signOut(principal: UserPrincipal, requestId?: string): Promise<void> {
      // Also when the database failed: no instance accepts the session from memory either way.
      await ending(
        () => sessionCache.invalidate((cached) => cached.sessionId === principal.sessionId),
        () => ({ ended: "session", ids: [principal.sessionId] }),
        () =>
          store.transaction(async (tx) => {
            await tx.deleteSession(principal.sessionId);
            await audit.record({
              actor: { type: "user", id: principal.id },
              action: "auth.sign_out",
              target: { type: "user", id: principal.id },
              requestId,
            }, tx.tx);
          }),
      );
    },

    /**
     * The principal of an API token secret, or undefined when unknown, revoked or expired.
     * While the database cannot answer, a token verified in the last few minutes is accepted
     * (flag clients keep working from the snapshot); otherwise {@link AuthUnavailableError}.
     */
    async authenticateToken(secret: string): Promise<TokenPrincipal | undefined> {
      if (!secret.startsWith(API_TOKEN_PREFIX)) return undefined;
      const at = now();
      const hash = await hashSecret(secret);
      const mark = tokenCache.mark();
      const lookup = Promise.resolve().then(() => store.findActiveToken(hash, at));
      let token;
      try {
        if (
          databaseFailing() && !await settlesWithin(lookup, LOOKUP_WAIT_MS, lookupTimers)
        ) {
          // The database is failing and slow to answer (a cut network path, a stalled
          // connection, the driver's reconnect backoff): a token verified recently answers from
          // memory now, under the same rule as when the lookup fails (not invalidated, within
          // its time). Merely slow, it is waited for: its answer decides.
          const cached = mayRecall() ? tokenCache.recall(hash) : undefined;
          if (cached) {
            // A late answer that the token is gone (revoked, expired) still takes it out.
            lookup.then((late) => {
              if (!late) tokenCache.forget(hash);
            }, () => {});
            return cached;
          }
        }
        token = await lookup;
      } catch {
        const cached = mayRecall() ? tokenCache.recall(hash) : undefined;
        if (cached) return cached;
        throw new AuthUnavailableError();
      }
      if (!token) {
        tokenCache.forget(hash);
        return undefined;
      }
      if (!token.lastUsedAt || at.getTime() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
        const { id } = token;
        touchInBackground(`token:${id}`, () => store.touchToken(id, at));
      }
      const principal: TokenPrincipal = {
        kind: "token",
        id: token.id,
        name: token.name,
        scopes: token.scopes,
      };
      tokenCache.remember(hash, principal, token.expiresAt?.getTime() ?? null, mark);
      return principal;
    },

    async createUser(
      input: { email: string; displayName?: string; role: Role; password?: string },
      actor: AuditActor,
      requestId?: string,
    ): Promise<User> {
      const email = normalizeEmail(input.email);
      if (!isAcceptedEmail(email)) {
        throw new ValidationError("The email address is not valid", [{
          path: "$.email",
          message: "Not an email address",
        }]);
      }
      const displayName = input.displayName?.trim() ?? "";
      checkDisplayName(displayName);
      const passwordHash = input.password === undefined
        ? null
        : await validNewPassword(input.password);
      return await store.transaction(async (tx) => {
        const user = await tx.createUser({
          email,
          displayName,
          role: input.role,
          passwordHash,
        });
        await audit.record({
          actor,
          action: "user.create",
          target: { type: "user", id: user.id },
          after: { role: user.role, active: user.active },
          requestId,
        }, tx.tx);
        return user;
      });
    },

    /**
     * Changes role, active flag and/or display name (a name only: see lib/auth/display_name.ts);
     * refuses to remove the last active ADMIN. With
     * `onlyReducingAccess` (STANDBY) anything but a deactivation or demotion is refused with
     * MODE_STANDBY, checked against the locked row.
     */
    async updateUser(
      id: string,
      changes: { role?: Role; active?: boolean; displayName?: string },
      actor: AuditActor,
      requestId?: string,
      options: { onlyReducingAccess?: boolean } = {},
    ): Promise<User> {
      checkDisplayName(changes.displayName);
      // Check, change and audit entry in one locking transaction: two admins demoting each other
      // (or themselves) at the same moment must not both see the other one still active. The
      // cached principal carries the role and stands for an active user: it is forgotten.
      const result = await endingSessionsOf(id, () =>
        store.transaction(async (tx) => {
          const result = await tx.changeUserKeepingAnAdmin(
            id,
            changes,
            now(),
            options.onlyReducingAccess ? (before) => onlyReducesAccess(before, changes) : undefined,
          );
          if (result.kind !== "changed") return result;
          const { before, after } = result;
          await audit.record({
            actor,
            action: changes.active === false
              ? "user.deactivate"
              : changes.role
              ? "user.role_change"
              : "user.update",
            target: { type: "user", id },
            before: { role: before.role, active: before.active },
            // That the name changed (the field's name), never the names: the audit log cannot
            // be purged. (A key with "name" in it would be redacted by the audit log's scrubber.)
            after: {
              role: after.role,
              active: after.active,
              ...(before.displayName !== after.displayName ? { changed: ["displayName"] } : {}),
            },
            requestId,
          }, tx.tx);
          return result;
        }), (result) =>
        // Refused, not found, or only the name changed: no credential ended anywhere.
        result.kind === "changed" &&
        (result.before.role !== result.after.role || result.before.active !== result.after.active));
      if (result.kind === "not_found") throw new NotFoundError("No such user");
      if (result.kind === "refused") {
        throw new ModeStandbyError(
          "In STANDBY an account can only be deactivated or demoted; other changes wait",
        );
      }
      if (result.kind === "last_admin") {
        throw new ForbiddenError("The last active administrator cannot be demoted or deactivated");
      }
      return result.after;
    },

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

    listUsers: () => store.listUsers(),
    findUserByEmail: async (email: string) => {
      const user = await store.findUserByEmail(email);
      if (!user) return undefined;
      const { passwordHash: _hash, ...rest } = user;
      return rest as User;
    },

    /** Creates an API token; the secret is returned once and only its hash is stored. */
    async createToken(
      input: { name: string; scopes: Scope[]; expiresAt?: Date | null },
      actor: AuditActor,
      requestId?: string,
    ): Promise<{ token: ApiToken; secret: string }> {
      if (input.expiresAt && input.expiresAt.getTime() <= clock.now()) {
        throw new ValidationError("The expiry must be in the future", [{
          path: "$.expiresAt",
          message: "Must be in the future",
        }]);
      }
      const secret = randomSecret(API_TOKEN_PREFIX);
      const tokenHash = await hashSecret(secret);
      // Without its audit entry no token exists, so no secret is ever handed out for one.
      const token = await store.transaction(async (tx) => {
        const token = await tx.createToken({
          name: input.name,
          tokenHash,
          scopes: [...new Set(input.scopes)],
          createdBy: actor.type === "user" ? actor.id ?? null : null,
          expiresAt: input.expiresAt ?? null,
          now: now(),
        });
        await audit.record({
          actor,
          action: "token.create",
          target: { type: "api_token", id: token.id },
          after: {
            name: token.name,
            scopes: token.scopes,
            expiresAt: token.expiresAt?.toISOString() ?? null,
          },
          requestId,
        }, tx.tx);
        return token;
      });
      return { token, secret };
    },

    async revokeToken(id: string, actor: AuditActor, requestId?: string): Promise<void> {
      // Also when the database failed: no instance accepts the token from memory either way.
      const outcome = await ending(
        () => tokenCache.invalidate((cached) => cached.id === id),
        // Already revoked or unknown: nothing ended now (the first revocation announced it).
        (outcome) =>
          !outcome.committed || outcome.value === "revoked"
            ? { ended: "api_token", ids: [id] }
            : undefined,
        () =>
          store.transaction(async (tx) => {
            if (!await tx.revokeToken(id, now())) {
              // Already revoked (idempotent, nothing to record) or unknown.
              return await tx.findToken(id) ? "already_revoked" : "not_found";
            }
            await audit.record({
              actor,
              action: "token.revoke",
              target: { type: "api_token", id },
              requestId,
            }, tx.tx);
            return "revoked";
          }),
      );
      if (outcome === "not_found") throw new NotFoundError("No such API token");
    },

    listTokens: () => store.listTokens(),

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
        await tx.clearThrottle(key);
        await audit.record({
          actor,
          action: "auth.lock_clear",
          target: { type: "sign_in_lock", id: key.slice(0, 12) },
          requestId,
        }, tx.tx);
      });
    },

    async deleteExpiredSessions(): Promise<number> {
      return await store.deleteExpiredSessions(now(), idleMs);
    },

    /**
     * The keys of the sign-in locks (`login_throttle.key`, as `listLocks` returns them), for
     * `deno task user unlock <email | address>`.
     */
    lockKeys,

    /**
     * Deletes the sign-in throttle rows that no longer count: no lock in force and the last
     * failure older than the throttle remembers ({@link THROTTLE_MEMORY_MS}, 24 h), so failed
     * attempts (for emails of no account too) are not kept for ever. Returns how many went.
     */
    async sweepSignInLocks(): Promise<number> {
      const at = now();
      return await store.deleteStaleThrottles(new Date(at.getTime() - THROTTLE_MEMORY_MS), at);
    },

    onCredentialsEnded: announcer.onCredentialsEnded,

    /**
     * Whether credentials ended on other instances reach this one now (false while its bus
     * cannot hear them; always true without other instances).
     */
    hearsEndsElsewhere(): boolean {
      return mayRecall();
    },

    close: announcer.close,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
