/**
 * Field-level errors in real Chromium: a refused form's summary has the keyboard focus when the
 * page arrives (so it is in view and read first), and following one of its links puts the focus
 * in the field it names, which is marked invalid and described by its message. Sign-in with
 * JavaScript on; the add-account form (below the accounts) and the password change without.
 */
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { buildTestApp } from "../helpers/app.ts";
import { type Session, signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, settle } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

/** The id of what has the focus, or its test id (never its text). */
async function focused(page: Page): Promise<string> {
  return await page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return element?.id || element?.dataset.testid || element?.tagName.toLowerCase() || "";
  });
}

/** Submits the form with `button` and waits for the refused page's summary to have the focus. */
async function submitRefused(page: Page, button: string): Promise<void> {
  await Promise.all([page.waitForLoadState("load"), page.click(button)]);
  await page.waitForSelector('[data-testid="form-errors"]');
  await page.waitForFunction(() =>
    (document.activeElement as HTMLElement | null)?.dataset.testid === "form-errors"
  );
}

/** The text of the elements the field's `aria-describedby` names. */
async function description(page: Page, id: string): Promise<string> {
  return await page.locator(`#${id}`).evaluate((input) =>
    (input.getAttribute("aria-describedby") ?? "").split(" ")
      .map((ref) => document.getElementById(ref)?.textContent ?? "").join(" ")
  );
}

/** Follows the summary's link to `#id`: the focus moves to that field, which is marked. */
async function followLink(page: Page, id: string, message: RegExp): Promise<void> {
  const link = page.locator(`[data-testid="form-errors"] a[href="#${id}"]`);
  assert.match(await link.textContent() ?? "", message);
  await link.click();
  assert.equal(await focused(page), id);
  assert.equal(await page.locator(`#${id}`).getAttribute("aria-invalid"), "true");
  assert.match(await description(page, id), message);
}

async function signedIn(
  context: BrowserContext,
  url: string,
  session: Session,
): Promise<BrowserContext> {
  const [name, value] = session.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url }]);
  return context;
}

Deno.test({
  name:
    "browser: a refused form's summary takes the focus and its links take it to the invalid field (sign-in, add account, password change)",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const admin = await signInAs(app, "ADMIN");
    // Enough accounts to push the add-account form below the first screen.
    for (const role of ["RESEARCHER", "RESEARCHER", "STEWARD", "STEWARD", "RESEARCHER"] as const) {
      await signInAs(app, role);
    }
    const server = serve(app);
    const browser = await launchBrowser();
    /** The administrator's browser with JavaScript off, on a 1280 x 800 window. */
    const adminWithoutScript = async () =>
      signedIn(
        await browser.newContext({
          javaScriptEnabled: false,
          viewport: { width: 1280, height: 800 },
        }),
        server.url,
        admin,
      );
    try {
      await t.step("sign-in (JavaScript on): wrong password", async () => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await page.goto(`${server.url}/login`);
        await settle(page);
        await page.fill("#login-email", admin.user.email);
        await page.fill("#login-password", "not the password at all");
        await submitRefused(page, 'form[action="/login"] button[type=submit]');
        await settle(page);
        assert.equal(await focused(page), "form-errors", "still focused once the islands run");
        assert.equal(await page.inputValue("#login-email"), admin.user.email);
        assert.equal(await page.inputValue("#login-password"), "");
        await followLink(page, "login-email", /email or password is not correct/);
        assert.equal(await page.locator("#login-password").getAttribute("aria-invalid"), "true");
        await context.close();
      });

      await t.step("add an account (JavaScript off): an address in use", async () => {
        const context = await adminWithoutScript();
        const page = await context.newPage();
        await page.goto(`${server.url}/admin/users`);
        const form = await page.locator('form[action="/admin/users"]').boundingBox();
        assert.ok(form && form.y > 800, "the add-account form starts below the first screen");
        await page.fill("#new-user-email", admin.user.email);
        await page.fill("#new-user-name", "Ward clerk");
        await page.fill("#new-user-password", "a long enough password");
        await submitRefused(page, 'form[action="/admin/users"] button[type=submit]');
        const summary = await page.locator('[data-testid="form-errors"]').boundingBox();
        assert.ok(summary && summary.y >= 0 && summary.y + summary.height <= 800, "in view");
        assert.equal(await page.inputValue("#new-user-name"), "Ward clerk");
        assert.equal(await page.inputValue("#new-user-password"), "");
        await followLink(page, "new-user-email", /An account with this email already exists/);
        await context.close();
      });

      await t.step("change your password (JavaScript off): the two new ones differ", async () => {
        const context = await adminWithoutScript();
        const page = await context.newPage();
        await page.goto(`${server.url}/settings/account`);
        await page.fill("#current-password", "whatever it is now");
        await page.fill("#new-password", "a new password to use");
        await page.fill("#confirm-password", "a new password to lose");
        await submitRefused(page, 'form[action="/settings/account/password"] button[type=submit]');
        for (const id of ["current-password", "new-password", "confirm-password"]) {
          assert.equal(await page.inputValue(`#${id}`), "", id);
        }
        await followLink(page, "confirm-password", /two new passwords differ/);
        await context.close();
      });
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
