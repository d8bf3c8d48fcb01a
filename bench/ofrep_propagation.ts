/**
 * How long a flag change takes to reach a second instance: two app instances
 * on one Postgres and one Redis (the event bus), a change made on A, and the
 * time until B evaluates the new version (what B's OFREP answers from).
 *
 *   TEST_DATABASE_URL=postgres://… TEST_REDIS_URL=redis://… deno run -A bench/ofrep_propagation.ts [--changes 50]
 *
 * Figures go in docs/flags.md; tests/flags_instances_test.ts checks the behaviour.
 */
import { createApp } from "../lib/app.ts";
import { loadConfig } from "../lib/config.ts";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { createLogger } from "../lib/log/mod.ts";
import { openRedis } from "../lib/redis/client.ts";

const databaseUrl = Deno.env.get("DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL");
const redisUrl = Deno.env.get("REDIS_URL") ?? Deno.env.get("TEST_REDIS_URL");
if (!databaseUrl || !redisUrl) {
  throw new Error("Set TEST_DATABASE_URL and TEST_REDIS_URL (a real Postgres and Redis)");
}
const index = Deno.args.indexOf("--changes");
const changes = index >= 0 ? Number(Deno.args[index + 1]) || 50 : 50;

const id = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
const schema = `bench_${id}`;
const admin = openPostgres(databaseUrl, { max: 1 });
await admin.exec(`CREATE SCHEMA ${schema}`);
const db = openPostgres(databaseUrl, { schema, max: 10 });
await migrate(db, await readMigrations(bundledMigrationsDir()));
const logger = createLogger({ level: "error", format: "json" });
const config = loadConfig({
  APP_ENV: "development",
  LOG_LEVEL: "error",
  EVENT_STREAM_KEY: `bench:events:${id}`,
}, { version: "bench" });
const [redisA, redisB] = [await openRedis(redisUrl, logger), await openRedis(redisUrl, logger)];
const a = await createApp({ config, db, logger, redis: redisA });
const b = await createApp({ config, db, logger, redis: redisB });
const actor = { actor: { type: "system" as const } };

const samples: number[] = [];
try {
  await a.services.flags.set("bench.propagation", { enabled: false }, actor);
  for (let i = 0; i < changes; i++) {
    const started = performance.now();
    const flag = await a.services.flags.set("bench.propagation", { enabled: i % 2 === 0 }, actor);
    while ((b.services.flags.get("bench.propagation")?.version ?? 0) < flag.version) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (performance.now() - started > 10_000) {
        throw new Error("change did not arrive within 10 s");
      }
    }
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
} finally {
  await a.close();
  await b.close();
  await redisA.close();
  await redisB.close();
  await db.close();
  await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.close();
}

samples.sort((x, y) => x - y);
const at = (p: number) =>
  samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;
const line = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
line(`flag change on A → evaluated on B (Postgres + Redis Streams), ${samples.length} changes`);
line(
  `p50 ${at(50).toFixed(1)} ms  p90 ${at(90).toFixed(1)} ms  p99 ${at(99).toFixed(1)} ms  ` +
    `max ${samples.at(-1)!.toFixed(1)} ms (includes A's write, audit and publish)`,
);
