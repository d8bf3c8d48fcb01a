/**
 * Accessibility (WCAG 2.1 levels A and AA, the bar of Section 508) in real Chromium, checked by
 * axe-core:
 *
 * - every server-rendered page each role reaches, found the way a user finds it (following the
 *   links the pages show, from / onwards; one page per route), with the islands hydrated;
 * - the error pages (404, 403, 405, an expired form) and the sign-in page with its error;
 * - the island and form states that matter: the consent banner open (for users who have not
 *   chosen) and its confirmation, the governance panel live (with the ADMIN's mode switch, its
 *   own validation message and the pinned state), and each admin form showing a validation
 *   error.
 *
 * Beside axe's rules, each page's form fields are checked for a visible boundary (WCAG 1.4.11),
 * which axe leaves to a person. A second test operates the consent banner and the governance
 * mode switch with the keyboard only (Tab, Enter, Space), asserts what they did, not just where
 * the focus went, and that the focus can be seen (outline contrast, WCAG 2.4.7 and 1.4.11).
 *
 * A failure lists rule id, impact, target selectors and help URL, never the page's text.
 */
import assert from "node:assert/strict";
import axe from "axe-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { NAV_ITEMS } from "../components/nav.ts";
import type { Role } from "../lib/auth/mod.ts";
import { roleAtLeast } from "../lib/auth/principal.ts";
import { grantAnalytics } from "./helpers/analytics.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createToken, type Session, signInAs } from "./helpers/auth.ts";
import {
  launchBrowser,
  routeOf,
  serve,
  type Served,
  settle,
  watchPage,
} from "./helpers/browser.ts";
import { hasChromium } from "./helpers/env.ts";
import { reportJobs } from "./helpers/jobs.ts";

const ACTOR = { actor: { type: "system" as const } };

/** WCAG 2.0 and 2.1, levels A and AA: what Section 508 and hospital policies require. */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

interface Finding {
  page: string;
  rule: string;
  impact: string;
  helpUrl: string;
  targets: string[];
}

/**
 * Runs axe-core on the page as it is now, plus the form-field contrast check below; returns
 * the violations (rule, impact, help URL and selectors; no page text).
 */
async function audit(page: Page, label: string): Promise<Finding[]> {
  // The page's CSP (script-src 'self') refuses inline <script> elements, so
  // addScriptTag({ content }) would be blocked. Evaluating the source through the DevTools
  // protocol is not subject to the page's CSP, so no bypassCSP is needed and the pages are
  // tested under the policy they ship with.
  if (!await page.evaluate(() => "axe" in globalThis)) await page.evaluate(axe.source);
  const violations = await page.evaluate(async (tags) => {
    const runner = (globalThis as unknown as { axe: typeof axe }).axe;
    const results = await runner.run(document, {
      runOnly: { type: "tag", values: tags },
      // A best practice beside WCAG: landmarks of one role with one name (a section and the
      // table's scroll region inside it) read as duplicates in a screen reader's landmark list.
      rules: { "landmark-unique": { enabled: true } },
      resultTypes: ["violations"],
    });
    return results.violations.map((v) => ({
      rule: v.id,
      impact: v.impact ?? "unknown",
      helpUrl: v.helpUrl,
      targets: v.nodes.map((node) => node.target.map(String).join(" ")),
    }));
  }, WCAG_TAGS);
  return [
    ...violations.map((v) => ({ page: label, ...v })),
    ...await controlBoundaries(page, label),
  ];
}

