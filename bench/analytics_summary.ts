/**
 * Summary query times on a large analytics table (default 10 million events
 * over 395 days) in a fresh schema on the real Postgres (DATABASE_URL or
 * TEST_DATABASE_URL). The daily roll-ups are built from the generated rows
 * exactly as ingestion maintains them; the summary is then timed through the
 * analytics service (roll-ups) and, for comparison, the same aggregates
 * straight from `analytics_events`. Figures go in docs/analytics.md.
 *
 *   deno run -A bench/analytics_summary.ts [--rows 10000000] [--keep] [--schema NAME]
 *
 * `--keep` leaves the schema in place and prints its name; `--schema NAME`
 * reuses such a schema instead of generating again. Heavy: not part of
 * `deno task test` or `deno task bench`.
 */
import { createAnalyticsService, createAnalyticsStore, utcDay } from "../lib/analytics/mod.ts";
import { createAuditLog } from "../lib/audit/mod.ts";
import { manualClock } from "../lib/clock.ts";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { createLogger } from "../lib/log/mod.ts";
import { createAppMetrics } from "../lib/telemetry/mod.ts";

const DAY = 86_400_000;

function option(name: string): string | undefined {
  const index = Deno.args.indexOf(`--${name}`);
  return index >= 0 ? Deno.args[index + 1] : undefined;
}

