/**
 * The site header on a narrow screen (a phone, 200% zoom on a 1280 px screen, 400% zoom at
 * 320 CSS px for WCAG 1.4.10 reflow), in real Chromium, with and without JavaScript: signed in as
 * an ADMIN (the most links), the header is one row with the brand and a "Menu" disclosure that
 * names the current page, not 11 links wrapping over four rows. Opened with the keyboard, the
 * menu holds the main navigation (one "Main" landmark visible at a time), Privacy and Sign out,
 * and they work. At 1280 px the header is as it always was: the links in a row, no menu.
 * Signed out (the start page, the sign-in page, a page that is not found), the header is one
 * row too at 320, 375 and 640 px: the brand, the one public link and Sign in side by side, all
 * in view, no menu (it took two rows, 103 px, at 375 and 320 px).
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { NAV_ITEMS } from "../../components/nav.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createUser, type Session, signIn } from "../helpers/auth.ts";
import {
  launchBrowser,
  serve,
  type Served,
  settle,
  watchPage,
  wcagViolations,
} from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

/** What an ADMIN is shown: every entry of the navigation. */
const LABELS = NAV_ITEMS.map((item) => item.label);
/** The most the header may take on a narrow screen when closed (it took 285 px and more). */
const MAX_HEADER = 80;

async function contextFor(
  browser: Browser,
  served: Served,
  session: Session,
  width: number,
  javaScriptEnabled: boolean,
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width, height: 800 },
    deviceScaleFactor: 1,
    javaScriptEnabled,
  });
  const [name, value] = session.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: served.url }]);
  return context;
}

async function headerHeight(page: Page): Promise<number> {
  return await page.evaluate(() =>
    document.querySelector(".site-header")!.getBoundingClientRect().height
  );
}

/** The focused element's outline: a ring of 2px or more that is drawn (WCAG 2.4.7). */
async function assertFocusRing(page: Page, what: string): Promise<void> {
  const ring = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement!);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  assert.notEqual(ring.style, "none", `${what}: no focus outline`);
  assert.ok(ring.width >= 2, `${what}: focus outline ${ring.width}px`);
}

/** The header at a narrow width, signed in: compact while closed, all of it once opened. */
async function narrowHeader(
  page: Page,
  served: Served,
  width: number,
  javaScript: boolean,
  label: string,
): Promise<void> {
  await page.goto(`${served.url}/flags`);
  if (javaScript) await settle(page);
  const closed = await headerHeight(page);
  assert.ok(closed <= MAX_HEADER, `${label}: the header is ${closed} px high`);

  // Closed: no link of the navigation and no Sign out in view or in the accessibility tree;
  // the brand and the menu button share the one row.
  assert.equal(await page.getByRole("navigation", { name: "Main" }).count(), 0, label);
  assert.equal(await page.getByRole("button", { name: "Sign out" }).count(), 0, label);
  assert.ok(await page.getByRole("link", { name: "ResearchFlow Governance" }).isVisible());
  const summary = page.locator("details.site-menu > summary");
  assert.equal(await summary.count(), 1, label);
  assert.ok(await summary.isVisible(), `${label}: the menu button`);
  // "Menu: Flags" (the colon is for screen readers; the page is on a second line).
  assert.match(await summary.innerText(), /^Menu\s*:\s*Flags$/, `${label}: names the page`);
  const box = (await summary.boundingBox())!;
  assert.ok(box.height >= 40 && box.x + box.width <= width, `${label}: menu button ${box}`);

  // Keyboard: the menu button comes right after the brand; Enter opens it.
  await page.getByRole("link", { name: "ResearchFlow Governance" }).focus();
  await page.keyboard.press("Tab");
  assert.ok(
    await page.evaluate(() => document.activeElement?.matches("details.site-menu > summary")),
    `${label}: Tab from the brand reaches the menu button`,
  );
  await assertFocusRing(page, `${label}: menu button`);
  await page.keyboard.press("Enter");
  assert.equal(await page.locator("details.site-menu[open]").count(), 1, `${label}: opened`);

  // Open: one "Main" navigation with every link in view, the current one marked; Privacy,
  // who is signed in and Sign out; nothing wider than the window, targets of ~44 px.
  const nav = page.getByRole("navigation", { name: "Main" });
  assert.equal(await nav.count(), 1, label);
  const links = nav.getByRole("link");
  assert.deepEqual(await links.allInnerTexts(), LABELS, `${label}: the navigation`);
  for (const link of await links.all()) {
    const linkBox = (await link.boundingBox())!;
    assert.ok(linkBox.height >= 40, `${label}: a link ${linkBox.height} px high`);
    assert.ok(linkBox.x >= 0 && linkBox.x + linkBox.width <= width, `${label}: a link off screen`);
  }
  assert.equal(
    await nav.locator('[aria-current="page"]').innerText(),
    "Flags",
    `${label}: the current page is marked`,
  );
  const privacy = page.getByRole("link", { name: "Privacy", exact: true });
  assert.equal(await privacy.count(), 1, label);
  assert.ok(await privacy.isVisible(), label);
  const signOut = page.getByRole("button", { name: "Sign out" });
  assert.equal(await signOut.count(), 1, label);
  assert.ok(((await signOut.boundingBox())!).height >= 40, `${label}: Sign out height`);
  assert.ok(
    await page.evaluate(() => document.documentElement.scrollWidth) <= width,
    `${label}: the open menu fits the window`,
  );
  if (javaScript) assert.deepEqual(await wcagViolations(page), [], `${label}: axe, menu open`);

  // A link of the menu leads to its page, which names itself in the (closed) menu.
  await Promise.all([
    page.waitForURL(`${served.url}/experiments`),
    links.filter({ hasText: "Experiments" }).click(),
  ]);
  if (javaScript) await settle(page);
  assert.equal(await page.locator("details.site-menu[open]").count(), 0, label);
  assert.match(await summary.innerText(), /^Menu\s*:\s*Experiments$/, label);
  assert.ok(await headerHeight(page) <= MAX_HEADER, label);
  if (javaScript) assert.deepEqual(await wcagViolations(page), [], `${label}: axe, menu closed`);
}