/** WCAG contrast ratio of two computed CSS colours (`rgb(…)` or `rgba(…)`; alpha ignored). */
function contrast(first: string, second: string): number {
  const luminance = (color: string) => {
    const [r = 0, g = 0, b = 0] = (color.match(/[\d.]+/g) ?? []).map(Number);
    const channel = (c: number) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const [a, b] = [luminance(first), luminance(second)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/**
 * WCAG 1.4.11 for form fields, which axe-core leaves to a person: the boundary of each visible
 * text field, select and text area (its border, or else its fill) has a contrast of 3:1 or more
 * against the background around it. Check boxes and radio buttons are drawn by the browser.
 */
async function controlBoundaries(page: Page, label: string): Promise<Finding[]> {
  const controls = await page.evaluate(() => {
    const around = (element: Element | null) => {
      for (let node = element; node; node = node.parentElement) {
        const color = getComputedStyle(node).backgroundColor;
        if (!/^rgba\(.*,\s*0\)$/.test(color)) return color;
      }
      return "rgb(255, 255, 255)";
    };
    const describe = (element: Element) => {
      const attr = (name: string) => element.getAttribute(name);
      const form = element.closest("form");
      const where = form?.getAttribute("action")
        ? `form[action="${form.getAttribute("action")}"] `
        : form?.classList[0]
        ? `form.${form.classList[0]} `
        : "";
      const which = element.id
        ? `#${element.id}`
        : attr("name")
        ? `[name="${attr("name")}"]`
        : attr("data-testid")
        ? `[data-testid="${attr("data-testid")}"]`
        : "";
      return `${where}${element.tagName.toLowerCase()}${which}`;
    };
    const selector = 'input:not([type="hidden"], [type="checkbox"], [type="radio"], ' +
      '[type="submit"], [type="button"]), select, textarea';
    return [...document.querySelectorAll(selector)]
      .filter((element) => element.checkVisibility())
      .map((element) => {
        const style = getComputedStyle(element);
        const bordered = style.borderTopStyle !== "none" && parseFloat(style.borderTopWidth) > 0;
        return {
          target: describe(element),
          border: bordered ? style.borderTopColor : null,
          fill: style.backgroundColor,
          around: around(element.parentElement),
        };
      });
  });
  const failing = controls.filter((control) =>
    (control.border === null || contrast(control.border, control.around) < 3) &&
    contrast(control.fill, control.around) < 3
  ).map((control) => control.target);
  return failing.length === 0 ? [] : [{
    page: label,
    rule: "form-field-boundary-contrast (WCAG 1.4.11)",
    impact: "serious",
    helpUrl: "https://www.w3.org/WAI/WCAG21/Understanding/non-text-contrast.html",
    targets: failing,
  }];
}

/**
 * Asserts there are no violations. The message counts the elements per rule, then gives one
 * entry per violation: page, rule, impact, help URL and the selectors of the elements.
 */
function expectClean(findings: Finding[]): void {
  if (findings.length === 0) return;
  const byRule = new Map<string, number>();
  for (const f of findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + f.targets.length);
  const summary = [...byRule].map(([rule, elements]) => `${rule} ${elements}`).join(", ");
  const details = findings.map((f) =>
    `${f.page}: ${f.rule} (${f.impact}) ${f.helpUrl}\n      ${f.targets.join("\n      ")}`
  );
  assert.fail(`accessibility violations (elements per rule: ${summary}):\n${details.join("\n")}`);
}

/** The pages a role must reach by following links: the navigation it is shown, and more. */
function expectedPages(role: Role | null): string[] {
  const nav = NAV_ITEMS.filter((item) =>
    item.minRole === "public" ||
    (role !== null && (item.minRole === "signed_in" || roleAtLeast(role, item.minRole)))
  ).map((item) => item.href);
  return [
    ...nav,
    "/api/docs",
    ...(role === null ? ["/login"] : ["/settings/privacy"]),
    ...(role !== null && roleAtLeast(role, "STEWARD") ? ["/flags/{key}"] : []),
  ];
}

/**
 * Follows every local link from `/` (GET only: links, never forms) and audits each HTML page,
 * one per route. Returns the routes audited.
 */
async function crawlAndAudit(
  page: Page,
  base: string,
  who: string,
  findings: Finding[],
): Promise<Set<string>> {
  const audited = new Set<string>();
  const queued = new Set<string>(["/"]);
  const queue = ["/"];
  while (queue.length > 0) {
    const href = queue.shift()!;
    const response = await page.goto(`${base}${href}`);
    const type = response?.headers()["content-type"] ?? "";
    if (response?.status() !== 200 || !type.startsWith("text/html")) continue;
    await settle(page);
    audited.add(routeOf(href));
    findings.push(...await audit(page, `${who} ${routeOf(href)}`));
    const links = await page.$$eval(
      'a[href^="/"]',
      (anchors) => anchors.map((a) => a.getAttribute("href") ?? ""),
    );
    for (const link of links) {
      const route = routeOf(link);
      if (queued.has(route)) continue;
      queued.add(route);
      queue.push(link);
    }
  }
  return audited;
}

async function contextFor(browser: Browser, served: Served, session: Session | null) {
  const context = await browser.newContext();
  if (session) {
    const [name, value] = session.cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: served.url }]);
  }
  return context;
}

