/**
 * What makes an erasure stick (docs/analytics.md, "Erasure sticks"). Event ids are the
 * client's, and an erased event's id is gone with its row, so a browser retrying a batch whose
 * answer it lost, or anyone replaying one, would store the erased events again as new. The
 * rule instead looks at when an event happened: after a user's analytics were erased, an event
 * is stored only if its `ts` shows it happened after the erasure, by more than the client clock
 * skew the server tolerates. Pure: the insert statement applies the same rule in SQL
 * (`occurredAfterErasureSql` in store.ts), under the user's ingestion lock.
 *
 * Why the margin makes it sound: ingestion refuses a `ts` more than {@link CLOCK_SKEW_MS}
 * ahead of the server clock, so an event stored at server time R carries ts ≤ R + skew; every
 * event erased at E was stored at R < E (the erasure waits for batches in flight), hence has
 * ts < E + skew and is refused when sent again, whatever its id.
 */

/** How far ahead of the server clock a client's `ts` may be (and the margin after an erasure). */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** The audit action of an erasure; its entry's `erasedAt` is where the rule reads the moment. */
export const ERASE_AUDIT_ACTION = "analytics.erase_user";

/** Per-event reason: the event is not shown to have happened after the user's latest erasure. */
export const BEFORE_ERASURE_REASON = "BEFORE_ERASURE";
export const BEFORE_ERASURE_MESSAGE =
  "Analytics of this account were erased; only events whose ts is at least " +
  `${CLOCK_SKEW_MS / 60_000} minutes after the erasure are stored`;

/** Per-event reason: `ts` is further ahead of the server clock than the tolerated skew. */
export const TS_IN_FUTURE_REASON = "TS_IN_FUTURE";
export const TS_IN_FUTURE_MESSAGE = `ts must not be more than ${
  CLOCK_SKEW_MS / 60_000
} minutes ahead of the server clock`;

/** True when a client's `ts` is further ahead of the server clock `nowMs` than the skew. */
export function tsTooFarAhead(ts: string | undefined, nowMs: number): boolean {
  return ts !== undefined && Date.parse(ts) > nowMs + CLOCK_SKEW_MS;
}

/**
 * Whether an event may be stored given the user's latest erasure (null: never erased). A
 * client's event needs a `ts` at or after the erasure plus the skew; an event the server
 * records itself happened at its own `createdAt`, on the server clock, so it needs no margin.
 */
export function occurredAfterErasure(
  event: { origin: "client" | "server"; clientTsMs: number | null; createdAtMs: number },
  erasedAtMs: number | null,
): boolean {
  if (erasedAtMs === null) return true;
  if (event.origin === "server") return event.createdAtMs >= erasedAtMs;
  return event.clientTsMs !== null && event.clientTsMs >= erasedAtMs + CLOCK_SKEW_MS;
}
