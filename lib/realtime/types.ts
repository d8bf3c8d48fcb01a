/**
 * The event contract shared by everything that publishes or streams events.
 * Payloads hold identifiers, enums, booleans and numbers only: never a
 * request body, free text or PHI (the bus refuses anything else).
 */

export const TOPICS = ["governance", "jobs", "all"] as const;
export type Topic = (typeof TOPICS)[number];

export const EVENT_TYPES = [
  "governance.mode_changed",
  "governance.flag_changed",
  "experiment.changed",
  "experiment.assigned",
  "job.started",
  "job.progress",
  "job.completed",
  "job.failed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A payload value: identifiers, enums, booleans, numbers, null, or flat arrays of them. */
export type EventScalar = string | number | boolean | null;
export type EventPayload = Record<string, EventScalar | EventScalar[]>;

/** An event as delivered: ids increase monotonically (comparable with {@link compareEventIds}). */
export interface AppEvent {
  id: string;
  type: EventType;
  /** ISO-8601 time of publication. */
  ts: string;
  topic: Topic;
  payload: EventPayload;
}

export interface NewEvent {
  type: EventType;
  topic: Topic;
  payload: EventPayload;
}

/** The outcome of asking for events after an id. */
export interface Replay {
  events: AppEvent[];
  /** False when `afterId` is older than the history kept: the client must resync. */
  complete: boolean;
}

export interface SubscribeOptions {
  /**
   * Called when this instance delivered events out of id order: after its own Redis outage,
   * the events other instances published meanwhile arrive with ids below the local ids it gave
   * its own events, so a subscriber that skips ids at or below the last one it handled has
   * missed them. An event stream answers with `resync` (its client reloads the state).
   */
  onResync?: () => void;
}

export interface EventBus {
  /** Validates, stamps and delivers an event (to every instance with Redis). */
  publish(event: NewEvent): Promise<AppEvent>;
  /** Calls `handler` for every later event matching `topic` ("all" matches every topic). */
  subscribe(
    topic: Topic,
    handler: (event: AppEvent) => void,
    options?: SubscribeOptions,
  ): () => void;
  /** Events after `afterId`, oldest first, from the bounded history. */
  replay(afterId: string, topic: Topic): Promise<Replay>;
  /** The newest event id seen, if any. */
  lastId(): string | undefined;
  close(): Promise<void>;
}

/**
 * Compares ids of the form `<ms>-<seq>` (the Redis stream id shape, also used
 * by the in-process bus): negative when `a` is older.
 */
export function compareEventIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split("-").map(Number);
  const [bMs = 0, bSeq = 0] = b.split("-").map(Number);
  return aMs !== bMs ? aMs - bMs : aSeq - bSeq;
}
