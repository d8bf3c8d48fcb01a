/**
 * The mode badge and the governance console in real Chromium on an instance pinned by ROS_MODE,
 * while another instance (not pinned) changes the stored mode: a mixed rollout as the runbook's
 * emergency pin makes one. They must go on showing the pinned instance's mode — the one it
 * enforces — not the stored mode the other instance's event names (before, the badge said
 * "MODE LIVE … confirmed" and the console "Current mode LIVE" next to "Pinned.", while the pinned
 * instance still served STANDBY).
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import type { TestApp } from "../helpers/app.ts";
import { type Session, signInAs } from "../helpers/auth.ts";
import { readUpToNow } from "../helpers/bus_marker.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium, hasPostgres, hasRedis } from "../helpers/env.ts";
import { startPair } from "../helpers/mixed_pair.ts";

/** Bounds a hung test only. */
const WAIT = { timeout: 30_000 };
const SYSTEM = { type: "system" as const };

async function pageFor(browser: Browser, url: string, session: Session, path: string) {
  const context = await browser.newContext();
  const [name, value] = session.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url }]);
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(`${url}${path}`);
  // A stream of the page's own to the same instance, on which the test's markers arrive: the
  // instance hands an event to all its streams at once, so once a later marker is here the
  // islands' stream has been handed the mode change (or left it out).
  await page.evaluate(() => {
    const seen: string[] = [];
    (globalThis as unknown as { markers: string[] }).markers = seen;
    const source = new EventSource("/api/stream?topic=all");
    source.addEventListener("job.progress", (e) => {
      seen.push(String(JSON.parse((e as MessageEvent).data).payload.jobId));
    });
  });
  return { page, watch, close: () => context.close() };
}

/** Publishes a marker on A; resolves once it has reached `page` through B. */
async function marker(a: TestApp, b: TestApp, page: Page, jobId: string): Promise<void> {
  await readUpToNow(a.services.bus, b.services.bus, jobId);
  await page.waitForFunction(
    (id) => (globalThis as unknown as { markers?: string[] }).markers?.includes(id) === true,
    jobId,
    WAIT,
  );
}

Deno.test({
  name:
    "browser: on an instance pinned by ROS_MODE, the mode badge and the governance console keep its mode when another instance sets LIVE",
  ignore: !(hasChromium() && hasPostgres() && hasRedis()),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const pair = await startPair({ ROS_MODE: "STANDBY", RATE_LIMIT_PER_MIN: "0" });
    const served = serve(pair.b);
    const browser = await launchBrowser();
    try {
      const { a, b } = pair;
      const researcher = await signInAs(b, "RESEARCHER");
      const admin = await signInAs(b, "ADMIN");
      const start = await pageFor(browser, served.url, researcher, "/");
      await start.page.waitForSelector('.mode-badge__live[data-source="stream"]', WAIT);
      const panel = await pageFor(browser, served.url, admin, "/governance");
      await panel.page.waitForSelector('[data-testid="live-status"][data-status="live"]', WAIT);
      assert.equal(await start.page.textContent('[data-testid="mode-value"]'), "STANDBY");
      assert.equal(await panel.page.textContent('[data-testid="governance-mode"]'), "STANDBY");

      await a.services.mode.setMode("LIVE", SYSTEM);
      await marker(a, b, start.page, "modefix-badge-1");
      await marker(a, b, panel.page, "modefix-console-1");
      // A second round: anything the first change set off on the page has arrived too.
      await marker(a, b, start.page, "modefix-badge-2");
      await marker(a, b, panel.page, "modefix-console-2");

      assert.equal(b.services.mode.current(), "STANDBY", "B enforces its pin");
      assert.equal(await start.page.textContent('[data-testid="mode-value"]'), "STANDBY");
      assert.ok(await start.page.isVisible(".mode-badge__pin"), "the badge still says pinned");
      assert.equal(await panel.page.textContent('[data-testid="governance-mode"]'), "STANDBY");
      assert.ok(await panel.page.isVisible('[data-testid="pinned-reason"]'));
      assert.deepEqual([...start.watch.problems, ...panel.watch.problems], []);
      await start.close();
      await panel.close();
    } finally {
      await browser.close();
      await served.close();
      await pair.close();
    }
  },
});
