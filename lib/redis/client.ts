/**
 * Redis connections. Commands fail fast while disconnected (no offline queue); the client
 * reconnects by itself with capped exponential backoff. A server that stops answering with the
 * connection open (a stopped process, a stalled proxy, a blackholed network) fails no command: a
 * command waits until the server answers or the idle bound below drops the connection. Callers
 * that must not wait that long bound their own waits: the readiness probe (2 s), the rate windows
 * (lib/http/rate_window.ts), the token reveal (lib/auth/reveal_once.ts) and the event bus's
 * appends (lib/realtime/redis_bus.ts, APPEND_TIMEOUT_MS, 2 s: past it a publish delivers on this
 * instance and keeps the event in the outbox).
 *
 * Two ways to open: {@link openRedis} (scripts, tests) bounds the first
 * connection and gives up after {@link FIRST_CONNECT_TIMEOUT_MS}; {@link startRedis}
 * (the app's start) never makes the start depend on Redis: it waits for the
 * first attempt at most that long, then returns either way and keeps trying,
 * so an instance can start (and an emergency STANDBY rollout can proceed)
 * during a Redis outage. A REDIS_URL the client cannot use is a configuration
 * error ({@link RedisUrlError}) either way.
 *
 * node-redis's `connectTimeout` covers the TCP connect only; its handshake (HELLO with the
 * credentials, SELECT, CLIENT SETINFO) has no timeout, so a server that accepts and never answers
 * (a stalled proxy, a port of something that does not speak RESP) held that attempt for ever. Every
 * connection therefore has an idle bound ({@link IDLE_TIMEOUT_MS}, node-redis's
 * `socket.socketTimeout`): a connection with no data either way for that long is dropped and the
 * client reconnects on its usual schedule. node-redis offers no supported way to bound the
 * handshake alone, so the bound applies for the connection's whole life, and is set well above
 * the stalls a live server goes through (a slow command, a fork, a FAILOVER's write pause, a busy
 * event loop here): those are waited out, not turned into a reconnect that would re-append an
 * append in flight. Healthy connections are never idle that long: each sends a PING every
 * {@link PING_INTERVAL_MS} (node-redis's `pingInterval`, sent only after the previous answer), and
 * the longest blocking read the app makes returns well within the bound.
 *
 * The idle bound counts writes as activity: while anything keeps writing to a connection whose
 * server no longer answers (the readiness probe's PING every few seconds, the app's own commands),
 * it never fires, and the commands waiting on it never settle. So the command connection also has
 * a stall bound ({@link STALL_RECONNECT_MS}): once a command has waited that long for its answer
 * while the connection counts as ready, {@link RedisHandle.reconnect} drops it and opens a new
 * one (what it waited for rejects; a warning says so). The readiness probe's PINGs trigger it
 * ({@link RedisHandle.ping}), and so do the event bus's appends (lib/realtime/redis_bus.ts).
 */
import {
  createClient,
  DisconnectsClientError,
  type RedisClientOptions,
  type RedisClientType,
} from "redis";
import { failureReason } from "../health/readiness.ts";
import type { Logger } from "../log/mod.ts";
import { withTimeout } from "../timeout.ts";
import { isAcceptedRedisUrl, REDIS_URL_EXPECTATION } from "./url.ts";

export type RedisClient = RedisClientType;

/** How long the first connection of a client may take before it is given up. */
export const FIRST_CONNECT_TIMEOUT_MS = 5000;

/**
 * A connection with no data sent or received for this long is dropped and reconnects: the bound on
 * a handshake the server never answers (and on a server that stops answering later). Well above
 * the longest blocking read the app makes (the event stream reader's `XREAD BLOCK`, 5 s, behind
 * which its PING waits: a reader blocked on it is never dropped) and above the stalls a
 * live server goes through (`DEBUG SLEEP`, a FAILOVER's `CLIENT PAUSE`, a fork, a busy event loop
 * here, of seconds to a quarter of a minute): 30 s.
 */
export const IDLE_TIMEOUT_MS = 30_000;

/**
 * How long a command on the command connection may wait for its answer, while the connection
 * counts as ready, before the connection is dropped and opened again ({@link RedisHandle.reconnect}):
 * the idle bound, which writes keep from firing. Above the stalls a live server goes through.
 */
export const STALL_RECONNECT_MS = IDLE_TIMEOUT_MS;

