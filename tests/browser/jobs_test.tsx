/**
 * Stalled jobs on /jobs in real Chromium: a job that stops reporting is marked stalled
 * while the page is open (no reload), and the mark goes when the job reports again. The
 * server runs on a manual clock and the page on Playwright's, moved in step.
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

Deno.test({
  name: "browser: a job that stops reporting is marked stalled live, and cleared when it reports",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const clock = manualClock(Date.now());
    const app = await buildTestApp({ clock, env: { JOB_STALL_AFTER_MINUTES: "1" } });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const steward = await signInAs(app, "STEWARD");
      const worker = await createToken(app, { scopes: ["jobs:write"] });
      await reportJob(app, worker, "quiet-job", { status: "started" });
      clock.advance(50_000);

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
      // 50 s of silence: not yet.
      const row = 'tr[data-job="quiet-job"]';
      await page.waitForSelector(row);
      assert.equal(await page.locator(`${row} .badge--danger`).count(), 0);
      assert.equal(await page.locator('[data-testid="jobs-stalled"]').count(), 0);

      // 30 s later on both clocks (80 s of silence): marked, without reload.
      clock.advance(30_000);
      await page.clock.runFor(30_000);
      await page.waitForSelector(`${row} .badge--danger:text-is("stalled")`, { timeout: 30_000 });
      assert.match(
        await page.textContent('[data-testid="jobs-stalled"]') ?? "",
        /1 job has not reported for more than 1 minute: a worker may have stopped/,
      );

      // It reports again: the mark goes.
      await reportJob(app, worker, "quiet-job", { status: "progress", progress: 40 });
      await page.waitForSelector(`${row} progress[value="40"]`, { timeout: 30_000 });
      assert.equal(await page.locator(`${row} .badge--danger`).count(), 0);
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
  name: "browser: a poll answer slower than the live events does not undo them",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await buildTestApp();
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const steward = await signInAs(app, "STEWARD");
      const worker = await createToken(app, { scopes: ["jobs:write"] });
      const context = await browser.newContext();
      const [name, value] = steward.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: server.url }]);
      const page = await context.newPage();
      const watch = watchPage(page);
      // The list refresh sent when the stream says hello is answered by the server at once
      // (no job yet) but reaches the page only after the live events below. A marker row is
      // added to that answer so the test can see when the page has taken it in.
      let releasePoll!: () => void;
      const pollHeld = new Promise<void>((resolve) => (releasePoll = resolve));
      let polls = 0;
      await page.route("**/api/jobs?*", async (route) => {
        polls++;
        const response = await route.fetch();
        const body = await response.json() as { jobs: unknown[] };
        await pollHeld;
        const marker = {
          id: `poll-marker-${polls}`,
          researchId: null,
          status: "started",
          progress: 0,
          updatedAt: "2026-01-01T00:00:00.000Z",
        };
        await route.fulfill({ response, json: { jobs: [...body.jobs, marker] } });
      });
      await page.goto(`${server.url}/jobs`);
      await page.waitForSelector('[data-testid="live-status"][data-status="live"]', {
        timeout: 15_000,
      });
      await until(() => polls >= 1, "the hello's list refresh");
      await reportJob(app, worker, "late-poll-job", { status: "started" });
      await reportJob(app, worker, "late-poll-job", { status: "progress", progress: 30 });
      const row = 'tr[data-job="late-poll-job"] progress[value="30"]';
      await page.waitForSelector(row, { timeout: 30_000 });
      releasePoll();
      await page.waitForSelector('tr[data-job="poll-marker-1"]', { timeout: 30_000 });
      assert.equal(await page.locator(row).count(), 1, "the live row survives the late answer");

      // Screen readers hear that jobs started and finished, not each progress tick; the table
      // itself is not a live region. The last news came with the poll answer (its marker row).
      const said = () => page.textContent('[data-testid="jobs-announcement"]');
      assert.equal(await said(), "Job poll-marker-1 started.");
      assert.equal(await page.locator('[data-testid="jobs-table"][aria-live]').count(), 0);
      await reportJob(app, worker, "late-poll-job", { status: "progress", progress: 60 });
      await page.waitForSelector('tr[data-job="late-poll-job"] progress[value="60"]');
      assert.equal(await said(), "Job poll-marker-1 started.");
      await reportJob(app, worker, "late-poll-job", { status: "completed" });
      await page.waitForFunction(
        () =>
          document.querySelector('[data-testid="jobs-announcement"]')?.textContent ===
            "Job late-poll-job completed.",
        undefined,
        { timeout: 30_000 },
      );
      assert.equal(
        await page.getAttribute('[data-testid="jobs-announcement"]', "role"),
        "status",
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
