/**
 * OFREP from a web page on another origin, in Chromium: with the page's origin in
 * OFREP_CORS_ORIGINS the browser's preflight passes and the page reads the bulk evaluation, its
 * ETag (so the web provider's 304 path works) and Retry-After; a 401 and a 429 reach the page as
 * statuses, not as network errors. Another origin, or no OFREP_CORS_ORIGINS, is refused by the
 * browser.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createToken } from "../helpers/auth.ts";
import { launchBrowser, serve, type Served } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A page server on its own port: the origin a ward app would run on. */
function pageOrigin(): { url: string; close(): Promise<void> } {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response("<!doctype html><title>ward app</title>", {
        headers: { "content-type": "text/html" },
      }),
  );
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

interface FetchOutcome {
  status?: number;
  etag?: string | null;
  retryAfter?: string | null;
  flags?: string[];
  error?: string;
}

/** What the page gets from a bulk evaluation, sent as the OFREP web provider sends it. */
async function bulkFromPage(
  page: Page,
  appUrl: string,
  token: string,
  ifNoneMatch?: string,
): Promise<FetchOutcome> {
  return await page.evaluate(async ({ appUrl, token, ifNoneMatch }) => {
    try {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "x-api-key": token,
      };
      if (ifNoneMatch) headers["if-none-match"] = ifNoneMatch;
      const response = await fetch(`${appUrl}/ofrep/v1/evaluate/flags`, {
        method: "POST",
        headers,
        body: JSON.stringify({ context: { targetingKey: "user-1" } }),
      });
      const body = response.status === 200 ? await response.json() : null;
      return {
        status: response.status,
        etag: response.headers.get("etag"),
        retryAfter: response.headers.get("retry-after"),
        flags: body?.flags?.map((f: { key: string }) => f.key),
      };
    } catch (error) {
      return { error: String(error) };
    }
  }, { appUrl, token, ifNoneMatch });
}

async function withSetup(
  env: (origin: string) => Record<string, string>,
  fn: (s: { app: TestApp; served: Served; page: Page; origin: string }) => Promise<void>,
): Promise<void> {
  const origin = pageOrigin();
  const app = await buildTestApp({ env: env(origin.url) });
  const served = serve(app);
  let browser: Browser | undefined;
  try {
    await app.services.flags.set("ward.banner", { enabled: true }, {
      actor: { type: "system" },
    });
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(origin.url);
    await fn({ app, served, page, origin: origin.url });
  } finally {
    await browser?.close();
    await served.close();
    await origin.close();
    await app.dispose();
  }
}

Deno.test({
  name: "OFREP_CORS_ORIGINS lets a page on that origin evaluate flags, read the ETag and get 304",
  ignore: !hasChromium(),
  ...opts,
  async fn() {
    await withSetup((origin) => ({ OFREP_CORS_ORIGINS: origin }), async ({ app, served, page }) => {
      const token = await createToken(app, { scopes: ["flags:evaluate"] });
      const first = await bulkFromPage(page, served.url, token);
      assert.equal(first.error, undefined, "the browser let the page read the answer");
      assert.equal(first.status, 200);
      assert.deepEqual(first.flags, ["ward.banner"]);
      assert.match(first.etag ?? "", /^"[0-9a-f]{16}"$/, "the page can read the ETag");
      const again = await bulkFromPage(page, served.url, token, first.etag!);
      assert.equal(again.status, 304);
      // A refused token is a status the provider can act on, not a network error.
      const refused = await bulkFromPage(page, served.url, "not-a-token");
      assert.equal(refused.status, 401);
    });
  },
});

Deno.test({
  name: "a page on an origin not listed, or with no OFREP_CORS_ORIGINS, cannot read OFREP answers",
  ignore: !hasChromium(),
  ...opts,
  async fn() {
    await withSetup(() => ({ OFREP_CORS_ORIGINS: "https://ward.example.org" }), async (s) => {
      const token = await createToken(s.app, { scopes: ["flags:evaluate"] });
      const outcome = await bulkFromPage(s.page, s.served.url, token);
      assert.match(outcome.error ?? "", /Failed to fetch/);
    });
    await withSetup(() => ({}), async (s) => {
      const token = await createToken(s.app, { scopes: ["flags:evaluate"] });
      const outcome = await bulkFromPage(s.page, s.served.url, token);
      assert.match(outcome.error ?? "", /Failed to fetch/);
    });
  },
});

Deno.test({
  name: "a 429 from OFREP reaches a page on an allowed origin with a readable Retry-After",
  ignore: !hasChromium(),
  ...opts,
  async fn() {
    await withSetup(
      (origin) => ({ OFREP_CORS_ORIGINS: origin, RATE_LIMIT_OFREP_PER_MIN: "2" }),
      async ({ app, served, page }) => {
        const token = await createToken(app, { scopes: ["flags:evaluate"] });
        const statuses: Array<number | undefined> = [];
        let last: FetchOutcome = {};
        for (let i = 0; i < 3; i++) {
          last = await bulkFromPage(page, served.url, token);
          statuses.push(last.status);
        }
        assert.deepEqual(statuses, [200, 200, 429]);
        assert.match(last.retryAfter ?? "", /^\d+$/);
      },
    );
  },
});
