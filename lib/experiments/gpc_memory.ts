/**
 * Which users' Global Privacy Control signal this instance knows to be recorded, so the variant
 * endpoint reads consent for `Sec-GPC: 1` only until it is. A recorded signal is never removed
 * (privacy_signals keeps the first sighting; only deleting the account drops it, and then there
 * are no more calls), so nothing has to be forgotten on withdrawal or erasure. Bounded: the least
 * recently used user is forgotten first, and is read once more on their next GPC call. One per
 * app instance (created with its routes), never module state. Pure: no I/O.
 */
export interface GpcMemory {
  /** Whether the user's signal is known to be recorded (and marks them recently used). */
  has(userId: string): boolean;
  /** The user's signal is recorded. */
  remember(userId: string): void;
  /** How many users are remembered. */
  readonly size: number;
}

/** Users remembered by default. */
export const GPC_MEMORY_SIZE = 10_000;

/** A memory of at most `capacity` users (at least 1). */
export function createGpcMemory(capacity = GPC_MEMORY_SIZE): GpcMemory {
  const limit = Math.max(1, Math.floor(capacity));
  // Insertion order is recency: an entry is moved to the end when used.
  const users = new Set<string>();
  return {
    has(userId) {
      if (!users.has(userId)) return false;
      users.delete(userId);
      users.add(userId);
      return true;
    },
    remember(userId) {
      users.delete(userId);
      users.add(userId);
      if (users.size > limit) users.delete(users.values().next().value!);
    },
    get size() {
      return users.size;
    },
  };
}