/**
 * Signed out, at a narrow width: the header is one row (the brand, Home and, except on the
 * sign-in page, Sign in, side by side), within the width, every link shown, no menu.
 */
async function signedOutHeader(
  page: Page,
  served: Served,
  width: number,
  javaScript: boolean,
  label: string,
): Promise<void> {
  for (const path of ["/", "/login", "/no-such-page"]) {
    const where = `${label} ${path}`;
    const response = await page.goto(`${served.url}${path}`);
    assert.equal(response?.status(), path === "/no-such-page" ? 404 : 200, where);
    if (javaScript) await settle(page);
    const height = await headerHeight(page);
    assert.ok(height <= MAX_HEADER, `${where}: the header is ${height} px high`);
    assert.equal(await page.locator("details.site-menu").count(), 0, `${where}: no menu`);
    const header = page.locator(".site-header");
    const brand = header.getByRole("link", { name: "ResearchFlow Governance" });
    const nav = page.getByRole("navigation", { name: "Main" });
    assert.equal(await nav.count(), 1, where);
    assert.deepEqual(await nav.getByRole("link").allInnerTexts(), ["Home"], where);
    const signIn = header.getByRole("link", { name: "Sign in" });
    assert.equal(await signIn.count(), path === "/login" ? 0 : 1, `${where}: Sign in`);
    const items = [brand, nav.getByRole("link", { name: "Home" })];
    if (path !== "/login") items.push(signIn);
    // One row: every item in view, within the width, and beside the others (their vertical
    // extents overlap), none on a row of its own.
    const boxes = await Promise.all(items.map(async (item) => (await item.boundingBox())!));
    for (const box of boxes) {
      assert.ok(box.x >= 0 && box.x + box.width <= width, `${where}: off screen ${box.x}`);
    }
    const top = Math.max(...boxes.map((box) => box.y));
    const bottom = Math.min(...boxes.map((box) => box.y + box.height));
    assert.ok(top < bottom, `${where}: the header's items are not on one row`);
    for (const item of items.slice(1)) {
      assert.ok(((await item.boundingBox())!).height >= 40, `${where}: a target under 40 px`);
    }
    assert.ok(
      await page.evaluate(() => document.documentElement.scrollWidth) <= width,
      `${where}: the page fits the window`,
    );
    if (javaScript) assert.deepEqual(await wcagViolations(page), [], `${where}: axe`);
  }
  // Sign in leads to the sign-in page, back to where it was.
  await page.goto(`${served.url}/`);
  await Promise.all([
    page.waitForURL(`${served.url}/login?next=%2F`),
    page.locator(".site-header").getByRole("link", { name: "Sign in" }).click(),
  ]);
}

