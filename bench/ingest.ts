/**
 * Load harness for analytics ingestion: the app in its own process on the real
 * Postgres (DATABASE_URL or TEST_DATABASE_URL; a fresh schema, dropped at the
 * end), signed-in users with analytics consent, and `--concurrency` clients
 * posting batches of `--batch` events for `--seconds` over real HTTP. Reports
 * events/s, request latency percentiles, the ingestion outcome counts, and
 * checks `accepted == rows in analytics_events` (and the daily roll-up) at the
 * end. Figures go in docs/analytics.md.
 *
 *   deno run -A bench/ingest.ts [--seconds 60] [--concurrency 8] [--batch 50] [--users 20]
 *
 * Each batch mixes what clients really send: page views and timed clicks,
 * about 1% events carrying a generated e-mail address (redacted), 1% unknown
 * event names (rejected) and 1% retries of an earlier event id (duplicates).
 */
import { createApp } from "../lib/app.ts";
import { loadConfig } from "../lib/config.ts";
import {
  bundledMigrationsDir,
  type Db,
  migrate,
  openPostgres,
  readMigrations,
} from "../lib/db/mod.ts";
import { argument, type LoadPhase, percentile, runLoad, spawnServer, write } from "./harness.ts";
import { createLogger } from "../lib/log/mod.ts";

const PASSWORD = "bench password for analytics";

function databaseUrl(): string {
  const url = Deno.env.get("DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL");
  if (!url) throw new Error("Set DATABASE_URL or TEST_DATABASE_URL (the load test needs Postgres)");
  return url;
}

/** The server side: fresh schema, users, serve; prints `{ url, schema, emails }`; runs until stdin closes. */
async function serveMode(): Promise<void> {
  const url = databaseUrl();
  const users = argument("users", 20);
  const schema = `bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const admin = openPostgres(url, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const db: Db = openPostgres(url, { schema, max: 10 });
  await migrate(db, await readMigrations(bundledMigrationsDir()));
  const config = loadConfig({
    APP_ENV: "development",
    LOG_LEVEL: "error",
    RATE_LIMIT_PER_MIN: "0",
    TRUST_PROXY: "true",
    ANALYTICS_IP_SALT: "bench-salt-0123456789abcdef",
  }, { version: "bench" });
  const logger = createLogger({ level: "error", format: "json" });
  const app = await createApp({
    config,
    db,
    logger,
    passwordParams: { logN: 10, r: 8, p: 1 },
    analyticsCleanupIntervalMs: 0,
  });
  const emails: string[] = [];
  for (let i = 0; i < users; i++) {
    const email = `bench-${i}-${schema}@example.org`;
    await app.services.auth.createUser(
      { email, displayName: `Bench ${i}`, role: "RESEARCHER", password: PASSWORD },
      { type: "system" },
    );
    emails.push(email);
  }
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request, info) => app.app.fetch(request, { remoteAddr: info.remoteAddr }),
  );
  write(JSON.stringify({ url: `http://127.0.0.1:${server.addr.port}`, schema, emails }));
  for await (const _ of Deno.stdin.readable) { /* runs until the client closes stdin */ }
  await server.shutdown();
  await app.close();
  await db.close();
  await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.close();
}

interface Session {
  cookie: string;
  csrf: string;
}

