/**
 * What main.ts tells an operator at the start and at SIGTERM, as real processes
 * (docs/operations/DEPLOYMENT.md, Container; TROUBLESHOOTING.md):
 * - SHUTDOWN_TIMEOUT_SECONDS bounds the drain only; each close step after it has its own 5 s
 *   bound, and a step that does not finish is logged and skipped: exit 0, no request was cut off;
 * - a normal start with Redis does not say "redis connected after the start";
 * - a pending migration the login may not run names the SQLSTATE and a fixed class, no SQL and
 *   no server text;
 * - an unreachable database never reads as "database opened".
 * Bounds are generous "eventually" limits (a hang fails the test); no duration is asserted.
 */
import assert from "node:assert/strict";
import { openPostgres } from "../lib/db/mod.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, hasRedis, TEST_DATABASE_URL, TEST_REDIS_URL } from "./helpers/env.ts";
import { type AppProcess, listeningWithin, spawnApp, stop } from "./helpers/process.ts";

const START_BOUND_MS = 60_000;
const opts = { sanitizeOps: false, sanitizeResources: false };

async function exitWithin(app: AppProcess, ms = START_BOUND_MS): Promise<Deno.CommandStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<"hung">((resolve) => timer = setTimeout(() => resolve("hung"), ms));
  const result = await Promise.race([app.status, hung]);
  clearTimeout(timer);
  if (result === "hung") {
    await stop(app);
    assert.fail(`the process did not exit: ${JSON.stringify(app.records.slice(-3))}`);
  }
  return result;
}

/** A fresh database on the test server, dropped by the returned cleanup. */
async function freshDatabase(): Promise<{ url: URL; drop: () => Promise<void> }> {
  const server = openPostgres(TEST_DATABASE_URL!, { max: 1 });
  const database = uniqueName("opsb_lines");
  await server.exec(`CREATE DATABASE ${database}`);
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  return {
    url,
    drop: async () => {
      await server.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await server.close();
    },
  };
}

Deno.test({
  name:
    "[postgres] SIGTERM with SHUTDOWN_TIMEOUT_SECONDS shorter than a hung close step: the step is skipped, Redis and the database still close, exit 0",
  ignore: !hasPostgres(),
  ...opts,
  async fn() {
    const { url, drop } = await freshDatabase();
    // Lock waits longer than a close step's 5 s, so the waiting re-read outlasts it.
    const app = spawnApp({
      DATABASE_URL: url.href,
      SHUTDOWN_TIMEOUT_SECONDS: "1",
      DB_LOCK_TIMEOUT_MS: "60000",
      DB_STATEMENT_TIMEOUT_MS: "60000",
    });
    const blocker = openPostgres(url.href, { max: 1 });
    let release!: () => void;
    const released = new Promise<void>((r) => release = r);
    let holding: Promise<void> | undefined;
    try {
      await listeningWithin(app, START_BOUND_MS);
      // The mode re-read (every second) waits on the lock, and closing the app services waits
      // for that read: a close step that cannot finish, with no request in flight.
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => locked = r);
      holding = blocker.transaction(async (tx) => {
        await tx.query("LOCK TABLE governance_config");
        locked();
        await released;
      });
      await isLocked;
      await new Promise((r) => setTimeout(r, 1500)); // a re-read is now waiting on the lock
      app.child.kill("SIGTERM");
      const status = await exitWithin(app);
      const messages = app.records.map((r) => r.msg);
      assert.ok(
        !messages.some((m) => String(m).startsWith("shutdown timed out")),
        `no request was cut off: ${JSON.stringify(app.records.slice(-5))}`,
      );
      assert.ok(
        app.records.some((r) =>
          r.msg === "shutdown step did not finish in time; skipped" &&
          r.step === "closing app services"
        ),
        `the step is named: ${JSON.stringify(app.records.slice(-5))}`,
      );
      assert.ok(messages.includes("stopped"), "Redis and the database steps ran");
      assert.equal(status.code, 0);
    } finally {
      release();
      await holding?.catch(() => {});
      await blocker.close();
      await stop(app);
      await drop();
    }
  },
});

Deno.test({
  name:
    "[postgres][redis] a normal start with Redis says 'redis connected', never 'after the start'",
  ignore: !(hasPostgres() && hasRedis()),
  ...opts,
  async fn() {
    const { url, drop } = await freshDatabase();
    const app = spawnApp({
      DATABASE_URL: url.href,
      REDIS_URL: TEST_REDIS_URL!,
      EVENT_STREAM_KEY: uniqueName("opsb_events"),
    });
    try {
      await listeningWithin(app, START_BOUND_MS);
      // The reader connection opens after the start too (it must not say it either).
      await new Promise((r) => setTimeout(r, 1000));
      const messages = app.records.map((r) => r.msg);
      assert.ok(messages.includes("redis connected"), JSON.stringify(messages));
      assert.ok(!messages.includes("redis connected after the start"), JSON.stringify(messages));
    } finally {
      await stop(app);
      await drop();
    }
  },
});

Deno.test({
  name:
    "[postgres] a pending migration the login may not run: 'Migrations failed: permission denied (SQLSTATE 42501)', no SQL, exit 1",
  ignore: !hasPostgres(),
  ...opts,
  async fn() {
    const { url, drop } = await freshDatabase();
    const role = uniqueName("opsb_noddl");
    const admin = openPostgres(url.href, { max: 1 });
    try {
      await admin.exec(`CREATE ROLE ${role} LOGIN`);
      await admin.exec(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      await admin.exec(`REVOKE CREATE ON DATABASE ${url.pathname.slice(1)} FROM PUBLIC`);
      const asRole = new URL(url.href);
      asRole.username = role;
      const app = spawnApp({ DATABASE_URL: asRole.href });
      const status = await exitWithin(app);
      assert.equal(status.code, 1);
      assert.deepEqual(app.stderr, ["Migrations failed: permission denied (SQLSTATE 42501)"]);
      const output = JSON.stringify([app.records, app.stderr]);
      assert.ok(!/CREATE|schema_migrations|public/i.test(app.stderr.join("")), output);

      // `deno task migrate` run by the same login says the same, not the driver's error.
      const migrate = await new Deno.Command("deno", {
        args: ["task", "migrate"],
        cwd: new URL("..", import.meta.url).pathname,
        env: { DATABASE_URL: asRole.href, NO_COLOR: "1", LOG_FORMAT: "json" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const said = new TextDecoder().decode(migrate.stderr).split("\n")
        .filter((line) => line !== "" && !line.startsWith("Task migrate"));
      assert.equal(migrate.code, 1);
      assert.deepEqual(said, ["Migrations failed: permission denied (SQLSTATE 42501)"]);
    } finally {
      await admin.close();
      const server = openPostgres(TEST_DATABASE_URL!, { max: 1 });
      await drop();
      await server.exec(`DROP ROLE IF EXISTS ${role}`);
      await server.close();
    }
  },
});

Deno.test("an unreachable database: no 'database opened' line before the failure", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const app = spawnApp({ DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none` });
  const status = await exitWithin(app);
  assert.equal(status.code, 1);
  assert.match(app.stderr.join("\n"), /could not be reached/);
  assert.ok(
    !app.records.some((r) => r.msg === "database opened"),
    JSON.stringify(app.records.map((r) => r.msg)),
  );
});
