/**
 * A `cursor` the audit log did not hand out (cut short, edited, pasted from elsewhere) is an
 * error, never an empty search: the page (/audit) answers 400 with a sentence saying the link
 * is not valid and a link to the newest entries of the same search, and the API
 * (GET /api/audit) answers 400 problem+json VALIDATION_FAILED naming `$.cursor`. Neither
 * repeats the cursor. A cursor the log did hand out still pages.
 */
import assert from "node:assert/strict";
import { encodeCursor } from "../lib/audit/mod.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Obviously synthetic; its presence anywhere in an answer would be an echo. */
const CANARY = "CANARYcursor";

/** Cursors that are not ours: garbage, an over-long value, a base64 of other text, a canary. */
const BAD_CURSORS = [
  "not-a-cursor",
  `${CANARY}${"x".repeat(80)}`,
  btoa(`audit:${CANARY}`).replace(/=+$/, ""),
  btoa(`other:12`).replace(/=+$/, ""),
  `${CANARY}%%`,
  `${encodeCursor(5)}${CANARY}`,
];

async function withApp(fn: (app: TestApp, cookie: string) => Promise<void>) {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    await fn(app, admin.cookie);
  } finally {
    await app.dispose();
  }
}

Deno.test({
  name: "/audit with a cursor that is not ours answers 400, says so, links to the newest entries",
  ...opts,
  async fn() {
    await withApp(async (app, cookie) => {
      for (const cursor of BAD_CURSORS) {
        const query = new URLSearchParams({ action: "auth.", cursor });
        const response = await app.request(`/audit?${query}`, { headers: { cookie } });
        assert.equal(response.status, 400, `cursor ${JSON.stringify(cursor)}`);
        assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
        const html = await response.text();
        assert.ok(!html.includes("No matching records"), "not shown as an empty search");
        assert.match(html, /role="alert"[^>]*>This link to older entries is not valid/);
        // The way back: the same search from its newest entry, without the cursor.
        assert.match(html, /<a [^>]*href="\/audit\?action=auth\."[^>]*>Newest entries<\/a>/);
        assert.ok(!html.includes(CANARY), "the cursor is not repeated");
        assert.ok(!html.includes("not-a-cursor"), "the cursor is not repeated");
        assert.ok(!html.includes("cursor="), "no link carries the cursor on");
      }
      // Without other filters the way back is the log itself.
      const bare = await app.request(`/audit?cursor=${CANARY}`, { headers: { cookie } });
      assert.equal(bare.status, 400);
      assert.match(await bare.text(), /<a [^>]*href="\/audit"[^>]*>Newest entries<\/a>/);
    });
  },
});

Deno.test({
  name: "/audit pages with a cursor it handed out (200), and a valid cursor past the end is empty",
  ...opts,
  async fn() {
    await withApp(async (app, cookie) => {
      // Sign-ins write audit records: enough for two pages of one.
      await signInAs(app, "STEWARD");
      const api = await app.request("/api/audit?limit=1", { headers: { cookie } });
      assert.equal(api.status, 200);
      const { nextCursor } = await json<{ nextCursor: string | null }>(api);
      assert.ok(nextCursor);
      const older = await app.request(`/audit?cursor=${nextCursor}`, { headers: { cookie } });
      assert.equal(older.status, 200);
      assert.ok(!(await older.text()).includes("not valid"));
      const past = await app.request(`/audit?cursor=${encodeCursor(1)}`, { headers: { cookie } });
      assert.equal(past.status, 200);
      assert.match(await past.text(), /No matching records\./);
    });
  },
});

Deno.test({
  name: "GET /api/audit with a cursor that is not ours answers 400 VALIDATION_FAILED at $.cursor",
  ...opts,
  async fn() {
    await withApp(async (app, cookie) => {
      for (const cursor of BAD_CURSORS) {
        const query = new URLSearchParams({ cursor });
        const response = await app.request(`/api/audit?${query}`, { headers: { cookie } });
        assert.equal(response.status, 400, `cursor ${JSON.stringify(cursor)}`);
        assert.equal(response.headers.get("content-type"), "application/problem+json");
        const text = await response.text();
        assert.ok(!text.includes(CANARY) && !text.includes("not-a-cursor"), "not repeated");
        const body = JSON.parse(text) as { code: string; errors?: Array<{ path: string }> };
        assert.equal(body.code, "VALIDATION_FAILED");
        assert.deepEqual(body.errors?.map((issue) => issue.path), ["$.cursor"]);
      }
    });
  },
});
