import assert from "node:assert/strict";
import ModeBadge from "../../islands/ModeBadge.tsx";
import { Island } from "../../lib/web/island.tsx";
import { buildTestApp } from "../helpers/app.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const enabled = hasChromium();

Deno.test({
  name: "browser: islands hydrate, pages without islands load no script, props cannot break out",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp();
    app.app.get("/_test/island-props", (c) =>
      app.pages.render(
        c,
        <Island
          component={ModeBadge}
          props={{ mode: "</script><!--<img src=x>", pinned: false, refreshSeconds: 3600 }}
        />,
        { title: "props" },
      ));
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      await t.step("the home page's mode badge hydrates and goes live", async () => {
        const page = await browser.newPage();
        const watch = watchPage(page);
        await page.goto(`${server.url}/`);
        await page.waitForSelector('.mode-badge__live[data-live="yes"]', { timeout: 30_000 });
        assert.equal(await page.textContent('[data-testid="mode-value"]'), "DEMO");
        assert.deepEqual(watch.problems, []);
        await page.close();
      });

      await t.step("a page without islands loads no script", async () => {
        const page = await browser.newPage();
        const scripts: string[] = [];
        page.on("request", (request) => {
          if (request.resourceType() === "script") scripts.push(request.url());
        });
        await page.goto(`${server.url}/no-such-page`);
        assert.match(await page.textContent("h1") ?? "", /Page not found/);
        assert.equal(await page.locator("script").count(), 0);
        assert.deepEqual(scripts, []);
        await page.close();
      });

      await t.step("a prop holding </script> renders as text and runs nothing", async () => {
        const page = await browser.newPage();
        const watch = watchPage(page);
        let dialogs = 0;
        page.on("dialog", (dialog) => {
          dialogs++;
          void dialog.dismiss();
        });
        // Keep the badge on its server-rendered prop: fail its /health refresh.
        await page.route("**/health", (route) => route.fulfill({ status: 503, body: "{}" }));
        await page.goto(`${server.url}/_test/island-props`);
        await page.waitForSelector("rf-island");
        assert.equal(
          await page.textContent('[data-testid="mode-value"]'),
          "</script><!--<img src=x>",
        );
        assert.equal(await page.locator("img").count(), 0);
        assert.equal(await page.locator("script").count(), 2, "one bundle and one props script");
        assert.equal(dialogs, 0);
        assert.deepEqual(watch.problems, []);
        await page.close();
      });

      await t.step("the API console island sends a request and shows the answer", async () => {
        const page = await browser.newPage();
        const watch = watchPage(page);
        await page.goto(`${server.url}/api/docs`);
        await page.waitForSelector("form.api-console");
        const option = await page.locator("form.api-console select option", {
          hasText: "GET /health/ready",
        })
          .first().getAttribute("value");
        await page.selectOption("form.api-console select", option!);
        await page.click("form.api-console button[type=submit]");
        await page.waitForSelector('[data-testid="api-console-status"]');
        assert.equal(await page.textContent('[data-testid="api-console-status"]'), "200");
        assert.match(await page.textContent(".api-console__result pre") ?? "", /"status": "ready"/);
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
