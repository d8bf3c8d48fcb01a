/**
 * Server-sent events mechanics, independent of HTTP routing: the wire format,
 * one session per connection (a bounded queue, a heartbeat on injected timers,
 * exactly-once cleanup) and the hub that caps connections globally and per
 * caller and closes every stream on shutdown.
 */
import type { AppMetrics } from "../telemetry/mod.ts";

const encoder = new TextEncoder();

/** One SSE message. `data` is JSON-encoded (a single line, so no `data:` splitting is needed). */
export function formatSseEvent(message: { id?: string; event?: string; data: unknown }): string {
  let out = "";
  if (message.id !== undefined) out += `id: ${message.id}\n`;
  if (message.event !== undefined) out += `event: ${message.event}\n`;
  out += `data: ${JSON.stringify(message.data)}\n\n`;
  return out;
}

/** An SSE comment (ignored by clients; keeps proxies from timing the stream out). */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}

/** The reconnection delay hint. */
export function formatSseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

/** Timers, injected so heartbeats are tested without waiting. */
export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemTimers: Timers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as number),
};

/** Why a session ended. */
export type CloseReason = "client" | "overflow" | "server" | "revoked";

export interface SseSessionOptions {
  /** Comment heartbeat interval in ms. */
  heartbeatMs: number;
  /** Chunks that may wait for a slow client before it is disconnected. */
  queueLimit: number;
  timers?: Timers;
  /** Called exactly once when the session ends, whatever the cause. */
  onClose?: (reason: CloseReason) => void;
}

/** One open event stream: write with {@link send}; the body is {@link stream}. */
export class SseSession {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #closed = false;
  #heartbeat: unknown;
  /** Writers waiting for the client to read ({@link whenWritable}). */
  #waiting: Array<() => void> = [];
  readonly #timers: Timers;
  readonly #options: SseSessionOptions;

  constructor(options: SseSessionOptions) {
    this.#options = options;
    this.#timers = options.timers ?? systemTimers;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        // Called when the client has read and there is room again.
        pull: () => this.#wake(),
        cancel: () => this.#finish("client"),
      },
      new CountQueuingStrategy({ highWaterMark: options.queueLimit }),
    );
    this.#heartbeat = this.#timers.setInterval(
      () => this.send(formatSseComment("keepalive")),
      options.heartbeatMs,
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Queues a chunk. Returns false when the session is closed; closes it when the queue is full. */
  send(chunk: string | Uint8Array): boolean {
    if (this.#closed) return false;
    if ((this.#controller.desiredSize ?? 0) <= 0) {
      // The client does not keep up: end the stream; it reconnects and replays from its last id.
      this.close("overflow");
      return false;
    }
    this.#controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    return true;
  }

  /**
   * Resolves true once a chunk can be queued with `spare` places still free after it (the
   * client has read enough), false if the session ends first. For catch-up writes (a replay)
   * that must wait for the client instead of counting as overflow; the spare places keep
   * room for the heartbeat meanwhile.
   */
  async whenWritable(spare = 0): Promise<boolean> {
    while (!this.#closed && (this.#controller.desiredSize ?? 0) <= spare) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    return !this.#closed;
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }

  /** Ends the stream (what is already queued is still delivered). */
  close(reason: CloseReason = "server"): void {
    if (this.#closed) return;
    try {
      this.#controller.close();
    } catch {
      // already closed or errored by the runtime
    }
    this.#finish(reason);
  }

  #finish(reason: CloseReason): void {
    if (this.#closed && this.#heartbeat === undefined) return;
    this.#closed = true;
    this.#wake();
    if (this.#heartbeat !== undefined) {
      this.#timers.clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
      this.#options.onClose?.(reason);
    }
  }
}

export interface SseHubOptions {
  maxConnections: number;
  maxPerClient: number;
  metrics?: AppMetrics;
}

/** Which cap refused a connection. */
export type CapRefusal = "global" | "client";

/** Open sessions of one instance, with the global and per-client caps. */
export class SseHub {
  readonly #perClient = new Map<string, number>();
  readonly #sessions = new Set<SseSession>();
  #closed = false;

  constructor(private readonly options: SseHubOptions) {}

  /** Open streams on this instance. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Streams open for one client key. */
  countFor(clientKey: string): number {
    return this.#perClient.get(clientKey) ?? 0;
  }

  /** Which cap a new stream for `clientKey` would exceed, if any. */
  refusal(clientKey: string): CapRefusal | undefined {
    if (this.#closed || this.#sessions.size >= this.options.maxConnections) return "global";
    if (this.countFor(clientKey) >= this.options.maxPerClient) return "client";
    return undefined;
  }

  /**
   * Opens a session counted against the caps, or returns the refusal.
   * `onClose` runs once when it ends (client gone, overflow or shutdown).
   */
  open(
    clientKey: string,
    options: Omit<SseSessionOptions, "onClose"> & { onClose?: (reason: CloseReason) => void },
  ): SseSession | CapRefusal {
    const refused = this.refusal(clientKey);
    if (refused) return refused;
    this.#perClient.set(clientKey, this.countFor(clientKey) + 1);
    this.options.metrics?.sseConnections.inc();
    const session: SseSession = new SseSession({
      ...options,
      onClose: (reason) => {
        this.#sessions.delete(session);
        const left = this.countFor(clientKey) - 1;
        if (left > 0) this.#perClient.set(clientKey, left);
        else this.#perClient.delete(clientKey);
        this.options.metrics?.sseConnections.dec();
        options.onClose?.(reason);
      },
    });
    this.#sessions.add(session);
    return session;
  }

  /** Closes every stream and refuses new ones (shutdown). */
  closeAll(): void {
    this.#closed = true;
    for (const session of [...this.#sessions]) session.close("server");
  }
}
