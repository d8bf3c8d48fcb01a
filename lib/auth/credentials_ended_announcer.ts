/**
 * Credentials that end: told to whoever holds on to one beyond a request (an open event stream)
 * and announced to the other instances through the event bus, so none of them serves an ended
 * session or API token from its memory of verified credentials during a database outage; and
 * those ended on the other instances, forgotten here. The messages themselves are built and read
 * by lib/auth/credentials_ended.ts.
 */
import type { Logger } from "../log/mod.ts";
import type { InternalChannel, InternalGapReason } from "../realtime/types.ts";
import { withTimeout } from "../timeout.ts";
import type { TokenPrincipal, UserPrincipal } from "./principal.ts";
import type { VerifiedCache } from "./verified_cache.ts";
import {
  ALL_ENDED,
  CREDENTIALS_ENDED,
  type CredentialsEnded,
  credentialsEndedMessage,
  endsSession,
  endsToken,
  readCredentialsEnded,
} from "./credentials_ended.ts";

/**
 * Told of credentials that end, without the database being asked: whatever holds on to a
 * credential beyond one request (an open event stream) ends with it.
 */
export interface CredentialsEndedListener {
  /**
   * Credentials ended on this instance (called as soon as the change has been attempted, once its
   * transaction settled, also when the database failed) or on another one (its message has
   * arrived).
   */
  ended(ended: CredentialsEnded): void;
  /** This instance may have missed credentials ended on others (the bus reported a gap). */
  missed(reason: InternalGapReason): void;
}

/** How a change that ends credentials came out: committed with its value, or not known to have. */
export type ChangeOutcome<T> = { committed: true; value: T } | { committed: false };

/** How long a credential change waits for Redis to take its announcement. */
const ANNOUNCE_WAIT_MS = 2_000;

class AnnounceTimeoutError extends Error {
  override name = "AnnounceTimeoutError";
}

export interface CredentialsEndedAnnouncerOptions {
  /** This instance's memory of verified sessions, emptied of what ends. */
  sessionCache: VerifiedCache<UserPrincipal>;
  /** This instance's memory of verified API tokens, emptied of what ends. */
  tokenCache: VerifiedCache<TokenPrincipal>;
  /** The bus's channel to the other instances (see AuthServiceOptions.peers). */
  peers?: InternalChannel | undefined;
  logger?: Logger | undefined;
}

/**
 * Listens to the other instances at once (until {@link close}): what they announce is dropped
 * from this instance's memory and told to the listeners.
 */
