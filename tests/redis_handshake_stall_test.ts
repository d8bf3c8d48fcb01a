/**
 * A Redis address that accepts the TCP connection and never answers (a stalled proxy, a port of
 * something that does not speak RESP): node-redis's connect timeout covers the TCP connect only,
 * and the handshake (HELLO, SELECT, CLIENT SETINFO) has no timeout of its own. The connection's
 * idle bound (lib/redis/client.ts, IDLE_TIMEOUT_MS) abandons such a handshake and the client
 * retries on its reconnect schedule; once the address answers, the handle connects by itself.
 * The server here is real: a listener that holds connections silently, then forwards new ones to
 * the real Redis. Waits are generous "eventually" bounds; nothing asserts a duration.
 */
import assert from "node:assert/strict";
import { checkReadiness, redisCheck } from "../lib/health/mod.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { IDLE_TIMEOUT_MS, startRedis } from "../lib/redis/client.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";
import { eventually } from "./helpers/instances.ts";
import { listeningWithin, spawnApp, stop } from "./helpers/process.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ignore = !hasRedis();
/** Generous: a hang fails the test; no duration is asserted. */
const BOUND_MS = 60_000;

interface SilentThenForwarding {
  readonly port: number;
  /** Connections accepted so far (silent and forwarded). */
  readonly accepted: number;
  /** The connections accepted while silent; they stay silent after {@link forward}. */
  readonly held: Deno.Conn[];
  /** From now on, new connections are forwarded to the real Redis. */
  forward(): void;
  close(): void;
}

