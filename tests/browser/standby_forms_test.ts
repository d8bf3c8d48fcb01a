/**
 * STANDBY and page forms: a form STANDBY refuses answers an HTML page in the layout (503,
 * Retry-After, navigation, a sentence saying what is paused and what still works), never a raw
 * problem+json body; the JSON API keeps problem+json. The admin forms (add an account, set a
 * password, create a token) answer with their own page again, the error in the form and what was
 * typed kept (tests/admin_standby_forms_test.ts has the details). The consent banner offers no Allow in
 * STANDBY and answers a refused Allow in place. In Chromium, with and without JavaScript.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { modeAllows } from "../../lib/governance/policy.ts";
import { STANDBY_PAGE_MESSAGE } from "../../lib/http/access.ts";
import { buildTestApp, json, type TestApp } from "../helpers/app.ts";
import { createUser, type Session, signIn, signInAs } from "../helpers/auth.ts";
import {
  launchBrowser,
  serve,
  type Served,
  watchPage,
  wcagViolations,
} from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const HEADING = "Changes are paused: the platform is in STANDBY";
const METRICS_TOKEN = "standby-forms-metrics-token-0123456789";
const NO_SUCH_ID = "00000000-0000-0000-0000-000000000000";
/** Page forms that answer a STANDBY refusal with their own page, the error in the form. */
const IN_FORM = new Set([
  "POST /admin/users",
  "POST /admin/users/:id/password",
  "POST /admin/tokens",
]);
const IN_FORM_ERROR = "The platform is now in STANDBY, so this change is paused and was not made.";
const opts = { sanitizeOps: false, sanitizeResources: false };

function assertStandbyPage(response: Response, html: string, label: string): void {
  assert.equal(response.status, 503, label);
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/, label);
  assert.equal(response.headers.get("retry-after"), "60", label);
  assert.match(html, /<nav aria-label="Main">/, `${label}: the layout's navigation`);
  assert.ok(html.includes(HEADING), `${label}: heading`);
  assert.ok(html.includes(STANDBY_PAGE_MESSAGE), `${label}: what is paused and what still works`);
  assert.match(html, /href="\/">Back to the start page/, label);
}

Deno.test({
  name:
    "every page form STANDBY refuses answers the STANDBY page in the layout; the API problem+json",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0", METRICS_TOKEN } });
    try {
      const admin = await signInAs(app, "ADMIN");
      await app.services.mode.setMode("STANDBY", { type: "system" });
      const refused = app.registry.routes.filter((route) =>
        route.kind === "page" && !modeAllows("STANDBY", route.access.class)
      );
      const paths = refused.map((route) => `${route.method} ${route.path}`).sort();
      // The forms the review met, found from the registry so a new one cannot be missed.
      for (
        const known of [
          "POST /settings/privacy/grant",
          "POST /admin/users",
          "POST /admin/users/:id/password",
          "POST /admin/tokens",
        ]
      ) assert.ok(paths.includes(known), known);
      for (const route of refused) {
        const path = route.path.replace(/:[a-z]+/gi, NO_SUCH_ID);
        const response = await app.request(path, {
          method: route.method,
          headers: {
            cookie: admin.cookie,
            origin: "http://localhost",
            referer: "http://localhost/jobs",
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ csrf_token: admin.csrfToken }).toString(),
        });
        const html = await response.text();
        const label = `${route.method} ${route.path}`;
        if (IN_FORM.has(label)) {
          assert.equal(response.status, 503, label);
          assert.match(response.headers.get("content-type") ?? "", /^text\/html/, label);
          assert.equal(response.headers.get("retry-after"), "60", label);
          assert.match(html, /<nav aria-label="Main">/, label);
          assert.ok(html.includes(IN_FORM_ERROR), `${label}: the error in the form`);
          continue;
        }
        assertStandbyPage(response, html, label);
        assert.match(html, /href="\/jobs">Back to the page you were on/, "the way back");
      }

      const api = await app.request("/api/consent/grant", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ consentType: "analytics" }),
      });
      assert.equal(api.status, 503);
      assert.match(api.headers.get("content-type") ?? "", /application\/problem\+json/);
      assert.equal(api.headers.get("retry-after"), "60");
      assert.equal((await json<{ code: string }>(api)).code, "MODE_STANDBY");

      // Counted as the expected refusals they are, not as failures.
      const metrics = await app.request("/metrics", {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      const count = (await metrics.text()).match(/^governance_mode_refusals_total (\d+)$/m)?.[1];
      assert.equal(Number(count), refused.length + 1);

      // /settings/privacy in STANDBY offers no Allow, and says why.
      const privacy = await app.request("/settings/privacy", { headers: { cookie: admin.cookie } });
      const html = await privacy.text();
      assert.match(html, /data-testid="grant-paused"/);
      assert.ok(!html.includes("Allow usage analytics"));

      // The banner as drawn by the server (before any script runs) already offers no Allow.
      const jobs = await (await app.request("/jobs", { headers: { cookie: admin.cookie } })).text();
      assert.match(jobs, /data-testid="consent-paused"/);
      assert.ok(!jobs.includes('action="/settings/privacy/grant"'), "no Allow form in STANDBY");
    } finally {
      await app.dispose();
    }
  },
});

