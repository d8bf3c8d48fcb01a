/**
 * Open event streams fail closed where their instance may not hear of credentials ended
 * elsewhere: two instances on the real Postgres and Redis, B's Redis and database each behind a
 * TCP proxy, streams open on B re-checking their credential every second. A stream whose
 * re-check cannot tell (B's database is down) is kept only while B hears the others and has
 * confirmed the credential since it last may have missed news; otherwise it ends, and its client
 * reconnects and is authenticated afresh.
 */
import assert from "node:assert/strict";
import type { RedisBus } from "../lib/realtime/redis_bus.ts";
import type { TestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { type SplitCluster, withSplitCluster } from "./helpers/auth_invalidation_cluster.ts";
import { hasPostgres, hasRedis } from "./helpers/env.ts";
import { until } from "./helpers/wait.ts";
import { readSse, type SseReader } from "./realtime_sse_reader.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const enabled = hasPostgres() && hasRedis();
/** Long enough for at least two re-checks (one per second). */
const TWO_RECHECKS_MS = 2_500;

const withCluster = (fn: (cluster: SplitCluster, busB: RedisBus) => Promise<void>) =>
  withSplitCluster(
    "postgres",
    { SSE_REVALIDATE_SECONDS: "1" },
    (cluster) => fn(cluster, cluster.b.services.bus as RedisBus),
  );

async function openStream(app: TestApp, headers: Record<string, string>): Promise<SseReader> {
  const response = await app.request("/api/stream?topic=all", { headers });
  assert.equal(response.status, 200);
  const sse = readSse(response);
  await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
  return sse;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function assertEnd(streams: SseReader[], what: string): Promise<void> {
  for (const sse of streams) {
    await sse.until(() => sse.ended(), what, 5_000).catch(() => {});
    assert.equal(sse.ended(), true, what);
  }
}

Deno.test({
  name:
    "B cut off from Redis keeps its streams while its database confirms them, and ends them at the next re-check that cannot (a user deactivated on A meanwhile included)",
  ignore: !enabled,
  ...opts,
  async fn() {
    await withCluster(async (cluster, busB) => {
      const { a, b } = cluster;
      const admin = await signInAs(a, "ADMIN");
      const target = await signInAs(a, "STEWARD");
      const bystander = await signInAs(a, "STEWARD");
      const streams = [
        await openStream(b, target.headers()),
        await openStream(b, bystander.headers()),
      ];

      cluster.redisProxyB.stop();
      await until(() => busB.readerState() === "reconnecting", "B's reader to lose Redis");
      await pause(TWO_RECHECKS_MS);
      assert.deepEqual(streams.map((s) => s.ended()), [false, false], "the database confirms");

      // B cannot hear of this deactivation, then loses its database.
      const response = await a.request(`/api/admin/users/${target.user.id}`, {
        method: "PATCH",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ active: false }),
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();
      cluster.cutDbOfB();

      await assertEnd(streams, "B's streams end: nothing can vouch for their credentials");
      for (const sse of streams) await sse.close();
    });
  },
});

Deno.test({
  name:
    "B's streams confirmed before its database outage stay open through it, until B may have missed news (a Redis outage): then the next re-check ends them",
  ignore: !enabled,
  ...opts,
  async fn() {
    await withCluster(async (cluster, busB) => {
      const { a, b } = cluster;
      const user = await signInAs(a, "RESEARCHER");
      const token = await a.services.auth.createToken(
        { name: "listener", scopes: ["events:read"] },
        { type: "system" },
      );
      const streams = [
        await openStream(b, user.headers()),
        await openStream(b, { authorization: `Bearer ${token.secret}` }),
      ];
      await pause(TWO_RECHECKS_MS); // confirmed by re-checks while the database answers
      cluster.cutDbOfB();
      await pause(TWO_RECHECKS_MS);
      assert.deepEqual(streams.map((s) => s.ended()), [false, false], "kept during the outage");
      await cluster.bHasReadUpToNow();
      for (const sse of streams) {
        await sse.until((m) => m.some((x) => x.data.includes("marker-1")), "an event meanwhile");
      }

      cluster.redisProxyB.stop();
      await until(() => busB.readerState() === "reconnecting", "B's reader to lose Redis");
      cluster.redisProxyB.start();
      await until(() => busB.readerState() === "ok", "B's reader to be back");

      await assertEnd(streams, "B's streams end once B may have missed news");
      for (const sse of streams) await sse.close();
    });
  },
});
