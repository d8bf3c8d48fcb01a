/**
 * /experiments in real Chromium, with JavaScript off (plain forms): the create form sits below
 * the experiments, so when it is refused its errors are shown at the top, in view, with the
 * keyboard focus on them; a message links to its field, which is marked invalid and described
 * by its message, and "Go to the form" moves the focus to the form's heading.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { buildTestApp } from "../helpers/app.ts";
import { signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const ACTOR = { actor: { type: "system" as const } };

/** What has the focus: its id, test id and tag (never its text). */
async function focused(page: Page): Promise<{ id: string; testid: string; tag: string }> {
  return await page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return {
      id: element?.id ?? "",
      testid: element?.dataset.testid ?? "",
      tag: element?.tagName.toLowerCase() ?? "",
    };
  });
}

Deno.test({
  name:
    "browser: a refused experiment form shows its errors first with the focus, linked to the invalid field",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    // Enough experiments to push the create form below the first screen.
    for (const key of ["pricing.page", "onboarding.copy", "search.ranking", "checkout.flow"]) {
      await app.services.experiments.set({
        key,
        enabled: true,
        description: "A running experiment",
        variants: { control: { weight: 50 }, treatment: { weight: 50 } },
      }, ACTOR);
    }
    const admin = await signInAs(app, "ADMIN");
    const server = serve(app);
    const browser = await launchBrowser();
    const [name, value] = admin.cookie.split("=") as [string, string];
    try {
      const context = await browser.newContext({
        javaScriptEnabled: false,
        viewport: { width: 1280, height: 800 },
      });
      await context.addCookies([{ name, value, url: server.url }]);
      const page = await context.newPage();

      await t.step("a taken key: errors at the top, focused, in view", async () => {
        await page.goto(`${server.url}/experiments`);
        const form = await page.locator('form[action="/experiments"]').boundingBox();
        assert.ok(form && form.y > 800, "the create form starts below the first screen");
        await page.fill('form[action="/experiments"] input[name="key"]', "pricing.page");
        await Promise.all([
          page.waitForLoadState("load"),
          page.click('form[action="/experiments"] button[type=submit]'),
        ]);
        await page.waitForSelector('[data-testid="form-errors"]');
        await page.waitForFunction(() =>
          (document.activeElement as HTMLElement | null)?.dataset.testid === "form-errors"
        );
        const errors = await page.locator('[data-testid="form-errors"]').boundingBox();
        assert.ok(errors && errors.y + errors.height <= 800, "the errors are in view");
        assert.match(
          await page.textContent('[data-testid="form-errors"]') ?? "",
          /Key: an experiment with this key exists already/,
        );
        // The field keeps what was typed, is marked invalid and described by its message.
        const key = page.locator("#new-experiment-key");
        assert.equal(await key.inputValue(), "pricing.page");
        assert.equal(await key.getAttribute("aria-invalid"), "true");
        const described = await key.evaluate((input) =>
          (input.getAttribute("aria-describedby") ?? "").split(" ")
            .map((id) => document.getElementById(id)?.textContent ?? "").join(" ")
        );
        assert.match(described, /Key: an experiment with this key exists already/);
      });

      await t.step("the message's link takes the focus to the field", async () => {
        await page.click('[data-testid="form-errors"] a[href="#new-experiment-key"]');
        assert.equal((await focused(page)).id, "new-experiment-key");
      });

      await t.step("'Go to the form' takes the focus to the form's heading", async () => {
        await page.click('[data-testid="form-errors"] a:text-is("Go to the form")');
        assert.deepEqual(await focused(page), { id: "create-experiment", testid: "", tag: "h2" });
        const heading = await page.locator("#create-experiment").boundingBox();
        assert.ok(heading && heading.y >= 0 && heading.y < 800, "the form's heading is in view");
      });
      await t.step("a refused form keeps 'Start running now' ticked", async () => {
        await page.goto(`${server.url}/experiments`);
        await page.fill('form[action="/experiments"] input[name="key"]', "Not A Key");
        await page.check('form[action="/experiments"] input[name="enabled"]');
        await Promise.all([
          page.waitForLoadState("load"),
          page.click('form[action="/experiments"] button[type=submit]'),
        ]);
        await page.waitForSelector('[data-testid="form-errors"]');
        assert.equal(await page.inputValue("#new-experiment-key"), "Not A Key");
        assert.equal(
          await page.isChecked('form[action="/experiments"] input[name="enabled"]'),
          true,
          "the box the admin ticked is still ticked",
        );
      });

      await t.step("a refused form leaves an unticked box unticked", async () => {
        await page.goto(`${server.url}/experiments`);
        await page.fill('form[action="/experiments"] input[name="key"]', "Not A Key");
        await Promise.all([
          page.waitForLoadState("load"),
          page.click('form[action="/experiments"] button[type=submit]'),
        ]);
        await page.waitForSelector('[data-testid="form-errors"]');
        assert.equal(
          await page.isChecked('form[action="/experiments"] input[name="enabled"]'),
          false,
        );
      });
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
