/**
 * Fail closed when an instance may have missed "credentials ended" messages: two instances on the
 * real Postgres and Redis, B's Redis and database each behind a TCP proxy. While B cannot hear the
 * others it serves nothing from memory; once it is back after an outage it has forgotten every
 * credential it verified before, so only those verified again since are served during a later
 * database outage.
 */
import assert from "node:assert/strict";
import type { RedisBus } from "../lib/realtime/redis_bus.ts";
import type { TestApp } from "./helpers/app.ts";
import { type Session, sessionStatus, signInAs } from "./helpers/auth.ts";
import { type SplitCluster, withSplitCluster } from "./helpers/auth_invalidation_cluster.ts";
import { hasPostgres, hasRedis } from "./helpers/env.ts";
import { until } from "./helpers/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const enabled = hasPostgres() && hasRedis();
const CLEARED = "credential changes on other instances may have been missed; memory cleared";

async function deactivate(app: TestApp, admin: Session, userId: string): Promise<void> {
  const response = await app.request(`/api/admin/users/${userId}`, {
    method: "PATCH",
    headers: admin.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ active: false }),
  });
  assert.equal(response.status, 200);
  await response.body?.cancel();
}

/** The `reason` of each line B logged when it cleared its memory. */
function clearReasons(app: TestApp): unknown[] {
  return app.logs.filter((line) => line.includes(CLEARED)).map((line) => JSON.parse(line).reason);
}

const withCluster = (fn: (cluster: SplitCluster, busB: RedisBus) => Promise<void>) =>
  withSplitCluster("postgres", {}, (cluster) => fn(cluster, cluster.b.services.bus as RedisBus));

Deno.test({
  name:
    "while B cannot reach Redis, a database outage finds nothing served from B's memory (a user deactivated on A meanwhile is refused)",
  ignore: !enabled,
  ...opts,
  async fn() {
    await withCluster(async (cluster, busB) => {
      const { a, b } = cluster;
      const admin = await signInAs(a, "ADMIN");
      const target = await signInAs(a, "STEWARD");
      const bystander = await signInAs(a, "STEWARD");
      assert.equal(await sessionStatus(b, target.cookie), 200);
      assert.equal(await sessionStatus(b, bystander.cookie), 200);

      cluster.redisProxyB.stop();
      await until(() => busB.readerState() === "reconnecting", "B's reader to lose Redis");
      await deactivate(a, admin, target.user.id); // B cannot hear of it
      cluster.cutDbOfB();

      assert.equal(await sessionStatus(b, target.cookie), 503, "the deactivated user is refused");
      assert.equal(
        await sessionStatus(b, bystander.cookie),
        503,
        "nothing is served from memory while B cannot hear the others",
      );
      assert.deepEqual(clearReasons(b), ["redis_lost"]);
    });
  },
});

Deno.test({
  name:
    "B back from a Redis outage in which A's message was lost has forgotten every credential verified before it is back",
  ignore: !enabled,
  ...opts,
  async fn() {
    await withCluster(async (cluster, busB) => {
      const { a, b } = cluster;
      const admin = await signInAs(a, "ADMIN");
      const target = await signInAs(a, "STEWARD");
      const reverified = await signInAs(a, "STEWARD");
      const notReverified = await signInAs(a, "STEWARD");
      assert.equal(await sessionStatus(b, notReverified.cookie), 200);

      cluster.redisProxyB.stop();
      await until(() => busB.readerState() === "reconnecting", "B's reader to lose Redis");
      // Verified (and remembered) while B cannot hear the others, then deactivated on A.
      assert.equal(await sessionStatus(b, target.cookie), 200);
      await deactivate(a, admin, target.user.id);
      // The stream loses the message before B reads it (as trimming past an unread entry does).
      await cluster.redisA.client.sendCommand(["XTRIM", cluster.streamKey, "MAXLEN", "0"]);
      cluster.redisProxyB.start();
      await until(() => busB.readerState() === "ok", "B's reader to be back");
      await cluster.bHasReadUpToNow();
      // Verified again after the outage: B may use it during the next database outage.
      assert.equal(await sessionStatus(b, reverified.cookie), 200);
      cluster.cutDbOfB();

      assert.equal(await sessionStatus(b, target.cookie), 503, "the deactivated user is refused");
      assert.equal(
        await sessionStatus(b, notReverified.cookie),
        503,
        "not verified since the outage: refused too (the price of failing closed)",
      );
      assert.equal(await sessionStatus(b, reverified.cookie), 200, "verified since: served");
      // Back, B also finds the stream trimmed past where it had read (fell_behind), before it
      // reads on: that clear comes before the re-verification too.
      assert.deepEqual(clearReasons(b), ["redis_lost", "redis_restored", "fell_behind"]);
    });
  },
});