/** The next navigation of the page's main frame (a form's answer may keep the same URL). */
function navigated(page: Page): Promise<unknown> {
  return page.waitForEvent("framenavigated", (frame) => frame === page.mainFrame());
}

/** Submits the form holding `button` and waits for the page it leads to. */
async function submitWith(page: Page, button: string): Promise<void> {
  await Promise.all([navigated(page), page.click(button)]);
  await settle(page);
}

/** Seeds what makes the pages show their tables, badges and charts. */
async function seed(app: TestApp): Promise<void> {
  // 55 flags: more audit entries than one page of /audit, so "Older entries" shows.
  for (let k = 1; k <= 55; k++) {
    await app.services.flags.set(`seeded.flag.${k}`, { enabled: k % 2 === 0 }, ACTOR);
  }
  await app.services.flags.set("ui.flag", {
    enabled: true,
    rolloutPercent: 30,
    requiredModes: ["DEMO", "LIVE"],
    targetUsers: ["user-1"],
    description: "A flag with every field set",
  }, ACTOR);
  await app.services.experiments.set({
    key: "pricing.page",
    enabled: true,
    description: "Pricing page layout",
    variants: { A: { weight: 50 }, B: { weight: 50 } },
  }, ACTOR);
  // 55 archived flags: /flags shows a page of them with their restore forms and page links.
  await app.db.exec(`INSERT INTO feature_flags (key, description, archived_at)
    SELECT 'archived.flag.' || g, 'Archived flag ' || g, now() - make_interval(mins => g)
      FROM generate_series(1, 55) AS g`);
  const worker = await createToken(app, { scopes: ["jobs:write"], name: "worker" });
  const jobs: Array<[string, Record<string, unknown>]> = [
    ["job-started", { status: "started" }],
    ["job-progress", { status: "progress", progress: 40 }],
    ["job-completed", { status: "completed" }],
    ["job-failed", { status: "failed" }],
  ];
  await reportJobs(app, worker, jobs);
}

