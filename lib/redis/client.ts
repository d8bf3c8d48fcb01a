/**
 * Redis connections. Commands fail fast while disconnected (no offline queue),
 * so a readiness probe or a publish never hangs on a lost server; the client
 * reconnects by itself with capped exponential backoff.
 */
import { createClient, type RedisClientType } from "redis";
import type { Logger } from "../log/mod.ts";
import { withTimeout } from "../timeout.ts";

export type RedisClient = RedisClientType;

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

async function connectClient(url: string, logger: Logger, role: string): Promise<RedisClient> {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => reconnectDelay(retries),
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
    if (reported) logger.info("redis connection restored", { role });
    reported = false;
  });
  await client.connect();
  return client;
}

/** Connects to Redis; rejects if the first connection fails. */
export async function openRedis(url: string, logger: Logger): Promise<RedisHandle> {
  const client = await connectClient(url, logger, "command");
  const extra = new Set<RedisClient>();
  return {
    client,
    description: describe(url),
    async duplicate() {
      const dup = await connectClient(url, logger, "reader");
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