export function createCredentialsEndedAnnouncer(options: CredentialsEndedAnnouncerOptions) {
  const { sessionCache, tokenCache, peers, logger } = options;
  const listeners = new Set<CredentialsEndedListener>();
  /** Tells every listener; one that throws does not keep the others from hearing it. */
  function tell(call: (listener: CredentialsEndedListener) => void): void {
    for (const listener of [...listeners]) {
      try {
        call(listener);
      } catch (error) {
        logger?.error("credentials ended listener failed", {
          errorType: error instanceof Error ? error.name : typeof error,
        });
      }
    }
  }
  /**
   * Credentials ended here: listeners hear it at once, the other instances through the bus.
   * `committed`: whether the change that ended them is known to have committed (see
   * {@link announce}).
   */
  async function endHere(ended: CredentialsEnded, committed: boolean): Promise<void> {
    tell((listener) => listener.ended(ended));
    await announce(ended, committed);
  }
  /**
   * Runs `change` (a transaction) that ends or alters credentials. `drop` takes them out of this
   * instance's memory before it starts (none is served from memory while it runs) and again once
   * it settled (a verification in flight meanwhile may have read the row before the change and
   * must not be remembered). Then what `ended(outcome)` names is told to the listeners and
   * announced to the other instances: for a committed change, what its outcome says ended
   * (nothing for a refused or empty change); when the transaction failed, what it would have
   * ended: its COMMIT may have happened before the connection was lost, and an announcement of a
   * change that rolled back only makes the others verify the credential against the database
   * again. Only a committed change may make the others forget everything (when the bus refuses
   * the message naming what ended): one that failed, as with an id the database refuses, ends
   * nothing anywhere.
   */
  async function ending<T>(
    drop: () => void,
    ended: (outcome: ChangeOutcome<T>) => CredentialsEnded | undefined,
    change: () => Promise<T>,
  ): Promise<T> {
    drop();
    let outcome: ChangeOutcome<T> = { committed: false };
    try {
      const value = await change();
      outcome = { committed: true, value };
      return value;
    } finally {
      drop();
      const what = ended(outcome);
      if (what) await endHere(what, outcome.committed);
    }
  }
  // Every change that ends or alters a user's sessions drops them from memory here and, through
  // the bus, on every other instance, so a deactivated, demoted or signed-out user is not served
  // from memory anywhere during a later outage.
  const endingSessionsOf = <T>(
    userId: string,
    change: () => Promise<T>,
    endedAny: (value: T) => boolean = () => true,
  ) =>
    ending(
      () => sessionCache.invalidate((principal) => principal.id === userId),
      (outcome) =>
        !outcome.committed || endedAny(outcome.value)
          ? { ended: "user", ids: [userId] }
          : undefined,
      change,
    );
  /**
   * Memory is used only while this instance hears the others: when it cannot (its bus reader has
   * lost Redis), a credential ended elsewhere would not be dropped here.
   */
  const mayRecall = () => peers?.listening() ?? true;

  /**
   * Tells the other instances what ended. Never throws: the change itself stands. Waits at most
   * ANNOUNCE_WAIT_MS for Redis to take the message: a Redis that stopped answering must not hold
   * the sign-out or deactivation that asked (the message stays queued in the bus and goes out
   * when Redis answers; instances that lost Redis meanwhile forget everything on their own).
   * When the bus refuses the message, the others are asked to forget everything instead, but
   * only for a `committed` change: a failed one (its id may be anything a caller sent, a NUL
   * included) must not empty every instance's memory.
   */
  async function announce(ended: CredentialsEnded, committed: boolean): Promise<void> {
    if (!peers) return;
    try {
      await withTimeout(
        peers.publish(credentialsEndedMessage(ended)),
        ANNOUNCE_WAIT_MS,
        () => new AnnounceTimeoutError(),
      );
      return;
    } catch (error) {
      if (error instanceof AnnounceTimeoutError) {
        logger?.warn("credentials ended message not confirmed in time; it stays queued", {
          scope: ended.ended,
        });
        return;
      }
      if (!committed) {
        // The change failed: what it named did not end. (Were only its COMMIT's answer lost, the
        // others still check the credential against the database on every use; memory serves
        // it only during their own database outage, for at most STALE_IF_ERROR_MS.)
        logger?.warn("credentials ended message of a failed change not sent", {
          scope: ended.ended,
          errorType: error instanceof Error ? error.name : typeof error,
        });
        return;
      }
      // Should the payload guard ever take an id for PHI (it reads UUIDs as one technical token,
      // but ids are not guaranteed to be UUIDs), the others forget everything rather than nothing.
      logger?.warn("credentials ended message not sent; asking other instances to forget all", {
        scope: ended.ended,
        errorType: error instanceof Error ? error.name : typeof error,
      });
    }
    if (ended.ended === "all") return;
    await peers.publish(credentialsEndedMessage(ALL_ENDED)).catch((error) => {
      logger?.error("credentials ended message not sent", {
        scope: ALL_ENDED.ended,
        errorType: error instanceof Error ? error.name : typeof error,
      });
    });
  }

  const unsubscribe = peers?.subscribe(
    (message) => {
      if (message.kind !== CREDENTIALS_ENDED) return;
      const ended = readCredentialsEnded(message.payload);
      const sessionCount = sessionCache.invalidate(endsSession(ended));
      const tokenCount = tokenCache.invalidate(endsToken(ended));
      logger?.info("credentials ended on another instance; dropped from memory", {
        scope: ended.ended,
        idCount: ended.ids.length,
        sessionCount,
        tokenCount,
      });
      tell((listener) => listener.ended(ended));
    },
    (reason) => {
      // Messages may have been missed: forget every verification, they happen again on use.
      const sessionCount = sessionCache.clear();
      const tokenCount = tokenCache.clear();
      logger?.warn("credential changes on other instances may have been missed; memory cleared", {
        reason,
        sessionCount,
        tokenCount,
      });
      tell((listener) => listener.missed(reason));
    },
  );

  return {
    ending,
    endingSessionsOf,
    mayRecall,

    /**
     * Calls `listener` whenever credentials end, here or on another instance, and wherever this
     * instance may have missed such an end. Returns the unsubscribe.
     */
    onCredentialsEnded(listener: CredentialsEndedListener): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    /** Stops listening to the other instances, and telling anyone of ended credentials. */
    close(): void {
      unsubscribe?.();
      listeners.clear();
    },
  };
}

/** What ends credentials here and hears of those ended elsewhere. */
export type CredentialsEndedAnnouncer = ReturnType<typeof createCredentialsEndedAnnouncer>;
