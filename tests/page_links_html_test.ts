/**
 * No link opens raw JSON in the browser: for each role, every local link the pages render
 * (followed from the home page with a browser's Accept header) answers a page, a stylesheet or
 * an image, unless the link downloads what it points at (`download`). The footer's health links
 * opened the probes' JSON in the tab, with no navigation and no way on but the Back button.
 */
import assert from "node:assert/strict";
import type { Role } from "../lib/auth/mod.ts";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const SHOWN = /^(text\/html|text\/css|image\/)/;

/** Local links of a page: address without fragment, and whether the link downloads it. */
function localLinks(html: string): Array<{ href: string; download: boolean }> {
  const out: Array<{ href: string; download: boolean }> = [];
  for (const [tag] of html.matchAll(/<a\s[^>]*>/g)) {
    const href = /\shref="(\/[^/"][^"]*|\/)"/.exec(tag)?.[1];
    if (!href) continue;
    out.push({
      href: href.replaceAll("&amp;", "&").split("#")[0]!,
      download: /\sdownload(=|\s|>)/.test(tag),
    });
  }
  return out;
}

Deno.test("every link each role is shown opens a page in the browser, never raw JSON, in DEMO and STANDBY", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    await app.services.flags.set("seeded.flag", { enabled: true }, {
      actor: { type: "system" },
    });
    for (const mode of ["DEMO", "STANDBY"] as const) {
      await app.services.mode.setMode(mode, { type: "system" });
      for (const role of [null, "RESEARCHER", "STEWARD", "ADMIN"] as Array<Role | null>) {
        const session = role === null ? null : await signInAs(app, role);
        const who = `${mode} ${role ?? "anonymous"}`;
        const seen = new Set<string>(["/"]);
        const queue: Array<{ href: string; from: string }> = [{ href: "/", from: "(start)" }];
        const raw: string[] = [];
        while (queue.length > 0) {
          const { href, from } = queue.shift()!;
          const response = await app.request(href, {
            headers: { accept: BROWSER, ...(session ? { cookie: session.cookie } : {}) },
            redirect: "manual",
          });
          const type = (response.headers.get("content-type") ?? "").split(";")[0]!;
          if (response.status === 200 && !SHOWN.test(type)) raw.push(`${href} ${type} (${from})`);
          if (response.status !== 200 || type !== "text/html") {
            await response.body?.cancel();
            continue;
          }
          for (const link of localLinks(await response.text())) {
            if (link.download || seen.has(link.href)) continue;
            seen.add(link.href);
            queue.push({ href: link.href, from: href });
          }
        }
        assert.deepEqual(raw, [], `${who}: links that open something other than a page`);
        assert.ok(seen.has("/status"), `${who}: the service status page is linked`);
      }
    }
  } finally {
    await app.dispose();
  }
});
