/** The readiness checks of the app's dependencies. */
import { type Db, READ_ONLY_SQL } from "../db/mod.ts";
import type { OutboundGuard } from "../net/mod.ts";
import type { RedisHandle } from "../redis/client.ts";
import type { CheckStatus, ReadinessCheck } from "./readiness.ts";

/**
 * The database answers and takes writes. A read-only one (a failover that left DATABASE_URL on a
 * replica) is `failed: read only`: the instance is not ready, since every sign-in and change
 * would be refused. One round trip (the check used to be `SELECT 1`).
 */
export function databaseCheck(db: Db): ReadinessCheck {
  return {
    name: "db",
    async run(): Promise<CheckStatus> {
      const [row] = await db.query<{ read_only: boolean }>(
        `SELECT ${READ_ONLY_SQL} AS read_only`,
      );
      return row?.read_only === false ? "ok" : "failed: read only";
    },
  };
}

/**
 * `PING` to Redis when configured, else "skipped". Not critical: Redis holds no state, and every
 * instance shares it, so a failure that took instances out of service would take them all out at
 * once. Without it an instance still serves; it hears other instances' changes by re-reading the
 * database (the mode every second, flags every 2 s) and counts rate limits locally.
 * While the connection is down the reason is that of its latest attempt (`auth failed`,
 * `connection refused`, `timeout`, …), not merely that the client is offline. A connection still
 * on its first attempt, with neither an answer nor an error yet, is `failed: timeout`: the server
 * accepted and has not answered (a stalled proxy, a port that does not speak RESP), the reason the
 * start's warning gave after waiting for it. It read `failed: connection lost` until the idle
 * bound (lib/redis/client.ts, IDLE_TIMEOUT_MS) ended that attempt with a timeout of its own.
 */
export function redisCheck(redis: RedisHandle | undefined, timeoutMs = 2000): ReadinessCheck {
  return {
    name: "redis",
    critical: false,
    async run(): Promise<CheckStatus> {
      if (!redis) return "skipped";
      if (!redis.isReady()) {
        const error = redis.lastError();
        if (error !== undefined) throw error;
        // Open (connecting) and never failed since it was created: an error or a ready connection
        // would have been recorded. A closed client falls through to the PING's own failure.
        if (redis.client.isOpen) return "failed: timeout";
      }
      await redis.ping(timeoutMs);
      return "ok";
    },
  };
}

/**
 * `GET ${WORKER_URL}/health` through the outbound guard; "skipped" without a worker,
 * "blocked" while outbound calls are blocked (the guard refuses and counts the call without
 * attempting it). Not critical: a worker that is down is reported, but it does not take this
 * instance out of service — governance, flags and the API do not need it.
 */
export function workerCheck(workerUrl: string | undefined, guard: OutboundGuard): ReadinessCheck {
  return {
    name: "worker",
    critical: false,
    async run(signal): Promise<CheckStatus> {
      if (!workerUrl) return "skipped";
      const url = new URL("health", workerUrl.endsWith("/") ? workerUrl : `${workerUrl}/`);
      const response = await guard.fetch("worker", url, { signal, timeoutMs: 2000 });
      await response.body?.cancel();
      return response.ok ? "ok" : `failed: status ${response.status}`;
    },
  };
}
