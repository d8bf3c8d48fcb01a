/**
 * The governance panel and flag versions, in real Chromium: a `governance.flag_changed` event
 * older than the flag the panel shows (events can arrive out of order) is dropped, and so is a
 * state answer older than an event already applied; a toggle sends the version the panel showed,
 * so a change made meanwhile by another administrator is refused (409) and the panel says so and
 * shows the current state. The stream is played by the test (page.route) to control the order.
 */
import assert from "node:assert/strict";
import type { Browser, Page, Route } from "playwright-core";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { type Session, signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const SYSTEM = { actor: { type: "system" as const } };

async function pageFor(browser: Browser, url: string, session: Session): Promise<Page> {
  const context = await browser.newContext();
  const [name, value] = session.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url }]);
  return await context.newPage();
}

function flagEvent(id: string, flagKey: string, enabled: boolean, version: number): string {
  const event = {
    id,
    type: "governance.flag_changed",
    ts: new Date().toISOString(),
    topic: "governance",
    payload: { flagKey, enabled, rolloutPercent: 100, version, archived: false },
  };
  return `event: governance.flag_changed\nid: ${id}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Serves `body` as the first stream the page opens, and 503 to every later attempt. */
async function playStreamOnce(page: Page, body: string): Promise<void> {
  let played = false;
  await page.route("**/api/stream**", (route: Route) => {
    if (played) return route.fulfill({ status: 503, body: "" });
    played = true;
    return route.fulfill({
      status: 200,
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      body,
    });
  });
}

async function stateOf(app: TestApp, admin: Session): Promise<Record<string, unknown>> {
  const response = await app.request("/api/governance/state", { headers: admin.headers() });
  assert.equal(response.status, 200);
  return await response.json();
}

const badge = (key: string) => `tr[data-flag="${key}"] td:nth-child(2) .badge`;

Deno.test({
  name: "browser: the governance panel never lets an older flag version replace a newer one",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp();
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const admin = await signInAs(app, "ADMIN");
      // pilot: v1 on, v2 off, v3 on; marker: v1 off.
      for (const enabled of [true, false, true]) {
        await app.services.flags.set("pilot", { enabled }, SYSTEM);
      }
      await app.services.flags.set("marker", { enabled: false }, SYSTEM);
      assert.equal(app.services.flags.get("pilot")?.version, 3);

      await t.step("an event older than the flag shown is dropped", async () => {
        const page = await pageFor(browser, server.url, admin);
        const watch = watchPage(page);
        const hello = await stateOf(app, admin);
        // The later change (v3, on) is in the page and the hello; v2 (off) is delivered after it.
        await page.route("**/api/governance/state*", (route) => route.fulfill({ status: 503 }));
        await playStreamOnce(
          page,
          `event: hello\ndata: ${JSON.stringify(hello)}\n\n` +
            flagEvent("1700000000000-0", "pilot", false, 2) +
            flagEvent("1700000000000-1", "marker", true, 2),
        );
        await page.goto(`${server.url}/governance`);
        // Events are applied in order: once the marker's shows, the stale one was handled.
        await page.waitForSelector(`${badge("marker")}:text-is("on")`, { timeout: 15_000 });
        assert.equal(await page.textContent(badge("pilot")), "on", "v2 did not replace v3");
        assert.deepEqual(watch.problems.filter((p) => !/503/.test(p)), []);
        await page.context().close();
      });

      await t.step(
        "a state answer older than an event already applied is not applied",
        async () => {
          const page = await pageFor(browser, server.url, admin);
          const hello = await stateOf(app, admin);
          let answered = 0;
          // Every state answer is the v3 one (an instance that has not re-read the database yet).
          await page.route("**/api/governance/state*", async (route) => {
            answered++;
            await route.fulfill({ json: hello });
          });
          await playStreamOnce(
            page,
            `event: hello\ndata: ${JSON.stringify(hello)}\n\n` +
              flagEvent("1700000000001-0", "pilot", false, 4),
          );
          await page.goto(`${server.url}/governance`);
          await page.waitForSelector(`${badge("pilot")}:text-is("off")`, { timeout: 15_000 });
          const started = performance.now();
          while (answered < 2) {
            assert.ok(performance.now() - started < 10_000, "the panel polls the state");
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
          assert.equal(await page.textContent(badge("pilot")), "off", "v3 did not replace v4");
          await page.context().close();
        },
      );

      await t.step(
        "a toggle based on a version changed meanwhile is refused; the panel says so and shows the current state",
        async () => {
          const page = await pageFor(browser, server.url, admin);
          const watch = watchPage(page);
          // The panel hears nothing (no stream, no state) until the toggle's answer.
          let stateLive = false;
          await page.route("**/api/stream**", (route) => route.fulfill({ status: 503, body: "" }));
          await page.route(
            "**/api/governance/state*",
            (route) => stateLive ? route.continue() : route.fulfill({ status: 503 }),
          );
          await page.goto(`${server.url}/governance`);
          await page.waitForSelector('[data-toggle="pilot"]', { timeout: 15_000 });
          assert.equal(await page.textContent(badge("pilot")), "on");
          // Another administrator changes it (v4, still on); this panel still shows v3. (Had they
          // turned it off, this toggle would ask for what is stored: no conflict, nothing written.)
          await app.services.flags.set("pilot", { enabled: true, description: "Changed" }, SYSTEM);
          stateLive = true;
          await page.click('[data-toggle="pilot"]');
          await page.click("[data-confirm-toggle]");
          const note = page.locator('[data-testid="mode-switch-message"]');
          await note.waitFor({ timeout: 30_000 });
          assert.match(
            await note.textContent() ?? "",
            /changed pilot after this page showed it; your change was not made/,
          );
          assert.equal(await note.getAttribute("role"), "alert");
          await page.waitForSelector(`${badge("pilot")}:text-is("on")`, { timeout: 30_000 });
          const flag = app.services.flags.get("pilot");
          assert.equal(flag?.version, 4, "the refused change wrote nothing");
          assert.equal(flag?.enabled, true);
          assert.deepEqual(watch.problems.filter((p) => !/503|409/.test(p)), []);
          await page.context().close();
        },
      );
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
