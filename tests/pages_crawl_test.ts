/**
 * No dead ends: for each role, every link the pages render (followed from the home page,
 * assets and API links included) answers 200 — no 404, no 500, and no 403 either, since a
 * role is not shown links to pages it may not open. The pages each role reaches are stated,
 * so a page that drops out of the navigation fails the test too.
 */
import assert from "node:assert/strict";
import type { Role } from "../lib/auth/mod.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

const ACTOR = { actor: { type: "system" as const } };

/** Local links (`href="/..."`) of a page, without fragments. */
function localLinks(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/\shref="(\/[^/"][^"]*|\/)"/g)) {
    out.push(m[1]!.replaceAll("&amp;", "&").split("#")[0]!);
  }
  return out;
}

/** Status of every local link reachable from `/`, and the page each was first linked from. */
async function crawl(app: TestApp, session: Session | null) {
  const status = new Map<string, number>();
  const pages = new Set<string>();
  const linkedFrom = new Map<string, string>();
  const queue = ["/"];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const response = await app.request(path, {
      headers: session ? { cookie: session.cookie } : {},
      redirect: "manual",
    });
    status.set(path, response.status);
    const html = response.status === 200 &&
      (response.headers.get("content-type") ?? "").startsWith("text/html");
    if (!html) {
      await response.body?.cancel();
      continue;
    }
    // One page per route: query strings dropped, a flag's page stands for all of them.
    pages.add(path.split("?")[0]!.replace(/^\/flags\/.+/, "/flags/{key}"));
    for (const link of localLinks(await response.text())) {
      if (status.has(link) || linkedFrom.has(link)) continue;
      linkedFrom.set(link, path);
      queue.push(link);
    }
  }
  return { status, pages, linkedFrom };
}

const EVERYONE = ["/", "/api/docs", "/status"];
const SIGNED_IN = [...EVERYONE, "/jobs", "/settings/privacy", "/settings/account"];
const STEWARD = [
  ...SIGNED_IN,
  "/governance",
  "/flags",
  "/flags/{key}",
  "/experiments",
  "/audit",
  "/analytics",
];

/** The HTML pages each role reaches. */
const EXPECTED: Array<[Role | null, string[]]> = [
  [null, [...EVERYONE, "/login"]],
  ["RESEARCHER", SIGNED_IN],
  ["STEWARD", STEWARD],
  ["ADMIN", [...STEWARD, "/admin/users", "/admin/tokens"]],
];

Deno.test("every link each role is shown leads to a page (no 403, 404 or 500), from / onwards", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    // 55 flags: 55 audit entries, more than the audit page's 50, so "Older entries" shows.
    for (let k = 1; k <= 55; k++) {
      await app.services.flags.set(`seeded.flag.${k}`, { enabled: k % 2 === 0 }, ACTOR);
    }
    await app.services.experiments.set({
      key: "pricing.page",
      enabled: true,
      variants: { A: { weight: 50 }, B: { weight: 50 } },
    }, ACTOR);

    for (const [role, expected] of EXPECTED) {
      const session = role === null ? null : await signInAs(app, role);
      const { status, pages, linkedFrom } = await crawl(app, session);
      const broken = [...status].filter(([, s]) => s !== 200)
        .map(([path, s]) => `${s} ${path} (linked from ${linkedFrom.get(path)})`);
      assert.deepEqual(broken, [], `${role ?? "anonymous"}: links that lead nowhere`);

      assert.deepEqual([...pages].sort(), [...expected].sort(), `${role ?? "anonymous"}: pages`);
      // The status page, the OpenAPI document (a download) and the assets are linked and
      // answered 200 above; the probes' JSON is named, not linked (tests/page_links_html_test.ts).
      for (const linked of ["/status", "/api/openapi.json", "/styles.css"]) {
        assert.equal(status.get(linked), 200, `${role ?? "anonymous"}: ${linked}`);
      }
      if (role === "STEWARD" || role === "ADMIN") {
        assert.ok(
          [...status.keys()].some((p) => p.startsWith("/audit?") && p.includes("cursor=")),
          "the audit page links to older entries",
        );
      }
    }
  } finally {
    await app.dispose();
  }
});
