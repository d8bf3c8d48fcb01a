/**
 * The event stream of one client: hello snapshot, replay from `Last-Event-ID`
 * (or `resync` when that id is older than the history), then live events of
 * its topic — in id order, without gaps or duplicates across the hand-over
 * from replay to live.
 */
import type { EventBus } from "./types.ts";
import { type AppEvent, compareEventIds, type Topic } from "./types.ts";
import {
  type CapRefusal,
  formatSseEvent,
  formatSseRetry,
  type SseHub,
  type SseSession,
  systemTimers,
  type Timers,
} from "./sse.ts";

export interface EventStreamDeps {
  bus: EventBus;
  hub: SseHub;
  heartbeatMs: number;
  /** Reconnection hint sent as `retry:`. */
  retryMs?: number;
  /** Chunks queued for a slow client before it is disconnected. */
  queueLimit?: number;
  timers?: Timers;
  /** How often an open stream re-checks its caller's credential (default 60 s). */
  revalidateMs?: number;
}

export interface EventStreamRequest {
  topic: Topic;
  /** From the `Last-Event-ID` header or `?lastEventId=`. */
  lastEventId?: string;
  /** Whose connection this is, for the per-client cap (`user:<id>` / `token:<id>`). */
  clientKey: string;
  /** The snapshot sent first as the `hello` event (mode, flags: what this caller may see). */
  hello: () => Record<string, unknown>;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  /**
   * Re-checks the caller's credential (signed out, deactivated, token revoked);
   * the stream closes when it resolves false. Called every `revalidateMs`.
   */
  stillAuthorized?: () => Promise<boolean>;
}

// One event goes to every open stream: encode it once (the bus hands every subscriber the same object).
const encoded = new WeakMap<AppEvent, Uint8Array>();
const encoder = new TextEncoder();

function encodeEvent(event: AppEvent): Uint8Array {
  let bytes = encoded.get(event);
  if (!bytes) {
    bytes = encoder.encode(formatSseEvent({ id: event.id, event: event.type, data: event }));
    encoded.set(event, bytes);
  }
  return bytes;
}

/** Opens the stream, or says which connection cap refused it. */
export async function openEventStream(
  deps: EventStreamDeps,
  request: EventStreamRequest,
): Promise<SseSession | CapRefusal> {
  const pending: AppEvent[] = [];
  let live = false;
  let lastSent: string | undefined = request.lastEventId;
  let onAbort: (() => void) | undefined;
  let revalidation: unknown;
  const timers = deps.timers ?? systemTimers;

  // Subscribe before reading the history, buffering, so nothing published meanwhile is lost.
  const unsubscribe = deps.bus.subscribe(request.topic, (event) => {
    if (live) sendEvent(event);
    else pending.push(event);
  });

  const opened = deps.hub.open(request.clientKey, {
    heartbeatMs: deps.heartbeatMs,
    queueLimit: deps.queueLimit ?? 256,
    ...(deps.timers ? { timers: deps.timers } : {}),
    onClose: () => {
      unsubscribe();
      if (onAbort) request.signal?.removeEventListener("abort", onAbort);
      if (revalidation !== undefined) timers.clearInterval(revalidation);
    },
  });
  if (typeof opened === "string") {
    unsubscribe();
    return opened;
  }
  const session = opened;

  function sendEvent(event: AppEvent): void {
    if (lastSent !== undefined && compareEventIds(event.id, lastSent) <= 0) return;
    if (session.send(encodeEvent(event))) {
      lastSent = event.id;
    }
  }

  if (request.signal) {
    if (request.signal.aborted) {
      session.close("client");
      return session;
    }
    onAbort = () => session.close("client");
    request.signal.addEventListener("abort", onAbort, { once: true });
  }

  if (request.stillAuthorized) {
    const check = request.stillAuthorized;
    revalidation = timers.setInterval(() => {
      check().then((ok) => {
        if (!ok) session.close("revoked");
      }, () => {/* cannot tell (database down): keep the stream, check again later */});
    }, deps.revalidateMs ?? 60_000);
  }

  session.send(formatSseRetry(deps.retryMs ?? 3000));
  const position = deps.bus.lastId();
  const hello = request.hello();
  if (request.lastEventId === undefined) {
    session.send(formatSseEvent({
      ...(position !== undefined ? { id: position } : {}),
      event: "hello",
      data: hello,
    }));
    if (position !== undefined) lastSent = position;
  } else {
    session.send(formatSseEvent({ event: "hello", data: hello }));
    let replay;
    try {
      replay = await deps.bus.replay(request.lastEventId, request.topic);
    } catch {
      replay = { events: [], complete: false };
    }
    if (replay.complete) {
      for (const event of replay.events) sendEvent(event);
    } else {
      // The id is older than the history: the client must refetch state, then follows live.
      const now = deps.bus.lastId();
      session.send(formatSseEvent({
        ...(now !== undefined ? { id: now } : {}),
        event: "resync",
        data: { reason: "history_exceeded" },
      }));
      lastSent = now;
    }
  }
  for (const event of pending.splice(0)) sendEvent(event);
  live = true;
  return session;
}
