/**
 * The browser analytics client (`trackEvent`). Silent unless started after
 * consent: the ConsentBanner island starts it only for users whose analytics
 * consent is in force, and a 403 from the server stops it for good.
 *
 * - only allowlisted event names and property keys leave the browser, and
 *   only primitive values (the server enforces the full rules again);
 * - events are batched: flushed every 5 s or at 20 events, and on `pagehide`
 *   with `fetch(..., { keepalive: true })` (the beacon-style delivery that,
 *   unlike `navigator.sendBeacon`, can carry the consent and CSRF headers);
 * - 5xx, 429 and network errors are retried with exponential backoff and
 *   jitter (Retry-After honoured); 403 drops everything and turns the client
 *   off; other 4xx drop the batch.
 *
 * Runs in the browser; every platform dependency is injectable so the logic
 * is tested in Deno against the real server with a manual timer.
 */
import {
  isAllowedEventName,
  isAllowedPropertyKey,
  isServerOnlyEventName,
} from "../../analytics/allowlist.ts";

export const ENDPOINT = "/api/analytics/events";

/** What the transport reports about one delivery. */
export interface Delivery {
  status: number;
  /** Seconds from a Retry-After header, if any. */
  retryAfter?: number | undefined;
}

/** The platform the client runs on (browser defaults; tests inject). */
export interface ClientPlatform {
  /** POSTs `body` with `headers`; rejects on a network error. */
  send(body: string, headers: Record<string, string>, keepalive: boolean): Promise<Delivery>;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  now(): number;
  random(): number;
  newId(): string;
}

