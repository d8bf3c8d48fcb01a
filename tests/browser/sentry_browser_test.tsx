/**
 * Browser errors end to end: an island throws in real Chromium, the islands
 * runtime posts it to /api/errors on the app's origin, the server scrubs it and
 * the loopback Sentry stand-in records the scrubbed event.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import ModeBadge from "../../islands/ModeBadge.tsx";
import { page as pageRoute } from "../../lib/http/access.ts";
import { Island } from "../../lib/web/island.tsx";
import { buildTestApp } from "../helpers/app.ts";
import { createUser, TEST_PASSWORD } from "../helpers/auth.ts";
import { launchBrowser, serve } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";
import { leakedCanaries, makeCanaries, phiMessages } from "../sentry_canaries.ts";
import { exceptionOf, startSentryStandIn } from "../sentry_helpers.ts";

const c = makeCanaries();
const messages = phiMessages(c);
// Props that are not JSON: the islands runtime throws while booting the second badge.
const BROKEN_ISLAND =
  '<rf-island data-island="ModeBadge" data-props="rf-broken-props"></rf-island>' +
  '<script type="application/json" id="rf-broken-props">{"mode": oops}</script>';

/** Collects CSP violations (the reporter must stay on the app's origin). */
function watchCsp(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  return problems;
}

Deno.test({
  name:
    "browser: an island error is posted to /api/errors and reaches the Sentry stand-in scrubbed",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn } });
    pageRoute(
      app.app,
      { registry: app.registry, currentMode: () => "DEMO" },
      "GET",
      "/_test/island-error",
      { role: "signed_in", class: "read" },
      (ctx) =>
        app.pages.render(
          ctx,
          <>
            <Island
              component={ModeBadge}
              props={{ mode: "DEMO", pinned: false, refreshSeconds: 3600 }}
            />
            <div dangerouslySetInnerHTML={{ __html: BROKEN_ISLAND }} />
          </>,
          { title: "Island error" },
        ),
    );
    const user = await createUser(app, { role: "RESEARCHER" });
    const server = serve(app);
    const browser = await launchBrowser();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const csp = watchCsp(page);
      const reports: string[] = [];
      page.on("request", (request) => {
        if (new URL(request.url()).pathname === "/api/errors") reports.push(request.method());
      });
      await page.goto(`${server.url}/login?next=%2F`);
      await page.fill('input[name="email"]', user.email);
      await page.fill('input[name="password"]', TEST_PASSWORD);
      await page.click('button[type="submit"]');
      await page.waitForURL(`${server.url}/`);

      await t.step(
        "an island that throws while booting is reported with type, stack and route",
        async () => {
          const posted = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/errors");
          await page.goto(`${server.url}/_test/island-error`);
          const response = await posted;
          assert.equal(response.status(), 202);
          assert.equal(await app.services.errors.flush(5000), true);
          const events = sentry.events();
          assert.equal(events.length, 1);
          const event = events[0]!;
          const exception = exceptionOf(event);
          assert.equal(exception.type, "SyntaxError");
          const frames = exception.stacktrace?.frames ?? [];
          assert.ok(
            frames.some((f) => /^\/_islands\/[\w.-]+\.js$/.test(String(f.filename)) && f.in_app),
            "frames point at the island bundles, by path only",
          );
          const tags = event.tags as Record<string, string>;
          assert.equal(tags.source, "browser");
          assert.equal(tags.runtime, "browser");
          assert.equal(tags.route, "/_test/island-error");
          assert.ok(!sentry.envelopes()[0]!.raw.includes(server.url), "no origin leaves");
        },
      );

      await t.step(
        "an uncaught error carrying PHI is forwarded only as its message's template",
        async () => {
          const before = sentry.hits.length;
          const posted = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/errors");
          await page.evaluate((message) => {
            setTimeout(() => {
              throw new Error(message);
            }, 0);
          }, messages.email);
          assert.equal((await posted).status(), 202);
          assert.equal(await app.services.errors.flush(5000), true);
          assert.equal(sentry.hits.length, before + 1);
          const event = sentry.events().at(-1)!;
          assert.equal(exceptionOf(event).type, "Error");
          // "No account for <email>": every word outside the error vocabulary becomes "…".
          assert.match(exceptionOf(event).value ?? "", /^No … for …/);
          assert.ok(!exceptionOf(event).value?.includes(c.email), "no address in the message");
          assert.deepEqual(leakedCanaries(c, sentry.envelopes().at(-1)!.raw), []);
          assert.equal(
            await app.services.metrics.sentryDropped.value({ reason: "phi_detected" }),
            0,
          );
        },
      );

      await t.step("an unhandled rejection is reported once however often it repeats", async () => {
        const sent = reports.length;
        const posted = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/errors");
        await page.evaluate(() => {
          for (let i = 0; i < 3; i++) void Promise.reject(new RangeError("Offset out of range"));
        });
        assert.equal((await posted).status(), 202);
        assert.equal(await app.services.errors.flush(5000), true);
        assert.equal(reports.length, sent + 1);
        const event = sentry.events().at(-1)!;
        assert.equal(exceptionOf(event).type, "RangeError");
        assert.equal(exceptionOf(event).value, "Offset out of range");
      });

      await t.step("no envelope holds a canary; the browser stayed on the app's origin", () => {
        for (const envelope of sentry.envelopes()) {
          assert.deepEqual(leakedCanaries(c, envelope.raw), []);
        }
        assert.deepEqual(csp, []);
      });

      await t.step(
        "a signed-out page does not report (it has no session to post with)",
        async () => {
          const anonymous = await browser.newContext();
          const other = await anonymous.newPage();
          const posts: string[] = [];
          other.on("request", (request) => {
            if (new URL(request.url()).pathname === "/api/errors") posts.push(request.url());
          });
          await other.goto(`${server.url}/`);
          await other.waitForSelector("rf-island");
          assert.equal(await other.locator('meta[name="csrf-token"]').count(), 0);
          const thrown = new Promise<void>((resolve) => other.once("pageerror", () => resolve()));
          await other.evaluate(() => {
            setTimeout(() => {
              throw new TypeError("Anonymous page failure");
            }, 0);
          });
          await thrown;
          // A same-origin request issued after the error, to be sure any report would have been sent first.
          await other.evaluate(() => fetch("/health").then((r) => r.status));
          assert.deepEqual(posts, []);
          await anonymous.close();
        },
      );
    } finally {
      await context.close();
      await browser.close();
      await server.close();
      await app.dispose();
      await sentry.close();
    }
  },
});
