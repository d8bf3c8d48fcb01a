/**
 * A wrong Redis password (WRONGPASS) or none where one is required (NOAUTH) is told apart from an
 * outage: the start's warning, the connection warnings and readiness say `auth failed`, never the
 * URL, user or password. The instance still starts and serves (as through an outage: during a
 * password rotation the server and the instances do not change at the same moment), and it keeps
 * retrying, so it connects by itself once the server accepts its password.
 * Runs against a private password-protected redis-server on a random port (the shared Redis has
 * no password: its default user accepts any password in `HELLO 3 AUTH default <password>`).
 */
import assert from "node:assert/strict";
import { checkReadiness, failureReason, redisCheck } from "../lib/health/mod.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { openRedis, startRedis } from "../lib/redis/client.ts";
import { uniqueName } from "./helpers/db.ts";
import { eventually } from "./helpers/instances.ts";
import { listeningWithin, spawnApp, stop } from "./helpers/process.ts";
import { redisServerBinary } from "./helpers/redis_server.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ignore = redisServerBinary() === undefined;
/** Generous: a hang fails the test; no duration is asserted. */
const BOUND_MS = 60_000;
const USER = "default";
const RIGHT = `right-${crypto.randomUUID()}`;
const WRONG = `wrong-${crypto.randomUUID()}`;

function portIsFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** A private redis-server that requires `password`, on a random free port in 18000-18799. */
async function passwordRedis(password: string): Promise<{ port: number; stop(): Promise<void> }> {
  let port = 0;
  for (let i = 0; i < 50 && port === 0; i++) {
    const candidate = 18000 + Math.floor(Math.random() * 800);
    if (portIsFree(candidate)) port = candidate;
  }
  assert.ok(port > 0, "a free port");
  const child = new Deno.Command(redisServerBinary()!, {
    args: [
      ...["--port", String(port), "--bind", "127.0.0.1", "--requirepass", password],
      ...["--save", "", "--appendonly", "no"],
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const up = await eventually(async () => {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return true;
    } catch {
      return false;
    }
  }, 30_000);
  assert.ok(up, "redis-server listens");
  return {
    port,
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
    },
  };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function assertNoSecrets(text: string) {
  assert.ok(!text.includes(WRONG), "the wrong password is never shown");
  assert.ok(!text.includes(RIGHT), "the right password is never shown");
  assert.ok(!text.includes(`${USER}:`), "the URL's user part is never shown");
  assert.ok(!text.includes("redis://"), "the URL is never shown");
}

Deno.test({
  name:
    "a wrong Redis password is told apart from an outage: the start's reason and readiness say auth failed (a closed port says connection refused), and once the server accepts the password the handle connects by itself",
  ignore,
  ...opts,
  async fn() {
    const server = await passwordRedis(RIGHT);
    const logger = memoryLogger();
    const cleanups: Array<() => Promise<void>> = [() => server.stop()];
    try {
      // Wrong password (WRONGPASS) and no password (NOAUTH): auth failed.
      const refused = {
        "wrong password": `redis://${USER}:${WRONG}@127.0.0.1:${server.port}`,
        "no password": `redis://127.0.0.1:${server.port}`,
      };
      for (const [label, url] of Object.entries(refused)) {
        const started = await startRedis(url, logger, 2000);
        cleanups.push(() => started.handle.close());
        assert.equal(started.connected, false, label);
        assert.equal(failureReason(started.error), "failed: auth failed", label);
        assert.equal(
          (await checkReadiness([redisCheck(started.handle)])).checks.redis,
          "failed: auth failed",
          label,
        );
      }
      // An outage reads differently.
      const down = await startRedis(
        `redis://${USER}:${WRONG}@127.0.0.1:${freePort()}`,
        logger,
        2000,
      );
      cleanups.push(() => down.handle.close());
      assert.equal(failureReason(down.error), "failed: connection refused");
      assert.equal(
        (await checkReadiness([redisCheck(down.handle)])).checks.redis,
        "failed: connection refused",
      );

      // The server's password changes to the one the instance has (a rotation done server side
      // last): the instance's connections come up by themselves.
      const { handle } = await startRedis(
        `redis://${USER}:${WRONG}@127.0.0.1:${server.port}`,
        logger,
        2000,
      );
      cleanups.push(() => handle.close());
      const reader = await handle.duplicate();
      const admin = await openRedis(
        `redis://${USER}:${RIGHT}@127.0.0.1:${server.port}`,
        memoryLogger(),
      );
      cleanups.push(() => admin.close());
      await admin.client.sendCommand(["CONFIG", "SET", "requirepass", WRONG]);
      assert.ok(await eventually(() => handle.isReady() && reader.isReady, BOUND_MS), "connected");
      assert.deepEqual((await checkReadiness([redisCheck(handle)])).checks, { redis: "ok" });

      // Rotated again under the running instance and its connections cut: the warning says why.
      await admin.client.sendCommand(["CONFIG", "SET", "requirepass", RIGHT]);
      await admin.client.sendCommand(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
      assert.ok(
        await eventually(
          async () =>
            (await checkReadiness([redisCheck(handle)])).checks.redis === "failed: auth failed",
          BOUND_MS,
        ),
        "readiness says auth failed",
      );
      assert.ok(
        await eventually(
          () =>
            logger.lines.map((l) => JSON.parse(l)).some((r) =>
              r.msg === "redis connection error" && r.reason === "auth failed"
            ),
          BOUND_MS,
        ),
        "the connection warning says auth failed",
      );
      assertNoSecrets(logger.lines.join("\n"));
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    }
  },
});

Deno.test({
  name:
    "main.ts with a wrong Redis password: starts and serves with one warning whose reason is auth failed; readiness and metrics report redis failed; no URL, user or password in the output",
  ignore,
  ...opts,
  async fn() {
    const server = await passwordRedis(RIGHT);
    const dataDir = await Deno.makeTempDir();
    const app = spawnApp({
      DATA_DIR: dataDir,
      REDIS_URL: `redis://${USER}:${WRONG}@127.0.0.1:${server.port}`,
      EVENT_STREAM_KEY: uniqueName("events_auth"),
      ADMIN_EMAIL: "ops-redis-auth@example.org",
      ADMIN_PASSWORD: "7qL!x9Vr#2mKp4Zw8Tn1",
      METRICS_ALLOW_IPS: "127.0.0.1",
    });
    try {
      const base = await listeningWithin(app, BOUND_MS);
      const warnings = app.records.filter((r) => r.level === "warn");
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.equal(warnings[0]!.reason, "auth failed");
      assert.match(String(warnings[0]!.redis), /^127\.0\.0\.1:\d+$/);

      const response = await fetch(`${base}/health/ready`);
      assert.equal(response.status, 200, "the database decides readiness");
      const body = await response.json() as { checks: Record<string, string> };
      assert.equal(body.checks.redis, "failed: auth failed");
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(
        metrics,
        /readiness_checks_total\{[^}]*check="redis"[^}]*result="failed"[^}]*\} [1-9]/,
      );
      assert.match(
        metrics,
        /readiness_checks_total\{[^}]*check="redis"[^}]*reason="auth_failed"[^}]*\} [1-9]/,
        "the reason tells a refused password from an outage",
      );
      assertNoSecrets(JSON.stringify([app.records, app.stderr]));
    } finally {
      await stop(app);
      await server.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
