/**
 * The start page's mode badge (signed in, it keeps an event stream) in a hidden tab, in real
 * Chromium: the stream closes while the tab is hidden, so a browser full of start-page tabs keeps
 * connections for its other requests, and a mode change made meanwhile shows, over the stream,
 * once the tab is shown again. Headless Chromium reports every page as visible, so the test
 * overrides `document.hidden`/`visibilityState` and dispatches `visibilitychange`.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "../helpers/app.ts";
import { createToken, signInAs } from "../helpers/auth.ts";
import { launchBrowser, openStreams, serve, setHidden, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";
import { until } from "../helpers/wait.ts";

/** Bounds a hung step only. */
const WAIT = { timeout: 15_000 };

Deno.test({
  name:
    "browser: the start page's mode badge closes its stream while hidden and shows a change made meanwhile once shown",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const admin = await signInAs(app, "ADMIN");
      const researcher = await signInAs(app, "RESEARCHER");
      const metrics = await createToken(app, { scopes: ["metrics:read"] });
      const context = await browser.newContext();
      const [name, value] = researcher.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: server.url }]);
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(`${server.url}/`);
      await page.waitForSelector('.mode-badge__live[data-source="stream"]', WAIT);
      assert.equal(await openStreams(app, metrics), 1);

      await setHidden(page, true);
      await until(async () => await openStreams(app, metrics) === 0, "the stream to close", 15_000);

      const response = await app.request("/api/governance/mode", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ mode: "STANDBY" }),
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();
      assert.equal(await page.textContent('[data-testid="mode-value"]'), "DEMO");

      await setHidden(page, false);
      await page.waitForSelector('[data-testid="mode-value"]:text-is("STANDBY")', WAIT);
      assert.equal(await page.getAttribute(".mode-badge__live", "data-source"), "stream");
      assert.equal(await openStreams(app, metrics), 1);

      // Shown again while the stream cannot open (every connection taken, a slow proxy): the
      // badge says it is connecting, as of its last confirmation, not "Live".
      await setHidden(page, true);
      await until(async () => await openStreams(app, metrics) === 0, "the stream to close", 15_000);
      await page.route("**/api/stream**", () => {});
      await setHidden(page, false);
      await page.waitForSelector('.mode-badge__live[data-source="connecting"]', WAIT);
      assert.match(
        await page.textContent(".mode-badge__live") ?? "",
        /^As of .+ · connecting for live updates$/,
      );
      assert.doesNotMatch(await page.textContent(".mode-badge__live") ?? "", /page load/);
      assert.deepEqual(watch.problems, []);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
