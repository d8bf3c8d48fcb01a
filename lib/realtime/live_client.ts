/**
 * Browser side of live updates, shared by the islands: an EventSource on
 * `/api/stream` with a fallback. On error or close the stream is dropped, the
 * state is polled at once and then every `pollMs`, and the stream is retried
 * with capped exponential backoff, resuming from the last event id seen. Once
 * a poll finds the session ended (401), everything stops and the status says
 * `signed_out`. Browser-only (EventSource, timers); imports nothing server-side.
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
}

/** Delay before stream retry `attempt` (0-based): doubling, capped. Pure. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
}

/** Starts live updates; returns a function that stops everything. */
export function connectLive(options: LiveOptions): () => void {
  const pollMs = options.pollMs ?? 30_000;
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  let source: EventSource | undefined;
  let lastId: string | undefined;
  let attempt = 0;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

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
    if (stopped) return;
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
      if (stopped) return;
      startPolling();
      retryTimer = setTimeout(open, retryDelay(attempt++, backoffMs, maxBackoffMs));
    };
  }

  open();
  return stop;
}
