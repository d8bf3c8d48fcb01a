/**
 * The create form's key field in real Chromium: its `pattern` compiles under the `v` flag
 * browsers use for it (a bare `-` at the end of a class does not), so the browser itself refuses
 * a bad key before posting, passes a valid one, and logs no console error while typing.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "../helpers/app.ts";
import { signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

Deno.test({
  name: "browser: the flag key's pattern is checked by Chromium, with no console error",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const admin = await signInAs(app, "ADMIN");
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const [name, value] = admin.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: server.url }]);
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(`${server.url}/flags`);
      const key = page.locator("form[action='/flags'] input[name=key]");
      const mismatch = () =>
        key.evaluate((input) => (input as HTMLInputElement).validity.patternMismatch);

      await key.pressSequentially("Bad Key");
      // Chromium logs an invalid pattern when it checks the field: read, then look at the log.
      const badMismatch = await mismatch();
      assert.deepEqual(watch.problems, [], "no console error while checking the key");
      assert.equal(badMismatch, true, "a bad key does not match the pattern");
      let posted = false;
      page.on("request", (request) => {
        if (request.method() === "POST") posted = true;
      });
      await page.click("form[action='/flags'] button[type=submit]");
      await page.waitForTimeout(300);
      assert.equal(posted, false, "the browser refuses the bad key itself");

      await key.fill("");
      await key.pressSequentially("rf.good-key_2");
      assert.equal(await mismatch(), false, "a valid key matches");
      assert.deepEqual(watch.problems, []);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
