/**
 * How long a governance mode change on instance A takes to be seen by
 * instance B: two app instances on one Postgres and one Redis, `setMode` on A,
 * and the time until B's `mode.current()` answers the new mode. B learns it
 * from the `governance.mode_changed` event (Redis Streams) and re-reads the
 * database; the 1 s periodic re-read is the bound when the bus cannot reach B.
 *
 *   TEST_DATABASE_URL=postgres://… TEST_REDIS_URL=redis://… deno run -A bench/mode_propagation.ts [--changes 50] [--no-bus]
 *
 * `--no-bus` gives B an in-process bus of its own, so only the periodic re-read
 * carries the change (the worst case). Figures go in docs/operations/MODE_TOGGLE.md.
 */
import { createApp } from "../lib/app.ts";
import { systemClock } from "../lib/clock.ts";
import { loadConfig, type Mode } from "../lib/config.ts";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { createLogger } from "../lib/log/mod.ts";
import { createMemoryBus } from "../lib/realtime/mod.ts";
import { openRedis } from "../lib/redis/client.ts";

const databaseUrl = Deno.env.get("DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL");
const redisUrl = Deno.env.get("REDIS_URL") ?? Deno.env.get("TEST_REDIS_URL");
if (!databaseUrl || !redisUrl) {
  throw new Error("Set TEST_DATABASE_URL and TEST_REDIS_URL (a real Postgres and Redis)");
}
const index = Deno.args.indexOf("--changes");
const changes = index >= 0 ? Number(Deno.args[index + 1]) || 50 : 50;
const noBus = Deno.args.includes("--no-bus");

const id = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
const schema = `bench_${id}`;
const admin = openPostgres(databaseUrl, { max: 1 });
await admin.exec(`CREATE SCHEMA ${schema}`);
const dbA = openPostgres(databaseUrl, { schema, max: 5 });
const dbB = openPostgres(databaseUrl, { schema, max: 5 });
await migrate(dbA, await readMigrations(bundledMigrationsDir()));
const logger = createLogger({ level: "error", format: "json" });
const config = loadConfig({
  APP_ENV: "development",
  LOG_LEVEL: "error",
  EVENT_STREAM_KEY: `bench:mode:${id}`,
}, { version: "bench" });
const [redisA, redisB] = [await openRedis(redisUrl, logger), await openRedis(redisUrl, logger)];
const ownBus = noBus ? createMemoryBus({ clock: systemClock, historySize: 100 }) : undefined;
const a = await createApp({ config, db: dbA, logger, redis: redisA });
const b = await createApp({
  config,
  db: dbB,
  logger,
  redis: redisB,
  ...(ownBus ? { bus: ownBus } : {}),
});

const samples: number[] = [];
const modes: Mode[] = ["LIVE", "DEMO"];
try {
  for (let i = 0; i < changes; i++) {
    const target = modes[i % 2]!;
    const started = performance.now();
    await a.services.mode.setMode(target, { type: "system" });
    while (b.services.mode.current() !== target) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (performance.now() - started > 10_000) throw new Error("change not seen within 10 s");
    }
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, noBus ? 300 : 50));
  }
} finally {
  await a.close();
  await b.close();
  await ownBus?.close();
  await redisA.client.sendCommand(["DEL", config.realtime.streamKey]);
  await redisA.close();
  await redisB.close();
  await dbA.close();
  await dbB.close();
  await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
  await admin.close();
}

samples.sort((x, y) => x - y);
const at = (p: number) => samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)]!;
const line = `mode propagation A → B (${noBus ? "periodic re-read only" : "Redis event"}), ` +
  `${samples.length} changes: p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, ` +
  `max ${samples.at(-1)!.toFixed(1)} ms`;
await Deno.stdout.write(new TextEncoder().encode(line + "\n"));