Deno.test({
  name:
    "a11y: every page each role reaches, the error pages and the key island and form states have no WCAG 2.1 A/AA violations (axe-core in Chromium)",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const served = serve(app);
    let browser: Browser | undefined;
    try {
      await seed(app);
      browser = await launchBrowser();
      // RESEARCHER and ADMIN have not chosen about analytics, so the consent banner is open on
      // every page they see; the STEWARD allowed them, so pages run the analytics client.
      const sessions: Record<Role, Session> = {
        RESEARCHER: await signInAs(app, "RESEARCHER"),
        STEWARD: await signInAs(app, "STEWARD"),
        ADMIN: await signInAs(app, "ADMIN"),
      };
      await grantAnalytics(app, sessions.STEWARD);

      for (const role of [null, "RESEARCHER", "STEWARD", "ADMIN"] as const) {
        const who = role ?? "anonymous";
        await t.step(`${who}: every page reached from / by its links`, async () => {
          const context = await contextFor(browser!, served, role ? sessions[role] : null);
          try {
            const page = await context.newPage();
            const watch = watchPage(page);
            const findings: Finding[] = [];
            const audited = await crawlAndAudit(page, served.url, who, findings);
            const missing = expectedPages(role).filter((route) => !audited.has(route));
            assert.deepEqual(missing, [], `${who}: pages not reached by links`);
            if (role === "RESEARCHER" || role === "ADMIN") {
              await page.goto(`${served.url}/`);
              assert.equal(await page.locator('[data-testid="consent-banner"]').count(), 1);
            }
            assert.deepEqual(watch.problems, []);
            expectClean(findings);
          } finally {
            await context.close();
          }
        });
      }

      await t.step("error pages and the sign-in error", async () => {
        const findings: Finding[] = [];
        const anonymous = await contextFor(browser!, served, null);
        const researcher = await contextFor(browser!, served, sessions.RESEARCHER);
        try {
          const page = await anonymous.newPage();
          assert.equal((await page.goto(`${served.url}/no-such-page`))?.status(), 404);
          findings.push(...await audit(page, "anonymous 404"));

          await page.goto(`${served.url}/login`);
          await page.fill('input[name="email"]', "nobody@example.org");
          await page.fill('input[name="password"]', "not the password");
          await submitWith(page, 'main button[type="submit"]');
          assert.equal(await page.locator('[role="alert"]').count(), 1, "the sign-in error");
          findings.push(...await audit(page, "anonymous /login with an error"));

          const signedIn = await researcher.newPage();
          assert.equal((await signedIn.goto(`${served.url}/governance`))?.status(), 403);
          await settle(signedIn);
          findings.push(...await audit(signedIn, "RESEARCHER 403"));
          assert.equal((await signedIn.goto(`${served.url}/no-such-page`))?.status(), 404);
          await settle(signedIn);
          findings.push(...await audit(signedIn, "RESEARCHER 404"));
          assert.equal((await signedIn.goto(`${served.url}/logout`))?.status(), 200);
          await settle(signedIn);
          findings.push(...await audit(signedIn, "RESEARCHER /logout"));

          // 405: a form posted to a page that only answers GET.
          await signedIn.goto(`${served.url}/jobs`);
          await settle(signedIn);
          await Promise.all([
            navigated(signedIn),
            signedIn.evaluate(() => {
              const form = document.createElement("form");
              form.method = "post";
              form.action = "/jobs";
              const csrf = document.createElement("input");
              csrf.type = "hidden";
              csrf.name = "csrf_token";
              csrf.value = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!
                .content;
              form.append(csrf);
              document.body.append(form);
              form.submit();
            }),
          ]);
          await settle(signedIn);
          assert.match(await signedIn.textContent("h1") ?? "", /Method not allowed/);
          findings.push(...await audit(signedIn, "RESEARCHER 405"));

          // An expired form: the CSRF field no longer matches the session.
          await signedIn.goto(`${served.url}/settings/privacy`);
          await settle(signedIn);
          await signedIn.evaluate(() => {
            for (const input of document.querySelectorAll<HTMLInputElement>("main input")) {
              if (input.name === "csrf_token") input.value = "expired";
            }
          });
          await submitWith(signedIn, "main form button[type=submit]");
          assert.match(await signedIn.textContent("h1") ?? "", /This form has expired/);
          findings.push(...await audit(signedIn, "RESEARCHER 403 form expired"));
        } finally {
          await anonymous.close();
          await researcher.close();
        }
        expectClean(findings);
      });

      await t.step("forms showing validation errors (ADMIN)", async () => {
        const findings: Finding[] = [];
        const context = await contextFor(browser!, served, sessions.ADMIN);
        try {
          const page = await context.newPage();
          const watch = watchPage(page);
          const errorShown = async () =>
            assert.equal(await page.locator('main [role="alert"]').count(), 1, page.url());

          await page.goto(`${served.url}/flags`);
          await page.fill('input[name="key"]', "seeded.flag.1");
          await submitWith(page, 'form[action="/flags"] button[type=submit]');
          await errorShown();
          findings.push(...await audit(page, "ADMIN /flags create, key taken"));

          // A search, its second page and the archived flags' second page; a search refused.
          await page.goto(`${served.url}/flags?q=FLAG&page=2&archived_page=2`);
          await settle(page);
          assert.equal(await page.locator('main nav [aria-current="page"]').count(), 2);
          findings.push(...await audit(page, "ADMIN /flags searched, second pages"));
          await page.goto(`${served.url}/flags?q=${"x".repeat(101)}`);
          await settle(page);
          assert.equal(await page.locator('input[name="q"][aria-invalid="true"]').count(), 1);
          findings.push(...await audit(page, "ADMIN /flags search too long"));

          await page.goto(`${served.url}/flags/ui.flag`);
          await settle(page);
          await page.fill('textarea[name="target_users"]', "someone@example.org");
          await submitWith(page, 'form.form-card[action="/flags/ui.flag"] button[type=submit]');
          await errorShown();
          findings.push(...await audit(page, "ADMIN /flags/{key} save, email as target"));

          await page.goto(`${served.url}/flags/ui.flag?why=1&userId=user-1&mode=LIVE`);
          await settle(page);
          await page.locator('[data-testid="preview-id"]').fill("user-42");
          assert.equal(await page.locator('[data-testid="why-answer"]').count(), 1);
          assert.equal(await page.locator('[data-testid="preview-bucket"]').count(), 1);
          findings.push(...await audit(page, "ADMIN /flags/{key} why answer and preview"));

          await page.goto(`${served.url}/flags/no.such.flag`);
          await settle(page);
          findings.push(...await audit(page, "ADMIN /flags/{key} unknown flag"));

          await page.goto(`${served.url}/experiments`);
          await page.fill('form[action="/experiments"] input[name="key"]', "pricing.page");
          await submitWith(page, 'form[action="/experiments"] button[type=submit]');
          await errorShown();
          findings.push(...await audit(page, "ADMIN /experiments create, key taken"));

          await page.goto(`${served.url}/admin/users`);
          await page.fill(
            'form[action="/admin/users"] input[name="email"]',
            sessions.ADMIN.user.email,
          );
          await submitWith(page, 'form[action="/admin/users"] button[type=submit]');
          await errorShown();
          findings.push(...await audit(page, "ADMIN /admin/users add, email taken"));

          await page.goto(`${served.url}/admin/tokens`);
          await page.fill('form[action="/admin/tokens"] input[name="name"]', "no scopes");
          await submitWith(page, 'form[action="/admin/tokens"] button[type=submit]');
          await errorShown();
          findings.push(...await audit(page, "ADMIN /admin/tokens create, no scope"));
          await page.fill('form[action="/admin/tokens"] input[name="name"]', "flag client");
          await page.check('input[name="scopes"][value="flags:evaluate"]');
          await submitWith(page, 'form[action="/admin/tokens"] button[type=submit]');
          assert.equal(await page.locator('[data-testid="new-token"]').count(), 1);
          findings.push(...await audit(page, "ADMIN /admin/tokens token created"));

          await page.goto(`${served.url}/analytics`);
          await page.fill('form[action="/analytics/erase"] input[name="email"]', "no@example.org");
          await submitWith(page, 'form[action="/analytics/erase"] button[type=submit]');
          await errorShown();
          findings.push(...await audit(page, "ADMIN /analytics erase, unknown account"));

          await page.goto(`${served.url}/audit?from=not-a-date`);
          await settle(page);
          await errorShown();
          findings.push(...await audit(page, "ADMIN /audit invalid filter"));

          // The mode switch's own message (hydrated): the browser's required check is turned
          // off, so the island's validation answers instead.
          await page.goto(`${served.url}/governance`);
          await settle(page);
          await page.evaluate(() => {
            document.querySelector<HTMLFormElement>("form.mode-switch")!.noValidate = true;
          });
          await page.check('input[name="mode"][value="LIVE"]');
          await page.click('form.mode-switch button[type="submit"]');
          await page.locator('[data-testid="mode-switch-message"][role="alert"]').waitFor();
          assert.equal(app.services.mode.current(), "DEMO");
          findings.push(...await audit(page, "ADMIN /governance mode switch unconfirmed"));
          assert.deepEqual(watch.problems, []);
        } finally {
          await context.close();
        }
        expectClean(findings);
      });

      await t.step("the governance panel and the mode badge with the mode pinned", async () => {
        const pinned = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0", ROS_MODE: "LIVE" } });
        const pinnedServed = serve(pinned);
        const findings: Finding[] = [];
        try {
          const admin = await signInAs(pinned, "ADMIN");
          await grantAnalytics(pinned, admin);
          const context = await contextFor(browser!, pinnedServed, admin);
          const page = await context.newPage();
          await page.goto(`${pinnedServed.url}/governance`);
          await settle(page);
          assert.equal(await page.locator('[data-testid="pinned-reason"]').count(), 1);
          findings.push(...await audit(page, "ADMIN /governance pinned LIVE"));
          await page.goto(`${pinnedServed.url}/`);
          await settle(page);
          findings.push(...await audit(page, "ADMIN / pinned LIVE"));
          await context.close();
        } finally {
          await pinnedServed.close();
          await pinned.dispose();
        }
        expectClean(findings);
      });
    } finally {
      await browser?.close();
      await served.close();
      await app.dispose();
    }
  },
});

