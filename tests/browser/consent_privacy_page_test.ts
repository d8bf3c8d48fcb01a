/**
 * Browser: /settings/privacy never shows an analytics consent state other than the stored one.
 * The page is the full consent control, drawn on the server; a user who has not chosen sees the
 * choice there once (Allow, No thanks), and whichever of its controls they use, the status the
 * page then shows is the state the server stored.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import type { ConsentView } from "../../lib/consent/mod.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createUser, TEST_PASSWORD } from "../helpers/auth.ts";
import { launchBrowser, serve, settle, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";
import { until } from "../helpers/wait.ts";

/** What the page says for each stored state: the status and its label. */
const SHOWN: Record<ConsentView["state"], [string, string]> = {
  granted: ["On", "Allowed"],
  declined: ["Off", "Declined"],
  revoked: ["Off", "Withdrawn"],
  none: ["Off", "Not chosen yet"],
};

async function signInThroughForm(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', TEST_PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${url}/`);
}

async function stored(app: TestApp, userId: string): Promise<ConsentView["state"]> {
  return (await app.services.consent.analytics(userId, { gpc: false })).state;
}

/** The status line as the page shows it now, e.g. `["Off", "Not chosen yet"]`. */
async function shown(page: Page): Promise<[string, string]> {
  const state = (await page.textContent('[data-testid="analytics-state"]'))?.trim() ?? "";
  const line = await page.locator("p", { has: page.getByTestId("analytics-state") })
    .textContent() ?? "";
  return [state, /\(([^)]*)\)/.exec(line)?.[1] ?? ""];
}

Deno.test({
  name:
    "browser: on /settings/privacy, choosing about analytics leaves the page showing the stored state",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp();
    const server = serve(app);
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      for (
        const [choice, button, expected] of [
          ["Allow", /^Allow/, "granted"],
          ["No thanks", /^No thanks$/, "declined"],
        ] as const
      ) {
        await t.step(`a user with no choice: ${choice}`, async () => {
          const user = await createUser(app, { role: "RESEARCHER" });
          const context = await browser!.newContext();
          try {
            const page = await context.newPage();
            const watch = watchPage(page);
            await signInThroughForm(page, server.url, user.email);
            await page.goto(`${server.url}/settings/privacy`);
            await settle(page);

            assert.deepEqual(await shown(page), SHOWN.none);
            // Whichever control answers first on the page, the page ends showing what is stored.
            await page.getByRole("button", { name: button }).first().click();
            await until(async () => await stored(app, user.id) === expected, "the choice");
            await until(async () => {
              try {
                const [state, label] = await shown(page);
                return state === SHOWN[expected][0] && label === SHOWN[expected][1];
              } catch {
                return false; // navigating
              }
            }, `the page to show ${SHOWN[expected].join(" ")}`);
            await settle(page);
            assert.deepEqual(await shown(page), SHOWN[await stored(app, user.id)]);
            assert.deepEqual(watch.problems, []);
          } finally {
            await context.close();
          }
        });
      }

      await t.step(
        "a user with no choice sees the choice there once, with what it does",
        async () => {
          const user = await createUser(app, { role: "RESEARCHER" });
          const context = await browser!.newContext();
          try {
            const page = await context.newPage();
            await signInThroughForm(page, server.url, user.email);
            await page.goto(`${server.url}/settings/privacy`);
            await settle(page);
            assert.deepEqual(await shown(page), SHOWN.none);
            assert.equal(await page.getByRole("button", { name: /^Allow/ }).count(), 1);
            assert.equal(await page.getByRole("button", { name: /^No thanks$/ }).count(), 1);
            const section = page.getByRole("region", { name: "Usage analytics" });
            assert.equal(await section.count(), 1);
            const text = await section.textContent() ?? "";
            assert.match(text, /We collect usage events \(no PHI\)/);
            assert.match(
              text,
              /You have not chosen yet\. Nothing is collected unless you allow it\./,
            );
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
