import assert from "node:assert/strict";
import { buildTestApp } from "../helpers/app.ts";
import { createUser, TEST_PASSWORD } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

Deno.test({
  name:
    "browser: sign-in through the form reaches an ADMIN page; a RESEARCHER gets the forbidden page",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp();
    const admin = await createUser(app, { role: "ADMIN" });
    const researcher = await createUser(app, { role: "RESEARCHER" });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      await t.step(
        "an ADMIN signs in, lands on the page they asked for, and creates a token shown once",
        async () => {
          const context = await browser.newContext();
          const page = await context.newPage();
          const watch = watchPage(page);
          await page.goto(`${server.url}/admin/tokens`);
          assert.match(page.url(), /\/login\?next=%2Fadmin%2Ftokens$/);
          await page.fill('input[name="email"]', admin.email);
          await page.fill('input[name="password"]', "not the password");
          await page.click('button[type="submit"]');
          assert.match(
            await page.textContent('[role="alert"]') ?? "",
            /email or password is not correct/,
          );
          await page.fill('input[name="password"]', TEST_PASSWORD);
          await page.click('button[type="submit"]');
          await page.waitForURL(`${server.url}/admin/tokens`);
          assert.equal(await page.textContent("h1"), "API tokens");
          const cookies = await context.cookies();
          assert.equal(cookies.find((c) => c.name === "rf_session")?.httpOnly, true);

          await page.fill('input[name="name"]', "worker callbacks");
          await page.check('input[name="scopes"][value="jobs:write"]');
          await page.click('form[action="/admin/tokens"] button[type="submit"]');
          const secret = (await page.textContent('[data-testid="new-token"]')) ?? "";
          assert.match(secret, /^rfg_/);
          await page.goto(`${server.url}/admin/tokens`);
          assert.equal(
            await page.locator('[data-testid="new-token"]').count(),
            0,
            "the secret is shown only once",
          );
          assert.match(await page.textContent("table") ?? "", /worker callbacks/);
          assert.deepEqual(watch.problems, []);
          await context.close();
        },
      );

      await t.step("a RESEARCHER reaching an ADMIN page sees the forbidden page", async () => {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${server.url}/login?next=/admin/users`);
        await page.fill('input[name="email"]', researcher.email);
        await page.fill('input[name="password"]', TEST_PASSWORD);
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url() === `${server.url}/admin/users`),
          page.click('button[type="submit"]'),
        ]);
        assert.equal(response.status(), 403);
        assert.match(await page.textContent("h1") ?? "", /You do not have access to this page/);
        assert.equal(
          await page.locator('nav a[href="/admin/users"]').count(),
          0,
          "no link to pages the role cannot open",
        );
        await page.click('button:has-text("Sign out")');
        // Signing out lands on the sign-in page, which says so.
        await page.waitForURL(`${server.url}/login?reason=signed_out`);
        assert.match(
          await page.getByTestId("sign-in-reason").textContent() ?? "",
          /You are signed out/,
        );
        assert.equal(await page.locator('button:has-text("Sign out")').count(), 0);
        await context.close();
      });
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
