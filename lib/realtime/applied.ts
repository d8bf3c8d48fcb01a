/**
 * Which bus events a piece of state read from the database (the flag
 * snapshot, the governance mode) does not reflect yet.
 *
 * A change made on another instance arrives as an event; the state catches up
 * by re-reading the database, which takes a moment. Until then, a `hello`
 * built from that state must not claim the event (its id would tell a
 * reconnecting client it has seen the change). The owner records such an
 * event with {@link UnappliedEvents.add}, takes a {@link UnappliedEvents.mark}
 * when it starts a re-read, and calls {@link UnappliedEvents.applied} with that
 * mark once the re-read succeeded: every event recorded before it is then in.
 */
import { type AppEvent, compareEventIds } from "./types.ts";

/** Events kept while re-reads keep failing; beyond it they are merged into the oldest. */
const LIMIT = 1024;

export class UnappliedEvents {
  /** In arrival order (which is id order), tickets increasing. */
  #events: Array<{ ticket: number; event: AppEvent }> = [];
  #ticket = 0;

  /** Records an event whose effect is not in the state yet. */
  add(event: AppEvent): void {
    this.#events.push({ ticket: ++this.#ticket, event });
    if (this.#events.length > LIMIT) {
      // Only the oldest is ever read: keep it until a re-read started after the newest succeeds
      // (if it comes to this, the database has been unreachable for a long while).
      this.#events = [{ ticket: this.#ticket, event: this.#events[0]!.event }];
    }
  }

  /** The position to pass to {@link applied} once a re-read started now has succeeded. */
  mark(): number {
    return this.#ticket;
  }

  /** A re-read started at `mark` succeeded: the events recorded until then are in. */
  applied(mark: number): void {
    let done = 0;
    while (done < this.#events.length && this.#events[done]!.ticket <= mark) done++;
    if (done > 0) this.#events.splice(0, done);
  }

  /** The oldest event not reflected yet, if any. */
  oldest(): AppEvent | undefined {
    return this.#events[0]?.event;
  }
}

/** The older of two events (either may be missing). */
export function olderEvent(
  a: AppEvent | null | undefined,
  b: AppEvent | null | undefined,
): AppEvent | undefined {
  if (!a) return b ?? undefined;
  if (!b) return a;
  return compareEventIds(a.id, b.id) <= 0 ? a : b;
}
