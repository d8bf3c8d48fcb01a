/**
 * The server side of bench/sse_fanout.ts: one app instance (PGlite, in-process
 * bus, or Redis with REDIS_URL) on a loopback port, a signed-in user, and a
 * control port the harness uses to publish an event and read memory.
 * Started by the harness; prints one JSON line `{ port, control, cookie }`.
 * Run with `--v8-flags=--expose-gc` so memory is measured after a collection.
 */
import { createApp } from "../lib/app.ts";
import { loadConfig } from "../lib/config.ts";
import { openPglite } from "../lib/db/mod.ts";
import { bundledMigrationsDir, migrate, readMigrations } from "../lib/db/mod.ts";
import { createLogger } from "../lib/log/mod.ts";
import { openRedis } from "../lib/redis/client.ts";

const redisUrl = Deno.env.get("REDIS_URL");
const logger = createLogger({ level: "error", format: "json" });
const config = loadConfig({
  APP_ENV: "development",
  LOG_LEVEL: "error",
  RATE_LIMIT_PER_MIN: "0",
  SSE_MAX_CONNECTIONS: "100000",
  SSE_MAX_CONNECTIONS_PER_USER: "10000",
  SSE_HEARTBEAT_SECONDS: "25",
  ...(redisUrl ? { EVENT_STREAM_KEY: `bench:sse:${crypto.randomUUID().slice(0, 8)}` } : {}),
}, { version: "bench" });
const db = await openPglite(undefined);
await migrate(db, await readMigrations(bundledMigrationsDir()));
const redis = redisUrl ? await openRedis(redisUrl, logger) : undefined;
const handle = await createApp({ config, db, logger, ...(redis ? { redis } : {}) });
const password = `bench-${crypto.randomUUID()}`;
const user = await handle.services.auth.createUser(
  { email: "bench@example.org", displayName: "Bench", role: "RESEARCHER", password },
  { type: "system" },
);
const login = await handle.app.request("/api/auth/login", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email: user.email, password }),
});
const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;

const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  (request, info) => handle.app.fetch(request, { remoteAddr: info.remoteAddr }),
);

function memory() {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = Deno.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, streams: handle.services.sse.size };
}

const control = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/publish") {
      const seq = Number(url.searchParams.get("seq") ?? "0");
      const event = await handle.services.bus.publish({
        type: "job.progress",
        topic: "jobs",
        payload: { jobId: "bench", progress: seq % 101, seq },
      });
      return Response.json({ id: event.id });
    }
    if (url.pathname === "/memory") return Response.json(memory());
    if (url.pathname === "/stop") {
      queueMicrotask(async () => {
        await handle.close();
        await server.shutdown();
        await control.shutdown();
        await redis?.client.sendCommand(["DEL", config.realtime.streamKey]);
        await redis?.close();
        await db.close();
        Deno.exit(0);
      });
      return new Response("bye");
    }
    return new Response("not found", { status: 404 });
  },
);

const out = JSON.stringify({ port: server.addr.port, control: control.addr.port, cookie });
await Deno.stdout.write(new TextEncoder().encode(out + "\n"));
