/**
 * Sessions: the lookup of a session secret (with its "last seen" write and the answer from memory
 * while the database cannot give one), sign-out, and the sweep of expired sessions.
 */
import type { AuditLog } from "../audit/audit.ts";
import type { Clock } from "../clock.ts";
import { settlesWithin, type TimeoutTimers } from "../timeout.ts";
import {
  AuthUnavailableError,
  CredentialLapsedError,
  LOOKUP_WAIT_MS,
} from "./credential_lookup.ts";
import { sessionTouchMs, type TouchInBackground } from "./credential_touch.ts";
import type { CredentialsEndedAnnouncer } from "./credentials_ended_announcer.ts";
import type { UserPrincipal } from "./principal.ts";
import { toPrincipal } from "./principal_view.ts";
import type { AuthStore } from "./store.ts";
import { hashSecret } from "./tokens.ts";
import type { VerifiedCache } from "./verified_cache.ts";

export interface SessionsOptions {
  store: AuthStore;
  audit: AuditLog;
  clock: Clock;
  /** How long a session may go unused. */
  sessionIdleMs: number;
  /**
   * A session's absolute lifetime as configured now: it bounds the sessions that exist too (from
   * their start), besides the end each stored at sign-in.
   */
  sessionAbsoluteMs?: number;
  /** This instance's memory of verified sessions. */
  sessionCache: VerifiedCache<UserPrincipal>;
  touchInBackground: TouchInBackground;
  ending: CredentialsEndedAnnouncer["ending"];
  mayRecall: CredentialsEndedAnnouncer["mayRecall"];
  /** See AuthServiceOptions.databaseFailing. */
  databaseFailing: () => boolean;
  /** The timer bounding a lookup's wait while the database is failing. */
  timers?: TimeoutTimers | undefined;
}

export function createSessions(options: SessionsOptions) {
  const { store, audit, clock, sessionCache, touchInBackground, ending, mayRecall } = options;
  const { databaseFailing } = options;
  const idleMs = options.sessionIdleMs;
  const absoluteMs = options.sessionAbsoluteMs;
  const touchSessionMs = sessionTouchMs(idleMs);
  const lookupTimers = options.timers;
  const now = () => new Date(clock.now());

  /**
   * The answer from memory while the database cannot give one: the principal while memory vouches
   * for the session; undefined (refused) once it is past its absolute end, which needs no database
   * and no news from the others; otherwise not checkable (503): {@link CredentialLapsedError} when
   * it is idle as far as this instance knows (the database may know a later use, on another
   * instance), {@link AuthUnavailableError} when memory knows nothing of it or cannot trust what
   * it knows (verified too long ago, or news of ended credentials may not reach this instance).
   */
  function fromMemory(hash: string): UserPrincipal | undefined {
    const state = sessionCache.recallState(hash);
    if (state === "ended") return undefined;
    if (state === "lapsed") throw new CredentialLapsedError();
    if (state !== "unknown" && mayRecall()) return state.value;
    throw new AuthUnavailableError();
  }

  return {
    /**
     * The principal of a session secret, or undefined when unknown, expired, idle or the user
     * is inactive. While the database cannot answer (its lookup fails, or, while it is known to
     * be failing, does not answer within 500 ms), a session verified in the last few minutes is
     * accepted until its absolute end or its idle end as this instance knows it, whichever comes
     * first; see `fromMemory` for the answers past them.
     *
     * The idle end in memory counts from the session's last use the database has or was sent by
     * this instance: its "last seen" as read, or the time of a touch this lookup started. A request
     * answered from memory is no use: nothing can record it (the database is not answering), so
     * the database would not count it either, and memory does not vouch past what it would.
     */
    async authenticateSession(
      secret: string,
      options: { touch?: boolean } = {},
    ): Promise<UserPrincipal | undefined> {
      const at = now();
      const hash = await hashSecret(secret);
      const mark = sessionCache.mark();
      const lookup = Promise.resolve().then(() => store.findSession(hash, at, idleMs, absoluteMs));
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
        return fromMemory(hash);
      }
      let found;
      try {
        found = await lookup;
      } catch {
        return fromMemory(hash);
      }
      if (!found) {
        sessionCache.forget(hash);
        return undefined;
      }
      let lastSeen = found.lastSeenAt.getTime();
      if (
        options.touch !== false && at.getTime() - found.lastSeenAt.getTime() > touchSessionMs
      ) {
        const { sessionId } = found;
        const started = touchInBackground(
          `session:${sessionId}`,
          () => store.touchSession(sessionId, at),
        );
        if (started) lastSeen = at.getTime();
      }
      const principal = await toPrincipal(found.user, found.sessionId, secret);
      // Not past the session's absolute end nor its idle end; not at all if it was ended while we
      // were asking.
      sessionCache.remember(hash, principal, found.expiresAt.getTime(), mark, lastSeen + idleMs);
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

    async deleteExpiredSessions(): Promise<number> {
      return await store.deleteExpiredSessions(now(), idleMs, absoluteMs);
    },
  };
}
