/**
 * Browser side of live updates, shared by the islands: an EventSource on
 * `/api/stream` with a fallback. On error or close the stream is dropped, the
 * state is polled at once and then every `pollMs`, and the stream is retried
 * with capped exponential backoff, resuming from the last event id seen. Once
 * a poll finds the session ended (401), everything stops and the status says
 * `signed_out`.
 *
 * A hidden tab holds no stream: once the page has been hidden for `hiddenGraceMs`
 * (a quick tab switch keeps it), and at once on `pagehide`, the stream, the polls
 * and the retries stop; when the page is shown again (`visibilitychange`, or
 * `pageshow` from the back/forward cache) the stream opens again from the last
 * event id, so the server replays what happened meanwhile (or sends `resync`, and
 * the state is refetched). A page loaded hidden (a tab opened in the background)
 * opens its stream when first shown. Over HTTP/1.1 a browser opens at most 6
 * connections per host and each open stream holds one: streams of hidden tabs
 * would soon leave none for pages, form posts and fetches (docs/realtime.md,
 * "Browser connections").
 *
 * Browser-only (EventSource, timers, document); imports nothing server-side.
 */
import { BACKGROUND_REQUEST_HEADER } from "../http/background.ts";
import type { AppEvent } from "./types.ts";

/** `signed_out`: the session ended (idle, signed out elsewhere); live updates have stopped. */
export type LiveStatus = "connecting" | "live" | "polling" | "signed_out";

/** Thrown by {@link fetchState} when the session has ended (401). */
export class SignedOutError extends Error {
  override name = "SignedOutError";
}

/**
 * GETs a state endpoint as the page's own background work, which does not keep the session
 * alive (lib/http/background.ts): the response when it is OK, null otherwise;
 * {@link SignedOutError} when the session has ended, so live updates stop instead of polling a
 * page the user can no longer see.
 */
export async function fetchState(url: string): Promise<Response | null> {
  const response = await fetch(url, {
    headers: { accept: "application/json", [BACKGROUND_REQUEST_HEADER]: "1" },
  });
  if (response.status === 401) {
    await response.body?.cancel();
    throw new SignedOutError();
  }
  if (!response.ok) {
    await response.body?.cancel();
    return null;
  }
  return response;
}

export interface LiveOptions {
  /** `/api/stream?topic=…` */
  url: string;
  /** Event types to listen for (named SSE events). */
  events: readonly string[];
  onHello(data: Record<string, unknown>): void;
  onEvent(event: AppEvent): void;
  /** Refetches the full state (on resync and while polling). */
  poll(): Promise<void>;
  onStatus(status: LiveStatus): void;
  /** Poll interval while the stream is down (default 30 s). */
  pollMs?: number;
  /** First stream retry delay; doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /**
   * How long the page may be hidden before the stream is closed (default 3 s): a quick switch
   * to another tab and back keeps the stream.
   */
  hiddenGraceMs?: number;
}

/** Default for {@link LiveOptions.hiddenGraceMs}. */
export const HIDDEN_GRACE_MS = 3000;

/** Delay before stream retry `attempt` (0-based): doubling, capped. Pure. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
}

/** Starts live updates; returns a function that stops everything. */
export function connectLive(options: LiveOptions): () => void {
  const pollMs = options.pollMs ?? 30_000;
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const hiddenGraceMs = options.hiddenGraceMs ?? HIDDEN_GRACE_MS;
  const doc = typeof document === "undefined" ? undefined : document;
  let source: EventSource | undefined;
  let lastId: string | undefined;
  let attempt = 0;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  /** The page is hidden (past the grace) or being left: no stream, no polls, no retries. */
  let paused = false;

  const safePoll = () => {
    options.poll().catch((error) => {
      if (error instanceof SignedOutError) signedOut();
    });
  };

  /** The session ended: stop the stream, the polls and the retries, and say so. */
  function signedOut(): void {
    if (stopped) return;
    stop();
    options.onStatus("signed_out");
  }

  function stop(): void {
    stopped = true;
    source?.close();
    stopPolling();
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    clearGrace();
    doc?.removeEventListener("visibilitychange", onVisibility);
    globalThis.removeEventListener("pagehide", pause);
    globalThis.removeEventListener("pageshow", onPageShow);
  }

  function clearGrace(): void {
    if (graceTimer !== undefined) clearTimeout(graceTimer);
    graceTimer = undefined;
  }

  /**
   * Gives the connection back while nobody looks: closes the stream and stops the polls and the
   * retries. The status stays as it was; {@link resume} says `connecting` when it opens again.
   */
  function pause(): void {
    clearGrace();
    if (stopped || paused) return;
    paused = true;
    source?.close();
    source = undefined;
    stopPolling();
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    retryTimer = undefined;
  }

  /** Shown again: the stream opens at once from the last id seen (replay or resync). */
  function resume(): void {
    clearGrace();
    if (stopped || !paused) return;
    paused = false;
    attempt = 0;
    open();
  }

  function onVisibility(): void {
    if (!doc?.hidden) resume();
    else if (!paused && graceTimer === undefined) graceTimer = setTimeout(pause, hiddenGraceMs);
  }

  function onPageShow(): void {
    if (!doc?.hidden) resume();
  }

  function startPolling(): void {
    if (pollTimer !== undefined) return;
    options.onStatus("polling");
    safePoll();
    pollTimer = setInterval(safePoll, pollMs);
  }

  function stopPolling(): void {
    if (pollTimer !== undefined) clearInterval(pollTimer);
    pollTimer = undefined;
  }

  function open(): void {
    if (stopped || paused) return;
    const url = lastId
      ? `${options.url}${options.url.includes("?") ? "&" : "?"}lastEventId=${
        encodeURIComponent(lastId)
      }`
      : options.url;
    if (pollTimer === undefined) options.onStatus("connecting");
    const es = new EventSource(url);
    source = es;
    es.addEventListener("hello", (message) => {
      attempt = 0;
      stopPolling();
      options.onStatus("live");
      const data = message as MessageEvent<string>;
      if (data.lastEventId) lastId = data.lastEventId;
      options.onHello(JSON.parse(data.data));
    });
    es.addEventListener("resync", (message) => {
      const data = message as MessageEvent<string>;
      if (data.lastEventId) lastId = data.lastEventId;
      safePoll();
    });
    for (const type of options.events) {
      es.addEventListener(type, (message) => {
        const data = message as MessageEvent<string>;
        if (data.lastEventId) lastId = data.lastEventId;
        options.onEvent(JSON.parse(data.data) as AppEvent);
      });
    }
    es.onerror = () => {
      // Drop the stream (the browser's own retry would hide errors such as 429 or 503),
      // poll meanwhile, and retry with backoff from the last id seen.
      es.close();
      if (source === es) source = undefined;
      if (stopped || paused) return;
      startPolling();
      retryTimer = setTimeout(open, retryDelay(attempt++, backoffMs, maxBackoffMs));
    };
  }

  doc?.addEventListener("visibilitychange", onVisibility);
  globalThis.addEventListener("pagehide", pause);
  globalThis.addEventListener("pageshow", onPageShow);
  // Loaded in a background tab: the stream opens when the page is first shown.
  if (doc?.hidden) paused = true;
  else open();
  return stop;
}
