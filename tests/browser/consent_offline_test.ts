/**
 * Browser: a banner choice that cannot reach the server (offline) or that the server fails
 * (5xx) is answered inside the banner: the app stays in view (no browser error page from a
 * fallback form post), an alert says the choice was not confirmed, the buttons work again, and
 * the retry records the choice once.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createUser, TEST_PASSWORD } from "../helpers/auth.ts";
import { launchBrowser, watchPage } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";
import { until } from "../helpers/wait.ts";

const BANNER = { name: "Usage analytics" } as const;

async function signIn(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', TEST_PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${url}/`);
  await page.waitForSelector('.consent[data-ready="yes"]');
}

async function consentRows(app: TestApp, userId: string): Promise<string[]> {
  const rows = await app.db.query<{ state: string }>(
    "SELECT state FROM user_consents WHERE user_id = $1 ORDER BY seq",
    [userId],
  );
  return rows.map((row) => row.state);
}

Deno.test({
  name: "browser: the consent banner answers an offline or failed choice in place; a retry counts",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp();
    // The app behind a server that can fail the consent API with a 500 (after recording).
    let failAfterRecording = false;
    let refuseCsrf = false;
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (request, info) => {
        if (refuseCsrf && new URL(request.url).pathname.startsWith("/api/consent/")) {
          await request.body?.cancel();
          return Response.json({ code: "CSRF_FAILED", status: 403 }, { status: 403 });
        }
        const response = await app.app.fetch(request, { remoteAddr: info.remoteAddr });
        if (failAfterRecording && new URL(request.url).pathname.startsWith("/api/consent/")) {
          await response.body?.cancel();
          return new Response("upstream failed", { status: 502 });
        }
        return response;
      },
    );
    const url = `http://127.0.0.1:${server.addr.port}`;
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();

      await t.step(
        "offline: Allow keeps the app, alerts in the banner; online retry grants",
        async () => {
          const user = await createUser(app, { role: "RESEARCHER" });
          const context = await browser!.newContext();
          try {
            const page = await context.newPage();
            const watch = watchPage(page);
            await signIn(page, url, user.email);
            const banner = page.getByRole("region", BANNER);
            await context.setOffline(true);
            await banner.getByRole("button", { name: "Allow" }).click();
            const alert = banner.getByRole("alert");
            await alert.waitFor();
            assert.equal(page.url(), `${url}/`, "still the app's page");
            assert.match(await alert.textContent() ?? "", /not saved|could not be reached/i);
            assert.equal(await banner.getByRole("button", { name: "Allow" }).isEnabled(), true);
            assert.equal(await banner.getByRole("button", { name: "No thanks" }).isEnabled(), true);
            assert.equal(
              await page.evaluate(() =>
                document.activeElement?.closest('[data-testid="consent-banner"]') !== null
              ),
              true,
              "focus stays in the banner",
            );
            assert.deepEqual(await consentRows(app, user.id), []);

            await context.setOffline(false);
            await banner.getByRole("button", { name: "Allow" }).click();
            await banner.waitFor({ state: "detached" });
            await page.getByRole("status").filter({ hasText: "Usage analytics are on" }).waitFor();
            assert.equal(page.url(), `${url}/`);
            assert.deepEqual(await consentRows(app, user.id), ["granted"]);
            assert.deepEqual(
              watch.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED/.test(p)),
              [],
            );
          } finally {
            await context.close();
          }
        },
      );

      await t.step("a 5xx after recording: in place; the retry does not record twice", async () => {
        const user = await createUser(app, { role: "RESEARCHER" });
        const context = await browser!.newContext();
        try {
          const page = await context.newPage();
          await signIn(page, url, user.email);
          const banner = page.getByRole("region", BANNER);
          failAfterRecording = true;
          await banner.getByRole("button", { name: "No thanks" }).click();
          const alert = banner.getByRole("alert");
          await alert.waitFor();
          assert.equal(page.url(), `${url}/`);
          assert.match(await alert.textContent() ?? "", /try again/i);
          assert.deepEqual(await consentRows(app, user.id), ["declined"]);
          failAfterRecording = false;
          await banner.getByRole("button", { name: "No thanks" }).click();
          await banner.waitFor({ state: "detached" });
          assert.deepEqual(await consentRows(app, user.id), ["declined"]);
        } finally {
          failAfterRecording = false;
          await context.close();
        }
      });

      await t.step(
        "an answer lost after recording: 'may not', and the look-up on focus confirms it as this tab's own, focus kept",
        async () => {
          const user = await createUser(app, { role: "RESEARCHER" });
          const context = await browser!.newContext();
          try {
            const page = await context.newPage();
            await signIn(page, url, user.email);
            const banner = page.getByRole("region", BANNER);
            // The server records the decline; the answer never reaches the page.
            await page.route("**/api/consent/revoke", async (route) => {
              await route.fetch();
              await route.abort("connectionreset");
            });
            let lookups = 0;
            page.on("request", (request) => {
              if (request.url().endsWith("/api/consent/status")) lookups++;
            });
            await banner.getByRole("button", { name: "No thanks" }).click();
            const alert = banner.getByRole("alert");
            await alert.waitFor();
            const said = await alert.textContent() ?? "";
            assert.doesNotMatch(said, /was not saved/, "it was saved");
            assert.match(said, /may not have been saved/);
            assert.deepEqual(await consentRows(app, user.id), ["declined"]);
            // The user comes back to the tab (many focus events at once: one look-up).
            await page.evaluate(() => {
              for (let i = 0; i < 20; i++) globalThis.dispatchEvent(new Event("focus"));
            });
            await banner.waitFor({ state: "detached" });
            const note = page.getByRole("status").filter({ hasText: "No usage analytics" });
            await note.waitFor();
            assert.doesNotMatch(await note.textContent() ?? "", /elsewhere/, "this tab's choice");
            assert.equal(
              await page.evaluate(() => document.activeElement?.tagName),
              "P",
              "focus moved to the note, not dropped to the body",
            );
            assert.ok(lookups <= 2, `${lookups} look-ups for 20 focus events`);
            assert.deepEqual(await consentRows(app, user.id), ["declined"]);
          } finally {
            await context.close();
          }
        },
      );

      await t.step("a 403 (CSRF, session) still falls back to the plain form post", async () => {
        const user = await createUser(app, { role: "RESEARCHER" });
        const context = await browser!.newContext();
        try {
          const page = await context.newPage();
          await signIn(page, url, user.email);
          refuseCsrf = true;
          const posted = page.waitForRequest((r) => r.url().endsWith("/settings/privacy/grant"));
          await page.getByRole("region", BANNER).getByRole("button", { name: "Allow" }).click();
          assert.equal((await posted).method(), "POST");
          // The post's own answer, not the load state of the page it leaves (already "load").
          await until(
            async () => (await consentRows(app, user.id)).length > 0,
            "the form post to be recorded",
          );
          assert.deepEqual(await consentRows(app, user.id), ["granted"]);
        } finally {
          refuseCsrf = false;
          await context.close();
        }
      });
    } finally {
      await browser?.close();
      await server.shutdown();
      await app.dispose();
    }
  },
});
