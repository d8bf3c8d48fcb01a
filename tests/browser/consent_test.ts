/**
 * Browser: the consent banner appears for a new user, Allow (by keyboard)
 * grants on the server, events flow from the analytics client, and
 * withdrawing on /settings/privacy stops them. "No thanks" is remembered.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import type { User } from "../../lib/auth/mod.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createUser, TEST_PASSWORD } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const EVENTS = "/api/analytics/events";
const BANNER = { name: "Usage analytics" } as const;

async function signInThroughForm(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', TEST_PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${url}/`);
}

async function pageViews(app: TestApp, userId: string): Promise<string[]> {
  const rows = await app.db.query<{ page: string }>(
    `SELECT properties ->> 'page' AS page FROM analytics_events
      WHERE user_id = $1 AND event_name = 'ui.page_view' ORDER BY created_at, client_ts`,
    [userId],
  );
  return rows.map((row) => row.page);
}

async function hydrated(page: Page): Promise<void> {
  await page.waitForSelector('.consent[data-ready="yes"]');
}

Deno.test({
  name:
    "browser: consent banner → Allow → events flow → withdrawal on /settings/privacy stops them",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp();
    const server = serve(app);
    let browser: Browser | undefined;
    let context: BrowserContext | undefined;
    try {
      browser = await launchBrowser();
      const user: User = await createUser(app, { role: "RESEARCHER" });
      context = await browser.newContext();
      const page = await context.newPage();
      const watch = watchPage(page);
      let firstFlush: Promise<Response> | undefined;

      await t.step(
        "a new user sees the banner; Allow by keyboard grants on the server",
        async () => {
          await signInThroughForm(page, server.url, user.email);
          const banner = page.getByRole("region", BANNER);
          await banner.waitFor();
          assert.match(
            await banner.textContent() ?? "",
            /We collect usage events \(no PHI\) to improve ResearchFlow\. Optional\./,
          );
          assert.equal(await banner.getByRole("link", { name: "Privacy settings" }).count(), 1);
          await hydrated(page);

          firstFlush = page.waitForResponse((r) => r.url().endsWith(EVENTS));
          await banner.getByRole("button", { name: "Allow" }).focus();
          await page.keyboard.press("Enter");
          await banner.waitFor({ state: "detached" });
          await page.getByRole("status").filter({ hasText: "Usage analytics are on" }).waitFor();
          assert.equal(
            await page.evaluate(() => document.activeElement?.classList.contains("consent-note")),
            true,
            "focus moves to the confirmation",
          );
          assert.equal(page.url(), `${server.url}/`, "no reload");
          const state = await app.services.consent.analytics(user.id, { gpc: false });
          assert.deepEqual([state.state, state.effective], ["granted", true]);
        },
      );

      await t.step("events flow: the page view of the page where consent was given", async () => {
        const response = await firstFlush!;
        assert.equal(response.status(), 200);
        assert.deepEqual(await pageViews(app, user.id), ["home"]);
      });

      await t.step("the next page records its own page view", async () => {
        const flushed = page.waitForResponse((r) => r.url().endsWith(EVENTS));
        await page.click('header a[href="/settings/privacy"]');
        await page.waitForURL(`${server.url}/settings/privacy`);
        assert.equal((await flushed).status(), 200);
        assert.deepEqual(await pageViews(app, user.id), ["home", "settings_privacy"]);
        assert.equal(await page.textContent('[data-testid="analytics-state"]'), "On");
      });

      await t.step("withdrawing on /settings/privacy (one click) stops them", async () => {
        await page.click('button:has-text("Turn off usage analytics")');
        await page.waitForURL(`${server.url}/settings/privacy?notice=withdrawn`);
        assert.equal(await page.textContent('[data-testid="analytics-state"]'), "Off");
        const stored = await pageViews(app, user.id);
        const calls: string[] = [];
        page.on("request", (request) => {
          if (request.url().endsWith(EVENTS)) calls.push(request.method());
        });
        for (const path of ["/", "/jobs", "/settings/privacy"]) {
          await page.goto(`${server.url}${path}`);
          assert.equal(
            await page.locator('rf-island[data-island="ConsentBanner"]').count(),
            0,
            "no analytics client on the page after withdrawal",
          );
        }
        await page.goto("about:blank"); // a pagehide with nothing to send
        assert.deepEqual(calls, []);
        assert.deepEqual(await pageViews(app, user.id), stored);
        assert.equal(
          (await app.services.consent.analytics(user.id, { gpc: false })).state,
          "revoked",
        );
        assert.deepEqual(watch.problems, []);
      });

      await t.step(
        "No thanks (by keyboard) is stored on the server: the banner does not come back",
        async () => {
          const other = await createUser(app, { role: "STEWARD" });
          const context2 = await browser!.newContext();
          try {
            const page2 = await context2.newPage();
            const watch2 = watchPage(page2);
            await signInThroughForm(page2, server.url, other.email);
            const banner = page2.getByRole("region", BANNER);
            await banner.waitFor();
            await hydrated(page2);
            await banner.getByRole("button", { name: "No thanks" }).focus();
            await page2.keyboard.press("Enter");
            await banner.waitFor({ state: "detached" });
            const state = await app.services.consent.analytics(other.id, { gpc: false });
            assert.equal(state.state, "declined");
            await page2.reload();
            assert.equal(await page2.getByRole("region", BANNER).count(), 0);
            assert.deepEqual(await pageViews(app, other.id), []);
            assert.deepEqual(watch2.problems, []);
          } finally {
            await context2.close();
          }
        },
      );
    } finally {
      await context?.close();
      await browser?.close();
      await server.close();
      await app.dispose();
    }
  },
});
