/**
 * The mode switch's confirmation says what the chosen mode does, in real Chromium: hydrated,
 * the island shows the chosen mode's text; with JavaScript off, the server's page shows the one
 * whose radio button is checked (the stylesheet's :has()), and the form still changes the mode.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { buildTestApp } from "../helpers/app.ts";
import { signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, settle, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

/** The confirmation's label as a person sees it (hidden texts left out). */
async function confirmation(page: Page): Promise<string> {
  return (await page.locator("label.mode-switch__confirm").innerText()).replace(/\s+/g, " ");
}

Deno.test({
  name:
    "browser: the mode switch's confirmation says what the chosen mode does, with and without JavaScript",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const admin = await signInAs(app, "ADMIN");
    const server = serve(app);
    const browser = await launchBrowser();
    const [name, value] = admin.cookie.split("=") as [string, string];
    const cookies = [{ name, value, url: server.url }];
    try {
      await t.step("hydrated: the text follows the radio button", async () => {
        const context = await browser.newContext();
        await context.addCookies(cookies);
        const page = await context.newPage();
        const watch = watchPage(page);
        await page.goto(`${server.url}/governance`);
        await settle(page);
        assert.match(await confirmation(page), /Choose a mode above to see what it does/);
        await page.check('input[name="mode"][value="STANDBY"]');
        const standby = await confirmation(page);
        assert.match(standby, /STANDBY refuses changes \(adding accounts and setting passwords,/);
        assert.match(standby, /job progress reports from the worker\)/);
        assert.doesNotMatch(standby, /LIVE accepts/);
        await page.check('input[name="mode"][value="LIVE"]');
        const live = await confirmation(page);
        assert.match(live, /LIVE accepts every change\. Usage analytics are recorded as live data/);
        assert.doesNotMatch(live, /STANDBY refuses/);
        assert.deepEqual(watch.problems, []);
        await context.close();
      });

      await t.step(
        "without JavaScript: the checked mode's text shows, and the form works",
        async () => {
          const context = await browser.newContext({ javaScriptEnabled: false });
          await context.addCookies(cookies);
          const page = await context.newPage();
          await page.goto(`${server.url}/governance`);
          assert.match(await confirmation(page), /Choose a mode above to see what it does/);
          assert.doesNotMatch(await confirmation(page), /refuses|accepts/);
          await page.check('input[name="mode"][value="LIVE"]');
          assert.match(await confirmation(page), /LIVE accepts every change/);
          await page.check('input[name="mode"][value="STANDBY"]');
          const standby = await confirmation(page);
          assert.match(standby, /STANDBY refuses changes/);
          assert.doesNotMatch(standby, /LIVE accepts|Choose a mode/);
          await page.check('input[name="confirm"]');
          await Promise.all([
            page.waitForURL(/\/governance\?changed=STANDBY$/),
            page.click('form.mode-switch button[type="submit"]'),
          ]);
          assert.equal(app.services.mode.current(), "STANDBY");
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
