/**
 * A job deleted on the server leaves an open /jobs page at the page's next read of the list,
 * without a reload. Retention deletes finished jobs and, since 68580ef, unfinished jobs silent
 * for JOB_RETENTION_DAYS; the page merged each answer into what it showed, so such a job stayed,
 * marked stalled, until the page was reloaded. Real Chromium; the server runs on a manual clock
 * and the page on Playwright's.
 */
import assert from "node:assert/strict";
import { manualClock } from "../../lib/clock.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createToken, signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const enabled = hasChromium();
const DAY_MS = 86_400_000;

async function report(app: TestApp, token: string, id: string, body: unknown) {
  const response = await app.request(`/api/jobs/${id}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  await response.body?.cancel();
}

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
      await report(app, worker, "silent-job", { status: "progress", progress: 20 });
      await report(app, worker, "old-done-job", { status: "completed" });
      clock.advance(3 * DAY_MS);
      // ...and one that reports now.
      await report(app, worker, "busy-job", { status: "progress", progress: 10 });
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
