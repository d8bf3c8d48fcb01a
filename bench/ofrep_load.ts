/**
 * HTTP load harness for OFREP bulk evaluation: the app in its own process
 * (real HTTP, real Postgres when DATABASE_URL or TEST_DATABASE_URL is set,
 * PGlite otherwise) with 50 flags and 2 experiments; a client process keeps
 * `--concurrency` requests in flight for `--seconds` and reports requests/s
 * and latency percentiles. Figures go in docs/flags.md.
 *
 *   deno run -A bench/ofrep_load.ts [--seconds 30] [--concurrency 50] [--revalidate] [--redis]
 *
 * `--revalidate` sends each targeting key's last ETag in If-None-Match (the
 * web provider's refresh), so unchanged answers are 304 without a body.
 * `--redis` connects the app to REDIS_URL or TEST_REDIS_URL with a rate limit
 * too high to refuse anything, so every request pays the shared rate counter's
 * round trip to Redis (what a deployment with Redis pays).
 */
import { createApp } from "../lib/app.ts";
import { loadConfig } from "../lib/config.ts";
import {
  bundledMigrationsDir,
  type Db,
  migrate,
  openPglite,
  openPostgres,
  readMigrations,
} from "../lib/db/mod.ts";
import { argument, type LoadPhase, percentile, runLoad, spawnServer, write } from "./harness.ts";
import { createLogger } from "../lib/log/mod.ts";
import { openRedis, type RedisHandle } from "../lib/redis/client.ts";

const SYSTEM = { actor: { type: "system" as const } };

/** The server side: build, seed, serve, print `{ url, token }`, run until stdin closes. */
async function serveMode(): Promise<void> {
  const url = Deno.env.get("DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL");
  const schema = `bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  let db: Db;
  let admin: Db | undefined;
  if (url) {
    admin = openPostgres(url, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    db = openPostgres(url, { schema, max: 10 });
  } else {
    db = await openPglite();
  }
  await migrate(db, await readMigrations(bundledMigrationsDir()));
  const redisUrl = Deno.args.includes("--redis")
    ? Deno.env.get("REDIS_URL") ?? Deno.env.get("TEST_REDIS_URL")
    : undefined;
  if (Deno.args.includes("--redis") && !redisUrl) {
    throw new Error("--redis needs REDIS_URL or TEST_REDIS_URL");
  }
  const config = loadConfig(
    {
      APP_ENV: "development",
      LOG_LEVEL: "error",
      // With Redis: a budget no run reaches, so every request is counted and none refused.
      RATE_LIMIT_PER_MIN: redisUrl ? "1000000" : "0",
      ...(redisUrl ? { REDIS_URL: redisUrl, EVENT_STREAM_KEY: `${schema}:events` } : {}),
    },
    { version: "bench" },
  );
  const logger = createLogger({ level: "error", format: "json" });
  const redis: RedisHandle | undefined = redisUrl ? await openRedis(redisUrl, logger) : undefined;
  const app = await createApp({ config, db, logger, redis });
  for (let i = 0; i < 50; i++) {
    await app.services.flags.set(`bench.flag_${String(i).padStart(2, "0")}`, {
      enabled: i % 10 !== 9,
      rolloutPercent: [100, 50, 10, 0, 75][i % 5]!,
      requiredModes: i % 7 === 0 ? ["DEMO"] : [],
      targetUsers: i % 4 === 0 ? Array.from({ length: 20 }, (_, j) => `vip-${j}`) : [],
    }, SYSTEM);
  }
  for (const key of ["bench.exp_a", "bench.exp_b"]) {
    await app.services.experiments.set({
      key,
      enabled: true,
      variants: { control: { weight: 1 }, treatment: { weight: 1 } },
    }, SYSTEM);
  }
  const { secret } = await app.services.auth.createToken(
    { name: "ofrep bench", scopes: ["flags:evaluate"], expiresAt: null },
    { type: "system" },
  );
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request, info) => app.app.fetch(request, { remoteAddr: info.remoteAddr }),
  );
  write(JSON.stringify({
    url: `http://127.0.0.1:${server.addr.port}`,
    token: secret,
    database: url ? "postgres" : "pglite",
    redis: redis !== undefined,
  }));
  // Runs until the client closes our stdin.
  for await (const _ of Deno.stdin.readable) { /* drain */ }
  await server.shutdown();
  await app.close();
  if (redis) {
    // The run's event stream; its rate windows expire by themselves.
    await redis.client.del(config.realtime.streamKey);
    await redis.close();
  }
  await db.close();
  if (admin) {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  }
}

/** The client side: spawn the server, load it, report. */
async function loadMode(): Promise<void> {
  const seconds = argument("seconds", 30);
  const concurrency = argument("concurrency", 50);
  const revalidate = Deno.args.includes("--revalidate");
  const { child, info: { url, token, database, redis } } = await spawnServer<{
    url: string;
    token: string;
    database: string;
    redis: boolean;
  }>(
    new URL(import.meta.url).pathname,
    { args: ["--serve", ...(Deno.args.includes("--redis") ? ["--redis"] : [])] },
  );
  const ids = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
  const etags = new Map<string, string>();
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;

  async function worker(seed: number, phase: LoadPhase): Promise<void> {
    let i = seed;
    while (!phase.stopped) {
      const id = ids[i = (i * 48271 + 1) % ids.length]!;
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      };
      const known = etags.get(id);
      if (revalidate && known) headers["if-none-match"] = known;
      const started = performance.now();
      try {
        const response = await fetch(`${url}/ofrep/v1/evaluate/flags`, {
          method: "POST",
          headers,
          body: JSON.stringify({ context: { targetingKey: id } }),
        });
        await response.arrayBuffer();
        const elapsed = performance.now() - started;
        const etag = response.headers.get("etag");
        if (etag) etags.set(id, etag);
        if (phase.measuring) {
          latencies.push(elapsed);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      } catch {
        if (phase.measuring) errors++;
      }
    }
  }

  const elapsed = await runLoad({ concurrency, seconds }, (k, phase) => worker(k + 1, phase));
  const writer = child.stdin.getWriter();
  await writer.close();
  await child.stdout.cancel();
  await child.status;

  latencies.sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
  write(
    `OFREP bulk evaluation, ${revalidate ? "revalidating (If-None-Match)" : "fresh (200)"}, ` +
      `50 flags + 2 experiments, ${database}${
        redis ? " + Redis rate counter" : ""
      }, concurrency ${concurrency}, ${seconds} s`,
  );
  write(`requests: ${latencies.length}  (${(latencies.length / elapsed).toFixed(0)} req/s)`);
  write(
    `latency: p50 ${fmt(percentile(latencies, 50))}  p90 ${fmt(percentile(latencies, 90))}  ` +
      `p99 ${fmt(percentile(latencies, 99))}  max ${fmt(latencies.at(-1) ?? NaN)}`,
  );
  write(
    `statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}  network errors: ${errors}`,
  );
}

if (Deno.args.includes("--serve")) await serveMode();
else await loadMode();