/** A ready connection sends a PING this often, so one with nothing to do is never idle. */
export const PING_INTERVAL_MS = 2500;

/**
 * Clients this process is closing. Closing rejects what a connection still waits for (a PING
 * queued behind a blocking read), and node-redis reports that as a connection error: not an
 * outage, so not logged.
 */
const closing = new WeakSet<RedisClient>();

/**
 * Closes `client` for good (no reconnect) without its pending commands' rejections being logged
 * as connection errors. Use it for every client of this module.
 */
export function closeClient(client: RedisClient): void {
  closing.add(client);
  try {
    client.destroy();
  } catch { /* already closed, or never opened */ }
  // A connect under way (a reconnect just begun) has no socket for destroy() to close yet, and
  // node-redis marks it ready when it completes: close that one too, or it stays open, pinging.
  client.once("ready", () => {
    try {
      client.destroy();
    } catch { /* closed meanwhile */ }
  });
}

/**
 * Errors this module causes on purpose: destroy() (closing a client, or reconnecting a stalled
 * one) rejects what the connection waited for, node-redis's own PING among them, which it reports
 * as a connection error. Not an outage: neither logged nor kept as the client's last error.
 */
function causedByUs(client: RedisClient, error: unknown): boolean {
  return closing.has(client) || error instanceof DisconnectsClientError;
}

/** The latest connection error of each client while not ready (cleared once ready). */
const lastErrors = new WeakMap<RedisClient, unknown>();

/** Remembers `client`'s latest connection error for {@link RedisHandle.lastError}. */
function trackErrors(client: RedisClient): void {
  client.on("error", (error: unknown) => {
    if (!causedByUs(client, error)) lastErrors.set(client, error);
  });
  client.on("ready", () => lastErrors.delete(client));
}

/** The reason class of a connection error for a log line ("auth failed", "timeout", …). */
function reasonOf(error: unknown): string {
  return failureReason(error).replace(/^failed: /, "");
}

/**
 * What an operator does about a reason: fix the credentials ("auth failed"), or wait for / mend the
 * server or network (every other reason; one outage moves between refused, reset and timeout).
 * Connection warnings are given once per outage and kind.
 */
function kindOf(reason: string): "auth failed" | "unreachable" {
  return reason === "auth failed" ? reason : "unreachable";
}

/** Options every connection shares: fail fast while disconnected, the idle bound, PINGs. */
function clientOptions(
  url: string,
  connectTimeout: number,
  reconnectStrategy: (retries: number, cause: Error) => number | Error,
): RedisClientOptions {
  return {
    url,
    disableOfflineQueue: true,
    pingInterval: PING_INTERVAL_MS,
    socket: { connectTimeout, socketTimeout: IDLE_TIMEOUT_MS, reconnectStrategy },
  };
}

export interface RedisHandle {
  /** The command connection. */
  readonly client: RedisClient;
  /** `host:port` without credentials. */
  readonly description: string;
  /** A new dedicated connection (for blocking reads); the caller closes it. */
  duplicate(): Promise<RedisClient>;
  /**
   * PING with a timeout; rejects when Redis cannot answer. When an earlier PING has waited for its
   * answer longer than {@link STALL_RECONNECT_MS}, the command connection is reconnected first.
   */
  ping(timeoutMs: number): Promise<void>;
  /**
   * Drops the command connection and opens a new one, when it counts as ready and its server
   * stopped answering (a command waited `waitedMs` for its answer): what it waits for rejects,
   * and commands fail fast until the new connection is ready. Logs one warning. Does nothing
   * (and returns false) while the connection is not ready (it is reconnecting already) or closed.
   */
  reconnect(waitedMs: number, by: string): boolean;
  isReady(): boolean;
  /**
   * While the command connection is not ready: the error of its latest failed attempt (or of the
   * lost connection), for its reason class only (its message may hold the URL). Else undefined.
   */
  lastError(): unknown;
  close(): Promise<void>;
}

/** Backoff for reconnect attempt `n`: 100 ms doubling to 5 s, with jitter. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(5000, 100 * 2 ** Math.min(attempt, 10));
  return Math.round(base / 2 + random() * base / 2);
}

/**
 * REDIS_URL that the client refuses (e.g. a database path that is not a number): a configuration
 * error, not an outage. The message never repeats the URL (it may hold a password).
 */
