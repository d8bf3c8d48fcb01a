/**
 * Local fan-out shared by both bus implementations: the subscriber list,
 * delivery that isolates a failing handler, and the publish-side checks.
 */
import type { Clock } from "../clock.ts";
import type { Logger } from "../log/mod.ts";
import type { AppMetrics } from "../telemetry/mod.ts";
import { withTimeout } from "../timeout.ts";
import { topicMatches } from "./history.ts";
import { EventRefusedError, payloadRefusal } from "./payload_guard.ts";
import {
  type AppEvent,
  EVENT_TYPES,
  INTERNAL_KINDS,
  type InternalGapReason,
  type InternalMessage,
  type NewEvent,
  type ResyncReason,
  type SubscribeOptions,
  type Topic,
  TOPICS,
} from "./types.ts";

type Handler = (event: AppEvent) => void;

/**
 * Logs a subscriber's failure (the error's type only: its message may hold data) and hands the
 * error to the app's reporter; reporting must never stop delivery to the other subscribers.
 */
function reportSubscriberFailure(
  logger: Logger | undefined,
  onHandlerError: ((error: unknown) => void) | undefined,
  error: unknown,
  message: string,
  fields: Record<string, string>,
): void {
  logger?.error(message, {
    ...fields,
    errorType: error instanceof Error ? error.name : typeof error,
  });
  try {
    onHandlerError?.(error);
  } catch { /* reporting must never stop delivery */ }
}

/** The subscribers of one instance. */
export class Subscribers {
  readonly #subs = new Set<{ topic: Topic; handler: Handler; options: SubscribeOptions }>();

  constructor(
    private readonly logger?: Logger,
    /** Reports a failing handler (the app's error reporter); must not throw. */
    private readonly onHandlerError?: (error: unknown) => void,
  ) {}

  get count(): number {
    return this.#subs.size;
  }

  add(topic: Topic, handler: Handler, options: SubscribeOptions = {}): () => void {
    const sub = { topic, handler, options };
    this.#subs.add(sub);
    return () => {
      this.#subs.delete(sub);
    };
  }

  /** Calls every matching handler; one throwing handler does not stop the others. */
  deliver(event: AppEvent): void {
    for (const sub of [...this.#subs]) {
      if (!topicMatches(sub.topic, event.topic)) continue;
      try {
        sub.handler(event);
      } catch (error) {
        this.#failed(error, event.type);
      }
    }
  }

  /**
   * Runs every subscriber's {@link SubscribeOptions.reloadState}: true when all succeeded within
   * `timeoutMs` (a re-read still running then is not stopped; the caller tries again).
   */
  async reloadState(reason: ResyncReason, timeoutMs: number): Promise<boolean> {
    const reloads: Array<Promise<boolean>> = [];
    for (const sub of this.#subs) {
      const reload = sub.options.reloadState;
      if (!reload) continue;
      try {
        reloads.push(reload(reason).catch(() => false));
      } catch {
        reloads.push(Promise.resolve(false));
      }
    }
    if (reloads.length === 0) return true;
    return await withTimeout(
      Promise.all(reloads).then((done) => done.every(Boolean)),
      timeoutMs,
      () => new Error("state re-read timed out"),
    ).catch(() => false);
  }

  /** Tells every subscriber that events may have been missed ({@link SubscribeOptions.onResync}). */
  resync(reason: ResyncReason): void {
    for (const sub of [...this.#subs]) {
      try {
        sub.options.onResync?.(reason);
      } catch (error) {
        this.#failed(error, "resync");
      }
    }
  }

  #failed(error: unknown, eventType: string): void {
    reportSubscriberFailure(this.logger, this.onHandlerError, error, "event subscriber failed", {
      eventType,
    });
  }

  clear(): void {
    this.#subs.clear();
  }
}

/**
 * The subscribers of one instance's internal channel (see `InternalChannel`), apart from event
 * subscribers, so no event handler (an event stream included) can ever receive such a message.
 */
export class InternalSubscribers {
  readonly #subs = new Set<{
    handler: (message: InternalMessage) => void;
    onGap: (reason: InternalGapReason) => void;
  }>();

  constructor(
    private readonly logger?: Logger,
    private readonly onHandlerError?: (error: unknown) => void,
  ) {}

  add(
    handler: (message: InternalMessage) => void,
    onGap: (reason: InternalGapReason) => void,
  ): () => void {
    const sub = { handler, onGap };
    this.#subs.add(sub);
    return () => {
      this.#subs.delete(sub);
    };
  }

  /** Calls every handler; one throwing handler does not stop the others. */
  deliver(message: InternalMessage): void {
    for (const sub of [...this.#subs]) this.#call(() => sub.handler(message), message.kind);
  }

  /** Tells every subscriber it may have missed messages. */
  gap(reason: InternalGapReason): void {
    for (const sub of [...this.#subs]) this.#call(() => sub.onGap(reason), "gap");
  }

  #call(fn: () => void, what: string): void {
    try {
      fn();
    } catch (error) {
      reportSubscriberFailure(
        this.logger,
        this.onHandlerError,
        error,
        "internal message subscriber failed",
        { kind: what },
      );
    }
  }

  clear(): void {
    this.#subs.clear();
  }
}

/** Validates an internal message like an event; throws {@link EventRefusedError} when refused. */
export function checkInternalMessage(message: InternalMessage, deps: BusDeps): void {
  let reason = payloadRefusal(message.payload, deps.scanner);
  if (!(INTERNAL_KINDS as readonly string[]).includes(message.kind)) reason ??= "bad_key";
  if (reason) {
    deps.metrics?.busRefused.inc({ reason });
    throw new EventRefusedError(reason);
  }
}

/** A copy of an internal message (payload copied so later mutation cannot leak in). */
export function copyInternal(message: InternalMessage): InternalMessage {
  const payload: InternalMessage["payload"] = {};
  for (const [key, value] of Object.entries(message.payload)) {
    payload[key] = Array.isArray(value) ? [...value] : value;
  }
  return { kind: message.kind, payload };
}

/** Shared options of both bus implementations. */
export interface BusDeps {
  clock: Clock;
  metrics?: AppMetrics;
  logger?: Logger;
  /** Events kept for replay (`EVENT_HISTORY_SIZE`). */
  historySize: number;
  /** Called with errors thrown by subscribers (the app's error reporter). */
  onHandlerError?: (error: unknown) => void;
  /** The PHI scanner (lib/phi `scan` by default). */
  scanner?: (value: unknown) => { found: boolean };
}

/** Validates a new event; throws {@link EventRefusedError} (and counts it) when refused. */
export function checkNewEvent(event: NewEvent, deps: BusDeps): void {
  let reason = payloadRefusal(event.payload, deps.scanner);
  if (!(EVENT_TYPES as readonly string[]).includes(event.type)) reason ??= "bad_key";
  if (!(TOPICS as readonly string[]).includes(event.topic)) reason ??= "bad_key";
  if (reason) {
    deps.metrics?.busRefused.inc({ reason });
    throw new EventRefusedError(reason);
  }
}

/** A stamped copy of a new event (payload copied so later mutation cannot leak in). */
export function stamp(event: NewEvent, id: string, ts: string): AppEvent {
  const payload: AppEvent["payload"] = {};
  for (const [key, value] of Object.entries(event.payload)) {
    payload[key] = Array.isArray(value) ? [...value] : value;
  }
  return { id, type: event.type, ts, topic: event.topic, payload };
}
