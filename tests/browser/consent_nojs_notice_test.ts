/**
 * Browser without JavaScript: a choice in the consent banner (a plain form post) returns to the
 * page it was made on, and that page says what was chosen, as the banner does when the choice is
 * made in place. Before, the page came back with the banner gone and no word (islands review).
 */
import assert from "node:assert/strict";
import { buildTestApp } from "../helpers/app.ts";
import { createUser, TEST_PASSWORD } from "../helpers/auth.ts";
import { launchBrowser, serve } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const BANNER = { name: "Usage analytics" } as const;

Deno.test({
  name:
    "browser, no JavaScript: Allow and No thanks in the banner are confirmed on the page returned to",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      for (
        const [button, said, state] of [
          ["Allow", /Usage analytics are on/, "granted"],
          ["No thanks", /No usage analytics will be collected/, "declined"],
        ] as const
      ) {
        await t.step(button, async () => {
          const user = await createUser(app, { role: "RESEARCHER" });
          const context = await browser.newContext({ javaScriptEnabled: false });
          const page = await context.newPage();
          await page.goto(`${server.url}/login`);
          await page.fill('input[name="email"]', user.email);
          await page.fill('input[name="password"]', TEST_PASSWORD);
          await page.click('button[type="submit"]');
          await page.waitForURL(`${server.url}/`);
          await page.goto(`${server.url}/jobs`);
          const banner = page.getByRole("region", BANNER);
          await banner.getByRole("button", { name: button }).click();
          await page.waitForURL(`${server.url}/jobs?consent=${state}`);
          assert.equal(await banner.count(), 0, "the banner is gone");
          const note = page.getByRole("status").filter({ hasText: said });
          assert.equal(await note.count(), 1, "the choice is told on the page");
          const rows = await app.db.query<{ state: string }>(
            "SELECT state FROM user_consents WHERE user_id = $1 AND consent_type = 'analytics'",
            [user.id],
          );
          assert.deepEqual(rows.map((row) => row.state), [state]);
          await context.close();
        });
      }
      await t.step(
        "with JavaScript: the told choice is focused, and the word leaves the address",
        async () => {
          const user = await createUser(app, { role: "RESEARCHER" });
          const context = await browser.newContext();
          const page = await context.newPage();
          await page.goto(`${server.url}/login`);
          await page.fill('input[name="email"]', user.email);
          await page.fill('input[name="password"]', TEST_PASSWORD);
          await page.click('button[type="submit"]');
          await page.waitForURL(`${server.url}/`);
          await page.waitForSelector('.consent[data-ready="yes"]');
          // The post a click before the page was ready (or the fallback) makes.
          const banner = page.getByRole("region", BANNER);
          await banner.locator('form[action="/settings/privacy/grant"]').evaluate((form) =>
            (form as HTMLFormElement).submit()
          );
          await page.waitForURL(`${server.url}/?consent=granted`);
          await page.waitForSelector('.consent[data-ready="yes"]');
          await page.waitForFunction(() => location.search === "");
          assert.equal(
            await page.evaluate(() => document.activeElement?.textContent ?? ""),
            "Usage analytics are on. You can turn them off at any time in Privacy settings.",
          );
          await context.close();
        },
      );
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
