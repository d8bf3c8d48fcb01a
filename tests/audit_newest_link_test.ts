/**
 * /audit: a page of older entries (after "Older entries") links back to the newest entries of the
 * same search ("Newest entries": the filters kept, the cursor dropped); the first page does not.
 */
import assert from "node:assert/strict";
import { encodeCursor } from "../lib/audit/mod.ts";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** The href of the link whose text is `text`, if the page has one. */
function linkTo(html: string, text: string): string | undefined {
  return html.match(new RegExp(`<a[^>]*href="([^"]*)"[^>]*>${text}</a>`))?.[1]
    ?.replaceAll("&amp;", "&");
}

Deno.test({
  name: "/audit: an older page links to the newest entries of the same search",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const admin = await signInAs(app, "ADMIN");
      for (let i = 0; i < 3; i++) {
        await app.services.flags.set(`audit.newest${i}`, { enabled: true }, {
          actor: { type: "system" },
        });
      }
      const get = async (query: string) =>
        await (await app.request(`/audit?${query}`, { headers: { cookie: admin.cookie } }))
          .text();

      const first = await get("action=flag.");
      assert.equal(linkTo(first, "Newest entries"), undefined, "the first page is the newest");

      const older = await get(`action=flag.&cursor=${encodeCursor(1_000_000)}`);
      assert.equal(linkTo(older, "Newest entries"), "/audit?action=flag.");

      const unfiltered = await get(`cursor=${encodeCursor(1_000_000)}`);
      assert.equal(linkTo(unfiltered, "Newest entries"), "/audit");
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "/audit: an actor that named no account (an e-mail address, say) is not carried into the 'Newest entries' link",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const admin = await signInAs(app, "ADMIN");
      const typed = "nobody-here@example.test";
      for (const cursor of [encodeCursor(5), "not-a-cursor!!"]) {
        const response = await app.request(
          `/audit?action=flag.&actor=${encodeURIComponent(typed)}&cursor=${cursor}`,
          { headers: { cookie: admin.cookie } },
        );
        const html = await response.text();
        assert.equal(linkTo(html, "Newest entries"), "/audit?action=flag.", cursor);
        const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
        assert.ok(
          hrefs.every((href) => !href.includes("%40") && !href.includes("nobody-here")),
          "no link repeats what was typed",
        );
      }
    } finally {
      await app.dispose();
    }
  },
});
