/**
 * Sessions: the lookup of a session secret (with its "last seen" write and the answer from memory
 * while the database cannot give one), sign-out, and the sweep of expired sessions.
 */
import type { AuditLog } from "../audit/audit.ts";
import type { Clock } from "../clock.ts";
import { settlesWithin, type TimeoutTimers } from "../timeout.ts";
import { AuthUnavailableError, LOOKUP_WAIT_MS } from "./credential_lookup.ts";
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
  const touchSessionMs = sessionTouchMs(idleMs);
  const lookupTimers = options.timers;
  const now = () => new Date(clock.now());

  return {
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

    async deleteExpiredSessions(): Promise<number> {
      return await store.deleteExpiredSessions(now(), idleMs);
    },
  };
}
