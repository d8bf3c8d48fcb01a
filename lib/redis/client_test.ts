/**
 * startRedis's lines (docs/operations/TROUBLESHOOTING.md): "redis connected after the start" only
 * after a start that went on without Redis, never on a normal start.
 */
import assert from "node:assert/strict";
import { hasRedis, TEST_REDIS_URL } from "../../tests/helpers/env.ts";
import { eventually } from "../../tests/helpers/instances.ts";
import { privateRedis, redisServerBinary } from "../../tests/helpers/redis_server.ts";
import { memoryLogger } from "../log/mod.ts";
import { openRedis, startRedis } from "./client.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const AFTER_THE_START = "redis connected after the start";

function messages(lines: string[]): string[] {
  return lines.map((line) => String(JSON.parse(line).msg));
}

Deno.test({
  name: "[redis] a start with Redis up: no 'redis connected after the start', reader included",
  ignore: !hasRedis(),
  ...opts,
  async fn() {
    const logger = memoryLogger();
    const started = await startRedis(TEST_REDIS_URL!, logger);
    try {
      assert.equal(started.connected, true);
      const reader = await started.handle.duplicate();
      assert.ok(reader.isReady);
      assert.ok(!messages(logger.lines).includes(AFTER_THE_START), logger.lines.join("\n"));
    } finally {
      await started.handle.close();
    }
  },
});

Deno.test({
  name:
    "[redis] a start without Redis, which comes up later: 'redis connected after the start' once",
  ignore: redisServerBinary() === undefined,
  ...opts,
  async fn() {
    const server = privateRedis();
    const logger = memoryLogger();
    const started = await startRedis(server.url, logger, 1000);
    try {
      assert.equal(started.connected, false);
      await server.start();
      assert.ok(
        await eventually(() => messages(logger.lines).includes(AFTER_THE_START), 30_000),
        logger.lines.join("\n"),
      );
      assert.equal(messages(logger.lines).filter((m) => m === AFTER_THE_START).length, 1);
    } finally {
      await started.handle.close();
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "[redis] close() right after a reconnect began leaves no connection open (the connect under way is closed when it completes)",
  ignore: !hasRedis(),
  ...opts,
  async fn() {
    const logger = memoryLogger();
    const handle = await openRedis(TEST_REDIS_URL!, logger);
    assert.ok(handle.reconnect(31_000, "test"), "a ready connection reconnects");
    await handle.close();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(handle.client.isReady, false, "not ready, not pinging");
    assert.equal(handle.client.isOpen, false);
    // The reconnect's own rejections are not logged as a connection error.
    assert.deepEqual(
      logger.lines.map((line) => JSON.parse(line)).filter((e) =>
        e.msg === "redis connection error"
      ),
      [],
    );
  },
});
