/**
 * The request line's level (docs/operations/LOGGING.md): a health probe's 503 (not ready, asked
 * every few seconds per pod while a dependency is down) is a warning, not an error per probe;
 * probes that pass are debug; any other 5xx, also a probe's 500, stays an error.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { LIVENESS_PATHS, READINESS_PATHS } from "../health/paths.ts";
import { memoryLogger } from "../log/mod.ts";
import { createAppMetrics } from "../telemetry/app_metrics.ts";
import { requestLog } from "./middleware.ts";
import type { AppEnv } from "./types.ts";

Deno.test("request lines: a probe's 503 at warn, a passing probe at debug, other 5xx at error", async () => {
  const logger = memoryLogger();
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("logger", logger);
    await next();
  });
  app.use(requestLog({ metrics: createAppMetrics() }));
  let ready = false;
  app.get("/health/ready", (c) => c.json({}, ready ? 200 : 503));
  app.get("/health", (c) => c.json({}, 500));
  app.get("/api/thing", (c) => c.json({}, 503));
  for (const path of ["/health/ready", "/health", "/api/thing"]) {
    await (await app.request(path)).body?.cancel();
  }
  ready = true;
  await (await app.request("/health/ready")).body?.cancel();
  const lines = logger.lines.map((line) => JSON.parse(line)).map((r) =>
    `${r.level} ${r.msg} ${r.route} ${r.status}`
  );
  assert.deepEqual(lines, [
    "warn request failed /health/ready 503",
    "error request failed /health 500",
    "error request failed /api/thing 503",
    "debug request /health/ready 200",
  ]);
});

Deno.test("request lines: every probe alias is a probe (/api/health, /api/health/ready, /healthz, /readyz)", async () => {
  const logger = memoryLogger();
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("logger", logger);
    await next();
  });
  app.use(requestLog({ metrics: createAppMetrics() }));
  let ready = false;
  for (const path of READINESS_PATHS) app.get(path, (c) => c.json({}, ready ? 200 : 503));
  for (const path of LIVENESS_PATHS) app.get(path, (c) => c.json({}, 200));
  app.get("/healthy-things", (c) => c.json({}, 200));
  for (const path of READINESS_PATHS) await (await app.request(path)).body?.cancel();
  ready = true;
  for (const path of [...READINESS_PATHS, ...LIVENESS_PATHS, "/healthy-things"]) {
    await (await app.request(path)).body?.cancel();
  }
  const lines = logger.lines.map((line) => JSON.parse(line)).map((r) =>
    `${r.level} ${r.route} ${r.status}`
  );
  assert.deepEqual(lines, [
    "warn /health/ready 503",
    "warn /api/health/ready 503",
    "warn /readyz 503",
    "debug /health/ready 200",
    "debug /api/health/ready 200",
    "debug /readyz 200",
    "debug /health 200",
    "debug /api/health 200",
    "debug /healthz 200",
    "info /healthy-things 200",
  ]);
});
