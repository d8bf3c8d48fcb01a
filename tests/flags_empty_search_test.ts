/**
 * /flags with no flag at all and a search: the page said "None of 0 flags match “x”. Show every
 * flag" and then "No flags yet.", two answers of which the first offers a way to a list that does
 * not exist. With no flags (live or archived) each list says only that it is empty; the search box
 * keeps what was typed. On PGlite (the summary is rendered the same way on Postgres).
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const text = (page: string) =>
  page.replace(/<!-- -->|<\/?bdi>/g, "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

Deno.test("/flags: a search with no flags at all says only that there are none", async () => {
  const target = dbTargets().find((t) => t.name === "pglite") ?? dbTargets()[0]!;
  const testDb = await target.open();
  const app = await buildTestApp({ testDb, env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    const response = await app.request("/flags?q=oncology", { headers: { cookie: admin.cookie } });
    assert.equal(response.status, 200);
    const page = await response.text();
    assert.match(text(page), /No flags yet\./);
    assert.match(text(page), /No archived flags\./);
    assert.doesNotMatch(text(page), /None of 0/);
    assert.doesNotMatch(page, />Show every flag</);
    assert.match(page, /<input[^>]*name="q"[^>]*value="oncology"/);
  } finally {
    await app.dispose();
  }
});
