/**
 * The live governance panel in real Chromium: an ADMIN changes the mode on
 * one page and another page shows it without reload (over SSE); with the
 * stream endpoint failing, the panel still follows by polling.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext } from "playwright-core";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createToken, type Session, signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const enabled = hasChromium();

async function contextFor(
  browser: Browser,
  url: string,
  session: Session,
): Promise<BrowserContext> {
  const context = await browser.newContext();
  const [name, value] = session.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url }]);
  return context;
}

async function setMode(app: TestApp, admin: Session, mode: string) {
  const response = await app.request("/api/governance/mode", {
    method: "POST",
    headers: admin.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ mode }),
  });
  assert.equal(response.status, 200);
  await response.body?.cancel();
}

Deno.test({
  name:
    "browser: a mode change by an ADMIN on one page appears live on another; polling takes over when the stream fails",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp();
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const admin = await signInAs(app, "ADMIN");
      const steward = await signInAs(app, "STEWARD");

      await t.step("the other page shows the ADMIN's change without reload", async () => {
        const adminContext = await contextFor(browser, server.url, admin);
        const stewardContext = await contextFor(browser, server.url, steward);
        const adminPage = await adminContext.newPage();
        const watcherPage = await stewardContext.newPage();
        const watchAdmin = watchPage(adminPage);
        const watchWatcher = watchPage(watcherPage);
        for (const page of [adminPage, watcherPage]) {
          await page.goto(`${server.url}/governance`);
          await page.waitForSelector('[data-testid="live-status"][data-status="live"]', {
            timeout: 15_000,
          });
          assert.equal(await page.textContent('[data-testid="governance-mode"]'), "DEMO");
        }
        let navigations = 0;
        watcherPage.on("framenavigated", () => navigations++);

        await adminPage.check('input[name="mode"][value="STANDBY"]');
        await adminPage.check('input[name="confirm"]');
        await adminPage.click('form.mode-switch button[type="submit"]');

        await watcherPage.waitForSelector('[data-testid="governance-mode"]:text-is("STANDBY")', {
          timeout: 30_000,
        });
        await adminPage.waitForSelector('[data-testid="governance-mode"]:text-is("STANDBY")', {
          timeout: 30_000,
        });
        assert.equal(navigations, 0, "no reload");
        assert.equal(app.services.mode.current(), "STANDBY");
        assert.deepEqual(watchAdmin.problems, []);
        assert.deepEqual(watchWatcher.problems, []);
        await adminContext.close();
        await stewardContext.close();
      });

      await t.step(
        "an answer overtaken by another administrator's change does not put back the older mode",
        async () => {
          await setMode(app, admin, "DEMO");
          const context = await contextFor(browser, server.url, admin);
          const page = await context.newPage();
          // The answer to this panel's change reaches it late; meanwhile another administrator
          // sets STANDBY, whose event arrives first.
          await page.route("**/api/governance/mode*", async (route) => {
            const response = await route.fetch();
            const body = await response.text();
            await setMode(app, admin, "STANDBY");
            await page.waitForSelector('[data-testid="governance-mode"]:text-is("STANDBY")', {
              timeout: 30_000,
            });
            await route.fulfill({ response, body });
          });
          await page.goto(`${server.url}/governance`);
          await page.waitForSelector('[data-testid="live-status"][data-status="live"]', {
            timeout: 15_000,
          });
          await page.check('input[name="mode"][value="LIVE"]');
          await page.check('input[name="confirm"]');
          await page.click('form.mode-switch button[type="submit"]');
          const note = page.locator('[data-testid="mode-switch-message"]');
          await note.waitFor({ timeout: 30_000 });
          assert.match(await note.textContent() ?? "", /overtaken: the mode is now STANDBY/);
          // Before: the pill went back to LIVE and stayed there, the server in STANDBY.
          assert.equal(await page.textContent('[data-testid="governance-mode"]'), "STANDBY");
          assert.equal(app.services.mode.current(), "STANDBY"); // as the steps after expect
          await context.close();
        },
      );

      await t.step(
        "with /api/stream failing, the panel falls back to polling and still updates",
        async () => {
          const context = await contextFor(browser, server.url, steward);
          const page = await context.newPage();
          const watch = watchPage(page);
          await page.clock.install();
          let streamAttempts = 0;
          await page.route("**/api/stream**", (route) => {
            streamAttempts++;
            return route.fulfill({ status: 503, body: "" });
          });
          await page.goto(`${server.url}/governance`);
          await page.waitForSelector('[data-testid="live-status"][data-status="polling"]', {
            timeout: 15_000,
          });
          assert.equal(await page.textContent('[data-testid="governance-mode"]'), "STANDBY");

          await setMode(app, admin, "LIVE");
          await page.clock.runFor(31_000);
          await page.waitForSelector('[data-testid="governance-mode"]:text-is("LIVE")', {
            timeout: 30_000,
          });
          assert.ok(streamAttempts >= 2, "the stream keeps being retried with backoff");
          assert.equal(
            await page.getAttribute('[data-testid="live-status"]', "data-status"),
            "polling",
          );
          assert.deepEqual(watch.problems, []);
          await context.close();
        },
      );
      await t.step("the jobs page shows progress from job events without reload", async () => {
        const context = await contextFor(browser, server.url, steward);
        const page = await context.newPage();
        const watch = watchPage(page);
        await page.goto(`${server.url}/jobs`);
        await page.waitForSelector('[data-testid="live-status"][data-status="live"]', {
          timeout: 15_000,
        });
        const worker = await createToken(app, { scopes: ["jobs:write"] });
        for (const body of [{ status: "started" }, { status: "progress", progress: 60 }]) {
          const response = await app.request("/api/jobs/browser-job/status", {
            method: "POST",
            headers: { authorization: `Bearer ${worker}`, "content-type": "application/json" },
            body: JSON.stringify(body),
          });
          assert.equal(response.status, 200);
          await response.body?.cancel();
        }
        await page.waitForSelector('tr[data-job="browser-job"] progress[value="60"]', {
          timeout: 30_000,
        });
        assert.match(await page.textContent('tr[data-job="browser-job"]') ?? "", /progress/);
        assert.deepEqual(watch.problems, []);
        await context.close();
      });
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "browser: when the session ends while the panel is open, it stops and says so, with a link to sign in again",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await buildTestApp();
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const steward = await signInAs(app, "STEWARD");
      const context = await contextFor(browser, server.url, steward);
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(`${server.url}/governance`);
      await page.waitForSelector('[data-testid="live-status"][data-status="live"]', {
        timeout: 15_000,
      });
      // Signed out elsewhere (another tab, an admin, the idle timeout): the stream ends, the
      // next poll finds the session gone.
      const response = await app.request("/api/auth/logout", {
        method: "POST",
        headers: steward.headers(),
      });
      assert.equal(response.status, 204);
      const status = '[data-testid="live-status"][data-status="signed_out"]';
      await page.waitForSelector(status, { timeout: 15_000 });
      assert.match(await page.textContent(status) ?? "", /Signed out; updates stopped/);
      assert.equal(
        await page.getAttribute(`${status} a`, "href"),
        "/login?next=%2Fgovernance",
      );
      // The browser logged the 401s the page met; nothing else went wrong.
      assert.deepEqual(watch.problems.filter((p) => !/401/.test(p)), []);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