/** The client side: spawn the server, sign in and consent, load it, count, report. */
async function loadMode(): Promise<void> {
  const seconds = argument("seconds", 60);
  const concurrency = argument("concurrency", 8);
  const batchSize = Math.min(100, argument("batch", 50));
  const { child, info: { url, schema, emails } } = await spawnServer<{
    url: string;
    schema: string;
    emails: string[];
  }>(
    new URL(import.meta.url).pathname,
    { args: ["--serve", ...Deno.args] },
  );

  const sessions: Session[] = [];
  for (const email of emails) {
    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    if (login.status !== 200) throw new Error(`sign-in failed: ${login.status}`);
    const { csrfToken } = await login.json() as { csrfToken: string };
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const grant = await fetch(`${url}/api/consent/grant`, {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" },
      body: JSON.stringify({ consentType: "analytics", method: "api" }),
    });
    await grant.body?.cancel();
    if (grant.status !== 200) throw new Error(`consent failed: ${grant.status}`);
    sessions.push({ cookie, csrf: csrfToken });
  }

  const totals = { accepted: 0, rejected: 0, duplicates: 0, redacted: 0, sent: 0 };
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let measuredEvents = 0;
  let errors = 0;
  const recent: string[] = [];

  function batch(seq: number): unknown[] {
    const events: unknown[] = [];
    for (let i = 0; i < batchSize; i++) {
      const n = seq * batchSize + i;
      const roll = n % 100;
      if (roll === 7 && recent.length > 0) {
        events.push({
          eventId: recent[n % recent.length],
          eventName: "ui.page_view",
          properties: { page: "home" },
        });
        continue;
      }
      const eventId = crypto.randomUUID();
      if (recent.length < 1000) recent.push(eventId);
      else recent[n % 1000] = eventId;
      if (roll === 13) events.push({ eventId, eventName: "ui.mouse_move" });
      else if (roll === 42) {
        events.push({
          eventId,
          eventName: "ui.button_click",
          properties: { button: "save", label: `user${n}@example.org` },
        });
      } else if (roll % 2 === 0) {
        events.push({
          eventId,
          eventName: "ui.page_view",
          properties: {
            page: ["home", "audit", "flags", "jobs"][n % 4],
            latency_ms: 20 + (n % 400),
          },
          ts: new Date().toISOString(),
        });
      } else {
        events.push({
          eventId,
          eventName: "ui.button_click",
          properties: { button: "save_flag", duration_ms: 5 + (n % 900), enabled: n % 3 === 0 },
        });
      }
    }
    return events;
  }

  async function worker(k: number, phase: LoadPhase): Promise<void> {
    let seq = k * 1_000_000;
    const session = sessions[k % sessions.length]!;
    while (!phase.stopped) {
      const body = JSON.stringify({ events: batch(seq++) });
      const started = performance.now();
      try {
        const response = await fetch(`${url}/api/analytics/events`, {
          method: "POST",
          headers: {
            cookie: session.cookie,
            "x-csrf-token": session.csrf,
            "x-analytics-consent": "true",
            "content-type": "application/json",
            "x-forwarded-for": `198.51.100.${(k % 250) + 1}`,
            "user-agent":
              "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
          },
          body,
        });
        const result = await response.json() as Partial<typeof totals>;
        const elapsed = performance.now() - started;
        totals.sent += batchSize;
        if (response.status === 200) {
          totals.accepted += result.accepted ?? 0;
          totals.rejected += result.rejected ?? 0;
          totals.duplicates += result.duplicates ?? 0;
          totals.redacted += result.redacted ?? 0;
        }
        if (phase.measuring) {
          latencies.push(elapsed);
          measuredEvents += batchSize;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      } catch {
        if (phase.measuring) errors++;
      }
    }
  }

  const elapsed = await runLoad({ concurrency, seconds }, (k, phase) => worker(k, phase));

  const db = openPostgres(databaseUrl(), { schema, max: 1 });
  const [rows] = await db.query<{ events: number; rollup: number; redacted: number }>(
    `SELECT (SELECT count(*) FROM analytics_events)::int8 AS events,
            (SELECT coalesce(sum(events), 0) FROM analytics_daily)::int8 AS rollup,
            (SELECT count(*) FROM analytics_events WHERE phi_redacted)::int8 AS redacted`,
  );
  await db.close();

  const writer = child.stdin.getWriter();
  await writer.close();
  await child.stdout.cancel();
  await child.status;

  latencies.sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  write(
    `analytics ingestion: Postgres, ${concurrency} clients, ${batchSize} events/batch, ` +
      `${emails.length} users, ${seconds} s measured after 3 s warm-up`,
  );
  write(
    `throughput: ${(measuredEvents / elapsed).toFixed(0)} events/s sent ` +
      `(${(latencies.length / elapsed).toFixed(1)} batches/s)`,
  );
  write(
    `latency per batch: p50 ${fmt(percentile(latencies, 50))}  p95 ${
      fmt(percentile(latencies, 95))
    }  p99 ${fmt(percentile(latencies, 99))}  max ${fmt(latencies.at(-1) ?? NaN)}`,
  );
  write(
    `statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}  network errors: ${errors}`,
  );
  write(
    `outcome (whole run): sent ${totals.sent}, accepted ${totals.accepted} ` +
      `(redacted ${totals.redacted}), rejected ${totals.rejected}, duplicates ${totals.duplicates}`,
  );
  write(
    `table: ${rows!.events} rows (${rows!.redacted} redacted), daily roll-up sum ${
      rows!.rollup
    }; ` +
      `accepted == rows: ${totals.accepted === rows!.events ? "yes" : "NO"}; ` +
      `roll-up == rows: ${rows!.rollup === rows!.events ? "yes" : "NO"}`,
  );
  if (totals.accepted !== rows!.events || rows!.rollup !== rows!.events) Deno.exit(1);
}

if (Deno.args.includes("--serve")) await serveMode();
else await loadMode();
