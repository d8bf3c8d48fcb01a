/**
 * Accounts, sessions, API tokens and sign-in: the orchestration over the auth
 * store, with throttling and audit records for every state change. Every change
 * is written with its audit entry in one transaction (`store.transaction`), so
 * both commit or neither does; what ends credentials in memory and on the other
 * instances runs once that transaction has settled.
 *
 * `createAuthService` composes the parts, each of its own module under lib/auth/:
 * sign-in (sign_in.ts) under the sign-in locks (sign_in_locks.ts), sessions
 * (sessions.ts), API tokens (api_tokens.ts), password changes (password_changes.ts),
 * user accounts (user_accounts.ts), and the announcement of credentials that end
 * (credentials_ended_announcer.ts).
 */
import type { AuditLog } from "../audit/audit.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log/mod.ts";
import type { InternalChannel } from "../realtime/types.ts";
import type { TimeoutTimers } from "../timeout.ts";
import { createApiTokens } from "./api_tokens.ts";
import { STALE_IF_ERROR_MS } from "./credential_lookup.ts";
import { createBackgroundTouch } from "./credential_touch.ts";
import { createCredentialsEndedAnnouncer } from "./credentials_ended_announcer.ts";
import { createKdfGate, type KdfGate } from "./kdf_gate.ts";
import { createLockKeys, type LockKeys } from "./lock_keys.ts";
import { DEFAULT_SCRYPT, type ScryptParams } from "./password.ts";
import { createPasswordChanges } from "./password_changes.ts";
import type { TokenPrincipal, UserPrincipal } from "./principal.ts";
import { createSessions } from "./sessions.ts";
import { createSignIn } from "./sign_in.ts";
import { createSignInLocks } from "./sign_in_locks.ts";
import type { AuthStore } from "./store.ts";
import { createUserAccounts } from "./user_accounts.ts";
import { VerifiedCache } from "./verified_cache.ts";

// The names importers take from here, wherever they are defined now.
export { AuthUnavailableError } from "./credential_lookup.ts";
export type { CredentialsEndedListener } from "./credentials_ended_announcer.ts";
export type { PasswordCheckMeta, PasswordFields, RenewedSession } from "./password_changes.ts";
export { principalView } from "./principal_view.ts";
export type { SignInMeta, SignInResult } from "./sign_in.ts";
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

export function createAuthService(options: AuthServiceOptions) {
  const { store, audit, clock } = options;
  const passwordParams = options.passwordParams ?? DEFAULT_SCRYPT;
  const kdf = options.kdfGate ?? createKdfGate();
  /** See AuthServiceOptions.databaseFailing. */
  const databaseFailing = () => options.databaseFailing?.() === true;
  const timers = options.timers;
  // Verified credentials stay usable for 10 minutes while the database is unreachable (never past
  // their own end: see lib/auth/verified_cache.ts).
  const tokenCache = new VerifiedCache<TokenPrincipal>(clock, STALE_IF_ERROR_MS);
  const sessionCache = new VerifiedCache<UserPrincipal>(clock, STALE_IF_ERROR_MS);
  // One for sessions and tokens alike: its keys say which.
  const touchInBackground = createBackgroundTouch();
  const announcer = createCredentialsEndedAnnouncer({
    sessionCache,
    tokenCache,
    peers: options.peers,
    logger: options.logger,
  });
  const { ending, endingSessionsOf, mayRecall } = announcer;
  // The sign-in lock keys: keyed digests of the email and the address (lib/auth/lock_keys.ts).
  const lockKeys = options.lockKeys ?? createLockKeys(undefined);
  const locks = createSignInLocks({ store, audit, clock, lockKeys, kdf, passwordParams });
  const { signIn } = createSignIn({
    store,
    audit,
    clock,
    lockKeys,
    locks,
    kdf,
    passwordParams,
    sessionAbsoluteMs: options.sessionAbsoluteHours * 3_600_000,
    sessionCache,
    ending,
  });
  const sessions = createSessions({
    store,
    audit,
    clock,
    sessionIdleMs: options.sessionIdleMinutes * 60_000,
    sessionAbsoluteMs: options.sessionAbsoluteHours * 3_600_000,
    sessionCache,
    touchInBackground,
    ending,
    mayRecall,
    databaseFailing,
    timers,
  });
  const tokens = createApiTokens({
    store,
    audit,
    clock,
    tokenCache,
    touchInBackground,
    ending,
    mayRecall,
    databaseFailing,
    timers,
  });
  const passwords = createPasswordChanges({
    store,
    audit,
    clock,
    lockKeys,
    locks,
    kdf,
    passwordParams,
    sessionCache,
    ending,
    endingSessionsOf,
  });
  const users = createUserAccounts({
    store,
    audit,
    clock,
    validNewPassword: passwords.validNewPassword,
    endingSessionsOf,
  });

  return {
    signIn,
    authenticateSession: sessions.authenticateSession,
    signOut: sessions.signOut,
    authenticateToken: tokens.authenticateToken,
    createUser: users.createUser,
    updateUser: users.updateUser,
    resetPassword: passwords.resetPassword,
    changeOwnPassword: passwords.changeOwnPassword,
    setPasswordAsAdmin: passwords.setPasswordAsAdmin,
    listUsers: users.listUsers,
    findUserByEmail: users.findUserByEmail,
    createToken: tokens.createToken,
    revokeToken: tokens.revokeToken,
    listTokens: tokens.listTokens,
    listLocks: locks.listLocks,
    clearLock: locks.clearLock,
    deleteExpiredSessions: sessions.deleteExpiredSessions,
    /**
     * The keys of the sign-in locks (`login_throttle.key`, as `listLocks` returns them), for
     * `deno task user unlock <email | address>`.
     */
    lockKeys,
    sweepSignInLocks: locks.sweepSignInLocks,
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
