/**
 * A job deleted on the server leaves an open /jobs page at the page's next read of the list,
 * without a reload. Retention deletes finished jobs and, since 68580ef, unfinished jobs silent
 * for JOB_RETENTION_DAYS; the page merged each answer into what it showed, so such a job stayed,
 * marked stalled, until the page was reloaded. And with a live stream and nothing stalled the
 * page re-read nothing: retention now publishes `jobs.deleted`, and the page re-reads at once.
 * Real Chromium; the server runs on a manual clock and the page on Playwright's.
 */
import assert from "node:assert/strict";
import { manualClock } from "../../lib/clock.ts";
import { buildTestApp } from "../helpers/app.ts";
import { createToken, signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";
import { reportJob } from "../helpers/jobs.ts";
import { until } from "../helpers/wait.ts";

const enabled = hasChromium();
const DAY_MS = 86_400_000;

Deno.test({
  name: "browser: a job retention deleted leaves the open /jobs page at its next read of the list",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const clock = manualClock(Date.now());
    const app = await buildTestApp({
      clock,
      env: { JOB_STALL_AFTER_MINUTES: "1", JOB_RETENTION_DAYS: "1" },
    });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const worker = await createToken(app, { scopes: ["jobs:write"] });
      // A job whose worker went silent three days ago, past the retention of one day...
      await reportJob(app, worker, "silent-job", { status: "progress", progress: 20 });
      await reportJob(app, worker, "old-done-job", { status: "completed" });
      clock.advance(3 * DAY_MS);
      // ...and one that reports now.
      await reportJob(app, worker, "busy-job", { status: "progress", progress: 10 });
      const steward = await signInAs(app, "STEWARD");

      const context = await browser.newContext();
      const [name, value] = steward.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: server.url }]);
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.clock.install();
      await page.goto(`${server.url}/jobs`);
      await page.waitForSelector('[data-testid="live-status"][data-status="live"]', {
        timeout: 15_000,
      });
      const silent = 'tr[data-job="silent-job"]';
      await page.waitForSelector(`${silent} .badge--danger:text-is("stalled")`);
      assert.equal(await page.locator('tr[data-job="old-done-job"]').count(), 1);
      assert.equal(await page.locator('tr[data-job="busy-job"]').count(), 1);

      // Retention runs: the silent job and the old finished one are deleted.
      const cleaned = await app.services.jobs.cleanup();
      assert.equal(cleaned.deleted, 2);
      assert.equal(cleaned.unfinished, 1);

      // The page's next stall check (30 s) re-reads the list: it now shows what the server lists.
      const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/jobs");
      await page.clock.runFor(30_000);
      assert.equal((await answered).status(), 200);
      await page.waitForFunction(
        () => document.querySelectorAll('tr[data-job="silent-job"]').length === 0,
        undefined,
        { timeout: 10_000 },
      );
      assert.deepEqual(
        await page.locator("tr[data-job]").evaluateAll((rows) =>
          rows.map((row) => row.getAttribute("data-job"))
        ),
        ["busy-job"],
      );
      assert.equal(await page.locator('[data-testid="jobs-stalled"]').count(), 0);
      assert.deepEqual(watch.problems, []);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "browser: with a live stream and no stalled job, jobs retention deleted leave the open /jobs page without a reload, and an emptied list says so truly",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const clock = manualClock(Date.now());
    const app = await buildTestApp({
      clock,
      env: { JOB_STALL_AFTER_MINUTES: "1", JOB_RETENTION_DAYS: "1" },
    });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const worker = await createToken(app, { scopes: ["jobs:write"] });
      // Every job finished (nothing for the stall check to re-read): one three days ago, past
      // the retention of one day, and one now.
      await reportJob(app, worker, "old-done-job", { status: "completed" });
      clock.advance(3 * DAY_MS);
      await reportJob(app, worker, "new-done-job", { status: "failed" });
      const researcher = await signInAs(app, "RESEARCHER");

      const context = await browser.newContext();
      const [name, value] = researcher.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: server.url }]);
      const page = await context.newPage();
      const watch = watchPage(page);
      // The page's timers stand still: no stall check, no poll, no stream retry runs.
      await page.clock.install();
      await page.goto(`${server.url}/jobs`);
      await page.waitForSelector('[data-testid="live-status"][data-status="live"]', {
        timeout: 15_000,
      });
      const shown = () =>
        page.locator("tr[data-job]").evaluateAll((rows) =>
          rows.map((row) => row.getAttribute("data-job"))
        );
      assert.deepEqual(await shown(), ["new-done-job", "old-done-job"]);
      assert.equal(await page.locator('[data-testid="jobs-stalled"]').count(), 0);
      // Marks this document: a reload would lose it.
      await page.evaluate(() => ((globalThis as { loaded?: string }).loaded = "once"));

      // Retention deletes the old job: the page drops it, on its stream's word.
      assert.equal((await app.services.jobs.cleanup()).deleted, 1);
      // (Polled from here: the page's animation frames stand still with its clock.)
      await until(
        async () => (await page.locator('tr[data-job="old-done-job"]').count()) === 0,
        "the deleted job's row to leave the page",
      );
      assert.deepEqual(await shown(), ["new-done-job"]);

      // The other finished three days before as well (its row aged in the database: the server's
      // clock stays, or the reader's session would end): it goes too, the list is empty, and
      // says no more than that.
      await app.db.query(
        `UPDATE jobs SET updated_at = updated_at - interval '3 days',
                         last_reported_at = last_reported_at - interval '3 days',
                         finished_at = finished_at - interval '3 days'
          WHERE id = 'new-done-job'`,
      );
      assert.equal((await app.services.jobs.cleanup()).deleted, 1);
      await until(
        async () => (await page.locator("tr[data-job]").count()) === 0,
        "every row to leave the page",
      );
      const empty = (await page.locator(".jobs-live").innerText()).replace(/\s+/g, " ");
      assert.match(empty, /No jobs to show\./);
      assert.doesNotMatch(empty, /reported yet/);
      assert.equal(
        await page.evaluate(() => (globalThis as { loaded?: string }).loaded),
        "once",
        "the page was not reloaded",
      );
      assert.equal(
        await page.getAttribute('[data-testid="live-status"]', "data-status"),
        "live",
      );
      assert.deepEqual(watch.problems, []);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
