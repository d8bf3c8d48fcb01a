/**
 * Browser: the flag page's rollout preview follows the value the rollout field holds when the
 * island hydrates, not only later `input` events. Typed 75 over a stored 100, left for another
 * page and come back with Back: the browser restores 75 in the field, and the preview said 100%.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "../helpers/app.ts";
import { signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, settle } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

Deno.test({
  name: "browser: the rollout preview shows the restored field value after Back",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    await app.services.flags.set("preview.restore", { enabled: true, rolloutPercent: 100 }, {
      actor: { type: "system" },
    });
    const admin = await signInAs(app, "ADMIN");
    const server = serve(app);
    const browser = await launchBrowser();
    const [name, value] = admin.cookie.split("=") as [string, string];
    try {
      const context = await browser.newContext();
      await context.addCookies([{ name, value, url: server.url }]);
      const page = await context.newPage();
      await page.goto(`${server.url}/flags/preview.restore`);
      await settle(page);
      const summary = page.getByTestId("preview-summary");
      assert.match(await summary.textContent() ?? "", /At 100%/);
      await page.fill("#rollout-percent", "75");
      assert.match(await summary.textContent() ?? "", /At 75%/);

      await page.goto(`${server.url}/flags`);
      await page.goBack();
      await settle(page);
      assert.equal(await page.inputValue("#rollout-percent"), "75", "the browser restored it");
      await page.waitForFunction(
        () =>
          /At 75%/.test(
            document.querySelector('[data-testid="preview-summary"]')?.textContent ?? "",
          ),
        undefined,
        { timeout: 30_000 },
      ).catch(() => {});
      assert.match(await summary.textContent() ?? "", /At 75%/);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
