/**
 * The event contract shared by everything that publishes or streams events.
 * Payloads hold identifiers, enums, booleans and numbers only: never a
 * request body, free text or PHI (the bus refuses anything else).
 */

export const TOPICS = ["governance", "jobs", "all"] as const;
export type Topic = (typeof TOPICS)[number];

/**
 * The types the bus carries; anything else is refused on publish and dropped when read back.
 * A user's experiment assignment (`experiment.assigned`) is deliberately not one: every
 * signed-in user may read topic `all`, and its moment identifies the user (it is an analytics
 * event only, lib/analytics). `jobs.deleted` says that job retention deleted jobs (a count, no
 * ids): whoever shows a list of jobs reads it again.
 */
export const EVENT_TYPES = [
  "governance.mode_changed",
  "governance.flag_changed",
  "experiment.changed",
  "job.started",
  "job.progress",
  "job.completed",
  "job.failed",
  "jobs.deleted",
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

/**
 * The least `EVENT_HISTORY_SIZE` (lib/config.ts; lib/config_test.ts keeps the two equal), so the
 * fewest entries any instance trims the Redis stream to: a read of fewer entries cannot have lost
 * any to trimming.
 */
export const MIN_EVENT_HISTORY_SIZE = 10;

/**
 * Why subscribers must reload the state instead of trusting the events they were given:
 * - `out_of_order`: after this instance's own Redis outage, the events other instances published
 *   meanwhile arrive with ids below the local ids it gave its own events, so a subscriber that
 *   skips ids at or below the last one it handled has missed them;
 * - `fell_behind`: the stream was trimmed past entries this instance had not read yet (it was away
 *   or slow while more than the stream keeps were published): those events are lost.
 */
export type ResyncReason = "out_of_order" | "fell_behind";

export interface SubscribeOptions {
  /**
   * Re-reads the state this subscriber holds (the flag snapshot, the mode) when events may have
   * been missed ({@link ResyncReason}); resolves true once that state includes everything
   * published so far. Every subscriber's re-read runs (and is retried until all succeed) before
   * any `onResync` is called, so a client that refetches on `resync` gets the state with what it
   * missed.
   */
  reloadState?: (reason: ResyncReason) => Promise<boolean>;
  /**
   * Called when events may have been missed ({@link ResyncReason}), after the `reloadState`
   * re-reads. An event stream answers with `resync` (its client refetches the state).
   */
  onResync?: (reason: ResyncReason) => void;
}

/**
 * Kinds of message between the instances of one deployment. They ride on the bus (the same Redis
 * stream as events) but on a separate channel: never delivered to event subscribers, never kept
 * in the history, replayed, counted as the newest event id, or written to an event stream.
 */
export const INTERNAL_KINDS = ["auth.credentials_ended"] as const;
export type InternalKind = (typeof INTERNAL_KINDS)[number];

/** A message to the other instances; its payload passes the same guard as an event's. */
export interface InternalMessage {
  kind: InternalKind;
  payload: EventPayload;
}

/**
 * Why an instance may have missed internal messages:
 * - `redis_lost`: its reader lost Redis (nothing is heard until it is back);
 * - `redis_restored`: its reader is back after an outage;
 * - `out_of_order`: the catch-up delivered entries below ids already delivered (a resync);
 * - `fell_behind`: the stream may have been trimmed past entries it had not read yet (a read so
 *   large that trimming could have reached them, and the stream's oldest entry above where it read
 *   from; event subscribers get a `fell_behind` resync at the same point);
 * - `peer_dropped`: another instance dropped messages of its own from its outbox (full while it
 *   could not reach Redis).
 */
export type InternalGapReason =
  | "redis_lost"
  | "redis_restored"
  | "out_of_order"
  | "fell_behind"
  | "peer_dropped";

/** The instance-to-instance channel of a bus (see {@link INTERNAL_KINDS}). */
export interface InternalChannel {
  /**
   * Sends to every other instance on the bus (not to this one: its publisher acts locally).
   * Resolves once appended, or queued in the outbox while Redis is unreachable; rejects with
   * EventRefusedError when the payload guard refuses it. Without Redis there is no other
   * instance and nothing is sent.
   */
  publish(message: InternalMessage): Promise<void>;
  /**
   * Calls `handler` for every message from another instance, and `onGap` whenever this instance
   * may have missed some (whatever depends on them must then assume the worst).
   */
  subscribe(
    handler: (message: InternalMessage) => void,
    onGap: (reason: InternalGapReason) => void,
  ): () => void;
  /**
   * False while this instance cannot hear the others: its reader has lost Redis, or has had no
   * answer for longer than a blocking read takes. Always true without Redis.
   */
  listening(): boolean;
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
  /** Messages between instances, apart from events (see {@link InternalChannel}). */
  readonly internal: InternalChannel;
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