/** Presses Tab until the focused element matches `selector`; fails if it never does. */
async function tabTo(page: Page, selector: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  assert.fail(`${selector} was not reached with ${max} presses of Tab`);
}

/**
 * Asserts the focused element shows a focus indicator (WCAG 2.4.7) that stands out from what
 * surrounds it (WCAG 1.4.11): an outline of 2px or more whose colour has a contrast of 3:1 or
 * more against the background it is drawn on (the nearest ancestor's, as the outline is offset
 * outside the element). axe-core does not check focus, so this does.
 */
async function assertFocusVisible(page: Page, what: string): Promise<void> {
  const focus = await page.evaluate(() => {
    const element = document.activeElement;
    if (!element) return null;
    const style = getComputedStyle(element);
    let background = "rgb(255, 255, 255)";
    for (let node = element.parentElement; node; node = node.parentElement) {
      const color = getComputedStyle(node).backgroundColor;
      if (!/^rgba\(.*,\s*0\)$/.test(color)) {
        background = color;
        break;
      }
    }
    return {
      style: style.outlineStyle,
      width: parseFloat(style.outlineWidth),
      color: style.outlineColor,
      background,
    };
  });
  assert.ok(focus, `${what}: nothing has the focus`);
  assert.notEqual(focus.style, "none", `${what}: no focus outline`);
  assert.ok(focus.width >= 2, `${what}: focus outline ${focus.width}px, under 2px`);
  const ratio = contrast(focus.color, focus.background);
  assert.ok(ratio >= 3, `${what}: focus outline contrast ${ratio.toFixed(2)}:1, under 3:1`);
}

