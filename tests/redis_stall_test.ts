/**
 * Redis connections against a server that is slow but alive, and on a normal close.
 *
 * - A server stall shorter than the connections' idle bound (lib/redis/client.ts,
 *   IDLE_TIMEOUT_MS) is waited out: `DEBUG SLEEP 15` (a slow command, a fork, a FAILOVER's pause
 *   are alike) while two bus instances read and one publishes: no connection is dropped, the
 *   readers never leave `ok`, and the stream gets exactly one entry for the publish (a dropped
 *   command connection would have appended it again from the outbox).
 * - Closing the bus and its handle logs no connection error: a PING queued behind the reader's
 *   `XREAD BLOCK` is rejected by the close, which is not an outage.
 *
 * A private redis-server (DEBUG needs `--enable-debug-command`), on a free loopback port.
 * Waits are generous "eventually" bounds; nothing asserts a duration.
 */
import assert from "node:assert/strict";
import { createClient } from "redis";
import { systemClock } from "../lib/clock.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { createRedisBus } from "../lib/realtime/redis_bus.ts";
import type { AppEvent } from "../lib/realtime/types.ts";
import { IDLE_TIMEOUT_MS, startRedis } from "../lib/redis/client.ts";
import { uniqueName } from "./helpers/db.ts";
import { redisServerBinary } from "./helpers/redis_server.ts";
import { until } from "./helpers/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const binary = redisServerBinary();
const ignore = binary === undefined;

/** Seconds the server stalls: a realistic stall, well within the idle bound. */
const STALL_SECONDS = 15;

interface DebugRedis {
  url: string;
  stop(): Promise<void>;
}

/** A private redis-server that accepts DEBUG, on a free loopback port. */
async function debugRedis(): Promise<DebugRedis> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const child = new Deno.Command(binary!, {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--enable-debug-command",
      "yes",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        await child.status;
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGKILL");
      await child.status;
    },
  };
}

const warnings = (lines: string[]) => lines.filter((line) => JSON.parse(line).level === "warn");

Deno.test({
  name:
    "a server stall shorter than the idle bound (DEBUG SLEEP 15) is waited out: no connection dropped, the readers stay ok, the publish lands once and is delivered once",
  ignore,
  ...opts,
  async fn() {
    assert.ok(STALL_SECONDS * 1000 < IDLE_TIMEOUT_MS);
    const server = await debugRedis();
    const key = uniqueName("stall_events");
    const logger = memoryLogger();
    const a = (await startRedis(server.url, logger)).handle;
    const b = (await startRedis(server.url, logger)).handle;
    const admin = createClient({ url: server.url });
    try {
      const busA = await createRedisBus({
        redis: a,
        streamKey: key,
        clock: systemClock,
        logger,
        historySize: 100,
        instanceId: "A",
        deploymentId: "stall-deployment",
      });
      const busB = await createRedisBus({
        redis: b,
        streamKey: key,
        clock: systemClock,
        logger,
        historySize: 100,
        instanceId: "B",
        deploymentId: "stall-deployment",
      });
      const got: AppEvent[] = [];
      busB.subscribe("all", (event) => got.push(event));
      const states: string[] = [];
      const watch = setInterval(() => states.push(busA.readerState(), busB.readerState()), 100);
      await admin.connect();
      // Let the connections settle into their PINGs and blocking reads first.
      await new Promise((resolve) => setTimeout(resolve, 3000));

      const sleeping = admin.sendCommand(["DEBUG", "SLEEP", String(STALL_SECONDS)]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const published = busA.publish({
        type: "job.progress",
        topic: "jobs",
        payload: { jobId: "stalled", progress: 1 },
      });
      await sleeping;
      await published;
      await until(() => got.length >= 1, "the event to reach the other instance", 20_000);
      // A reader dropped by the stall would reconnect within a few seconds: give it the time.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      clearInterval(watch);

      assert.deepEqual(warnings(logger.lines), [], "no connection was dropped");
      assert.deepEqual([...new Set(states)], ["ok"], "the readers never left ok");
      const entries = await admin.sendCommand<unknown[]>(["XRANGE", key, "-", "+"]);
      assert.equal(entries.length, 1, "one stream entry for one publish");
      assert.deepEqual(got.map((event) => event.payload.jobId), ["stalled"]);
      assert.equal(busA.outboxLength(), 0);
      await busA.close();
      await busB.close();
    } finally {
      await a.close();
      await b.close();
      try {
        admin.destroy();
      } catch { /* not connected */ }
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "closing the bus and its handle logs no connection error, though a PING waits behind the reader's blocking read",
  ignore,
  ...opts,
  async fn() {
    const server = await debugRedis();
    try {
      // Three rounds: each closes with PINGs pending on the reader (and maybe the command
      // connection) behind a blocking read far longer than the wait.
      for (let round = 0; round < 3; round++) {
        const logger = memoryLogger();
        const { handle, connected } = await startRedis(server.url, logger);
        assert.equal(connected, true);
        const bus = await createRedisBus({
          redis: handle,
          streamKey: uniqueName("close_events"),
          clock: systemClock,
          logger,
          historySize: 10,
          blockMs: 20_000,
        });
        await new Promise((resolve) => setTimeout(resolve, 3000));
        await bus.close();
        await handle.close();
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.deepEqual(warnings(logger.lines), [], `round ${round}: no warning on close`);
      }
    } finally {
      await server.stop();
    }
  },
});