/** Opens the menu and signs out with its Sign out button: the sign-in page says so. */
async function signOutThroughMenu(page: Page, served: Served, label: string): Promise<void> {
  await page.locator("details.site-menu > summary").focus();
  await page.keyboard.press("Enter");
  await Promise.all([
    page.waitForURL(`${served.url}/login?reason=signed_out`),
    page.getByRole("button", { name: "Sign out" }).click(),
  ]);
  assert.match(await page.getByTestId("sign-in-reason").textContent() ?? "", /signed out/, label);
  assert.equal(await page.locator("details.site-menu").count(), 0, `${label}: no menu`);
}

/** At 1280 px: the header as it always was, the links in a row and no menu button. */
async function wideHeader(page: Page, served: Served, label: string): Promise<void> {
  await page.goto(`${served.url}/flags`);
  const nav = page.getByRole("navigation", { name: "Main" });
  assert.equal(await nav.count(), 1, label);
  const links = nav.getByRole("link");
  assert.deepEqual(await links.allInnerTexts(), LABELS, label);
  for (const link of await links.all()) assert.ok(await link.isVisible(), label);
  const tops = new Set(
    await Promise.all((await links.all()).map(async (link) => (await link.boundingBox())!.y)),
  );
  assert.equal(tops.size, 1, `${label}: the links in one row`);
  // The menu is there but not shown, so out of the accessibility tree too.
  assert.equal(await page.locator("details.site-menu > summary").isVisible(), false, label);
  assert.equal(
    await page.evaluate(() => getComputedStyle(document.querySelector(".site-menu")!).display),
    "none",
    label,
  );
  assert.ok(await page.getByRole("button", { name: "Sign out" }).isVisible(), label);
  assert.equal(await page.getByRole("button", { name: "Sign out" }).count(), 1, label);
}

Deno.test({
  name:
    "browser: on a narrow screen the header is one row, signed in with a Menu disclosure (keyboard, no JavaScript) and signed out with its few links; at 1280 px it is unchanged",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app: TestApp = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const served = serve(app);
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      // A long name, as accounts have: it must not push the header onto more rows.
      const admin = await createUser(app, {
        role: "ADMIN",
        displayName: "Dr. Alexandra Whitfield-Montgomery",
      });
      for (const javaScript of [true, false]) {
        const how = javaScript ? "JavaScript" : "no JavaScript";
        for (const width of [375, 320, 640]) {
          await t.step(`${width} px, ${how}, signed out: one row, no menu`, async () => {
            const context = await browser!.newContext({
              viewport: { width, height: 800 },
              deviceScaleFactor: 1,
              javaScriptEnabled: javaScript,
            });
            try {
              const page = await context.newPage();
              const watch = watchPage(page);
              await signedOutHeader(page, served, width, javaScript, `${width} px, ${how}`);
              assert.deepEqual(watch.problems, []);
            } finally {
              await context.close();
            }
          });
          await t.step(
            `${width} px, ${how}: one row; the menu opens and its links work`,
            async () => {
              const session = await signIn(app, admin);
              const context = await contextFor(browser!, served, session, width, javaScript);
              try {
                const page = await context.newPage();
                const watch = watchPage(page);
                await narrowHeader(page, served, width, javaScript, `${width} px, ${how}`);
                await signOutThroughMenu(page, served, `${width} px, ${how}`);
                assert.deepEqual(watch.problems, []);
              } finally {
                await context.close();
              }
            },
          );
        }
        await t.step(`1280 px, ${how}: the links in a row, no menu`, async () => {
          const session = await signIn(app, admin);
          const context = await contextFor(browser!, served, session, 1280, javaScript);
          try {
            const page = await context.newPage();
            await wideHeader(page, served, `1280 px, ${how}`);
            if (javaScript) assert.deepEqual(await wcagViolations(page), [], "1280 px: axe");
          } finally {
            await context.close();
          }
        });
      }
    } finally {
      await browser?.close();
      await served.close();
      await app.dispose();
    }
  },
});