async function contextFor(
  browser: Browser,
  served: Served,
  session: Session,
  javaScriptEnabled = true,
): Promise<BrowserContext> {
  const context = await browser.newContext({ javaScriptEnabled });
  const [name, value] = session.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: served.url }]);
  return context;
}

/** Submits by clicking `submit` and asserts the STANDBY page came back, in the browser. */
async function submitRefused(page: Page, submit: () => Promise<void>, label: string) {
  const [response] = await Promise.all([
    page.waitForResponse((r) =>
      r.request().method() === "POST" && r.request().isNavigationRequest()
    ),
    submit(),
  ]);
  await page.waitForLoadState("domcontentloaded");
  assert.equal(response.status(), 503, label);
  assert.match(response.headers()["content-type"] ?? "", /^text\/html/, label);
  assert.equal(response.headers()["retry-after"], "60", label);
  assert.equal(await page.getByRole("navigation", { name: "Main" }).count(), 1, label);
  assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), HEADING, label);
  assert.ok((await page.textContent("main") ?? "").includes(STANDBY_PAGE_MESSAGE), label);
  assert.equal(
    await page.getByRole("link", { name: "Back to the start page" }).getAttribute("href"),
    "/",
  );
}

/**
 * Submits by clicking `submit` and asserts the same page came back with the error in the form:
 * 503, Retry-After, the STANDBY notice above the forms, no axe violations.
 */
async function submitInForm(
  page: Page,
  submit: () => Promise<void>,
  label: string,
  javaScript: boolean,
) {
  const [response] = await Promise.all([
    page.waitForResponse((r) =>
      r.request().method() === "POST" && r.request().isNavigationRequest()
    ),
    submit(),
  ]);
  await page.waitForLoadState("domcontentloaded");
  assert.equal(response.status(), 503, label);
  assert.match(response.headers()["content-type"] ?? "", /^text\/html/, label);
  assert.equal(response.headers()["retry-after"], "60", label);
  assert.equal(await page.getByRole("navigation", { name: "Main" }).count(), 1, label);
  const error = page.locator("form .notice--error");
  assert.equal(await error.count(), 1, label);
  assert.ok((await error.textContent() ?? "").includes(IN_FORM_ERROR), label);
  await page.getByTestId("standby-paused").waitFor();
  // axe runs as a script in the page: only where scripts run.
  if (javaScript) assert.deepEqual(await wcagViolations(page), [], label);
}

async function consentState(app: TestApp, userId: string): Promise<string> {
  return (await app.services.consent.analytics(userId, { gpc: false })).state;
}

