/**
 * A form post on a page (flags, experiments, API tokens) whose write waits behind a lock held by
 * another session answers 503 with Retry-After and a page that says the database is busy, with
 * the form's input kept: the database, not the form, was at fault. The pool is opened the way
 * main.ts opens it (`openDatabase(config)` with `DB_LOCK_TIMEOUT_MS`); the lock is taken in
 * EXCLUSIVE mode, which stops writes and lets reads (the page itself) through.
 */
import assert from "node:assert/strict";
import { testConfig } from "../lib/config.ts";
import {
  bundledMigrationsDir,
  type Db,
  migrate,
  openDatabase,
  openPostgres,
  readMigrations,
} from "../lib/db/mod.ts";
import { renderPrometheus } from "../lib/telemetry/mod.ts";
import { withTimeout } from "../lib/timeout.ts";
import { DB_BUSY_MESSAGES } from "../lib/web/form_failure.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Bounds a hung request so the test fails instead of waiting for ever (not a timing assertion). */
const ANSWER_BOUND_MS = 20_000;
const ACTOR = { actor: { type: "system" as const } };

interface BoundedApp {
  app: TestApp;
  /** A pool of its own on the app's schema, without bounds: the "operator's psql session". */
  other: Db;
}

/** An app on a fresh schema whose pool is opened from `env` exactly as main.ts opens it. */
async function boundedApp(env: Record<string, string>): Promise<BoundedApp> {
  const schema = uniqueName("t");
  const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const url = new URL(TEST_DATABASE_URL!);
  url.searchParams.set("search_path", schema);
  const db = await openDatabase(testConfig({ ...env, DATABASE_URL: url.href }));
  const other = openPostgres(TEST_DATABASE_URL!, { schema, max: 2 });
  const cleanup = async () => {
    await db.close();
    await other.close();
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  };
  try {
    await migrate(db, await readMigrations(bundledMigrationsDir()));
  } catch (error) {
    await cleanup();
    throw error;
  }
  const app = await buildTestApp({
    env: { RATE_LIMIT_PER_MIN: "0", ...env },
    testDb: { db, cleanup },
  });
  return { app, other };
}

/**
 * Takes `LOCK TABLE … IN EXCLUSIVE MODE` (writes wait, reads do not; `ACCESS EXCLUSIVE`: reads
 * wait too); resolves once held.
 */
async function holdWriteLock(
  db: Db,
  table: string,
  mode: "EXCLUSIVE" | "ACCESS EXCLUSIVE" = "EXCLUSIVE",
): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let held!: () => void;
  const isHeld = new Promise<void>((resolve) => held = resolve);
  const done = db.transaction(async (tx) => {
    await tx.exec(`LOCK TABLE ${table} IN ${mode} MODE`);
    held();
    await released;
  });
  await Promise.race([isHeld, done]);
  let open = true;
  return async () => {
    if (!open) return;
    open = false;
    release();
    await done;
  };
}

function postForm(app: TestApp, session: Session, path: string, fields: [string, string][]) {
  const body = new URLSearchParams([["csrf_token", session.csrfToken], ...fields]);
  return withTimeout(
    app.request(path, {
      method: "POST",
      headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    }),
    ANSWER_BOUND_MS,
    () => new Error(`POST ${path} did not answer while the lock was held`),
  );
}

/** Asserts a 503 page with Retry-After and `message`; returns the HTML. */
async function assertBusyPage(response: Response, message: string): Promise<string> {
  assert.equal(response.status, 503);
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  assert.equal(response.headers.get("retry-after"), "5");
  const html = await response.text();
  assert.ok(html.includes(message), `the page says: ${message}`);
  for (const leak of ["SELECT", "INSERT", "LOCK", "canceling", "lock timeout"]) {
    assert.ok(!html.includes(leak), `the page does not mention ${leak}`);
  }
  return html;
}

function timeoutLogs(app: TestApp): Array<Record<string, unknown>> {
  return app.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => record.msg === "database timeout");
}

