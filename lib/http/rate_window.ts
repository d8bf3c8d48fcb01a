/**
 * Fixed-window request counters for the rate limits. In memory they count for
 * one instance; through Redis every instance that shares the event stream
 * counts into the same window, so N instances behind a load balancer give a
 * client one budget, not N. When Redis cannot answer in time the count falls
 * back to this instance's memory: the limit stays in force (per instance)
 * rather than failing open or failing the request.
 */
import { createHmac } from "node:crypto";
import { deriveKey } from "../derived_key.ts";
import type { RedisHandle } from "../redis/client.ts";
import { withTimeout } from "../timeout.ts";

export interface WindowCounter {
  /**
   * Adds one to `key`'s count in the window that starts at `windowStart`
   * (epoch ms, `windowMs` long) and returns the count including this one.
   */
  increment(key: string, windowStart: number, windowMs: number): Promise<number>;
}

/** Counts in this process; a new window drops the entries of older ones. */
export function memoryWindowCounter(): WindowCounter {
  const windows = new Map<string, { start: number; count: number }>();
  let current = 0;
  return {
    increment(key, windowStart) {
      if (windowStart !== current) {
        for (const [k, entry] of windows) if (entry.start < windowStart) windows.delete(k);
        current = windowStart;
      }
      const entry = windows.get(key);
      if (entry === undefined || entry.start !== windowStart) {
        windows.set(key, { start: windowStart, count: 1 });
        return Promise.resolve(1);
      }
      return Promise.resolve(++entry.count);
    },
  };
}

/** INCR, and on the window's first hit an expiry, in one atomic round trip. */
const INCREMENT_SCRIPT =
  "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";

export interface RedisWindowCounterOptions {
  redis: RedisHandle;
  /** Key prefix shared by the instances of one deployment. */
  prefix: string;
  /** Counts while Redis cannot answer. */
  fallback: WindowCounter;
  /** How long a request waits for Redis before counting locally (default 250 ms). */
  timeoutMs?: number;
  /**
   * The deployment's secret (`ANALYTICS_IP_SALT`), the same on every instance: client keys are
   * digested under a key derived from it ({@link RATE_KEYS_LABEL}). Undefined only in
   * development: a random key of this process then.
   */
  secret: string | undefined;
}

/** The label of the key derived for rate-window digests (no other use may take it). */
export const RATE_KEYS_LABEL = "rate-limit-keys";

/**
 * Counts in Redis under `<prefix>:<windowStart>:<digest of key>`: the client
 * key (a user id or an IP address) is never stored as such, and its digest is keyed, so it
 * cannot be found by trying every address. Instances with the same secret use the same names.
 */
export function redisWindowCounter(options: RedisWindowCounterOptions): WindowCounter {
  const { redis, prefix, fallback } = options;
  const digest = keyedDigest(deriveKey(options.secret, RATE_KEYS_LABEL));
  const timeoutMs = options.timeoutMs ?? 250;
  return {
    async increment(key, windowStart, windowMs) {
      // A disconnected client fails fast anyway; skipping it saves the round of rejections.
      if (!redis.isReady()) return fallback.increment(key, windowStart, windowMs);
      const redisKey = `${prefix}:${windowStart}:${digest(key)}`;
      try {
        const reply = await withTimeout(
          redis.client.sendCommand(["EVAL", INCREMENT_SCRIPT, "1", redisKey, String(windowMs * 2)]),
          timeoutMs,
          () => new Error("rate counter timed out"),
        );
        const count = Number(reply);
        if (!Number.isInteger(count) || count < 1) throw new Error("unexpected counter reply");
        return count;
      } catch {
        return fallback.increment(key, windowStart, windowMs);
      }
    },
  };
}

/**
 * A short digest of a client key under `secret` (so no IP address sits in Redis, nor a hash of
 * one that could be reversed by trying every address): 22 base64url characters (132 bits).
 */
function keyedDigest(secret: Uint8Array): (key: string) => string {
  return (key) => createHmac("sha256", secret).update(key).digest("base64url").slice(0, 22);
}
