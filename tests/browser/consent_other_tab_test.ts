/**
 * Browser: a consent choice made in one tab closes the banner of the user's other open tabs, with
 * a status saying what the server now holds, so a second tab no longer offers (and silently
 * overrides) a choice already made. Allow and No thanks in the banner are told at once
 * (BroadcastChannel); a choice made on /settings/privacy, whose page may carry no island, is
 * found when the other tab regains focus.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createUser, TEST_PASSWORD } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const BANNER = { name: "Usage analytics" } as const;

async function signIn(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', TEST_PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${url}/`);
}

async function twoTabs(
  browser: Browser,
  url: string,
  email: string,
): Promise<{ context: BrowserContext; a: Page; b: Page }> {
  const context = await browser.newContext();
  const a = await context.newPage();
  await signIn(a, url, email);
  const b = await context.newPage();
  await b.goto(`${url}/jobs`);
  for (const page of [a, b]) {
    await page.getByRole("region", BANNER).waitFor();
    await page.waitForSelector('.consent[data-ready="yes"]');
  }
  return { context, a, b };
}

async function consentRows(app: TestApp, userId: string): Promise<string[]> {
  const rows = await app.db.query<{ state: string }>(
    "SELECT state FROM user_consents WHERE user_id = $1 ORDER BY seq",
    [userId],
  );
  return rows.map((row) => row.state);
}

Deno.test({
  name: "browser: a consent choice in one tab closes the banner in the user's other tabs",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const server = serve(app);
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();

      await t.step("Allow in one tab: the other tab's banner closes, saying so", async () => {
        const user = await createUser(app, { role: "RESEARCHER" });
        const { context, a, b } = await twoTabs(browser!, server.url, user.email);
        try {
          const watch = watchPage(b);
          await a.getByRole("region", BANNER).getByRole("button", { name: "Allow" }).click();
          await b.getByRole("region", BANNER).waitFor({ state: "detached", timeout: 30_000 });
          const status = b.getByRole("status").filter({ hasText: "usage analytics" });
          assert.match(await status.textContent() ?? "", /allowed usage analytics elsewhere/i);
          assert.deepEqual(await consentRows(app, user.id), ["granted"]);
          assert.deepEqual(watch.problems, []);
        } finally {
          await context.close();
        }
      });

      await t.step("No thanks in one tab: the other tab's banner closes, saying so", async () => {
        const user = await createUser(app, { role: "RESEARCHER" });
        const { context, a, b } = await twoTabs(browser!, server.url, user.email);
        try {
          await a.getByRole("region", BANNER).getByRole("button", { name: "No thanks" }).click();
          await b.getByRole("region", BANNER).waitFor({ state: "detached", timeout: 30_000 });
          const status = b.getByRole("status").filter({ hasText: "usage analytics" });
          assert.match(await status.textContent() ?? "", /said no to usage analytics elsewhere/i);
          assert.deepEqual(await consentRows(app, user.id), ["declined"]);
        } finally {
          await context.close();
        }
      });

      await t.step(
        "a choice on /settings/privacy is found when the other tab regains focus",
        async () => {
          const user = await createUser(app, { role: "RESEARCHER" });
          const { context, a, b } = await twoTabs(browser!, server.url, user.email);
          try {
            await a.goto(`${server.url}/settings/privacy`);
            await a.click('form[action="/settings/privacy/grant"] button[type="submit"]');
            await a.waitForURL(`${server.url}/settings/privacy?notice=granted`);
            await b.bringToFront();
            await b.evaluate(() => globalThis.dispatchEvent(new Event("focus")));
            await b.getByRole("region", BANNER).waitFor({ state: "detached", timeout: 30_000 });
            assert.deepEqual(await consentRows(app, user.id), ["granted"]);
          } finally {
            await context.close();
          }
        },
      );
    } finally {
      await browser?.close();
      await server.close();
      await app.dispose();
    }
  },
});
