/**
 * Small screens in real Chromium: on a phone (390×844) and at 200% zoom of a 1280-pixel window
 * (640×400 CSS pixels), no page each role reaches is wider than the window. A wide table
 * scrolls inside its own `.table-scroll` region; long keys, ids and e-mail addresses wrap; the
 * header, forms and footer fit. Otherwise the whole page scrolls sideways and buttons at the
 * end of a row (Deactivate, Set password) end up off-screen.
 *
 * Pages are found the way a user finds them (every local link from `/`, one page per route),
 * with the islands hydrated, every `<details>` closed and then opened (two-step confirmations,
 * raw values). The data are made long on purpose: a 100-character flag key, a 128-character job
 * id, long e-mail addresses and names. Whatever scrolls sideways at these widths must take the
 * keyboard focus (axe-core's scrollable-region-focusable), and every `table.data` sits in a
 * `.table-scroll` region, so a table that fits only because its data are short still fails.
 *
 * A failure names the role, viewport, route, the page's width and the elements sticking out
 * (tag, class and test id; never the page's text).
 */
import assert from "node:assert/strict";
import axe from "axe-core";
import type { Browser, Page } from "playwright-core";
import type { Role } from "../../lib/auth/mod.ts";
import { grantAnalytics } from "../helpers/analytics.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createToken, createUser, type Session, signIn, signInAs } from "../helpers/auth.ts";
import {
  launchBrowser,
  routeOf,
  serve,
  type Served,
  settle,
  watchPage,
} from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";
import { reportJobs } from "../helpers/jobs.ts";

const ACTOR = { actor: { type: "system" as const } };

/** A phone in portrait, and a 1280×800 window at 200% zoom (WCAG 1.4.10 reflow). */
const VIEWPORTS = [
  { name: "phone 390x844", width: 390, height: 844 },
  { name: "200% zoom 640x400", width: 640, height: 400 },
] as const;

/** Long identifiers with no space to break at (synthetic; letters only, nothing PHI-shaped). */
const LONG_FLAG = "study.enrolment.consent_form_redesign_for_multi_site_trials.phase_two" +
  ".rollout_wave_alpha_bravo_delta";
const LONG_EXPERIMENT = "onboarding.copy_for_new_study_coordinators_and_site_monitors" +
  ".variant_test_long";
const LONG_JOB = "analysis:cohort-extraction:oncology-registry-linkage:" +
  "pipeline-stage-feature-engineering:run-alpha-bravo-charlie-delta-echo-hotel";
const LONG_RESEARCH = "research:multi-site-longitudinal-cardiometabolic-outcomes-study:" +
  "protocol-amendment-alpha-bravo";

async function seed(app: TestApp): Promise<void> {
  // 55 flags: more audit entries than one page of /audit, so "Older entries" shows.
  for (let k = 1; k <= 55; k++) {
    await app.services.flags.set(`seeded.flag.${k}`, { enabled: k % 2 === 0 }, ACTOR);
  }
  await app.services.flags.set(LONG_FLAG, {
    enabled: true,
    rolloutPercent: 30,
    requiredModes: ["DEMO", "LIVE"],
    targetUsers: ["user-alpha-bravo-charlie-delta-echo-foxtrot-golf-hotel-india-juliett"],
    description: "A flag with every field set and a key as long as keys may be",
  }, ACTOR);
  await app.services.experiments.set({
    key: LONG_EXPERIMENT,
    enabled: true,
    description: "Pricing page layout",
    variants: {
      control_variant_with_a_long_name: { weight: 50 },
      treatment_variant_with_a_long_name: { weight: 50 },
    },
  }, ACTOR);
  await createUser(app, {
    role: "RESEARCHER",
    email: "research.coordinator.cardiometabolic.outcomes.study@hospital-research-unit.example.org",
    displayName: "Research coordinator for the cardiometabolic outcomes study",
  });
  await createToken(app, {
    scopes: ["jobs:write", "flags:evaluate"],
    name: "worker-callbacks-for-the-oncology-registry-linkage-pipeline",
  });
  const worker = await createToken(app, { scopes: ["jobs:write"], name: "worker" });
  const jobs: Array<[string, Record<string, unknown>]> = [
    [LONG_JOB, { status: "progress", progress: 40, researchId: LONG_RESEARCH }],
    ["job-completed", { status: "completed" }],
    ["job-failed", { status: "failed" }],
  ];
  await reportJobs(app, worker, jobs);
}

/**
 * The page's width, the elements whose right edge passes the window's, and the data tables not
 * inside a scrolling region (`.table-scroll[role=region][aria-label][tabindex="0"]`), which
 * fit here only because the data are short (no text of the page).
 */
async function measure(
  page: Page,
): Promise<{ scrollWidth: number; sticking: string[]; unwrapped: number }> {
  return await page.evaluate(() => {
    const unwrapped = [...document.querySelectorAll("table.data")].filter((table) =>
      !table.parentElement?.matches(
        '.table-scroll[role="region"][aria-label]:not([aria-label=""])[tabindex="0"]',
      )
    ).length;
    const width = globalThis.innerWidth;
    const sticking: string[] = [];
    for (const element of document.querySelectorAll("body *")) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.right <= width + 1) {
        continue;
      }
      // Only the outermost: its descendants stick out with it.
      const parent = element.parentElement!.getBoundingClientRect();
      if (element.parentElement !== document.body && parent.right > width + 1) {
        continue;
      }
      const testId = element.getAttribute("data-testid");
      const classes = [...element.classList].map((name) =>
        `.${name}`
      ).join("");
      sticking.push(
        `${element.tagName.toLowerCase()}${classes}${testId ? `[data-testid=${testId}]` : ""}` +
          ` right=${Math.round(box.right)}`,
      );
    }
    return {
      scrollWidth: document.documentElement.scrollWidth,
      sticking: sticking.slice(0, 6),
      unwrapped,
    };
  });
}

