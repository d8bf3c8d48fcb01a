/**
 * The API console on /api/docs in real Chromium. Without JavaScript it cannot send anything (it
 * has no method, action or named fields): its Send button is disabled and a visible note says it
 * needs JavaScript, so neither a click nor Enter in a field leaves the page (before, both loaded
 * GET /api/docs? and nothing was sent). With JavaScript the note is gone and Send works. The
 * server-rendered and the hydrated console are axe-clean.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "../helpers/app.ts";
import { launchBrowser, serve, watchPage, wcagViolations } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const SEND = "form.api-console button[type=submit]";
const NOTE = '[data-testid="api-console-needs-js"]';

Deno.test({
  name: "browser: the API console says it needs JavaScript and cannot be sent without it",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      await t.step("without JavaScript: Send disabled, the note visible", async () => {
        const context = await browser.newContext({ javaScriptEnabled: false });
        const page = await context.newPage();
        const requests: string[] = [];
        page.on("request", (request) => requests.push(new URL(request.url()).pathname));
        await page.goto(`${server.url}/api/docs`);
        await page.waitForSelector("form.api-console");
        assert.equal(await page.locator(SEND).isDisabled(), true, "Send is disabled");
        const note = page.locator(NOTE);
        assert.equal(await note.isVisible(), true, "the note is visible");
        assert.match(await note.textContent() ?? "", /needs JavaScript/);
        // The button names the note, so a screen reader hears why it is unavailable.
        const describedBy = await page.locator(SEND).getAttribute("aria-describedby");
        assert.equal(describedBy, await note.getAttribute("id"));
        // Enter in the path field submits nothing either (the default button is disabled).
        requests.length = 0;
        await page.locator("form.api-console input[type=text]").press("Enter");
        await page.waitForLoadState("load");
        assert.equal(new URL(page.url()).search, "", "still /api/docs, no query added");
        assert.deepEqual(requests, [], "nothing was requested");
        await context.close();
      });

      // axe runs in the page, so this page has JavaScript; its island bundles are refused, so
      // it keeps the markup a browser without JavaScript shows.
      await t.step("the server-rendered console (no island code) is axe-clean", async () => {
        const page = await browser.newPage();
        await page.route("**/_islands/**", (route) => route.abort());
        await page.goto(`${server.url}/api/docs`);
        await page.waitForSelector("form.api-console");
        assert.equal(await page.locator(SEND).isDisabled(), true);
        assert.equal(await page.locator(NOTE).isVisible(), true);
        assert.deepEqual(await wcagViolations(page), [], "axe, server-rendered");
        await page.close();
      });

      await t.step("with JavaScript: Send enabled, the note gone, a request answered", async () => {
        const page = await browser.newPage();
        const watch = watchPage(page);
        await page.goto(`${server.url}/api/docs`);
        await page.waitForFunction(
          (selector) => !(document.querySelector(selector) as HTMLButtonElement).disabled,
          SEND,
        );
        assert.equal(await page.locator(NOTE).count(), 0, "the note is gone");
        assert.equal(await page.locator(SEND).getAttribute("aria-describedby"), null);
        const option = await page.locator("form.api-console select option", {
          hasText: "GET /health/ready",
        }).first().getAttribute("value");
        await page.selectOption("form.api-console select", option!);
        await page.click(SEND);
        await page.waitForSelector('[data-testid="api-console-status"]');
        assert.equal(await page.textContent('[data-testid="api-console-status"]'), "200");
        assert.deepEqual(await wcagViolations(page), [], "axe, with JavaScript");
        assert.deepEqual(watch.problems, []);
        await page.close();
      });
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
