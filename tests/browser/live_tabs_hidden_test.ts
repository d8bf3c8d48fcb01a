/**
 * Many live tabs in one browser over HTTP/1.1, in real Chromium. Chromium opens at most 6
 * connections per host over HTTP/1.1, and each live island's event stream holds one: with 6 live
 * tabs open, every other request of that browser to the app (a page, a form post, a fetch) waited
 * until a tab was closed. A tab now closes its stream while it is hidden (after a short grace) and
 * opens it again, from the last event id, when it is shown: hidden tabs hold no connection, and a
 * tab shown again ends up with what happened meanwhile.
 *
 * Headless Chromium reports every page as visible (bringToFront changes nothing), so the test
 * hides and shows a tab by overriding `document.hidden`/`visibilityState` and dispatching
 * `visibilitychange`, which is all the live client reads.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { buildTestApp } from "../helpers/app.ts";
import { createToken, signInAs } from "../helpers/auth.ts";
import { launchBrowser, openStreams, serve, setHidden, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";
import { reportJob } from "../helpers/jobs.ts";
import { until } from "../helpers/wait.ts";

/** More tabs than Chromium's 6 connections per host over HTTP/1.1. */
const TABS = 7;
/** Bounds a hung step only; nothing here measures time. */
const WAIT = { timeout: 15_000 };

/** A fetch from the page: its status, or "pending" when it has not answered within `ms`. */
async function fetchWithin(page: Page, path: string, ms: number): Promise<string> {
  return await page.evaluate(
    async ({ path, ms }) => {
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve("pending"), ms));
      const answer = fetch(path).then((r) => String(r.status), (e) => `error: ${e}`);
      return await Promise.race([answer, timeout]);
    },
    { path, ms },
  );
}

Deno.test({
  name:
    "browser: hidden live tabs give their connection back, so 7 /jobs tabs do not block the app, and a tab shown again catches up",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const steward = await signInAs(app, "STEWARD");
      const worker = await createToken(app, { scopes: ["jobs:write"] });
      const metrics = await createToken(app, { scopes: ["metrics:read"] });
      const context = await browser.newContext();
      const [name, value] = steward.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: server.url }]);

      const tabs: Page[] = [];
      const watches: { problems: string[] }[] = [];

      await t.step(`${TABS} /jobs tabs, each hidden once live: their streams close`, async () => {
        for (let i = 0; i < TABS; i++) {
          const page = await context.newPage();
          watches.push(watchPage(page));
          tabs.push(page);
          const loaded = await page.goto(`${server.url}/jobs`, WAIT).then(
            () => true,
            () => false,
          );
          assert.ok(loaded, `tab ${i + 1} loads (the others' streams hold no connection)`);
          await page.waitForSelector('[data-testid="live-status"][data-status="live"]', WAIT);
          await setHidden(page, true);
        }
        await until(
          async () => await openStreams(app, metrics) === 0,
          "the hidden tabs' streams to close",
          15_000,
        );
      });

      await t.step("another tab loads and its fetches answer", async () => {
        const page = await context.newPage();
        const watch = watchPage(page);
        await page.goto(`${server.url}/jobs`, WAIT);
        await page.waitForSelector('[data-testid="live-status"][data-status="live"]', WAIT);
        assert.equal(await fetchWithin(page, "/health", 30_000), "200");
        assert.deepEqual(watch.problems, []);
        await page.close();
      });

      await t.step(
        "a hidden tab shown again gets the job reported while it was hidden",
        async () => {
          const page = tabs[0]!;
          await reportJob(app, worker, "while-hidden", { status: "started" });
          await reportJob(app, worker, "while-hidden", { status: "progress", progress: 40 });
          // Hidden: no stream, so the row has not arrived.
          assert.equal(await page.locator('tr[data-job="while-hidden"]').count(), 0);
          await setHidden(page, false);
          await page.waitForSelector('tr[data-job="while-hidden"]', WAIT);
          await page.waitForSelector('[data-testid="live-status"][data-status="live"]', WAIT);
          assert.equal(await openStreams(app, metrics), 1);
          // Live again: a later report arrives over the stream.
          await reportJob(app, worker, "while-hidden", { status: "completed" });
          await page.waitForFunction(
            () =>
              /completed/i.test(
                document.querySelector('tr[data-job="while-hidden"]')?.textContent ?? "",
              ),
            undefined,
            WAIT,
          );
        },
      );

      await t.step("pagehide closes the stream, pageshow opens it again", async () => {
        const page = tabs[0]!;
        await page.evaluate(() => globalThis.dispatchEvent(new Event("pagehide")));
        await until(async () => await openStreams(app, metrics) === 0, "the stream to close");
        await reportJob(app, worker, "after-pagehide", { status: "started" });
        await page.evaluate(() =>
          globalThis.dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }))
        );
        await page.waitForSelector('tr[data-job="after-pagehide"]', WAIT);
        await until(async () => await openStreams(app, metrics) === 1, "the stream to reopen");
      });

      for (const watch of watches) assert.deepEqual(watch.problems, []);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