/** A server that accepts and never answers, until `forward()`: then it proxies new connections. */
function silentThenForwarding(target: { hostname: string; port: number }): SilentThenForwarding {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const open: Deno.Conn[] = [];
  let forwarding = false;
  let accepted = 0;
  (async () => {
    try {
      for await (const conn of listener) {
        accepted++;
        if (!forwarding) {
          held.push(conn);
          continue;
        }
        try {
          const server = await Deno.connect(target);
          open.push(conn, server);
          conn.readable.pipeTo(server.writable).catch(() => {});
          server.readable.pipeTo(conn.writable).catch(() => {});
        } catch {
          conn.close();
        }
      }
    } catch { /* closed */ }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    get accepted() {
      return accepted;
    },
    held,
    forward() {
      forwarding = true;
    },
    close() {
      for (const conn of [...held, ...open]) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      listener.close();
    },
  };
}

/** Resolves true once the peer closed `conn` (read gives end of stream or an error). */
async function closedByPeer(conn: Deno.Conn, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const read = (async () => {
    const buffer = new Uint8Array(4096);
    try {
      while ((await conn.read(buffer)) !== null) { /* the handshake the client sent */ }
    } catch { /* reset */ }
    return true;
  })();
  try {
    return await Promise.race([
      read,
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function redisTarget(): { hostname: string; port: number } {
  const url = new URL(TEST_REDIS_URL!);
  return { hostname: url.hostname, port: Number(url.port || 6379) };
}

Deno.test({
  name:
    "a Redis address that accepts and never answers: the client abandons the stalled handshake and retries, readiness reports redis failed, and once it answers the handle connects by itself",
  ignore,
  ...opts,
  async fn() {
    const server = silentThenForwarding(redisTarget());
    const logger = memoryLogger();
    const { handle, connected } = await startRedis(
      `redis://127.0.0.1:${server.port}`,
      logger,
      200,
    );
    try {
      assert.equal(connected, false);
      const reader = await handle.duplicate();
      // From the first probe, as the start's warning says: the server has not answered (it read
      // `failed: connection lost` until the idle bound ended the first attempt).
      const down = await checkReadiness([redisCheck(handle)]);
      assert.equal(down.checks.redis, "failed: timeout");

      // The first connection is given up by the client itself (the server never closes it).
      assert.ok(
        await eventually(() => server.held.length > 0, BOUND_MS),
        "the client connected",
      );
      assert.ok(
        await closedByPeer(server.held[0]!, BOUND_MS),
        "the client abandoned the connection whose handshake was never answered",
      );
      assert.ok(
        await eventually(() => server.accepted >= 3, BOUND_MS),
        "the client tried again",
      );
      assert.equal(handle.isReady(), false);
      assert.equal(
        (await checkReadiness([redisCheck(handle)])).checks.redis,
        "failed: timeout",
        "the reason says the server did not answer",
      );

      // The address starts answering: both connections come up without help.
      server.forward();
      assert.ok(await eventually(() => handle.isReady(), BOUND_MS), "the handle connected");
      assert.ok(await eventually(() => reader.isReady, BOUND_MS), "the reader connected");
      await handle.ping(2000);
      assert.deepEqual((await checkReadiness([redisCheck(handle)])).checks, { redis: "ok" });
      assert.ok(logger.lines.some((l) => JSON.parse(l).msg === "redis connected after the start"));
    } finally {
      await handle.close();
      server.close();
    }
  },
});

Deno.test({
  name:
    "the idle bound never drops a healthy connection: one idle past it, and a reader blocked on XREAD BLOCK for the longest read the app makes, stay connected",
  ignore,
  ...opts,
  async fn() {
    const server = silentThenForwarding(redisTarget());
    server.forward();
    const logger = memoryLogger();
    const { handle, connected } = await startRedis(`redis://127.0.0.1:${server.port}`, logger);
    const key = uniqueName("handshake_idle");
    try {
      assert.equal(connected, true);
      const reader = await handle.duplicate();
      assert.equal(reader.isReady, true);
      const before = server.accepted;
      // The event stream reader's blocking read (redis_bus.ts blocks 5 s), run twice back to back,
      // while the command connection has nothing to do for longer than the idle bound.
      const started = Date.now();
      while (Date.now() - started < IDLE_TIMEOUT_MS + 1000) {
        const reply = await reader.sendCommand(["XREAD", "BLOCK", "5000", "STREAMS", key, "$"]);
        assert.equal(reply, null);
      }
      await handle.ping(2000);
      assert.equal(server.accepted, before, "no connection was dropped and opened again");
      assert.deepEqual(
        logger.lines.filter((l) => JSON.parse(l).level === "warn"),
        [],
        "no connection error",
      );
    } finally {
      await handle.close();
      server.close();
    }
  },
});

Deno.test({
  name:
    "main.ts with REDIS_URL at a server that accepts and never answers: serves with one warning and redis failed, then connects by itself once the server answers",
  ignore,
  ...opts,
  async fn() {
    const server = silentThenForwarding(redisTarget());
    const dataDir = await Deno.makeTempDir();
    const app = spawnApp({
      DATA_DIR: dataDir,
      REDIS_URL: `redis://127.0.0.1:${server.port}`,
      EVENT_STREAM_KEY: uniqueName("events_handshake"),
      ADMIN_EMAIL: "ops-handshake@example.org",
      ADMIN_PASSWORD: "7qL!x9Vr#2mKp4Zw8Tn1",
    });
    try {
      const base = await listeningWithin(app, BOUND_MS);
      const warnings = app.records.filter((r) => r.level === "warn");
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.equal(warnings[0]!.reason, "timeout");
      const ready = async () => {
        const response = await fetch(`${base}/health/ready`);
        return ((await response.json()) as { checks: Record<string, string> }).checks.redis;
      };
      // The start's reason from the first probe on, before and after the idle bound ended the
      // first attempt (it read `failed: connection lost` until then).
      assert.equal(await ready(), "failed: timeout");
      // Held past the idle bound: the instance gave that connection up by itself.
      assert.ok(
        await closedByPeer(server.held[0]!, BOUND_MS),
        "the instance abandoned the unanswered handshake",
      );
      assert.equal(await ready(), "failed: timeout");

      server.forward();
      assert.ok(
        await eventually(async () => (await ready()) === "ok", BOUND_MS),
        "readiness reports redis ok once the server answers",
      );
      assert.ok(app.records.some((r) => r.msg === "redis connected after the start"));
    } finally {
      await stop(app);
      server.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
