/**
 * Two-step confirmations, feedback and focus in real Chromium:
 *
 * - the governance panel: "Turn off…" asks in place (nothing changes until the second click;
 *   Cancel puts the focus back), and the result is said where the focus lands;
 * - a mode change from the panel: the message says the mode now in force and stays true (the
 *   stream's event may arrive before or after the API's answer), the governance log shows the
 *   change without reload (here and on another open console), the focus is not lost, and the
 *   times shown carry their zone (the panel's and the home page's mode badge);
 * - server forms: the revoke button sits inside `details.confirm` (hidden until opened, by
 *   mouse or keyboard); a refused post on /flags shows its errors above the list, focused;
 * - the new states (confirmations open, archived flags, the erasure's second step, the audit
 *   log filtered by actor) have no WCAG 2.1 A/AA violation that axe-core finds.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { buildTestApp } from "../helpers/app.ts";
import { createToken, type Session, signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage, wcagViolations } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const enabled = hasChromium();
const ACTOR = { actor: { type: "system" as const } };
/** A zone whose short name is never "UTC", so a shown zone cannot be a coincidence. */
const TIMEZONE = "America/New_York";

async function contextFor(
  browser: Browser,
  url: string,
  session: Session,
): Promise<BrowserContext> {
  const context = await browser.newContext({ timezoneId: TIMEZONE });
  const [name, value] = session.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url }]);
  return context;
}

/** What has the keyboard focus: its test id, data attributes and tag. */
function focused(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return {
      tag: element?.tagName.toLowerCase() ?? "",
      testid: element?.dataset.testid ?? "",
      toggle: element?.dataset.toggle ?? "",
      confirm: element?.hasAttribute("data-confirm-toggle") ?? false,
    };
  });
}

/** Opens every `details.confirm` of the page. */
async function openConfirms(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const details of document.querySelectorAll<HTMLDetailsElement>("details.confirm")) {
      details.open = true;
    }
  });
}

/** A time with a zone name after it, e.g. "10:04:05 AM EST" or "10:04:05 GMT-5". */
const ZONED = /\d{1,2}:\d\d:\d\d(?:\s?[AP]M)?\s+(?:[A-Z]{2,5}|GMT[+-]\d{1,2}(?::\d\d)?)\b/;

