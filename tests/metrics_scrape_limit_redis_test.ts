/**
 * The budget of refused `/metrics` scrapes across two instances on real Redis
 * and Postgres: guesses spread over instances draw on one budget.
 */
import assert from "node:assert/strict";
import { METRICS_REFUSALS_PER_MINUTE } from "../lib/auth/middleware.ts";
import type { TestApp } from "./helpers/app.ts";
import { hasPostgres, hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";
import { startCluster } from "./realtime_cluster.ts";

const enabled = hasRedis() && hasPostgres();
const opts = { sanitizeOps: false, sanitizeResources: false };
const TOKEN = "metrics-scrape-secret-0123456789-abcdef";

/** Waits out the end of a minute, so that a test's requests fall in one rate window. */
async function awayFromWindowEdge(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

async function scrapeStatus(app: TestApp, ip: string, bearer: string): Promise<number> {
  const response = await app.app.request("/metrics", {
    headers: { authorization: `Bearer ${bearer}` },
  }, { remoteAddr: { hostname: ip, port: 40000, transport: "tcp" } });
  await response.body?.cancel();
  return response.status;
}

Deno.test({
  name: "redis: refused scrapes alternating between two instances share one budget per client",
  ignore: !enabled,
  ...opts,
  async fn() {
    const cluster = await startCluster(TEST_REDIS_URL!, { METRICS_TOKEN: TOKEN });
    try {
      const { a, b } = cluster;
      await awayFromWindowEdge();
      // Half the budget on each instance: neither has reached it alone.
      for (let i = 0; i < METRICS_REFUSALS_PER_MINUTE; i++) {
        assert.equal(await scrapeStatus(i % 2 ? b : a, "198.51.100.7", `guess-${i}`), 403);
      }
      // b took the last refusal and read the shared count: closed, even to the right token.
      assert.equal(await scrapeStatus(b, "198.51.100.7", TOKEN), 429);
      // a learns the count at its next refusal: at most one more guess there.
      const next = await scrapeStatus(a, "198.51.100.7", "one-more-guess");
      assert.ok(next === 403 || next === 429, String(next));
      assert.equal(await scrapeStatus(a, "198.51.100.7", TOKEN), 429);
      // Another client scrapes on either instance.
      assert.equal(await scrapeStatus(a, "198.51.100.8", TOKEN), 200);
      assert.equal(await scrapeStatus(b, "198.51.100.8", TOKEN), 200);
    } finally {
      await cluster.close();
    }
  },
});
