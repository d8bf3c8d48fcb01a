/**
 * Stale-if-error memory of recently verified credentials: when the database
 * cannot answer, a token or session verified within `maxStaleMs` keeps working
 * (flags keep being served from their snapshot, so their clients must still
 * authenticate). When the database answers, it always decides: a revoked
 * token or ended session is forgotten on its next check.
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

  constructor(
    private readonly clock: Clock,
    private readonly maxStaleMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Records a successful verification. */
  remember(key: string, value: T, expiresAt: number | null = null): void {
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
