/**
 * /flags in real Chromium: the edit and "Why?" forms work with JavaScript
 * off; with JavaScript on, the rollout preview island follows the form and
 * buckets ids exactly as the server does, without any CSP violation.
 */
import assert from "node:assert/strict";
import { sampleOn } from "../../islands/FlagRolloutPreview.tsx";
import { bucketOf } from "../../lib/flags/hash.ts";
import { buildTestApp } from "../helpers/app.ts";
import { signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

Deno.test({
  name:
    "browser: /flags forms work without JavaScript; the rollout preview island follows the form",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    await app.services.flags.set("ui.flag", { enabled: true, rolloutPercent: 30 }, {
      actor: { type: "system" },
    });
    const admin = await signInAs(app, "ADMIN");
    const server = serve(app);
    const browser = await launchBrowser();
    const [name, value] = admin.cookie.split("=") as [string, string];
    const cookies = [{ name, value, url: server.url }];
    try {
      await t.step("without JavaScript: save the rollout and ask why", async () => {
        const context = await browser.newContext({ javaScriptEnabled: false });
        await context.addCookies(cookies);
        const page = await context.newPage();
        await page.goto(`${server.url}/flags/ui.flag`);
        assert.match(await page.textContent("h1") ?? "", /ui\.flag/);
        await page.fill("#rollout-percent", "60");
        await Promise.all([
          page.waitForURL(/\/flags\/ui\.flag\?notice=saved$/),
          page.click("form.form-card button[type=submit]"),
        ]);
        assert.match(await page.textContent("p.notice--ok") ?? "", /The flag was saved/);
        assert.equal(app.services.flags.get("ui.flag")?.rolloutPercent, 60);

        await page.fill('input[name="userId"]', "user-42");
        await page.selectOption('select[name="mode"]', "LIVE");
        await page.click("form.filter-form button[type=submit]");
        const answer = await page.textContent('[data-testid="why-answer"]') ?? "";
        const bucket = bucketOf("ui.flag", "user-42");
        assert.match(answer, new RegExp(`bucket ${bucket} and the rollout is 60%`));
        await context.close();
      });

      await t.step(
        "with JavaScript: the preview follows the rollout field and buckets an id",
        async () => {
          const page = await browser.newPage();
          await page.context().addCookies(cookies);
          const watch = watchPage(page);
          await page.goto(`${server.url}/flags/ui.flag`);
          const idInput = page.locator('[data-testid="preview-id"]');
          await idInput.waitFor();
          await page.waitForFunction(() =>
            !(document.querySelector('[data-testid="preview-id"]') as HTMLInputElement).disabled
          );
          await page.fill("#rollout-percent", "10");
          await page.waitForFunction(
            (expected) =>
              document.querySelector('[data-testid="preview-summary"]')?.textContent?.includes(
                expected,
              ),
            `${sampleOn("ui.flag", 10)} of 1000`,
          );
          await idInput.fill("user-42");
          const bucket = bucketOf("ui.flag", "user-42");
          const text = await page.textContent('[data-testid="preview-bucket"]') ?? "";
          assert.match(text, new RegExp(`Bucket ${bucket}: ${bucket <= 10 ? "on" : "off"} at 10%`));
          // The preview changed nothing on the server.
          assert.equal(app.services.flags.get("ui.flag")?.rolloutPercent, 60);
          assert.deepEqual(watch.problems, []);
          await page.close();
        },
      );
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
