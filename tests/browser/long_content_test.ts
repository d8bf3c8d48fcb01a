/**
 * Long keys and descriptions on a desktop screen (1280 px wide), in real Chromium: a flag key as
 * long as keys may be (100 characters, no space) and a 480-character description without a
 * space must wrap inside their column, so that every data table fits its scrolling region and
 * the columns after the key (rollout, gates, version; the on/off buttons of the governance
 * panel; the audit log's Change column) stay on screen without scrolling sideways. Before, the
 * key column alone was about 1000 px wide and the description made the table 5500 px wide.
 *
 * A failure names the page, the table and the widths (never the page's text).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { buildTestApp } from "../helpers/app.ts";
import { signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, settle, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const ACTOR = { actor: { type: "system" as const } };

/** 100 characters, the longest key the schema accepts; letters only, nothing PHI-shaped. */
const LONG_KEY = "study.enrolment.consent_form_redesign_for_multi_site_trials.phase_two" +
  ".rollout_wave_alpha_bravo_delta";
/** 480 characters without a space. */
assert.equal(LONG_KEY.length, 100);
const LONG_DESCRIPTION = "Rolloutwaveforthemultisiteconsentformredesign".repeat(11).slice(0, 480);

/**
 * Every `table.data` of the page whose box is wider than its scrolling region (or the window),
 * and every button inside one that ends past the window's right edge.
 */
async function overflowing(page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const problems: string[] = [];
    const viewport = document.documentElement.clientWidth;
    const tables = [...document.querySelectorAll<HTMLTableElement>("table.data")];
    for (const [i, table] of tables.entries()) {
      const name = table.getAttribute("aria-label") ?? table.getAttribute("data-testid") ??
        `table ${i + 1}`;
      const box = table.parentElement!;
      const width = Math.round(table.getBoundingClientRect().width);
      if (width > box.clientWidth + 1) {
        problems.push(`${name}: table ${width} px in a ${box.clientWidth} px region`);
      }
      for (const button of table.querySelectorAll<HTMLElement>("button, summary, a.button")) {
        const right = Math.round(button.getBoundingClientRect().right);
        if (right > viewport + 1) {
          problems.push(`${name}: a button ends at ${right} px, the window at ${viewport} px`);
        }
      }
    }
    if (document.documentElement.scrollWidth > viewport + 1) {
      problems.push(`page ${document.documentElement.scrollWidth} px wide`);
    }
    return problems;
  });
}

Deno.test({
  name: "browser: a 100-character key and a 480-character description wrap; tables fit at 1280 px",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    await app.services.flags.set(LONG_KEY, {
      enabled: true,
      rolloutPercent: 30,
      requiredModes: ["DEMO", "LIVE"],
      targetEnvironments: ["development", "production"],
    }, ACTOR);
    await app.services.flags.set("short.flag", {
      enabled: false,
      description: LONG_DESCRIPTION,
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const server = serve(app);
    const browser = await launchBrowser();
    const [name, value] = admin.cookie.split("=") as [string, string];
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addCookies([{ name, value, url: server.url }]);
      const page = await context.newPage();
      const watch = watchPage(page);

      await t.step("/flags: the flags table fits, Version on screen", async () => {
        await page.goto(`${server.url}/flags`);
        await settle(page);
        assert.deepEqual(await overflowing(page), []);
        const version = await page.locator('table[aria-label="Feature flags"] th', {
          hasText: "Version",
        }).boundingBox();
        assert.ok(version && version.x + version.width <= 1280, "Version column on screen");
      });

      await t.step("/flags/<key>: the detail page fits", async () => {
        await page.goto(`${server.url}/flags/${LONG_KEY}`);
        await settle(page);
        assert.deepEqual(await overflowing(page), []);
      });

      await t.step("/governance: the panel's flag table fits with its buttons", async () => {
        await page.goto(`${server.url}/governance`);
        await settle(page);
        await page.waitForSelector(`button[data-toggle="${LONG_KEY}"]`);
        assert.deepEqual(await overflowing(page), []);
        // The second step of a toggle names the key in its question.
        await page.click(`button[data-toggle="${LONG_KEY}"]`);
        await page.waitForSelector("[data-confirm-toggle]");
        assert.deepEqual(await overflowing(page), []);
        const confirm = await page.locator("[data-confirm-toggle]").boundingBox();
        assert.ok(confirm && confirm.x + confirm.width <= 1280, "confirm button on screen");
      });

      await t.step("/audit: the Target column wraps the key", async () => {
        await page.goto(`${server.url}/audit`);
        await settle(page);
        assert.deepEqual(await overflowing(page), []);
      });
      assert.deepEqual(watch.problems, []);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
