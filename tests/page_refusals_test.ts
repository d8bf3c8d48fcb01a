/**
 * A browser's request the app refuses before or outside a page's own checks (a body over the
 * size limit, too many requests, a form that cannot be read) is answered with the app's HTML
 * error page: the status, a plain sentence that repeats nothing that was sent, and a link back to
 * the form's page. The API keeps its problem+json answers (tests/http_test.ts).
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, withTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

const HTML = /^text\/html/;
const FORM = { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" };

Deno.test("a form over the body limit answers a 413 page with the way back, not problem+json", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    // A "Target users" paste of 1.1 MB (the limit is 1 MB).
    const marker = "pastedtargetuser";
    const users = Array.from({ length: 70_000 }, (_, i) => `${marker}${i}`).join("\n");
    const body = new URLSearchParams({
      csrf_token: admin.csrfToken,
      key: "big_paste",
      target_users: users,
    }).toString();
    assert.ok(body.length > 1_100_000, `${body.length}`);
    const response = await app.request("/flags", {
      method: "POST",
      headers: { ...FORM, cookie: admin.cookie },
      body,
    });
    const html = await response.text();
    assert.equal(response.status, 413);
    assert.match(response.headers.get("content-type") ?? "", HTML);
    assert.ok(html.includes('href="/flags"'), "a link back to the form's page");
    assert.ok(!html.includes(marker), "nothing sent is repeated");
    assert.match(html, /too large/);

    // The API's answer is unchanged.
    const api = await app.request("/api/admin/feature-flags/big_paste", {
      method: "POST",
      headers: admin.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ enabled: true, description: "x".repeat(1_100_000) }),
    });
    assert.equal(api.status, 413);
    assert.equal(api.headers.get("content-type"), "application/problem+json");
    assert.equal((await api.json()).code, "PAYLOAD_TOO_LARGE");
  });
});

Deno.test("a browser over the request budget gets a 429 page with Retry-After, the API problem+json", async () => {
  const clock = manualClock(Date.UTC(2026, 0, 1, 10, 0, 0));
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "2" }, clock });
  try {
    const post = () =>
      app.request("/login", { method: "POST", headers: FORM, body: "email=&password=" });
    for (let i = 0; i < 2; i++) {
      const allowed = await post();
      assert.equal(allowed.status, 400);
      await allowed.body?.cancel();
    }
    const refused = await post();
    const html = await refused.text();
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get("content-type") ?? "", HTML);
    assert.equal(refused.headers.get("retry-after"), "60");
    assert.ok(html.includes('href="/login"'), "a link back to the form's page");
    assert.match(html, /Too many requests/);

    // A page opened with GET: the page, with no link back to a form.
    const opened = await app.request("/login");
    assert.equal(opened.status, 429);
    assert.match(opened.headers.get("content-type") ?? "", HTML);
    await opened.body?.cancel();

    const api = await app.request("/api/auth/session");
    assert.equal(api.status, 429);
    assert.equal(api.headers.get("content-type"), "application/problem+json");
    assert.equal((await api.json()).code, "RATE_LIMITED");
  } finally {
    await app.dispose();
  }
});

Deno.test("a form body that cannot be read answers a 400 page, not problem+json", async () => {
  await withTestApp(async (app) => {
    const response = await app.request("/login", {
      method: "POST",
      // multipart without a boundary
      headers: { "content-type": "multipart/form-data", origin: "http://localhost" },
      body: "email=someone%40x.org",
    });
    const html = await response.text();
    assert.equal(response.status, 400);
    assert.match(response.headers.get("content-type") ?? "", HTML);
    assert.ok(html.includes('href="/login"'), "a link back to the form's page");
    assert.ok(!html.includes("someone"), "nothing sent is repeated");
  });
});