export interface ClientOptions {
  csrfToken: string;
  platform?: Partial<ClientPlatform>;
  flushIntervalMs?: number;
  /** Queue length that triggers an immediate flush. */
  flushAt?: number;
  /** Most events kept while the server is unreachable (oldest dropped first). */
  maxQueue?: number;
  /** Consecutive failed deliveries of one batch before it is dropped. */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface QueuedEvent {
  eventId: string;
  eventName: string;
  ts: string;
  properties?: Record<string, string | number | boolean>;
  researchId?: string;
}

export interface AnalyticsClient {
  /** Queues an event (no-op when off, for unknown names, or once stopped). */
  track(eventName: string, properties?: Record<string, unknown>, researchId?: string): void;
  /** Sends what is queued now (one request in flight at a time). */
  flush(): Promise<void>;
  /** Sends everything with keepalive requests; for `pagehide`. */
  flushOnExit(): void;
  /** Turns the client off and forgets the queue. */
  stop(): void;
  readonly enabled: boolean;
  readonly queued: number;
}

/** Largest batch the server takes. */
const SERVER_MAX_BATCH = 100;
/** Keepalive bodies share a 64 KiB budget in browsers; stay below it. */
const KEEPALIVE_BYTES = 60_000;

function browserPlatform(): ClientPlatform {
  return {
    async send(body, headers, keepalive) {
      const response = await fetch("/api/analytics/events", {
        method: "POST",
        headers,
        body,
        keepalive,
        credentials: "same-origin",
      });
      await response.body?.cancel();
      const retryAfter = Number(response.headers.get("retry-after"));
      return {
        status: response.status,
        retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
      };
    },
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (handle) => clearTimeout(handle as number),
    now: () => Date.now(),
    random: () => Math.random(),
    newId: () => crypto.randomUUID(),
  };
}

/** Keeps allowlisted keys with primitive values; drops everything else. */
export function allowedProperties(
  properties: Record<string, unknown> | undefined,
): Record<string, string | number | boolean> | undefined {
  if (!properties) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (!isAllowedPropertyKey(key)) continue;
    if (typeof value === "string" || typeof value === "boolean") out[key] = value;
    else if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Creates a client (started: it sends until stopped or refused). */
export function createAnalyticsClient(options: ClientOptions): AnalyticsClient {
  const platform: ClientPlatform = { ...browserPlatform(), ...options.platform };
  const flushIntervalMs = options.flushIntervalMs ?? 5000;
  const flushAt = options.flushAt ?? 20;
  const maxQueue = options.maxQueue ?? 500;
  const maxAttempts = options.maxAttempts ?? 6;
  const baseBackoffMs = options.baseBackoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const headers = {
    "content-type": "application/json",
    "x-analytics-consent": "true",
    "x-csrf-token": options.csrfToken,
  };

  let enabled = true;
  let queue: QueuedEvent[] = [];
  let timer: unknown = undefined;
  let inFlight = false;
  let attempts = 0;

  function clearTimer(): void {
    if (timer !== undefined) platform.clearTimer(timer);
    timer = undefined;
  }

  function schedule(ms: number): void {
    clearTimer();
    timer = platform.setTimer(() => {
      timer = undefined;
      void flush();
    }, ms);
  }

  function stop(): void {
    enabled = false;
    queue = [];
    clearTimer();
  }

  function backoff(retryAfter: number | undefined): number {
    const exp = Math.min(maxBackoffMs, baseBackoffMs * 2 ** Math.max(0, attempts - 1));
    const jittered = exp * (0.5 + platform.random() / 2);
    return Math.max(jittered, (retryAfter ?? 0) * 1000);
  }

  async function flush(): Promise<void> {
    if (!enabled || inFlight || queue.length === 0) return;
    clearTimer();
    inFlight = true;
    const batch = queue.slice(0, SERVER_MAX_BATCH);
    let retryIn: number | null = null;
    try {
      let delivery: Delivery;
      try {
        delivery = await platform.send(JSON.stringify({ events: batch }), headers, false);
      } catch {
        delivery = { status: 0 };
      }
      if (!enabled) return;
      const { status } = delivery;
      if (status === 0 || status === 429 || status >= 500) {
        attempts++;
        if (attempts >= maxAttempts) {
          queue = queue.slice(batch.length);
          attempts = 0;
        } else {
          retryIn = backoff(delivery.retryAfter);
        }
      } else if (status === 401 || status === 403) {
        // No consent (or no session): stay silent from now on.
        stop();
        return;
      } else {
        // Delivered (2xx), or refused as invalid (other 4xx): either way not sent again.
        queue = queue.slice(batch.length);
        attempts = 0;
      }
    } finally {
      inFlight = false;
    }
    if (!enabled || queue.length === 0) return;
    if (retryIn !== null) schedule(retryIn);
    else if (queue.length >= flushAt) void flush();
    else schedule(flushIntervalMs);
  }

  return {
    track(eventName, properties, researchId) {
      // An event only the server records (an experiment exposure) would be refused: not sent.
      if (!enabled || !isAllowedEventName(eventName) || isServerOnlyEventName(eventName)) return;
      const event: QueuedEvent = {
        eventId: platform.newId(),
        eventName,
        ts: new Date(platform.now()).toISOString(),
      };
      const props = allowedProperties(properties);
      if (props) event.properties = props;
      if (researchId) event.researchId = researchId;
      queue.push(event);
      if (queue.length > maxQueue) queue = queue.slice(queue.length - maxQueue);
      if (inFlight) return;
      if (queue.length >= flushAt && attempts === 0) void flush();
      else if (timer === undefined) schedule(flushIntervalMs);
    },

    flush,

    flushOnExit() {
      if (!enabled || queue.length === 0) return;
      clearTimer();
      const pending = queue;
      queue = [];
      let chunk: QueuedEvent[] = [];
      let bytes = 12;
      const sendChunk = () => {
        if (chunk.length === 0) return;
        void platform.send(JSON.stringify({ events: chunk }), headers, true).catch(() => {});
        chunk = [];
        bytes = 12;
      };
      for (const event of pending) {
        const size = JSON.stringify(event).length + 1;
        if (chunk.length >= SERVER_MAX_BATCH || bytes + size > KEEPALIVE_BYTES) sendChunk();
        chunk.push(event);
        bytes += size;
      }
      sendChunk();
    },

    stop,

    get enabled() {
      return enabled;
    },
    get queued() {
      return queue.length;
    },
  };
}

let active: AnalyticsClient | null = null;
let exitListener: (() => void) | null = null;

/**
 * Starts the page's client (idempotent) and sends on `pagehide`. Called by
 * the ConsentBanner island only when analytics consent is in force.
 */
export function startAnalytics(options: ClientOptions): AnalyticsClient {
  if (active?.enabled) return active;
  active = createAnalyticsClient(options);
  if (typeof globalThis.addEventListener === "function" && exitListener === null) {
    exitListener = () => active?.flushOnExit();
    globalThis.addEventListener("pagehide", exitListener);
  }
  return active;
}

/** Stops the page's client (after a withdrawal). */
export function stopAnalytics(): void {
  active?.stop();
  active = null;
}

/**
 * Records a product event from any island. A no-op without consent: until
 * the ConsentBanner island started the client, or after the server refused.
 *
 * @example
 * trackEvent("ui.button_click", { button: "save_flag", flag_key: "new_dashboard" });
 */
export function trackEvent(
  eventName: string,
  properties?: Record<string, unknown>,
  researchId?: string,
): void {
  active?.track(eventName, properties, researchId);
}
