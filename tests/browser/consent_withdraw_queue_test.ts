/**
 * Browser: withdrawing analytics consent drops the analytics client's queue. Events queued
 * before the withdrawal (the page view of /settings/privacy, and the page view of the user's
 * other tab) are not sent after it: not by the withdrawal page's `pagehide` flush, not by the
 * other tab's (told by a BroadcastChannel), so nothing recorded before a withdrawal (with
 * erasure) leaves the browser after it. Until the withdrawal, the server answers every delivery
 * 503 with a long Retry-After, so the events stay queued as behind an unavailable server.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { buildTestApp } from "../helpers/app.ts";
import { createUser, TEST_PASSWORD } from "../helpers/auth.ts";
import { launchBrowser, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const EVENTS = "/api/analytics/events";

/** Waits until the page's ConsentBanner island has hydrated (and started the client). */
async function hydrated(page: Page): Promise<void> {
  await page.waitForSelector('.consent[data-ready="yes"]', { state: "attached" });
}

Deno.test({
  name: "browser: a withdrawal drops the analytics queue of its page and of the user's other tabs",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await buildTestApp();
    // The app behind a server that sees every delivery, keepalive ones sent as a page leaves
    // included (the browser does not report those to the page).
    let withdrawn = false;
    const sentAfter: string[] = [];
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (request, info) => {
        const path = new URL(request.url).pathname;
        if (path === "/settings/privacy/revoke") withdrawn = true;
        if (path === EVENTS) {
          if (!withdrawn) {
            await request.body?.cancel();
            return new Response(null, { status: 503, headers: { "retry-after": "3600" } });
          }
          sentAfter.push(await request.clone().text());
        }
        return await app.app.fetch(request, { remoteAddr: info.remoteAddr });
      },
    );
    const url = `http://127.0.0.1:${server.addr.port}`;
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const user = await createUser(app, { role: "RESEARCHER" });
      await app.services.consent.grant(user.id, { consentType: "analytics" }, {
        actor: { type: "user", id: user.id },
        gpc: false,
      });
      const context = await browser.newContext();
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(`${url}/login`);
      await page.fill('input[name="email"]', user.email);
      await page.fill('input[name="password"]', TEST_PASSWORD);
      await page.click('button[type="submit"]');
      await page.waitForURL(`${url}/`);

      // Another tab with the client running and its page view queued.
      const other = await context.newPage();
      await other.goto(`${url}/jobs`);
      await hydrated(other);
      await page.goto(`${url}/settings/privacy`);
      await hydrated(page);

      await page.check('input[name="erase"]');
      await page.click('button:has-text("Turn off usage analytics")');
      await page.waitForURL(/\/settings\/privacy\?/);
      assert.equal(await page.textContent('[data-testid="analytics-state"]'), "Off");
      // Both tabs leave: a pagehide flush would send what they still queue.
      await other.goto("about:blank");
      await page.goto("about:blank");
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.ok(withdrawn, "the withdrawal reached the server");
      assert.deepEqual(sentAfter, [], "no tab sent anything after the withdrawal");
      const [row] = await app.db.query<{ n: number }>(
        "SELECT count(*)::int8 AS n FROM analytics_events WHERE user_id = $1",
        [user.id],
      );
      assert.equal(row!.n, 0);
      assert.deepEqual(watch.problems, []);
      await context.close();
    } finally {
      await browser?.close();
      await server.shutdown();
      await app.dispose();
    }
  },
});
