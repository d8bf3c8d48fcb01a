/**
 * Event ids of the form `<ms>-<seq>`, the shape of Redis stream ids, so ids
 * from the in-process bus and from Redis compare the same way.
 */
import type { Clock } from "../clock.ts";
import { compareEventIds } from "./types.ts";

const EVENT_ID = /^(\d{1,15})-(\d{1,15})$/;

/** True for a well-formed `<ms>-<seq>` id. */
export function isEventId(value: unknown): value is string {
  return typeof value === "string" && EVENT_ID.test(value);
}

/** The larger of two ids (either may be undefined). */
export function maxEventId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareEventIds(a, b) >= 0 ? a : b;
}

export interface IdGenerator {
  /** A new id, greater than every id issued or observed before. */
  next(): string;
  /** Records an id issued elsewhere (e.g. by Redis) so later ids stay greater. */
  observe(id: string): void;
}

/**
 * Monotonic ids from a clock: the millisecond part never goes back (even if
 * the clock does), the sequence breaks ties within one millisecond.
 */
export function createIdGenerator(clock: Clock): IdGenerator {
  let lastMs = 0;
  let lastSeq = -1;
  return {
    next() {
      const now = Math.floor(clock.now());
      if (now > lastMs) {
        lastMs = now;
        lastSeq = 0;
      } else {
        lastSeq += 1;
      }
      return `${lastMs}-${lastSeq}`;
    },
    observe(id) {
      const match = EVENT_ID.exec(id);
      if (!match) return;
      const ms = Number(match[1]);
      const seq = Number(match[2]);
      if (ms > lastMs || (ms === lastMs && seq > lastSeq)) {
        lastMs = ms;
        lastSeq = seq;
      }
    },
  };
}