Deno.test({
  name:
    "browser: the governance panel confirms a flag change in place, keeps the mode message true, updates the log live and keeps the focus",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      await app.services.flags.set("kill.switch.x", { enabled: true }, ACTOR);
      const admin = await signInAs(app, "ADMIN");
      const steward = await signInAs(app, "STEWARD");
      const adminContext = await contextFor(browser, server.url, admin);
      const stewardContext = await contextFor(browser, server.url, steward);
      const page = await adminContext.newPage();
      const watcher = await stewardContext.newPage();
      const watch = watchPage(page);
      const watchOther = watchPage(watcher);
      for (const p of [page, watcher]) {
        await p.goto(`${server.url}/governance`);
        await p.waitForSelector('[data-testid="live-status"][data-status="live"]', {
          timeout: 15_000,
        });
        assert.match(await p.textContent("body") ?? "", /No governance changes yet\./);
      }

      await t.step(
        "Turn off… asks first; Cancel changes nothing and gives the focus back",
        async () => {
          await page.click('button[data-toggle="kill.switch.x"]');
          await page.waitForSelector("[data-confirm-toggle]");
          assert.match(
            await page.textContent('tr[data-flag="kill.switch.x"]') ?? "",
            /Turn kill\.switch\.x off for every user and service\?/,
          );
          assert.equal(
            (await focused(page)).confirm,
            true,
            "the focus moves to the confirm button",
          );
          assert.equal(
            app.services.flags.get("kill.switch.x")!.enabled,
            true,
            "nothing changed yet",
          );
          await page.click('tr[data-flag="kill.switch.x"] button:text-is("Cancel")');
          await page.waitForSelector('button[data-toggle="kill.switch.x"]');
          assert.equal((await focused(page)).toggle, "kill.switch.x");
          assert.equal(app.services.flags.get("kill.switch.x")!.enabled, true);
        },
      );

      await t.step(
        "the second click turns it off and the result is said where the focus is",
        async () => {
          await page.click('button[data-toggle="kill.switch.x"]');
          await page.click("[data-confirm-toggle]");
          await page.waitForSelector(
            '[data-testid="mode-switch-message"]:has-text("Flag kill.switch.x is now turned off")',
          );
          assert.equal(app.services.flags.get("kill.switch.x")!.enabled, false);
          assert.equal((await focused(page)).testid, "mode-switch-message");
        },
      );

      await t.step(
        "a mode change: a true message, the log live here and elsewhere, focus kept",
        async () => {
          await page.check('input[name="mode"][value="STANDBY"]');
          await page.check('input[name="confirm"]');
          await page.click('form.mode-switch button[type="submit"]');
          await page.waitForSelector('[data-testid="governance-mode"]:text-is("STANDBY")');
          await page.waitForSelector(
            '[data-testid="mode-switch-message"]:has-text("The mode is now STANDBY")',
          );
          assert.equal((await focused(page)).testid, "mode-switch-message");
          for (const p of [page, watcher]) {
            await p.waitForSelector('[data-testid="governance-log"] td:text-is("DEMO → STANDBY")', {
              timeout: 30_000,
            });
            assert.match(
              await p.textContent('[data-testid="governance-log"] tbody tr') ?? "",
              new RegExp(`UTC.*Mode.*DEMO → STANDBY.*${admin.user.displayName}`),
            );
          }
          // Whichever came first (the event or the API's answer), the message is still true later.
          await page.waitForTimeout(1500);
          assert.match(
            await page.textContent('[data-testid="mode-switch-message"]') ?? "",
            /^The mode is now STANDBY/,
          );
          assert.equal(app.services.mode.current(), "STANDBY");
        },
      );

      await t.step("times shown in the browser carry their zone", async () => {
        assert.match(await page.textContent('[data-testid="governance-updated"]') ?? "", ZONED);
        const home = await adminContext.newPage();
        await home.goto(`${server.url}/`);
        await home.waitForSelector('.mode-badge__live[data-live="yes"]', { timeout: 15_000 });
        assert.match(await home.textContent(".mode-badge__live") ?? "", ZONED);
        await home.close();
      });
      await t.step("no WCAG violation with the in-place confirmation open", async () => {
        await page.click('button[data-toggle="kill.switch.x"]');
        await page.waitForSelector("[data-confirm-toggle]");
        assert.deepEqual(await wcagViolations(page), []);
      });
      assert.deepEqual(watch.problems, []);
      assert.deepEqual(watchOther.problems, []);
      await adminContext.close();
      await stewardContext.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "browser: revoking a token takes a second step (mouse or keyboard); a refused flag post shows its errors at the top, focused",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const admin = await signInAs(app, "ADMIN");
      await createToken(app, { scopes: ["jobs:write"], name: "etl-worker" });
      await createToken(app, { scopes: ["flags:evaluate"], name: "flag-client" });
      for (let k = 0; k < 40; k++) {
        await app.services.flags.set(`seeded.flag.${k}`, { enabled: k % 2 === 0 }, ACTOR);
      }
      const context = await contextFor(browser, server.url, admin);
      const page = await context.newPage();
      const watch = watchPage(page);

      await t.step("the revoke button shows only once the confirmation is opened", async () => {
        await page.goto(`${server.url}/admin/tokens`);
        const row = page.locator("tr", { hasText: "etl-worker" });
        const revoke = row.locator('button[type="submit"]');
        assert.equal(await revoke.isVisible(), false, "hidden until the summary is opened");
        await row.locator("details.confirm > summary").click();
        assert.equal(await revoke.isVisible(), true);
        assert.match(await row.textContent() ?? "", /Every call with “etl-worker” gets 401/);
        await Promise.all([page.waitForURL(/notice=token_revoked/), revoke.click()]);
        assert.match(
          await page.textContent('.notice--ok[role="status"]') ?? "",
          /Token “etl-worker” revoked; calls with it now get 401/,
        );
        const tokens = await app.services.auth.listTokens();
        assert.ok(tokens.find((token) => token.name === "etl-worker")?.revokedAt);
        assert.equal(tokens.find((token) => token.name === "flag-client")?.revokedAt, null);

        // With the keyboard: the summary takes the focus and Enter opens it.
        const other = page.locator("tr", { hasText: "flag-client" });
        await other.locator("details.confirm > summary").focus();
        await page.keyboard.press("Enter");
        assert.equal(await other.locator('button[type="submit"]').isVisible(), true);
      });

      await t.step("a refused flag post: errors above the list, with the focus", async () => {
        await page.goto(`${server.url}/flags`);
        await page.fill('form[action="/flags"] input[name="key"]', "seeded.flag.1");
        await Promise.all([
          page.waitForLoadState("load"),
          page.click('form[action="/flags"] button[type="submit"]'),
        ]);
        await page.waitForSelector('[data-testid="form-errors"]');
        await page.waitForFunction(() =>
          (document.activeElement as HTMLElement | null)?.dataset.testid === "form-errors"
        );
        const [errors, table] = await Promise.all([
          page.locator('[data-testid="form-errors"]').boundingBox(),
          page.locator('table[aria-label="Feature flags"]').boundingBox(),
        ]);
        assert.ok(errors && table && errors.y < table.y, "the errors come before the list");
        assert.ok(errors.y < 800, "and in view without scrolling");
        assert.match(
          await page.textContent('[data-testid="form-errors"]') ?? "",
          /a flag with this key exists already/,
        );
      });
      await t.step("no WCAG violation in the new states of the admin pages", async () => {
        await app.services.flags.set("old.banner", { enabled: true, rolloutPercent: 40 }, ACTOR);
        await app.services.flags.archive("old.banner", undefined, ACTOR);
        const found: Record<string, string[]> = {};
        for (
          const path of [
            "/flags?notice=archived&flag=old.banner",
            "/flags/seeded.flag.2",
            "/admin/users",
            "/admin/tokens",
            `/audit?actor=${admin.user.id}`,
          ]
        ) {
          await page.goto(`${server.url}${path}`);
          await openConfirms(page);
          found[path] = await wcagViolations(page);
        }
        await page.goto(`${server.url}/analytics`);
        await page.fill('form[action="/analytics/erase"] input[name="email"]', admin.user.email);
        await Promise.all([
          page.waitForLoadState("load"),
          page.click('form[action="/analytics/erase"] button[type="submit"]'),
        ]);
        await page.waitForSelector('[data-testid="erase-confirm"]');
        assert.equal(
          await page.evaluate(() => document.activeElement?.id),
          "erase-confirm-heading",
          "the second step has the focus",
        );
        found["/analytics erase, second step"] = await wcagViolations(page);
        assert.deepEqual(Object.values(found).flat(), [], JSON.stringify(found));
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
