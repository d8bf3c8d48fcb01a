/**
 * A bounded, ordered history of events (a ring buffer) answering "every
 * event after id X" — or saying that X is older than what is kept.
 */
import { type AppEvent, compareEventIds, type Replay, type Topic } from "./types.ts";

/**
 * True when a subscriber of `subscribed` receives an event of `eventTopic`:
 * "all" subscribers receive every event; others only their topic (an event
 * published on "all" has no narrower topic and reaches "all" subscribers only).
 */
export function topicMatches(subscribed: Topic, eventTopic: Topic): boolean {
  return subscribed === "all" || subscribed === eventTopic;
}

/** Keeps the newest `capacity` events, oldest first. */
export class EventHistory {
  readonly #buffer: (AppEvent | undefined)[];
  #start = 0;
  #size = 0;
  /**
   * Every id ≤ floor is either kept or known to be gone: a replay after an id
   * older than the floor cannot be complete.
   */
  #floor: string;
  /** A replay after an id at or below this one cannot be complete (see {@link markGap}). */
  #gap: string | undefined;
  /** Ids kept (or the floor) that this instance gave out itself, not the stream (see {@link push}). */
  readonly #local = new Set<string>();

  /** `floor`: ids below it belong to before this history began (a previous process). */
  constructor(readonly capacity: number, floor = "0-0") {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error("capacity must be ≥ 1");
    this.#buffer = new Array(capacity);
    this.#floor = floor;
  }

  get size(): number {
    return this.#size;
  }

  /** The newest id kept, if any. */
  newestId(): string | undefined {
    return this.#size === 0 ? undefined : this.#at(this.#size - 1).id;
  }

  #at(i: number): AppEvent {
    return this.#buffer[(this.#start + i) % this.capacity]!;
  }

  /**
   * Appends an event; ids must increase (an older id is ignored). `local`: its id was given out
   * here, not by the shared stream (an event published while Redis was lost or stalled), so
   * another instance may have given the same id to another event (see {@link holds}).
   */
  push(event: AppEvent, local = false): boolean {
    const newest = this.newestId();
    if (newest !== undefined && compareEventIds(event.id, newest) <= 0) return false;
    if (local) this.#local.add(event.id);
    if (this.#size === this.capacity) {
      // The old floor leaves; the dropped event's id becomes the floor (and stays marked).
      this.#local.delete(this.#floor);
      this.#floor = this.#at(0).id;
      this.#buffer[this.#start] = event;
      this.#start = (this.#start + 1) % this.capacity;
    } else {
      this.#buffer[(this.#start + this.#size) % this.capacity] = event;
      this.#size += 1;
    }
    return true;
  }

  /**
   * Records that events older than the newest kept one were delivered and could not be kept
   * (they arrived out of order): a client that left at any id up to the newest may have missed
   * them, so a replay after such an id is incomplete.
   */
  markGap(): void {
    const newest = this.newestId();
    if (newest !== undefined) this.#gap = newest;
  }

  /** True when `afterId` is one this history can replay from without a gap. */
  covers(afterId: string): boolean {
    if (compareEventIds(afterId, this.#floor) < 0) return false;
    if (this.#gap !== undefined && compareEventIds(afterId, this.#gap) <= 0) return false;
    const newest = this.newestId() ?? this.#floor;
    return compareEventIds(afterId, newest) <= 0;
  }

  /**
   * Whether `afterId` is an id this history knows for the event it names: one it keeps (or its
   * floor), given out by the shared stream. Not for an id it never had (another instance's local
   * id: events this instance gave local ids below it would be skipped), nor for a local id of
   * its own (another instance may have given the same id to another event).
   */
  holds(afterId: string): boolean {
    if (this.#local.has(afterId)) return false;
    if (afterId === this.#floor) return true;
    let low = 0;
    let high = this.#size - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const order = compareEventIds(this.#at(mid).id, afterId);
      if (order === 0) return true;
      if (order < 0) low = mid + 1;
      else high = mid - 1;
    }
    return false;
  }

  /**
   * Events after `afterId` matching `topic`, oldest first. Incomplete when
   * `afterId` is older than the history (events were dropped) or newer than
   * anything seen (an id from elsewhere).
   */
  after(afterId: string, topic: Topic): Replay {
    if (!this.covers(afterId)) return { events: [], complete: false };
    const events: AppEvent[] = [];
    for (let i = 0; i < this.#size; i++) {
      const event = this.#at(i);
      if (compareEventIds(event.id, afterId) > 0 && topicMatches(topic, event.topic)) {
        events.push(event);
      }
    }
    return { events, complete: true };
  }
}
