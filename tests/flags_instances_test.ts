/**
 * Flags across instances and through a database outage, on the real
 * Postgres and Redis:
 * - a change made through the admin API on one instance is evaluated the new
 *   way on a second instance, driven by the bus event (the periodic refresh
 *   is 30 s, far beyond the wait here; the propagation time is measured in
 *   bench/ofrep_propagation.ts);
 * - with the database stopped (a TCP proxy in front of Postgres, closed),
 *   evaluations keep answering from the snapshot and readiness says so.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, hasRedis, TEST_DATABASE_URL } from "./helpers/env.ts";
import { eventually, twoInstances } from "./helpers/instances.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

const ofrep = (app: TestApp, key: string, token: string) =>
  app.request(`/ofrep/v1/evaluate/flags/${key}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ context: { targetingKey: "user-1" } }),
  });

Deno.test({
  name: "a flag changed through the admin API on instance A is evaluated the new way on instance B",
  ignore: !(hasPostgres() && hasRedis()),
  async fn() {
    const instances = await twoInstances("flags_events");
    const { a, b } = instances;
    try {
      const admin = await signInAs(a, "ADMIN");
      const token = await createToken(a, { scopes: ["flags:evaluate"] });
      const create = await a.request("/api/admin/feature-flags/cross.instance", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ enabled: false }),
      });
      assert.equal(create.status, 200);
      const seen = (expected: boolean) => async () => {
        const response = await ofrep(b, "cross.instance", token);
        if (response.status !== 200) {
          await response.body?.cancel();
          return false;
        }
        return (await json<{ value: boolean }>(response)).value === expected;
      };
      assert.ok(await eventually(seen(false), 30_000), "B knows the new flag");

      const flip = await a.request("/api/governance/flags/cross.instance", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ enabled: true, version: 1 }),
      });
      assert.equal(flip.status, 200);
      assert.ok(await eventually(seen(true), 30_000), "B evaluates the flag as on");
      const state = b.services.flags.get("cross.instance");
      assert.equal(state?.version, 2);
    } finally {
      await instances.close();
    }
  },
});

Deno.test({
  name:
    "database stopped: evaluations keep answering from the snapshot and readiness reports degraded",
  ignore: !hasPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const url = new URL(TEST_DATABASE_URL!);
    const proxy = tcpProxy({ hostname: url.hostname, port: Number(url.port || 5432) });
    proxy.start();
    const schema = uniqueName("t");
    const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const proxied = new URL(TEST_DATABASE_URL!);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    const db = openPostgres(proxied.toString(), { schema, max: 2, connectTimeoutSeconds: 1 });
    await migrate(db, await readMigrations(bundledMigrationsDir()));
    const clock = manualClock(Date.now());
    const app = await buildTestApp({
      testDb: { db, cleanup: () => db.close() },
      clock,
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const token = await createToken(app, { scopes: ["flags:evaluate"] });
      await app.services.flags.set("keeps.serving", { enabled: true }, {
        actor: { type: "system" },
      });
      const ready = await json<{ checks: Record<string, string> }>(
        await app.request("/health/ready"),
      );
      assert.equal(ready.checks.flags, "ok");
      const beforeOutage = await ofrep(app, "keeps.serving", token);
      assert.equal(beforeOutage.status, 200);
      await beforeOutage.body?.cancel();

      proxy.stop(); // the database is gone
      clock.advance(10_000);
      const readiness = await app.request("/health/ready");
      const report = await json<{ status: string; checks: Record<string, string> }>(readiness);
      assert.equal(report.checks.flags, "degraded");
      assert.match(report.checks.db!, /^failed/);

      // Remote clients keep being answered: their token was verified minutes ago (lib/auth
      // trusts it for a bounded time while the database cannot be asked) and the snapshot
      // holds the flags.
      const duringOutage = await ofrep(app, "keeps.serving", token);
      assert.equal(duringOutage.status, 200);
      assert.equal((await json<{ value: boolean }>(duringOutage)).value, true);
      const context = app.services.flags.contextFor({ userId: "u" });
      assert.deepEqual(
        [
          app.services.flags.evaluate("keeps.serving", context).value,
          app.services.flags.state().status,
        ],
        [true, "stale"],
      );
      assert.equal(app.services.flags.stateFor({ userId: "u" }).flags["keeps.serving"], true);

      proxy.start(); // back on the same port
      clock.advance(10_000);
      const recovered = await json<{ checks: Record<string, string> }>(
        await app.request("/health/ready"),
      );
      assert.equal(recovered.checks.flags, "ok");
      const evaluated = await ofrep(app, "keeps.serving", token);
      assert.equal(evaluated.status, 200);
      assert.equal((await json<{ value: boolean }>(evaluated)).value, true);
    } finally {
      proxy.stop();
      await app.dispose().catch(() => {});
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  },
});