/**
 * What scrolls sideways here but cannot be reached with the keyboard (axe-core's
 * scrollable-region-focusable, at this width): a region a keyboard user could not scroll.
 */
async function unreachableScrollers(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, so the page's CSP does not apply (as in a11y_test).
  if (!await page.evaluate(() => "axe" in globalThis)) await page.evaluate(axe.source);
  return await page.evaluate(async () => {
    const runner = (globalThis as unknown as { axe: typeof axe }).axe;
    const results = await runner.run(document, {
      runOnly: { type: "rule", values: ["scrollable-region-focusable"] },
      resultTypes: ["violations"],
    });
    return results.violations.flatMap((v) => v.nodes.map((node) => node.target.join(" ")));
  });
}

/**
 * Follows every local link from `/` (GET only) at the page's viewport, measuring each HTML
 * page with its `<details>` closed and open. Returns the routes measured and the failures.
 */
async function crawl(page: Page, base: string, width: number) {
  const measured = new Set<string>();
  const failures: string[] = [];
  const queued = new Set<string>(["/"]);
  const queue = ["/"];
  while (queue.length > 0) {
    const href = queue.shift()!;
    const response = await page.goto(`${base}${href}`);
    const type = response?.headers()["content-type"] ?? "";
    if (response?.status() !== 200 || !type.startsWith("text/html")) continue;
    await settle(page);
    const route = routeOf(href);
    measured.add(route);
    for (const state of ["closed", "open"] as const) {
      if (state === "open") {
        await page.evaluate(() => {
          for (const details of document.querySelectorAll("details")) details.open = true;
        });
      }
      const { scrollWidth, sticking, unwrapped } = await measure(page);
      if (scrollWidth > width + 1) {
        failures.push(
          `${route} (details ${state}): page ${scrollWidth} px wide; ${sticking.join(", ")}`,
        );
      }
      if (state === "closed" && unwrapped > 0) {
        failures.push(`${route}: ${unwrapped} table.data not in a .table-scroll region`);
      }
      for (const target of await unreachableScrollers(page)) {
        failures.push(`${route} (details ${state}): scrolls but takes no focus: ${target}`);
      }
    }
    const links = await page.$$eval(
      'a[href^="/"]',
      (anchors) => anchors.map((a) => a.getAttribute("href") ?? ""),
    );
    for (const link of links) {
      const next = routeOf(link);
      if (queued.has(next)) continue;
      queued.add(next);
      queue.push(link);
    }
  }
  return { measured, failures };
}

async function contextFor(
  browser: Browser,
  served: Served,
  session: Session | null,
  viewport: { width: number; height: number },
) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  if (session) {
    const [name, value] = session.cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: served.url }]);
  }
  return context;
}

/** The pages each role reaches (as tests/pages_crawl_test.ts states them). */
const EVERYONE = ["/", "/api/docs"];
const SIGNED_IN = [...EVERYONE, "/jobs", "/settings/privacy"];
const STEWARD = [
  ...SIGNED_IN,
  "/governance",
  "/flags",
  "/flags/{key}",
  "/experiments",
  "/audit",
  "/analytics",
];
const EXPECTED: Record<Role | "anonymous", string[]> = {
  anonymous: [...EVERYONE, "/login"],
  RESEARCHER: SIGNED_IN,
  STEWARD,
  ADMIN: [...STEWARD, "/admin/users", "/admin/tokens"],
};

Deno.test({
  name:
    "responsive: no page each role reaches is wider than a 390 px phone or a 640 px window (200% zoom)",
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
      // RESEARCHER and ADMIN have not chosen about analytics (the consent banner is open); the
      // STEWARD allowed them. The ADMIN has a long e-mail address and name, shown in the header.
      const admin = await createUser(app, {
        role: "ADMIN",
        email: "governance.administrator.for.the.research.platform@hospital-it.example.org",
        displayName: "Governance administrator of the research platform",
      });
      const sessions: Record<Role, Session> = {
        RESEARCHER: await signInAs(app, "RESEARCHER"),
        STEWARD: await signInAs(app, "STEWARD"),
        ADMIN: await signIn(app, admin),
      };
      await grantAnalytics(app, sessions.STEWARD);

      for (const role of ["anonymous", "RESEARCHER", "STEWARD", "ADMIN"] as const) {
        for (const viewport of VIEWPORTS) {
          await t.step(`${role}, ${viewport.name}`, async () => {
            const session = role === "anonymous" ? null : sessions[role];
            const context = await contextFor(browser!, served, session, viewport);
            try {
              const page = await context.newPage();
              const watch = watchPage(page);
              const { measured, failures } = await crawl(page, served.url, viewport.width);
              const missing = EXPECTED[role].filter((route) => !measured.has(route));
              assert.deepEqual(missing, [], `${role}: pages not reached by links`);
              assert.deepEqual(watch.problems, []);
              assert.deepEqual(
                failures,
                [],
                `${role}, ${viewport.name}: pages wider than the window`,
              );
            } finally {
              await context.close();
            }
          });
        }
      }
    } finally {
      await browser?.close();
      await served.close();
      await app.dispose();
    }
  },
});
