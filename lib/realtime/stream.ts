/**
 * The event stream of one client: hello snapshot, replay from `Last-Event-ID`
 * (or `resync` when that id is older than the history, unknown or malformed),
 * then live events of its topic — in id order, without gaps or duplicates
 * across the hand-over from replay to live.
 *
 * The replay is written as fast as the client reads it (it does not count as
 * overflow, however long it is); live events arriving meanwhile wait in a
 * buffer bounded like the queue.
 */
import { topicMatches } from "./history.ts";
import { isEventId } from "./ids.ts";
import type { EventBus } from "./types.ts";
import { type AppEvent, compareEventIds, type ResyncReason, type Topic } from "./types.ts";
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
  /** From the `Last-Event-ID` header or `?lastEventId=` (anything not an event id gets `resync`). */
  lastEventId?: string;
  /** Whose connection this is, for the per-client cap (`user:<id>` / `token:<id>`). */
  clientKey: string;
  /** The snapshot sent first as the `hello` event (mode, flags: what this caller may see). */
  hello: () => Record<string, unknown>;
  /**
   * The oldest bus event whose effect the hello snapshot does not hold yet (the state is still
   * re-reading the database after it), read together with the hello. The hello then claims no
   * position: that event and everything after it follow it, also for a client resuming from a
   * later id (it sees them again, since the hello took their effect back).
   */
  unapplied?: () => AppEvent | undefined;
  /**
   * Whether the client is told `event` (default: every event of its topic). Asked as each event is
   * written, replayed or live: an instance tells its clients only a state it serves, so a mode
   * change it does not follow (its mode is pinned, or failed closed) is left out. An event left
   * out still counts for nothing: the client's position stays where it was, and a later event
   * moves it on.
   */
  shows?: (event: AppEvent) => boolean;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  /**
   * Re-checks the caller's credential (signed out, deactivated, token revoked);
   * the stream closes when it resolves false. Called every `revalidateMs`, one call at a time.
   * When it rejects (it cannot tell: the database is down) or has not answered by the next
   * interval, the stream is kept, unless its credential is in doubt (see
   * {@link EventStreamRequest.credentialNews}) or the rejection says the credential's time is up
   * as far as this instance knows (an error with `credentialLapsed: true`, lib/auth's
   * CredentialLapsedError: a session idle past its limit). A credential past its absolute end is
   * no "cannot tell": the check resolves false from memory.
   */
  stillAuthorized?: () => Promise<boolean>;
  /**
   * News of the caller's credential that needs no database. The stream ends at once when its
   * credential ends. And a re-check that cannot tell (or does not answer within an interval)
   * keeps it only while the credential is beyond doubt: confirmed by a re-check since the stream
   * last may have missed news of its end (it was authenticated before it could hear any;
   * {@link CredentialWatcher.doubt}), and news reaches this instance now
   * ({@link CredentialNews.hearing}).
   */
  credentialNews?: CredentialNews;
}

/** Where a stream hears of the end of its caller's credential. */
export interface CredentialNews {
  /** Registers the stream; returns the unregistration, called once the stream ends. */
  watch(watcher: CredentialWatcher): () => void;
  /** False while news of ended credentials may not reach this instance as it happens. */
  hearing(): boolean;
}

/** A registered stream, as {@link CredentialNews} tells it what happened. */
export interface CredentialWatcher {
  /** The caller's credential ended: closes the stream at once. False if it was already closed. */
  end(): boolean;
  /** News of the credential's end may have been missed: it is in doubt until a re-check. */
  doubt(): void;
}

/**
 * Why a stream resyncs without a bus event saying so: the instance's state changed in a way no
 * event brings its streams (a periodic re-read of the mode or the flags while Redis is lost, the
 * mode failing closed or recovering). See {@link resyncStreams}.
 */
export type LocalResyncReason = "state_changed";

/** Each instance's open streams (by its hub), for {@link resyncStreams}. */
const localStreams = new WeakMap<SseHub, Set<(reason: LocalResyncReason) => void>>();

/**
 * Sends every stream open on `hub` a `resync` (`{ "reason": "state_changed" }`; a stream still
 * writing its catch-up sends it after that), so its client refetches the state. For a change this
 * instance enforces that no bus event announces to its streams: a stream must never show a mode
 * or flags the instance is not serving. Returns how many streams were told.
 */
