/**
 * The start page's mode badge in real Chromium. Signed in, it follows the event stream the
 * governance panel uses, so a researcher sees an ADMIN's mode change within a moment instead of
 * at the next 15-second check (before, the badge said DEMO for up to 15 s after the change);
 * signed out, or with the stream down, it checks `/health` every 15 s and says so. Its label
 * says which of the two it is doing and how current the mode shown is.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { type Session, signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

/** Bounds a hung test only; the stream brings a change in well under a second. */
const WAIT = { timeout: 30_000 };

async function contextFor(browser: Browser, url: string, session?: Session) {
  const context: BrowserContext = await browser.newContext();
  if (session) {
    const [name, value] = session.cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url }]);
  }
  return context;
}

async function setMode(app: TestApp, admin: Session, mode: string): Promise<void> {
  const response = await app.request("/api/governance/mode", {
    method: "POST",
    headers: admin.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ mode }),
  });
  assert.equal(response.status, 200);
  await response.body?.cancel();
}

async function badge(page: Page): Promise<{ mode: string; source: string; label: string }> {
  return {
    mode: await page.textContent('[data-testid="mode-value"]') ?? "",
    source: await page.getAttribute(".mode-badge__live", "data-source") ?? "",
    label: (await page.textContent(".mode-badge__live") ?? "").trim(),
  };
}

Deno.test({
  name:
    "browser: the start page's mode badge follows a mode change over the event stream when signed in, and says how current it is",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const admin = await signInAs(app, "ADMIN");

      await t.step("a researcher's badge shows the ADMIN's change without reload", async () => {
        const researcher = await signInAs(app, "RESEARCHER");
        const context = await contextFor(browser, server.url, researcher);
        const page = await context.newPage();
        const watch = watchPage(page);
        await page.goto(`${server.url}/`);
        await page.waitForSelector('.mode-badge__live[data-live="yes"]', WAIT);
        assert.equal((await badge(page)).mode, "DEMO");
        let navigations = 0;
        page.on("framenavigated", () => navigations++);

        await setMode(app, admin, "STANDBY");
        await page.waitForSelector('[data-testid="mode-value"]:text-is("STANDBY")', WAIT);
        await setMode(app, admin, "LIVE");
        await page.waitForSelector('[data-testid="mode-value"]:text-is("LIVE")', WAIT);
        assert.equal(navigations, 0, "no reload");
        const { source, label } = await badge(page);
        assert.equal(source, "stream");
        assert.match(label, /^Live: follows each change · confirmed .+$/);
        assert.deepEqual(watch.problems, []);
        await context.close();
      });

      await t.step("with the stream down, it checks every 15 s and says so", async () => {
        const researcher = await signInAs(app, "RESEARCHER");
        const context = await contextFor(browser, server.url, researcher);
        const page = await context.newPage();
        await page.route("**/api/stream*", (route) => route.fulfill({ status: 503, body: "" }));
        await page.goto(`${server.url}/`);
        await page.waitForSelector('.mode-badge__live[data-source="poll"]', WAIT);
        const { mode, label } = await badge(page);
        assert.equal(mode, "LIVE");
        assert.match(label, /^Live updates unavailable · checked .+, again every 15 s$/);
        await context.close();
      });

      await t.step("signed out, it checks /health every 15 s and says so", async () => {
        const context = await contextFor(browser, server.url);
        const page = await context.newPage();
        const streams: string[] = [];
        page.on("request", (request) => {
          if (request.url().includes("/api/stream")) streams.push(request.url());
        });
        await page.goto(`${server.url}/`);
        await page.waitForSelector('.mode-badge__live[data-source="poll"]', WAIT);
        assert.match((await badge(page)).label, /^Checked .+, again every 15 s$/);
        assert.deepEqual(streams, [], "no stream is opened without a session");
        await context.close();
      });

      await t.step("when the session ends, it goes on checking /health", async () => {
        const researcher = await signInAs(app, "RESEARCHER");
        const context = await contextFor(browser, server.url, researcher);
        const page = await context.newPage();
        await page.goto(`${server.url}/`);
        await page.waitForSelector('.mode-badge__live[data-source="stream"]', WAIT);
        const response = await app.request("/api/auth/logout", {
          method: "POST",
          headers: researcher.headers(),
        });
        assert.equal(response.status < 300, true, `logout answered ${response.status}`);
        await response.body?.cancel();
        await page.waitForSelector('.mode-badge__live[data-source="poll"]', WAIT);
        assert.match((await badge(page)).label, /^Checked .+, again every 15 s$/);
        assert.equal((await badge(page)).mode, "LIVE");
        await context.close();
      });
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
