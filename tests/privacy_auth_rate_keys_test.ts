/**
 * The rate windows in Redis name their client by a keyed digest: an HMAC under a key derived from
 * the deployment's secret (ANALYTICS_IP_SALT, label "rate-limit-keys"), not a plain SHA-256 of
 * `requests:ip:<address>` that anyone reading Redis could reverse by trying every IPv4 address.
 * Instances built from the same configuration name a client alike (so they share its budget); a
 * deployment with another secret does not. Real Redis.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { testConfig } from "../lib/config.ts";
import { memoryWindowCounter, redisWindowCounter } from "../lib/http/rate_window.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { openRedis } from "../lib/redis/client.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";

const SALT = "privacy-auth-rate-keys-0123456789";
const CLIENT = "requests:ip:198.51.100.23";
const unkeyed = (key: string) => createHash("sha256").update(key).digest("base64url").slice(0, 22);

Deno.test({
  name:
    "redis: two rate windows built from the same config share a keyed digest; another secret does not",
  ignore: !hasRedis(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await openRedis(TEST_REDIS_URL!, memoryLogger());
    const prefix = uniqueName("rate_keys");
    try {
      const config = testConfig({ ANALYTICS_IP_SALT: SALT });
      const counter = () =>
        redisWindowCounter({
          redis,
          prefix,
          fallback: memoryWindowCounter(),
          secret: config.analytics.ipSalt,
        });
      const [a, b] = [counter(), counter()];
      const window = 60_000 * 1_000;
      assert.equal(await a.increment(CLIENT, window, 60_000), 1);
      assert.equal(await b.increment(CLIENT, window, 60_000), 2, "one budget for both");
      const keys = await redis.client.sendCommand<string[]>(["KEYS", `${prefix}:*`]);
      assert.equal(keys.length, 1);
      const digest = keys[0]!.slice(`${prefix}:${window}:`.length);
      assert.match(digest, /^[A-Za-z0-9_-]{22}$/);
      assert.notEqual(digest, unkeyed(CLIENT), "not the unkeyed SHA-256");
      assert.ok(!keys[0]!.includes("198.51.100.23"));

      // Another deployment secret: another digest, another count.
      const other = redisWindowCounter({
        redis,
        prefix,
        fallback: memoryWindowCounter(),
        secret: "another-deployment-secret-0123",
      });
      assert.equal(await other.increment(CLIENT, window, 60_000), 1);
      assert.equal(
        (await redis.client.sendCommand<string[]>(["KEYS", `${prefix}:*`])).length,
        2,
      );
    } finally {
      const keys = await redis.client.sendCommand<string[]>(["KEYS", `${prefix}:*`]);
      if (keys.length > 0) await redis.client.sendCommand(["DEL", ...keys]);
      await redis.close();
    }
  },
});

Deno.test({
  name: "redis: without ANALYTICS_IP_SALT (development) the windows of one process still agree",
  ignore: !hasRedis(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await openRedis(TEST_REDIS_URL!, memoryLogger());
    const prefix = uniqueName("rate_keys");
    try {
      const counter = () =>
        redisWindowCounter({ redis, prefix, fallback: memoryWindowCounter(), secret: undefined });
      const window = 60_000 * 1_001;
      assert.equal(await counter().increment(CLIENT, window, 60_000), 1);
      assert.equal(await counter().increment(CLIENT, window, 60_000), 2);
      const keys = await redis.client.sendCommand<string[]>(["KEYS", `${prefix}:*`]);
      assert.equal(keys.length, 1);
      assert.notEqual(keys[0]!.slice(`${prefix}:${window}:`.length), unkeyed(CLIENT));
    } finally {
      const keys = await redis.client.sendCommand<string[]>(["KEYS", `${prefix}:*`]);
      if (keys.length > 0) await redis.client.sendCommand(["DEL", ...keys]);
      await redis.close();
    }
  },
});
