/**
 * Redis connections. Commands fail fast while disconnected (no offline queue),
 * so a readiness probe or a publish never hangs on a lost server; the client
 * reconnects by itself with capped exponential backoff. Only the first
 * connection is bounded: it gives up after {@link FIRST_CONNECT_TIMEOUT_MS}.
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

/** Connects to Redis; rejects if the first connection fails or takes over `firstConnectTimeoutMs`. */
export async function openRedis(
  url: string,
  logger: Logger,
  firstConnectTimeoutMs = FIRST_CONNECT_TIMEOUT_MS,
): Promise<RedisHandle> {
  const client = await connectClient(url, logger, "command", firstConnectTimeoutMs);
  const extra = new Set<RedisClient>();
  return {
    client,
    description: describe(url),
    async duplicate() {
      const dup = await connectClient(url, logger, "reader", firstConnectTimeoutMs);
      extra.add(dup);
      return dup;
    },
    async ping(timeoutMs) {
      await withTimeout(client.ping(), timeoutMs, () => new Error("timeout"));
    },
    isReady: () => client.isReady,
    close() {
      for (const dup of extra) {
        try {
          dup.destroy();
        } catch { /* already closed */ }
      }
      try {
        client.destroy();
      } catch { /* already closed */ }
      return Promise.resolve();
    },
  };
}
