/**
 * Stale-if-error memory of recently verified credentials: when the database
 * cannot answer, a token or session verified within `maxStaleMs` keeps working
 * (flags keep being served from their snapshot, so their clients must still
 * authenticate). When the database answers, it always decides: a revoked
 * token or ended session is forgotten on its next check (only while the
 * database is known to be failing is a token or session lookup slower than 500 ms not
 * waited for; see authenticateToken in api_tokens.ts and authenticateSession in sessions.ts). Whatever ends a
 * credential calls {@link VerifiedCache.invalidate} on the instance that made
 * the change and, through the event bus, on every other one, so it is not
 * served from memory during a later outage; an instance that may have missed
 * such a message calls {@link VerifiedCache.clear}.
 *
 * An entry also knows when the credential ends without the database: its absolute end (a token's
 * expiry, a session's absolute end) and, for sessions, when it goes idle (`lapsesAt`). Memory never
 * vouches past either; past the absolute end it answers that the credential is over
 * ({@link VerifiedCache.recallState}), which stands even after the stale window, so an open event
 * stream ends on time through a long outage.
 */
import type { Clock } from "../clock.ts";

interface Entry<T> {
  value: T;
  verifiedAt: number;
  /** Absolute expiry of the credential itself, if any: past it the credential is over. */
  expiresAt: number | null;
  /**
   * When memory stops vouching for it although it may not be over (a session's idle end as this
   * instance knows it: another instance may have seen it used since), if ever.
   */
  lapsesAt: number | null;
}

/**
 * What memory says of a credential: verified and vouched for (`value`); over (past its absolute
 * end: no database needed to refuse it); lapsed (past `lapsesAt`: memory no longer vouches, only
 * the database can say); or unknown (never verified here, forgotten, or verified longer than the
 * stale window ago).
 */
export type Recalled<T> = { value: T } | "ended" | "lapsed" | "unknown";

export class VerifiedCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  /** Bumped by every {@link invalidate}; see {@link mark}. */
  #epoch = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxStaleMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /**
   * Taken before asking the database, and handed to {@link remember}: a verification that was
   * in flight while something invalidated entries may have read the row before the change, so
   * it is not remembered (the next request verifies again).
   */
  mark(): number {
    return this.#epoch;
  }

  /**
   * Records a successful verification that began at `mark` (see {@link mark}). `lapsesAt` (see
   * Entry) only moves later: a verification that read an older "last seen" than this instance
   * already knew (a write of a newer one still under way) keeps the newer.
   */
  remember(
    key: string,
    value: T,
    expiresAt: number | null = null,
    mark = this.#epoch,
    lapsesAt: number | null = null,
  ): void {
    if (mark !== this.#epoch) return;
    const before = this.#entries.get(key);
    if (before?.lapsesAt != null && lapsesAt !== null && before.lapsesAt > lapsesAt) {
      lapsesAt = before.lapsesAt;
    }
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, verifiedAt: this.clock.now(), expiresAt, lapsesAt });
  }

  /** Drops a credential the database no longer accepts. */
  forget(key: string): void {
    this.#entries.delete(key);
  }

  /**
   * Drops every entry `matches` (a user's sessions, a token) after the credential was ended,
   * and keeps verifications already in flight from remembering it again. Returns how many
   * entries were dropped.
   */
  invalidate(matches: (value: T, key: string) => boolean): number {
    this.#epoch++;
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      if (matches(entry.value, key)) {
        this.#entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Drops everything (and verifications in flight); returns how many entries were dropped. */
  clear(): number {
    this.#epoch++;
    const dropped = this.#entries.size;
    this.#entries.clear();
    return dropped;
  }

  /**
   * The value verified within the stale window and neither expired nor lapsed, for use while the
   * database is down.
   */
  recall(key: string): T | undefined {
    const state = this.recallState(key);
    return typeof state === "object" ? state.value : undefined;
  }

  /**
   * What memory says of `key` now (see {@link Recalled}). An entry stays (within `maxEntries`) past
   * the stale window and past its ends, so that its end is still known then.
   */
  recallState(key: string): Recalled<T> {
    const entry = this.#entries.get(key);
    if (!entry) return "unknown";
    const now = this.clock.now();
    if (entry.expiresAt !== null && entry.expiresAt <= now) return "ended";
    if (entry.lapsesAt !== null && entry.lapsesAt <= now) return "lapsed";
    if (now - entry.verifiedAt > this.maxStaleMs) return "unknown";
    return { value: entry.value };
  }
}
