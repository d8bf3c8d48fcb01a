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
 */
import type { Clock } from "../clock.ts";

interface Entry<T> {
  value: T;
  verifiedAt: number;
  /** Absolute expiry of the credential itself, if any. */
  expiresAt: number | null;
}

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

  /** Records a successful verification that began at `mark` (see {@link mark}). */
  remember(key: string, value: T, expiresAt: number | null = null, mark = this.#epoch): void {
    if (mark !== this.#epoch) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, verifiedAt: this.clock.now(), expiresAt });
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

  /** The value verified within the stale window and not expired, for use while the database is down. */
  recall(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const now = this.clock.now();
    if (
      now - entry.verifiedAt > this.maxStaleMs ||
      (entry.expiresAt !== null && entry.expiresAt <= now)
    ) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
}