Deno.test({
  name:
    "a11y: the consent banner and the governance mode switch work with the keyboard alone (Tab, Enter, Space)",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const served = serve(app);
    let browser: Browser | undefined;
    let context: BrowserContext | undefined;
    try {
      browser = await launchBrowser();

      await t.step(
        "consent banner: Tab to Allow, Enter grants; Space on No thanks declines",
        async () => {
          const allowing = await signInAs(app, "RESEARCHER");
          context = await contextFor(browser!, served, allowing);
          const page = await context.newPage();
          const watch = watchPage(page);
          await page.goto(`${served.url}/`);
          await settle(page);
          await tabTo(page, '.consent-banner form[action="/settings/privacy/grant"] button');
          await assertFocusVisible(page, "Allow");
          await page.keyboard.press("Enter");
          await page.locator('[data-testid="consent-banner"]').waitFor({ state: "detached" });
          await page.locator(".consent-note:not(.consent-note--empty)").waitFor();
          const granted = await app.services.consent.analytics(allowing.user.id, { gpc: false });
          assert.deepEqual([granted.state, granted.effective], ["granted", true]);
          assert.equal(
            await page.evaluate(() => document.activeElement?.classList.contains("consent-note")),
            true,
            "focus moves to the confirmation",
          );
          const findings = await audit(page, "RESEARCHER / consent confirmation");
          expectClean(findings);
          assert.deepEqual(watch.problems, []);
          await context.close();

          const declining = await signInAs(app, "RESEARCHER");
          context = await contextFor(browser!, served, declining);
          const second = await context.newPage();
          await second.goto(`${served.url}/jobs`);
          await settle(second);
          await tabTo(second, '.consent-banner form[action="/settings/privacy/revoke"] button');
          await assertFocusVisible(second, "No thanks");
          await second.keyboard.press("Space");
          await second.locator('[data-testid="consent-banner"]').waitFor({ state: "detached" });
          const declined = await app.services.consent.analytics(declining.user.id, { gpc: false });
          assert.equal(declined.state, "declined");
          await context.close();
          context = undefined;
        },
      );

      await t.step(
        "governance mode switch: Space picks STANDBY, Enter without the confirmation is refused, Space confirms, Enter changes the mode",
        async () => {
          const admin = await signInAs(app, "ADMIN");
          await grantAnalytics(app, admin); // no banner in the tab order
          context = await contextFor(browser!, served, admin);
          const page = await context.newPage();
          const watch = watchPage(page);
          await page.goto(`${served.url}/governance`);
          await settle(page);
          assert.equal(await page.textContent('[data-testid="governance-mode"]'), "DEMO");

          await tabTo(page, 'form.mode-switch input[name="mode"]');
          assert.equal(
            await page.evaluate(() => (document.activeElement as HTMLInputElement).value),
            "STANDBY",
            "the first mode that is not the current one",
          );
          await assertFocusVisible(page, "the mode radio");
          await page.keyboard.press("Space");
          assert.ok(await page.isChecked('input[name="mode"][value="STANDBY"]'));

          // Skip the confirmation and press the button: the browser refuses the form and takes
          // the focus to the unticked box.
          await tabTo(page, 'form.mode-switch button[type="submit"]', 3);
          await assertFocusVisible(page, "Change mode");
          await page.keyboard.press("Enter");
          await page.waitForFunction(() =>
            document.activeElement?.matches('form.mode-switch input[name="confirm"]')
          );
          assert.equal(app.services.mode.current(), "DEMO");

          await page.keyboard.press("Space");
          assert.ok(await page.isChecked('input[name="confirm"]'));
          await tabTo(page, 'form.mode-switch button[type="submit"]', 3);
          await page.keyboard.press("Enter");
          // (The "accepted" message is cleared when the change arrives, so the mode is awaited.)
          await page.waitForSelector('[data-testid="governance-mode"]:text-is("STANDBY")', {
            timeout: 30_000,
          });
          assert.equal(app.services.mode.current(), "STANDBY");
          const findings = await audit(page, "ADMIN /governance after a mode change");
          expectClean(findings);
          assert.deepEqual(watch.problems, []);
        },
      );
    } finally {
      await context?.close();
      await browser?.close();
      await served.close();
      await app.dispose();
    }
  },
});
