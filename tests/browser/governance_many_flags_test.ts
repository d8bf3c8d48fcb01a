/**
 * With more flags than the governance panel lists (a large deployment), in real Chromium: the
 * start page's mode badge and the governance panel still follow a mode change live, over streams
 * whose hello carries no flag (the badge) or the panel's bounded list; the panel lists the
 * governance flags only, says how many there are, links to /flags, and a new governance flag
 * appears in it live; a toggle asks for the panel's flags only (`?flags=panel`), and its answer
 * keeps the panel to them.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext } from "playwright-core";
import { PANEL_FLAG_LIMIT } from "../../lib/governance/state.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { type Session, signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve, watchPage } from "../helpers/browser.ts";
import { freshPglite } from "../helpers/db.ts";
import { hasChromium } from "../helpers/env.ts";

const enabled = hasChromium();
const ACTOR = { actor: { type: "system" as const } };

async function contextFor(browser: Browser, url: string, s: Session): Promise<BrowserContext> {
  const context = await browser.newContext();
  const [name, value] = s.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url }]);
  return context;
}

/** 300 flags, every 10th of scope governance (30 of them). */
async function appWithFlags(): Promise<TestApp> {
  const testDb = await freshPglite();
  await testDb.db.exec(`
    INSERT INTO feature_flags (key, enabled, description, scope, version)
    SELECT 'flag.' || lpad(g::text, 5, '0'), true, 'Flag number ' || g,
           CASE WHEN g % 10 = 0 THEN 'governance' ELSE 'product' END, 1
    FROM generate_series(1, 300) g`);
  return await buildTestApp({ testDb });
}

Deno.test({
  name: "browser: with many flags the badge and the panel follow a mode change live; the panel " +
    "lists the governance flags only and takes a new one live",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(PANEL_FLAG_LIMIT < 300);
    const app = await appWithFlags();
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const admin = await signInAs(app, "ADMIN");
      const researcher = await signInAs(app, "RESEARCHER");
      const adminContext = await contextFor(browser, server.url, admin);
      const homeContext = await contextFor(browser, server.url, researcher);
      const panel = await adminContext.newPage();
      const home = await homeContext.newPage();
      const watchPanel = watchPage(panel);
      const watchHome = watchPage(home);
      const streams: string[] = [];
      home.on("request", (request) => {
        if (request.url().includes("/api/stream")) streams.push(new URL(request.url()).search);
      });

      await panel.goto(`${server.url}/governance`);
      await panel.waitForSelector('[data-testid="live-status"][data-status="live"]', {
        timeout: 15_000,
      });
      await home.goto(`${server.url}/`);
      await home.waitForSelector('.mode-badge__live[data-source="stream"]', { timeout: 15_000 });
      // The badge asks for no flags (tests/governance_flags_bounded_test.ts measures the hello).
      assert.deepEqual(streams, ["?topic=governance&flags=none"]);

      const rows = await panel.$$eval("tr[data-flag]", (trs) => trs.map((tr) => tr.dataset.flag));
      assert.equal(rows.length, 30);
      assert.ok(rows.every((key) => Number(key!.slice(5)) % 10 === 0));
      assert.match(
        await panel.textContent('[data-testid="flags-listed"]') ?? "",
        /the 30 governance flags \(300 flags in all\)/,
      );
      assert.equal(await panel.getAttribute('[data-testid="flags-listed"] a', "href"), "/flags");

      // A mode change reaches both live.
      await panel.check('input[name="mode"][value="LIVE"]');
      await panel.check('input[name="confirm"]');
      await panel.click('form.mode-switch button[type="submit"]');
      await panel.waitForSelector('[data-testid="governance-mode"]:text-is("LIVE")', {
        timeout: 30_000,
      });
      await home.waitForSelector('[data-testid="mode-value"]:text-is("LIVE")', {
        timeout: 30_000,
      });
      // The mode change's answer kept the panel to its flags.
      assert.equal(await panel.locator("tr[data-flag]").count(), 30);

      // A new governance flag appears live; a new product flag does not.
      await app.services.flags.set("flag.99990", { enabled: true, scope: "governance" }, ACTOR);
      await app.services.flags.set("flag.99991", { enabled: true }, ACTOR);
      await panel.waitForSelector('tr[data-flag="flag.99990"]', { timeout: 30_000 });
      assert.equal(await panel.locator('tr[data-flag="flag.99991"]').count(), 0);
      await panel.waitForSelector(
        '[data-testid="flags-listed"]:has-text("31 governance flags (302 flags in all)")',
        { timeout: 30_000 },
      );

      // A toggle asks for the panel's flags, not every flag, and the panel keeps to them.
      const toggles: string[] = [];
      panel.on("request", (request) => {
        if (request.url().includes("/api/governance/flags/")) toggles.push(request.url());
      });
      await panel.click('button[data-toggle="flag.00010"]');
      const answer = panel.waitForResponse((r) => r.url().includes("/api/governance/flags/"));
      await panel.click("[data-confirm-toggle]");
      const toggled = await (await answer).json() as { flagsMeta: unknown[] };
      assert.equal(toggled.flagsMeta.length, 31);
      assert.deepEqual(toggles.map((url) => new URL(url).pathname + new URL(url).search), [
        "/api/governance/flags/flag.00010?flags=panel",
      ]);
      await panel.waitForSelector(
        '[data-testid="mode-switch-message"]:has-text("Flag flag.00010 is now turned off")',
        { timeout: 30_000 },
      );
      assert.equal(await panel.locator("tr[data-flag]").count(), 31);
      assert.deepEqual(watchPanel.problems, []);
      assert.deepEqual(watchHome.problems, []);
      await adminContext.close();
      await homeContext.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