if (hasPostgres()) {
  Deno.test({
    name:
      "[postgres] form posts blocked by a lock answer 503 with Retry-After and 'the database is busy', keep the input, are logged and counted as DB_TIMEOUT, and succeed once the lock is gone",
    ...opts,
    async fn() {
      const { app, other } = await boundedApp({ DB_LOCK_TIMEOUT_MS: "200" });
      let unlock: (() => Promise<void>) | undefined;
      try {
        const admin = await signInAs(app, "ADMIN");

        // /flags: create form.
        const flagForm: [string, string][] = [
          ["key", "busy.probe"],
          ["enabled", "on"],
          ["description", "Probe during maintenance"],
          ["scope", "product"],
          ["rollout_percent", "35"],
        ];
        unlock = await holdWriteLock(other, "feature_flags");
        const flagHtml = await assertBusyPage(
          await postForm(app, admin, "/flags", flagForm),
          DB_BUSY_MESSAGES.atomic,
        );
        assert.match(flagHtml, /value="busy\.probe"/, "the key is kept");
        assert.match(flagHtml, /Probe during maintenance/, "the description is kept");
        assert.match(flagHtml, /value="35"/, "the rollout is kept");
        await unlock();
        assert.equal(app.services.flags.get("busy.probe"), undefined, "nothing was saved");

        // /experiments/:key: the edit form, with the weights as submitted.
        await app.services.experiments.set({
          key: "busy.exp",
          enabled: true,
          variants: { A: { weight: 50 }, B: { weight: 50 } },
        }, ACTOR);
        unlock = await holdWriteLock(other, "experiments");
        const experimentHtml = await assertBusyPage(
          await postForm(app, admin, "/experiments/busy.exp", [
            ["version", "1"],
            ["weight:A", "70"],
            ["weight:B", "30"],
            ["enabled", "on"],
          ]),
          DB_BUSY_MESSAGES.atomic,
        );
        assert.match(experimentHtml, /name="weight:A"[^>]*value="70"/, "weight A is kept");
        assert.match(experimentHtml, /name="weight:B"[^>]*value="30"/, "weight B is kept");
        await unlock();
        assert.deepEqual(
          app.services.experiments.get("busy.exp")!.variants.map((v) => v.weight),
          [50, 50],
          "nothing was saved",
        );

        // /admin/tokens: stored, then audited, in separate statements.
        unlock = await holdWriteLock(other, "api_tokens");
        const tokenHtml = await assertBusyPage(
          await postForm(app, admin, "/admin/tokens", [
            ["name", "busy-exporter"],
            ["scopes", "flags:evaluate"],
          ]),
          DB_BUSY_MESSAGES.steps,
        );
        assert.match(tokenHtml, /name="name"[^>]*value="busy-exporter"/, "the name is kept");
        assert.match(tokenHtml, /value="flags:evaluate" checked/, "the scope is kept");
        await unlock();

        const logs = timeoutLogs(app);
        assert.deepEqual(
          logs.map((record) => [record.level, record.reason, record.route, record.method]),
          [
            ["warn", "lock_not_available", "/flags", "POST"],
            ["warn", "lock_not_available", "/experiments/:key", "POST"],
            ["warn", "lock_not_available", "/admin/tokens", "POST"],
          ],
        );
        assert.ok(
          !app.logs.some((line) => line.includes("unhandled error")),
          "a timeout is not an unhandled error (500)",
        );
        assert.match(
          await renderPrometheus(app.services.metrics.registry),
          /^db_timeouts_total\{reason="lock_not_available"\} 3$/m,
        );

        // The lock is gone: the same posts go through.
        const created = await postForm(app, admin, "/flags", flagForm);
        assert.equal(created.status, 303);
        assert.equal(app.services.flags.get("busy.probe")?.rolloutPercent, 35);
        const token = await postForm(app, admin, "/admin/tokens", [
          ["name", "busy-exporter"],
          ["scopes", "flags:evaluate"],
        ]);
        assert.equal(token.status, 201);
      } finally {
        await unlock?.();
        await app.dispose();
      }
    },
  });

  Deno.test({
    name:
      "[postgres] a page whose read waits behind a lock answers the HTML error page with 503 and Retry-After, not problem+json",
    ...opts,
    async fn() {
      const { app, other } = await boundedApp({ DB_LOCK_TIMEOUT_MS: "200" });
      let unlock: (() => Promise<void>) | undefined;
      try {
        const admin = await signInAs(app, "ADMIN");
        unlock = await holdWriteLock(other, "api_tokens", "ACCESS EXCLUSIVE");
        const response = await withTimeout(
          app.request("/admin/tokens", { headers: { cookie: admin.cookie } }),
          ANSWER_BOUND_MS,
          () => new Error("GET /admin/tokens did not answer while the lock was held"),
        );
        assert.equal(response.status, 503);
        assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
        assert.equal(response.headers.get("retry-after"), "5");
        const html = await response.text();
        assert.match(html, /class="error-page"/);
        assert.match(html, /Back to the start page/);
        for (const leak of ["SELECT", "LOCK", "canceling", "api_tokens"]) {
          assert.ok(!html.includes(leak), `the page does not mention ${leak}`);
        }
        await unlock();
        unlock = undefined;
        const after = await app.request("/admin/tokens", { headers: { cookie: admin.cookie } });
        assert.equal(after.status, 200);
        await after.body?.cancel();
      } finally {
        await unlock?.();
        await app.dispose();
      }
    },
  });
}
