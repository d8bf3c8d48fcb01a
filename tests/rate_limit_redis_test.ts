/**
 * The request rate limit across two instances on real Redis and Postgres: one
 * budget per client for the whole deployment, and a limit that still holds
 * (per instance) while Redis is down.
 */
import assert from "node:assert/strict";
import type { TestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { hasPostgres, hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";
import { privateRedis, redisServerBinary } from "./helpers/redis_server.ts";
import { startCluster } from "./realtime_cluster.ts";

const enabled = hasRedis() && hasPostgres();
const opts = { sanitizeOps: false, sanitizeResources: false };

/** Waits out the end of a minute, so that a test's requests fall in one rate window. */
async function awayFromWindowEdge(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

async function status(app: TestApp, headers: Record<string, string>): Promise<number> {
  const response = await app.request("/api/auth/session", { headers });
  await response.body?.cancel();
  return response.status;
}

Deno.test({
  name: "redis: two instances share one request budget per client",
  ignore: !enabled,
  ...opts,
  async fn() {
    const cluster = await startCluster(TEST_REDIS_URL!, { RATE_LIMIT_PER_MIN: "6" });
    try {
      const { a, b } = cluster;
      const researcher = await signInAs(a, "RESEARCHER");
      const steward = await signInAs(b, "STEWARD");
      await awayFromWindowEdge();
      // Six requests, alternating instances: each instance alone has seen three.
      const seen = [];
      for (let i = 0; i < 6; i++) seen.push(await status(i % 2 ? b : a, researcher.headers()));
      assert.deepEqual(seen, [200, 200, 200, 200, 200, 200]);
      const limited = await b.request("/api/auth/session", { headers: researcher.headers() });
      assert.equal(limited.status, 429);
      assert.equal((await limited.json()).code, "RATE_LIMITED");
      assert.ok(Number(limited.headers.get("retry-after")) >= 1);
      assert.equal(await status(a, researcher.headers()), 429, "the other instance agrees");
      // The budget is per client: another user is not affected.
      assert.equal(await status(a, steward.headers()), 200);
      // No client key is stored as such: the Redis keys hold a digest, never the user id.
      const keys = await cluster.redisA.client.sendCommand<string[]>([
        "KEYS",
        `${cluster.streamKey}:rate:*`,
      ]);
      assert.ok(keys.length >= 2);
      for (const key of keys) {
        assert.ok(!key.includes(researcher.user.id) && !key.includes(steward.user.id));
      }
    } finally {
      await cluster.close();
    }
  },
});

Deno.test({
  name: "redis: with Redis down the limit still holds per instance and no request fails",
  ignore: !enabled || !redisServerBinary(),
  ...opts,
  async fn() {
    const server = privateRedis();
    await server.start();
    const cluster = await startCluster(server.url, { RATE_LIMIT_PER_MIN: "3" });
    try {
      const { a, b } = cluster;
      const user = await signInAs(a, "RESEARCHER");
      await server.stop();
      await awayFromWindowEdge();
      const onA = [];
      for (let i = 0; i < 4; i++) onA.push(await status(a, user.headers()));
      assert.deepEqual(onA, [200, 200, 200, 429]);
      // B counts on its own meanwhile.
      assert.equal(await status(b, user.headers()), 200);
    } finally {
      await cluster.close();
      await server.stop();
    }
  },
});
