/**
 * Real headless Chromium (Debian's package) driven by playwright-core, and a
 * real HTTP server for the app on a free loopback port.
 */
import axe from "axe-core";
import { type Browser, chromium, type Page } from "playwright-core";
import type { TestApp } from "./app.ts";
import { CHROMIUM_PATH } from "./env.ts";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Launches Chromium. */
export async function launchBrowser(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Serves a test app on 127.0.0.1 (what main.ts does, minus the process). */
export function serve(app: TestApp): Served {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request, info) => app.app.fetch(request, { remoteAddr: info.remoteAddr }),
  );
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

/**
 * Responses a test provokes on purpose (a refused form's 400, a 404, a STANDBY 503): Chromium
 * logs each as a console error, which says nothing about the page itself.
 */
const RESOURCE_STATUS = /^Failed to load resource: the server responded with a status of \d+/;

/**
 * Collects console errors (CSP violations, an invalid `pattern` attribute, a failed script) and
 * page errors so a test can assert there were none. A resource answered with an error status is
 * left out: tests provoke those on purpose.
 */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !RESOURCE_STATUS.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.name}`));
  return { problems };
}

/** Waits until the page's islands are hydrated and their first fetches answered. */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState("load");
  await page.waitForFunction(
    () =>
      document.querySelector(
        [
          '.consent[data-ready="no"]',
          '[data-testid="live-status"][data-status="server"]',
          '[data-testid="live-status"][data-status="connecting"]',
          '.mode-badge__live[data-live="no"]',
          '[data-testid="preview-id"]:disabled',
        ].join(", "),
      ) === null,
    undefined,
    { timeout: 15_000 },
  );
}

/** The route a local link stands for: no query or fragment, one flag page for all flags. */
export function routeOf(href: string): string {
  return href.split(/[?#]/)[0]!.replace(/^\/flags\/.+/, "/flags/{key}");
}

/**
 * axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now, as `rule: targets`.
 * Evaluated through the DevTools protocol: the page's CSP refuses inline scripts.
 */
export async function wcagViolations(page: Page): Promise<string[]> {
  if (!await page.evaluate(() => "axe" in globalThis)) await page.evaluate(axe.source);
  return await page.evaluate(async () => {
    const runner = (globalThis as unknown as { axe: typeof axe }).axe;
    const results = await runner.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    });
    return results.violations.map((v) =>
      `${v.id}: ${v.nodes.map((node) => node.target.map(String).join(" ")).join(", ")}`
    );
  });
}

/**
 * axe-core's `landmark-unique` violations on the page (a best practice, not WCAG): landmarks of
 * one role sharing an accessible name, such as a section named by its heading and the table's
 * scroll region inside it named the same. As `rule: targets`.
 */
export async function landmarkDuplicates(page: Page): Promise<string[]> {
  if (!await page.evaluate(() => "axe" in globalThis)) await page.evaluate(axe.source);
  return await page.evaluate(async () => {
    const runner = (globalThis as unknown as { axe: typeof axe }).axe;
    const results = await runner.run(document, {
      runOnly: { type: "rule", values: ["landmark-unique"] },
      resultTypes: ["violations"],
    });
    return results.violations.map((v) =>
      `${v.id}: ${v.nodes.map((node) => node.target.map(String).join(" ")).join(", ")}`
    );
  });
}

/**
 * Makes the page hidden or visible as a background tab is: headless Chromium reports every page
 * as visible, so `document.hidden`/`visibilityState` are overridden and `visibilitychange` sent
 * (all that lib/realtime/live_client.ts reads).
 */
export async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    Object.defineProperty(document, "visibilityState", {
      configurable: true,
      get: () => (hidden ? "hidden" : "visible"),
    });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

/** The event streams the app holds open now (`sse_connections` on /metrics, with a metrics:read token). */
export async function openStreams(app: TestApp, token: string): Promise<number> {
  const response = await app.request("/metrics", {
    headers: { authorization: `Bearer ${token}` },
  });
  return Number(/^sse_connections (\d+)$/m.exec(await response.text())?.[1] ?? NaN);
}
