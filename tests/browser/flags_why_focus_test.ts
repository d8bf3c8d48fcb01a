/**
 * The flag page's "Why is it on or off?" answer takes the focus and is in view after the reload:
 * at 360x740 a steward who typed an id and pressed Enter was left on BODY at the top of the page,
 * the answer (a role=status already in the page when it loads, so not announced) mostly below the
 * window. The form posts to `/flags/<key>/why#why-answer` and the answer is focused on load, as
 * a refused question's error summary is; with JavaScript on and off.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "../helpers/app.ts";
import { signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

Deno.test({
  name: "browser: the flag page's Why answer is focused and in view after Enter, at 360x740",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    await app.services.flags.set("why.focus", { enabled: true, rolloutPercent: 50 }, {
      actor: { type: "system" },
    });
    const steward = await signInAs(app, "STEWARD");
    const server = serve(app);
    const browser = await launchBrowser();
    const [name, value] = steward.cookie.split("=") as [string, string];
    try {
      for (const javaScriptEnabled of [true, false]) {
        await t.step(`JavaScript ${javaScriptEnabled ? "on" : "off"}`, async () => {
          const context = await browser.newContext({
            javaScriptEnabled,
            viewport: { width: 360, height: 740 },
          });
          await context.addCookies([{ name, value, url: server.url }]);
          const page = await context.newPage();
          await page.goto(`${server.url}/flags/why.focus`);
          await page.fill('input[name="userId"]', "u1");
          await Promise.all([
            page.waitForURL(/\/flags\/why\.focus\/why#why-answer$/),
            page.press('input[name="userId"]', "Enter"),
          ]);
          await page.locator("#why-answer").waitFor();
          const state = await page.evaluate(() => {
            const answer = document.getElementById("why-answer")!;
            const box = answer.getBoundingClientRect();
            return {
              active: document.activeElement?.id ?? document.activeElement?.tagName,
              role: answer.getAttribute("role"),
              top: box.top,
              bottom: box.bottom,
              height: innerHeight,
            };
          });
          assert.equal(state.active, "why-answer");
          assert.equal(state.role, "status");
          assert.ok(state.top >= 0 && state.bottom <= state.height, JSON.stringify(state));
          assert.match(await page.textContent("#why-answer") ?? "", /^(On|Off) \(/);
          await context.close();
        });
      }
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
