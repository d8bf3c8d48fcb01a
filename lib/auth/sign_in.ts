/**
 * Sign-in: a password checked under the sign-in locks (lib/auth/sign_in_locks.ts) opens a new
 * session, replacing the one presented with the request (no fixation).
 */
import type { AuditLog } from "../audit/audit.ts";
import type { Clock } from "../clock.ts";
import { UnauthenticatedError } from "../errors/mod.ts";
import type { CredentialsEndedAnnouncer } from "./credentials_ended_announcer.ts";
import { KdfBusyError, type KdfGate } from "./kdf_gate.ts";
import { hashPassword, needsRehash, type ScryptParams } from "./password.ts";
import type { UserPrincipal } from "./principal.ts";
import { toPrincipal } from "./principal_view.ts";
import { SignInLockedError } from "./sign_in_lock_error.ts";
import type { SignInLocks } from "./sign_in_locks.ts";
import type { AuthStore } from "./store.ts";
import { hashSecret, randomSecret } from "./tokens.ts";
import type { LockKeys } from "./lock_keys.ts";
import type { VerifiedCache } from "./verified_cache.ts";

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

export interface SignInResult {
  principal: UserPrincipal;
  /** The new session secret for the cookie. */
  sessionSecret: string;
  expiresAt: Date;
}

export interface SignInOptions {
  store: AuthStore;
  audit: AuditLog;
  clock: Clock;
  lockKeys: LockKeys;
  locks: SignInLocks;
  /** Bounds the password hashes running at once. */
  kdf: KdfGate;
  /** scrypt cost: a stored hash of another cost is upgraded on sign-in. */
  passwordParams: ScryptParams;
  /** A session's absolute lifetime. */
  sessionAbsoluteMs: number;
  /** This instance's memory of verified sessions (the replaced one is dropped). */
  sessionCache: VerifiedCache<UserPrincipal>;
  ending: CredentialsEndedAnnouncer["ending"];
}

export function createSignIn(options: SignInOptions) {
  const { store, audit, clock, locks, kdf, sessionCache, ending } = options;
  const params = options.passwordParams;
  const absoluteMs = options.sessionAbsoluteMs;
  const now = () => new Date(clock.now());
  const accountKey = options.lockKeys.account;
  const ipKey = options.lockKeys.address;

  return {
    /**
     * Verifies credentials and opens a new session. Unknown emails, wrong
     * passwords and inactive accounts fail the same way, after the same work.
     */
    async signIn(email: string, password: string, meta: SignInMeta): Promise<SignInResult> {
      const nowMs = clock.now();
      const emailKey = accountKey(email);
      const ipKeyValue = ipKey(meta.ip);
      const reservation = await locks.reserve(emailKey, ipKeyValue, nowMs);
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
      const ok = await locks.verifyReserved(
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
        await locks.recordLocks(reservation, emailKey, ipKeyValue, user?.id, meta.requestId, {
          type: "anonymous",
        });
        throw new UnauthenticatedError("The email or password is not correct");
      }
      // The throttle's own bookkeeping, not part of the audited sign-in.
      await locks.succeeded(emailKey, ipKeyValue, reservation);
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
  };
}