export class RedisUrlError extends Error {
  constructor() {
    super(`Invalid configuration: REDIS_URL ${REDIS_URL_EXPECTATION}`);
    this.name = "RedisUrlError";
  }
}

function describe(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "6379"}`;
}

async function connectClient(
  url: string,
  logger: Logger,
  role: string,
  firstConnectTimeoutMs: number,
): Promise<RedisClient> {
  // Until the first connection succeeds node-redis would retry for ever (closed port, unknown
  // host, blackholed address) and `connect()` would never settle: stop retrying once the first
  // connect has taken too long, and race it with the same bound as a backstop.
  let connected = false;
  const started = Date.now();
  const client = createClient(
    clientOptions(url, Math.min(2000, firstConnectTimeoutMs), (retries, cause) => {
      if (!connected && Date.now() - started >= firstConnectTimeoutMs) return cause;
      return reconnectDelay(retries);
    }),
  ) as RedisClient;
  trackErrors(client);
  // Kinds of reason logged during the current outage.
  const reported = new Set<string>();
  client.on("error", (error: unknown) => {
    if (causedByUs(client, error)) return;
    // Logged once per outage and kind of reason; node-redis keeps retrying on its own.
    const reason = reasonOf(error);
    if (!reported.has(kindOf(reason))) {
      reported.add(kindOf(reason));
      logger.warn("redis connection error", {
        role,
        error: error instanceof Error ? error.name : "error",
        reason,
      });
    }
  });
  client.on("ready", () => {
    if (reported.size > 0 && connected) logger.info("redis connection restored", { role });
    reported.clear();
    connected = true;
  });
  try {
    await withTimeout(
      client.connect(),
      firstConnectTimeoutMs,
      () => new Error("redis first connection timed out"),
    );
  } catch (error) {
    closeClient(client);
    throw error;
  }
  return client;
}

/**
 * The handle over a command connection; `openReader` opens each dedicated connection, which the
 * handle closes with its own.
 */
function handleOver(
  client: RedisClient,
  url: string,
  logger: Logger,
  openReader: () => Promise<RedisClient>,
): RedisHandle {
  const extra = new Set<RedisClient>();
  /** When the oldest PING still without an answer was sent (replies come in order). */
  let unansweredSince: number | undefined;
  function reconnect(waitedMs: number, by: string): boolean {
    if (closing.has(client) || !client.isOpen || !client.isReady) return false;
    logger.warn("redis command connection stalled; reconnecting", {
      role: "command",
      waitedMs: Math.round(waitedMs),
      by,
    });
    unansweredSince = undefined;
    // destroy() rejects what the connection waits for and closes it for good; connect() opens the
    // same client again (node-redis allows it once closed), so every holder of it keeps working.
    try {
      client.destroy();
    } catch { /* already closed */ }
    client.connect().catch(() => {});
    return true;
  }
  return {
    client,
    description: describe(url),
    async duplicate() {
      const dup = await openReader();
      extra.add(dup);
      return dup;
    },
    async ping(timeoutMs) {
      const now = Date.now();
      if (unansweredSince !== undefined && now - unansweredSince >= STALL_RECONNECT_MS) {
        reconnect(now - unansweredSince, "ping");
      }
      const sent = client.ping();
      if (client.isReady) unansweredSince ??= now;
      const answered = () => {
        if (unansweredSince !== undefined && unansweredSince <= now) unansweredSince = undefined;
      };
      sent.then(answered, answered);
      await withTimeout(sent, timeoutMs, () => new Error("timeout"));
    },
    reconnect,
    isReady: () => client.isReady,
    lastError: () => client.isReady ? undefined : lastErrors.get(client),
    close() {
      for (const dup of [...extra, client]) closeClient(dup);
      return Promise.resolve();
    },
  };
}

/** Connects to Redis; rejects if the first connection fails or takes over `firstConnectTimeoutMs`. */
export async function openRedis(
  url: string,
  logger: Logger,
  firstConnectTimeoutMs = FIRST_CONNECT_TIMEOUT_MS,
): Promise<RedisHandle> {
  const client = await connectClient(url, logger, "command", firstConnectTimeoutMs);
  return handleOver(
    client,
    url,
    logger,
    () => connectClient(url, logger, "reader", firstConnectTimeoutMs),
  );
}

/** What the connections of one handle opened by {@link startRedis} share. */
interface StartState {
  /** The kind of reason the start's warning gave, once given (only when the start went on without Redis). */
  startKind?: string;
  /** Set once any connection of the handle was ready: until then the start's warning says it. */
  everConnected: boolean;
}

/**
 * A client that connects in the background and retries for ever with backoff; never awaited.
 * Throws {@link RedisUrlError} when node-redis refuses the URL (it parses it in `createClient`).
 */
function backgroundClient(
  url: string,
  logger: Logger,
  role: string,
  shared: StartState,
): RedisClient {
  // The rule config validation applies (lib/redis/url.ts); the catch below is the backstop for
  // anything else node-redis refuses.
  if (!isAcceptedRedisUrl(url)) throw new RedisUrlError();
  let client: RedisClient;
  try {
    client = createClient(
      clientOptions(url, 2000, (retries) => reconnectDelay(retries)),
    ) as RedisClient;
  } catch {
    throw new RedisUrlError();
  }
  trackErrors(client);
  // Kinds of reason seen during the current outage.
  const reported = new Set<string>();
  let connected = false;
  client.on("error", (error: unknown) => {
    if (causedByUs(client, error)) return;
    // Once per outage and kind of reason. Before the first connection, not the kind the start's
    // warning gave nor while the start has yet to give it; the other kind is logged (e.g. the
    // server was silent at the start and now refuses the password).
    const reason = reasonOf(error);
    const kind = kindOf(reason);
    if (reported.has(kind)) return;
    reported.add(kind);
    const toldByStart = !shared.everConnected &&
      (shared.startKind === undefined || shared.startKind === kind);
    if (!toldByStart) {
      logger.warn("redis connection error", {
        role,
        error: error instanceof Error ? error.name : "error",
        reason,
      });
    }
  });
  client.on("ready", () => {
    // Only after a start that went on without Redis (its warning was given): a connection that is
    // ready while the start still waits is the start's own ("redis connected").
    if (!shared.everConnected && shared.startKind !== undefined) {
      logger.info("redis connected after the start", { role });
    } else if (reported.size > 0 && connected) logger.info("redis connection restored", { role });
    shared.everConnected = true;
    reported.clear();
    connected = true;
  });
  // Settles when ready, or rejects once the client is destroyed: nothing to wait for here.
  client.connect().catch(() => {});
  return client;
}

/**
 * Resolves once `client` is ready or its first attempt failed (with that error), or after
 * `waitMs` without an answer (a server that accepts and never answers).
 */
function firstAttempt(
  client: RedisClient,
  waitMs: number,
): Promise<{ ready: boolean; error?: unknown }> {
  if (client.isReady) return Promise.resolve({ ready: true });
  return new Promise((resolve) => {
    const finish = (error?: unknown) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("error", onError);
      resolve(client.isReady ? { ready: true } : { ready: false, error });
    };
    const onReady = () => finish();
    const onError = (error: unknown) => finish(error);
    const timer = setTimeout(() => finish(new Error("redis first connection timed out")), waitMs);
    client.on("ready", onReady);
    client.on("error", onError);
  });
}

export interface StartedRedis {
  handle: RedisHandle;
  /** Whether the first connection was ready before the start went on. */
  connected: boolean;
  /** Why not (for a reason in the start's warning; its message may hold the URL). */
  error?: unknown;
}

/**
 * Opens Redis for the app without making the start depend on it: waits for the first attempt
 * (ready, failed, or `waitMs` without an answer), then returns the handle either way. Its
 * connections keep trying with backoff; meanwhile commands fail fast, as during an outage after
 * the start. Rejects only with {@link RedisUrlError}.
 */
export async function startRedis(
  url: string,
  logger: Logger,
  waitMs = FIRST_CONNECT_TIMEOUT_MS,
): Promise<StartedRedis> {
  const shared: StartState = { everConnected: false };
  const client = backgroundClient(url, logger, "command", shared);
  const first = await firstAttempt(client, waitMs);
  // The caller's warning gives this reason; the connections do not repeat it.
  if (!first.ready) shared.startKind = kindOf(reasonOf(first.error));
  const handle = handleOver(client, url, logger, async () => {
    const dup = backgroundClient(url, logger, "reader", shared);
    // While Redis answers, the reader starts connected (as with openRedis); while it does not,
    // the caller gets the connecting client at once and its commands fail fast until ready.
    if (client.isReady) await firstAttempt(dup, waitMs);
    return dup;
  });
  return { handle, connected: first.ready, error: first.error };
}