function write(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

const url = Deno.env.get("DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL");
if (!url) throw new Error("Set DATABASE_URL or TEST_DATABASE_URL");
const rows = Number(option("rows") ?? 10_000_000);
const reuse = option("schema");
const keep = Deno.args.includes("--keep") || reuse !== undefined;
const schema = reuse ?? `bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error("--schema must be an identifier");

const admin = openPostgres(url, { max: 1 });
const db = openPostgres(url, { schema, max: 4 });
// The data ends "today" (the real date) so the default 30-day range is populated.
const now = Date.now();

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function generate(): Promise<void> {
  await admin.exec(`CREATE SCHEMA ${schema}`);
  await migrate(db, await readMigrations(bundledMigrationsDir()));
  await db.exec(`
    INSERT INTO users (email, display_name, role)
    SELECT 'bench-' || g || '@example.org', 'Bench ' || g, 'RESEARCHER' FROM generate_series(1, 1000) g;
  `);
  // Bulk load without the secondary indexes, then build them once (same definitions).
  const indexes = await db.query<{ indexdef: string; indexname: string }>(
    `SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = $1 AND tablename = 'analytics_events'
        AND indexname NOT IN ('analytics_events_pkey', 'analytics_events_event_id_key')`,
    [schema],
  );
  for (const index of indexes) await db.exec(`DROP INDEX ${index.indexname}`);
  await db.exec("ALTER TABLE analytics_events DROP CONSTRAINT analytics_events_event_id_key");
  const chunk = 500_000;
  for (let done = 0; done < rows; done += chunk) {
    const n = Math.min(chunk, rows - done);
    const [, ms] = await timed(() =>
      db.query(
        `WITH u AS (SELECT array_agg(id ORDER BY id) AS ids FROM users),
         g AS (
           SELECT s, (ARRAY['ui.page_view', 'ui.page_view', 'ui.page_view', 'ui.page_view',
                            'ui.button_click', 'ui.button_click', 'governance.console_view',
                            'job.progress', 'job.completed', 'experiment.assigned'])[1 + s % 10] AS name,
                  random() AS r
             FROM generate_series($1::int8, $2::int8) s
         )
         INSERT INTO analytics_events
           (event_id, event_name, user_id, session_id, research_id, mode, properties, phi_redacted,
            ip_hash, user_agent, client_ts, created_at)
         SELECT gen_random_uuid(), g.name, u.ids[1 + (g.s * 7919) % 1000], NULL,
                CASE WHEN g.s % 5 = 0 THEN 'study-' || (g.s % 40) END,
                CASE WHEN g.s % 10 = 3 THEN 'DEMO' ELSE 'LIVE' END,
                CASE
                  WHEN g.s % 200 = 0 THEN '{"phi_redacted": true}'::jsonb
                  WHEN g.name = 'ui.page_view' THEN jsonb_build_object(
                    'page', (ARRAY['home', 'audit', 'flags', 'jobs'])[1 + g.s % 4],
                    'latency_ms', (20 + g.r * g.r * 2000)::int)
                  WHEN g.name = 'ui.button_click' THEN jsonb_build_object(
                    'button', 'save_flag', 'duration_ms', (5 + g.r * g.r * g.r * 5000)::int)
                  WHEN g.name = 'experiment.assigned' THEN jsonb_build_object(
                    'experiment_key', 'pricing.page', 'variant', (ARRAY['A', 'B'])[1 + g.s % 2])
                  ELSE jsonb_build_object('page', 'governance')
                END,
                g.s % 200 = 0,
                md5(g.s::text) || md5((g.s + 1)::text), 'Chrome 131', NULL,
                $3::timestamptz - (g.r * 395) * interval '1 day'
           FROM g, u`,
        [done + 1, done + n, new Date(now)],
      )
    );
    write(`  generated ${done + n} rows (+${n} in ${(ms / 1000).toFixed(1)} s)`);
  }
  const [, indexMs] = await timed(async () => {
    await db.exec(
      "ALTER TABLE analytics_events ADD CONSTRAINT analytics_events_event_id_key UNIQUE (event_id)",
    );
    for (const index of indexes) await db.exec(index.indexdef);
  });
  write(`  indexes built in ${(indexMs / 1000).toFixed(1)} s`);
  const [, rollupMs] = await timed(async () => {
    await db.exec(`
      INSERT INTO analytics_daily (day, event_name, mode, events, redacted)
      SELECT (created_at AT TIME ZONE 'UTC')::date, event_name, mode, count(*),
             count(*) FILTER (WHERE phi_redacted)
        FROM analytics_events GROUP BY 1, 2, 3;
      INSERT INTO analytics_daily_users (day, user_id)
      SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date, user_id
        FROM analytics_events WHERE user_id IS NOT NULL;
      INSERT INTO analytics_daily_timing (day, event_name, property, bucket, samples)
      SELECT (e.created_at AT TIME ZONE 'UTC')::date, e.event_name, p.key,
             analytics_timing_bucket(p.value::float8), count(*)
        FROM analytics_events e CROSS JOIN LATERAL jsonb_each(e.properties) p
       WHERE p.key IN ('duration_ms', 'latency_ms') AND jsonb_typeof(p.value) = 'number'
       GROUP BY 1, 2, 3, 4;
      INSERT INTO analytics_daily_exposure (day, experiment_key, variant, exposures)
      SELECT (created_at AT TIME ZONE 'UTC')::date, properties ->> 'experiment_key',
             properties ->> 'variant', count(*)
        FROM analytics_events WHERE event_name = 'experiment.assigned'
       GROUP BY 1, 2, 3;
    `);
    await db.exec("VACUUM ANALYZE");
  });
  write(`  roll-ups built in ${(rollupMs / 1000).toFixed(1)} s`);
}

try {
  if (!reuse) {
    write(`generating ${rows} events in schema ${schema}`);
    await generate();
  }
  const [count] = await db.query<{ n: number }>("SELECT count(*)::int8 AS n FROM analytics_events");
  const sizes = await db.query<{ name: string; rows: number; size: string }>(
    `SELECT c.relname AS name, c.reltuples::int8 AS rows,
            pg_size_pretty(pg_total_relation_size(c.oid)) AS size
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE 'analytics%'
      ORDER BY pg_total_relation_size(c.oid) DESC`,
    [schema],
  );
  const clock = manualClock(now);
  const logger = createLogger({ level: "error", format: "json" });
  const service = createAnalyticsService({
    store: createAnalyticsStore(db),
    consent: {
      analytics: () => Promise.resolve({ effective: false }),
      hasAnalyticsConsent: () => Promise.resolve(false),
    },
    audit: createAuditLog({ db }),
    clock,
    mode: () => "LIVE",
    metrics: createAppMetrics(),
    logger,
    config: { ipSalt: "bench-salt-0123456789abcdef", emit: true, retentionDays: 395 },
  });

  const to = utcDay(now);
  const ranges = [
    { label: "30 days", from: utcDay(now - 29 * DAY), to },
    { label: "395 days", from: utcDay(now - 394 * DAY), to },
  ];
  write(`\nanalytics_events: ${count!.n} rows; relations:`);
  for (const s of sizes) {
    write(`  ${s.name.padEnd(26)} ${String(s.rows).padStart(10)} rows  ${s.size}`);
  }
  write("\nsummary through the service (roll-ups), median of 7 runs after 1 warm-up:");
  for (const range of ranges) {
    for (const groupBy of ["event", "day", "mode"] as const) {
      await service.summary({ from: range.from, to: range.to, groupBy });
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < 7; i++) {
        const [summary, ms] = await timed(() =>
          service.summary({ from: range.from, to: range.to, groupBy })
        );
        total = summary.totals.events;
        times.push(ms);
      }
      write(
        `  ${range.label.padEnd(8)} groupBy=${groupBy.padEnd(5)} ${median(times).toFixed(1)} ms` +
          `  (${total} events)`,
      );
    }
  }
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push((await timed(() => service.dashboard({})))[1]);
  write(`  dashboard (30 days, all panels)        ${median(times).toFixed(1)} ms`);

  write("\nthe same from analytics_events directly (no roll-ups), one run each:");
  for (const range of ranges) {
    const args = [`${range.from}T00:00:00Z`, `${range.to}T23:59:59.999Z`];
    const [, countMs] = await timed(() =>
      db.query(
        `SELECT event_name, count(*) FROM analytics_events
          WHERE created_at BETWEEN $1 AND $2 GROUP BY 1`,
        args,
      )
    );
    const [, usersMs] = await timed(() =>
      db.query(
        "SELECT count(DISTINCT user_id) FROM analytics_events WHERE created_at BETWEEN $1 AND $2",
        args,
      )
    );
    const [, pctMs] = await timed(() =>
      db.query(
        `SELECT event_name,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY (properties ->> 'duration_ms')::float8),
                percentile_cont(0.95) WITHIN GROUP (ORDER BY (properties ->> 'duration_ms')::float8)
           FROM analytics_events
          WHERE created_at BETWEEN $1 AND $2 AND properties ? 'duration_ms' GROUP BY 1`,
        args,
      )
    );
    write(
      `  ${range.label.padEnd(8)} counts by event ${countMs.toFixed(0)} ms, distinct users ${
        usersMs.toFixed(0)
      } ms, p50/p95 ${pctMs.toFixed(0)} ms`,
    );
  }

  // Retention: move the clock one day on, so the oldest day falls out (batched deletes).
  clock.set(now + DAY);
  const [cleanup, cleanupMs] = await timed(() => service.cleanup());
  write(
    `\nretention cleanup: ${cleanup.deleted} events older than ${cleanup.cutoff} deleted in ${
      (cleanupMs / 1000).toFixed(2)
    } s (batches of 5000)`,
  );
} finally {
  await db.close();
  if (keep) write(`\nschema kept: ${schema}`);
  else await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.close();
}
