/**
 * A stalled mark on an open /jobs page goes when the worker repeats a callback that changes
 * nothing (alive, no new progress): no event is published for it, so the page re-reads the list
 * at its next stall check while it shows a mark. Real Chromium; the server runs on a manual
 * clock and the page on Playwright's, moved in step.
 */
import assert from "node:assert/strict";
import { manualClock } from "../../lib/clock.ts";
import { buildTestApp } from "../helpers/app.ts";
import { createToken, signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";
import { reportJob } from "../helpers/jobs.ts";

const enabled = hasChromium();

Deno.test({
  name: "browser: a repeated callback that changes nothing clears a job's stalled mark live",
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
      await reportJob(app, worker, "slow-job", { status: "progress", progress: 40 });
      clock.advance(90_000);

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
      const row = 'tr[data-job="slow-job"]';
      await page.waitForSelector(`${row} .badge--danger:text-is("stalled")`, { timeout: 30_000 });

      // The worker is alive at 40 %: its repeat changes nothing and publishes nothing...
      assert.equal(
        (await reportJob(app, worker, "slow-job", { status: "progress", progress: 40 })).changed,
        false,
      );
      // ...and the page's next stall check (30 s) finds it reported.
      clock.advance(30_000);
      await page.clock.runFor(30_000);
      await page.waitForFunction(
        (sel) => document.querySelectorAll(`${sel} .badge--danger`).length === 0,
        row,
        { timeout: 30_000 },
      );
      assert.equal(await page.locator('[data-testid="jobs-stalled"]').count(), 0);
      assert.equal(await page.locator(`${row} progress[value="40"]`).count(), 1);
      assert.deepEqual(watch.problems, []);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