Deno.test({
  name:
    "browser: in STANDBY the banner and the page forms lead to an HTML page or an answer in place, never raw JSON",
  ignore: !hasChromium(),
  ...opts,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const server = serve(app);
    let browser: Browser | undefined;
    const standby = () => app.services.mode.setMode("STANDBY", { type: "system" });
    const demo = () => app.services.mode.setMode("DEMO", { type: "system" });
    const researcher = async () => await signIn(app, await createUser(app, { role: "RESEARCHER" }));
    try {
      browser = await launchBrowser();

      await t.step("banner, no JavaScript: drawn in STANDBY without Allow", async () => {
        await standby();
        const session = await researcher();
        const context = await contextFor(browser!, server, session, false);
        const page = await context.newPage();
        await page.goto(`${server.url}/jobs`);
        const banner = page.getByRole("region", { name: "Usage analytics" });
        await banner.getByTestId("consent-paused").waitFor();
        assert.equal(await banner.getByRole("button", { name: "Allow" }).count(), 0);
        await context.close();
      });

      await t.step(
        "banner, no JavaScript: Allow after STANDBY began gets the STANDBY page",
        async () => {
          await demo();
          const session = await researcher();
          const context = await contextFor(browser!, server, session, false);
          const page = await context.newPage();
          await page.goto(`${server.url}/jobs`);
          await standby();
          const banner = page.getByRole("region", { name: "Usage analytics" });
          await submitRefused(
            page,
            () => banner.getByRole("button", { name: "Allow" }).click(),
            "banner Allow",
          );
          assert.equal(await consentState(app, session.user.id), "none");
          await context.close();
        },
      );

      await t.step("banner, JavaScript, opened in STANDBY: no Allow, says why", async () => {
        await standby();
        const session = await researcher();
        const context = await contextFor(browser!, server, session);
        const page = await context.newPage();
        const watch = watchPage(page);
        await page.goto(`${server.url}/jobs`);
        const banner = page.getByRole("region", { name: "Usage analytics" });
        const paused = banner.getByTestId("consent-paused");
        await paused.waitFor();
        assert.match(
          await paused.textContent() ?? "",
          /Consent choices are paused while the platform is in STANDBY/,
        );
        assert.equal(await banner.getByRole("button", { name: "Allow" }).count(), 0);
        assert.deepEqual(await wcagViolations(page), [], "the paused banner");
        // Declining still works in STANDBY.
        await banner.getByRole("button", { name: "No thanks" }).click();
        await banner.waitFor({ state: "detached" });
        assert.equal(await consentState(app, session.user.id), "declined");
        assert.deepEqual(watch.problems, []);
        await context.close();
      });

      await t.step(
        "banner, JavaScript, STANDBY after loading: Allow answered in place",
        async () => {
          await demo();
          const session = await researcher();
          const context = await contextFor(browser!, server, session);
          const page = await context.newPage();
          const checked = page.waitForResponse((r) => new URL(r.url()).pathname === "/health");
          await page.goto(`${server.url}/jobs`);
          await page.waitForSelector('.consent[data-ready="yes"]');
          await checked;
          const banner = page.getByRole("region", { name: "Usage analytics" });
          await standby();
          const refusal = page.waitForResponse((r) => r.url().endsWith("/api/consent/grant"));
          await banner.getByRole("button", { name: "Allow" }).click();
          assert.equal((await refusal).status(), 503);
          await banner.getByTestId("consent-paused").waitFor();
          await page.getByRole("status").filter({ hasText: "cannot be turned on" }).waitFor();
          assert.equal(new URL(page.url()).pathname, "/jobs", "no navigation to a dead end");
          assert.equal(await banner.getByRole("button", { name: "Allow" }).count(), 0);
          assert.equal(await consentState(app, session.user.id), "none");
          await context.close();
        },
      );

      await t.step("/settings/privacy Allow after STANDBY began: the STANDBY page", async () => {
        await demo();
        const session = await researcher();
        const context = await contextFor(browser!, server, session);
        const page = await context.newPage();
        await page.goto(`${server.url}/settings/privacy`);
        await standby();
        await submitRefused(
          page,
          () => page.getByRole("button", { name: "Allow usage analytics" }).click(),
          "privacy Allow",
        );
        assert.deepEqual(await wcagViolations(page), [], "the STANDBY page");
        await page.goto(`${server.url}/settings/privacy`);
        await page.getByTestId("grant-paused").waitFor();
        assert.equal(await page.getByRole("button", { name: "Allow usage analytics" }).count(), 0);
        await context.close();
      });

      await t.step("the sign-in page's notices pass axe", async () => {
        const context = await browser!.newContext();
        const page = await context.newPage();
        for (const reason of ["ended", "unsaved", "signed_out"]) {
          await page.goto(`${server.url}/login?next=%2Fjobs&reason=${reason}`);
          await page.getByTestId("sign-in-reason").waitFor();
          assert.deepEqual(await wcagViolations(page), [], reason);
        }
        await context.close();
      });

      await t.step(
        "admin forms after STANDBY began: the page again, error in the form",
        async () => {
          const admin = await signInAs(app, "ADMIN");
          // The banner would cover the forms; this admin has answered it.
          await app.services.consent.revoke(admin.user.id, {
            consentType: "analytics",
            method: "settings",
            reason: "declined",
          }, { actor: { type: "system" }, gpc: false });
          await createUser(app, { role: "RESEARCHER" });
          for (const javaScript of [true, false]) {
            const context = await contextFor(browser!, server, admin, javaScript);
            const page = await context.newPage();
            const label = (form: string) => `${form} (JavaScript ${javaScript ? "on" : "off"})`;

            await demo();
            await page.goto(`${server.url}/admin/users`);
            await standby();
            const email = `new-${crypto.randomUUID().slice(0, 8)}@example.org`;
            await page.getByLabel("Email").fill(email);
            await submitInForm(
              page,
              () => page.getByRole("button", { name: "Add account" }).click(),
              label("Add account"),
              javaScript,
            );
            assert.equal(await page.getByLabel("Email").inputValue(), email, "the email is kept");

            await demo();
            await page.goto(`${server.url}/admin/users`);
            await standby();
            const reset = page.locator("details", { hasText: "Set password" }).first();
            await reset.locator("summary").click();
            await reset.locator('input[name="password"]').fill("a-synthetic-password-1234");
            await reset.locator('input[name="current_password"]').fill("the admin's password");
            await submitInForm(
              page,
              () => reset.getByRole("button", { name: "Set password" }).click(),
              label("Set password"),
              javaScript,
            );

            await demo();
            await page.goto(`${server.url}/admin/tokens`);
            await standby();
            const tokenName = `standby-check-${javaScript ? "js" : "no-js"}`;
            await page.locator('input[name="name"]').fill(tokenName);
            await page.locator('input[name="scopes"][value="flags:evaluate"]').check();
            await submitInForm(
              page,
              () => page.getByRole("button", { name: "Create token" }).click(),
              label("Create token"),
              javaScript,
            );
            assert.equal(await page.locator('input[name="name"]').inputValue(), tokenName);
            assert.equal(
              (await app.services.auth.listTokens()).filter((t) => t.name === tokenName).length,
              0,
              label("nothing created in STANDBY"),
            );
            // Nothing strands the user: the button stays enabled, and once STANDBY ends the same
            // click sends what was kept (no reload, nothing typed again).
            await demo();
            await Promise.all([
              page.waitForURL(/\/admin\/tokens\?created=/),
              page.getByRole("button", { name: "Create token" }).click(),
            ]);
            await page.getByTestId("new-token").waitFor();
            await context.close();
          }
          assert.equal(
            (await app.services.auth.listTokens()).filter((t) => t.name.startsWith("standby-check"))
              .length,
            2,
            "one token per run, each created once STANDBY ended",
          );
        },
      );
    } finally {
      await browser?.close();
      await server.close();
      await app.dispose();
    }
  },
});
