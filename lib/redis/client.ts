/**
 * Redis connections. Commands fail fast while disconnected (no offline queue),
 * so a readiness probe or a publish never hangs on a lost server; the client
 * reconnects by itself with capped exponential backoff.
 *
 * Two ways to open: {@link openRedis} (scripts, tests) bounds the first
 * connection and gives up after {@link FIRST_CONNECT_TIMEOUT_MS}; {@link startRedis}
 * (the app's start) never makes the start depend on Redis: it waits for the
 * first attempt at most that long, then returns either way and keeps trying,
 * so an instance can start (and an emergency STANDBY rollout can proceed)
 * during a Redis outage. A REDIS_URL the client cannot use is a configuration
 * error ({@link RedisUrlError}) either way.
 */
import { createClient, type RedisClientType } from "redis";
import type { Logger } from "../log/mod.ts";
import { withTimeout } from "../timeout.ts";

export type RedisClient = RedisClientType;

/** How long the first connection of a client may take before it is given up. */
export const FIRST_CONNECT_TIMEOUT_MS = 5000;

export interface RedisHandle {
  /** The command connection. */
  readonly client: RedisClient;
  /** `host:port` without credentials. */
  readonly description: string;
  /** A new dedicated connection (for blocking reads); the caller closes it. */
  duplicate(): Promise<RedisClient>;
  /** PING with a timeout; rejects when Redis cannot answer. */
  ping(timeoutMs: number): Promise<void>;
  isReady(): boolean;
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
    super(
      "Invalid configuration: REDIS_URL is not a URL the Redis client accepts " +
        "(redis[s]://[[user]:password@]host[:port][/database number])",
    );
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
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: Math.min(2000, firstConnectTimeoutMs),
      reconnectStrategy: (retries: number, cause: Error) => {
        if (!connected && Date.now() - started >= firstConnectTimeoutMs) return cause;
        return reconnectDelay(retries);
      },
    },
  }) as RedisClient;
  let reported = false;
  client.on("error", (error: unknown) => {
    // Logged once per outage; node-redis keeps retrying on its own.
    if (!reported) {
      reported = true;
      logger.warn("redis connection error", {
        role,
        error: error instanceof Error ? error.name : "error",
      });
    }
  });
  client.on("ready", () => {
    if (reported && connected) logger.info("redis connection restored", { role });
    reported = false;
    connected = true;
  });
  try {
    await withTimeout(
      client.connect(),
      firstConnectTimeoutMs,
      () => new Error("redis first connection timed out"),
    );
  } catch (error) {
    try {
      client.destroy();
    } catch { /* never opened */ }
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
  openReader: () => Promise<RedisClient>,
): RedisHandle {
  const extra = new Set<RedisClient>();
  return {
    client,
    description: describe(url),
    async duplicate() {
      const dup = await openReader();
      extra.add(dup);
      return dup;
    },
    async ping(timeoutMs) {
      await withTimeout(client.ping(), timeoutMs, () => new Error("timeout"));
    },
    isReady: () => client.isReady,
    close() {
      for (const dup of [...extra, client]) {
        try {
          dup.destroy();
        } catch { /* already closed */ }
      }
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
    () => connectClient(url, logger, "reader", firstConnectTimeoutMs),
  );
}

/** What the connections of one handle opened by {@link startRedis} share. */
interface StartState {
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
  let client: RedisClient;
  try {
    client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2000,
        reconnectStrategy: (retries: number) => reconnectDelay(retries),
      },
    }) as RedisClient;
  } catch {
    throw new RedisUrlError();
  }
  let reported = false;
  let connected = false;
  client.on("error", (error: unknown) => {
    // Once per outage, and not before the first connection: the start's warning said it.
    if (!reported && shared.everConnected) {
      logger.warn("redis connection error", {
        role,
        error: error instanceof Error ? error.name : "error",
      });
    }
    reported = true;
  });
  client.on("ready", () => {
    if (!shared.everConnected) logger.info("redis connected after the start", { role });
    else if (reported && connected) logger.info("redis connection restored", { role });
    shared.everConnected = true;
    reported = false;
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
  const handle = handleOver(client, url, async () => {
    const dup = backgroundClient(url, logger, "reader", shared);
    // While Redis answers, the reader starts connected (as with openRedis); while it does not,
    // the caller gets the connecting client at once and its commands fail fast until ready.
    if (client.isReady) await firstAttempt(dup, waitMs);
    return dup;
  });
  return { handle, connected: first.ready, error: first.error };
}
