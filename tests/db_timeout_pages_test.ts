/**
 * A form post on a page (flags, experiments, API tokens) whose write waits behind a lock held by
 * another session answers 503 with Retry-After and a page that says the database is busy, with
 * the form's input kept: the database, not the form, was at fault. The pool is opened the way
 * main.ts opens it (`openDatabase(config)` with `DB_LOCK_TIMEOUT_MS`); the lock is taken in
 * EXCLUSIVE mode, which stops writes and lets reads (the page itself) through.
 */
import assert from "node:assert/strict";
import { renderPrometheus } from "../lib/telemetry/mod.ts";
import { withTimeout } from "../lib/timeout.ts";
import { DB_BUSY_MESSAGES } from "../lib/web/form_failure.ts";
import type { TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { boundedApp, holdTableLock } from "./helpers/db_bounds.ts";
import { hasPostgres } from "./helpers/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Bounds a hung request so the test fails instead of waiting for ever (not a timing assertion). */
const ANSWER_BOUND_MS = 20_000;
/** Form posts in quick succession: no rate limit in the way. */
const APP_ENV = { RATE_LIMIT_PER_MIN: "0" };
const ACTOR = { actor: { type: "system" as const } };

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
      const { app, other } = await boundedApp({ DB_LOCK_TIMEOUT_MS: "200" }, APP_ENV);
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
        unlock = await holdTableLock(other, "feature_flags", "EXCLUSIVE");
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
        unlock = await holdTableLock(other, "experiments", "EXCLUSIVE");
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
        unlock = await holdTableLock(other, "api_tokens", "EXCLUSIVE");
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
        assert.equal(token.status, 303);
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
      const { app, other } = await boundedApp({ DB_LOCK_TIMEOUT_MS: "200" }, APP_ENV);
      let unlock: (() => Promise<void>) | undefined;
      try {
        const admin = await signInAs(app, "ADMIN");
        unlock = await holdTableLock(other, "api_tokens", "ACCESS EXCLUSIVE");
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