export function resyncStreams(hub: SseHub, reason: LocalResyncReason = "state_changed"): number {
  const streams = [...(localStreams.get(hub) ?? [])];
  for (const resync of streams) resync(reason);
  return streams.length;
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

/** Whether a re-check's rejection says the credential's time is up (see stillAuthorized). */
function credentialLapsed(error: unknown): boolean {
  return typeof error === "object" && error !== null &&
    (error as { credentialLapsed?: unknown }).credentialLapsed === true;
}

/** Opens the stream, or says which connection cap refused it. */
export async function openEventStream(
  deps: EventStreamDeps,
  request: EventStreamRequest,
): Promise<SseSession | CapRefusal> {
  const queueLimit = deps.queueLimit ?? 256;
  // Catch-up writes leave this much of the queue for the heartbeat.
  const spare = Math.max(1, Math.min(16, Math.floor(queueLimit / 8)));
  /** Live events (and resyncs, by reason) that arrive before the catch-up is written. */
  const pending: Array<AppEvent | ResyncReason | LocalResyncReason> = [];
  let live = false;
  const resumeFrom = request.lastEventId;
  const resumable = resumeFrom !== undefined && isEventId(resumeFrom);
  let lastSent: string | undefined = resumable ? resumeFrom : undefined;
  let onAbort: (() => void) | undefined;
  let revalidation: unknown;
  let unwatch: (() => void) | undefined;
  /** Doubts raised about the credential, and how many of them a re-check has confirmed away. */
  let doubts = 0;
  let confirmed = 0;
  const timers = deps.timers ?? systemTimers;

  function hold(item: AppEvent | ResyncReason | LocalResyncReason): void {
    pending.push(item);
    // A client that reads the catch-up slower than live events arrive is a slow client.
    if (pending.length > queueLimit) session.close("overflow");
  }

  // Subscribe before reading the history, buffering, so nothing published meanwhile is lost.
  const unsubscribe = deps.bus.subscribe(request.topic, (event) => {
    if (live) sendEvent(event);
    else hold(event);
  }, {
    onResync: (reason) => {
      if (live) sendResync(reason);
      else hold(reason);
    },
  });
  // Registered with the subscription (before the hello is read), so a change made meanwhile
  // is not missed.
  const onLocalResync = (reason: LocalResyncReason) => {
    if (live) sendResync(reason);
    else hold(reason);
  };
  let locals = localStreams.get(deps.hub);
  if (!locals) {
    locals = new Set();
    localStreams.set(deps.hub, locals);
  }
  locals.add(onLocalResync);
  const unregister = () => {
    localStreams.get(deps.hub)?.delete(onLocalResync);
  };

  const opened = deps.hub.open(request.clientKey, {
    heartbeatMs: deps.heartbeatMs,
    queueLimit,
    ...(deps.timers ? { timers: deps.timers } : {}),
    onClose: () => {
      unsubscribe();
      unregister();
      pending.length = 0;
      if (onAbort) request.signal?.removeEventListener("abort", onAbort);
      if (revalidation !== undefined) timers.clearInterval(revalidation);
      unwatch?.();
    },
  });
  if (typeof opened === "string") {
    unsubscribe();
    unregister();
    return opened;
  }
  const session = opened;

  function sendEvent(event: AppEvent): void {
    if (lastSent !== undefined && compareEventIds(event.id, lastSent) <= 0) return;
    if (request.shows && !request.shows(event)) return;
    if (session.send(encodeEvent(event))) {
      lastSent = event.id;
    }
  }

  /** The client must refetch the state; it continues from the newest id. */
  function sendResync(reason: "history_exceeded" | ResyncReason | LocalResyncReason): void {
    const now = deps.bus.lastId();
    session.send(formatSseEvent({
      ...(now !== undefined ? { id: now } : {}),
      event: "resync",
      data: { reason },
    }));
    if (now !== undefined && (lastSent === undefined || compareEventIds(now, lastSent) > 0)) {
      lastSent = now;
    }
  }

  // Until the session is handed back, nothing else can end it: no response carries its stream,
  // so no client can cancel it. Whatever fails before then gives its slot back here.
  try {
    if (request.signal) {
      if (request.signal.aborted) {
        session.close("client");
        return session;
      }
      onAbort = () => session.close("client");
      request.signal.addEventListener("abort", onAbort, { once: true });
    }

    const news = request.credentialNews;
    if (news) {
      doubts = 1; // it may have ended between the caller's authentication and this registration
      unwatch = news.watch({
        end: () => {
          if (session.closed) return false;
          session.close("revoked");
          return true;
        },
        doubt: () => {
          doubts++;
        },
      });
    }

    if (request.stillAuthorized) {
      const check = request.stillAuthorized;
      /** Whether the credential may have ended unheard since a re-check last confirmed it. */
      const inDoubt = () => news !== undefined && (confirmed < doubts || !news.hearing());
      let checking = false;
      revalidation = timers.setInterval(() => {
        if (checking) {
          // No answer within an interval (the database hangs): a stream in doubt ends; one more
          // question would not be answered sooner.
          if (inDoubt()) session.close("revoked");
          return;
        }
        checking = true;
        // A confirmation read before a later doubt does not answer that doubt.
        const asked = doubts;
        check().then((ok) => {
          if (!ok) session.close("revoked");
          else confirmed = Math.max(confirmed, asked);
        }, (error) => {
          // Cannot tell (database down): keep the stream and check again later, unless the
          // credential is in doubt, or its time is up as far as memory knows.
          if (inDoubt() || credentialLapsed(error)) session.close("revoked");
        }).finally(() => {
          checking = false;
        });
      }, deps.revalidateMs ?? 60_000);
    }

    session.send(formatSseRetry(deps.retryMs ?? 3000));
    // Read together (no await between): the newest id, the snapshot, and what it lacks.
    const position = deps.bus.lastId();
    const hello = request.hello();
    const unapplied = request.unapplied?.();
    /** What follows the hello: nothing, a resync, or the events after an id (and one before them). */
    let catchUp: { after: string; first?: AppEvent } | "resync" | undefined;
    if (
      unapplied !== undefined &&
      (resumeFrom === undefined || (resumable && compareEventIds(unapplied.id, resumeFrom) <= 0))
    ) {
      // The hello lacks that event's effect: it claims no id, and the event comes next.
      session.send(formatSseEvent({ event: "hello", data: hello }));
      lastSent = undefined;
      catchUp = { after: unapplied.id, first: unapplied };
    } else if (resumeFrom === undefined) {
      session.send(formatSseEvent({
        ...(position !== undefined ? { id: position } : {}),
        event: "hello",
        data: hello,
      }));
      if (position !== undefined) lastSent = position;
    } else {
      session.send(formatSseEvent({ event: "hello", data: hello }));
      // A malformed id is unknown like any other: the client resyncs (a refusal would stop an
      // EventSource from ever reconnecting).
      catchUp = resumable ? { after: resumeFrom } : "resync";
    }

    let replay: AppEvent[] | "resync" = [];
    if (catchUp === "resync") {
      replay = "resync";
    } else if (catchUp !== undefined) {
      let found;
      try {
        found = await deps.bus.replay(catchUp.after, request.topic);
      } catch {
        found = { events: [], complete: false };
      }
      // Incomplete: the id is older than the history (or unknown); the client refetches state.
      replay = !found.complete
        ? "resync"
        : catchUp.first && topicMatches(request.topic, catchUp.first.topic)
        ? [catchUp.first, ...found.events]
        : found.events;
    }
    // Written as the client reads, after the response has been handed back.
    void writeCatchUp(replay).catch(() => session.close("server"));
    return session;
  } catch (error) {
    session.close("server");
    throw error;
  }

  async function writeCatchUp(replay: AppEvent[] | "resync"): Promise<void> {
    if (replay === "resync") sendResync("history_exceeded");
    else {
      for (const event of replay) {
        if (!await session.whenWritable(spare)) return;
        sendEvent(event);
      }
    }
    while (pending.length > 0) {
      if (!await session.whenWritable(spare)) return;
      const item = pending.shift()!;
      if (typeof item === "string") sendResync(item);
      else sendEvent(item);
    }
    if (!session.closed) live = true;
  }
}
