import assert from "node:assert/strict";
import { createRoute, z } from "@hono/zod-openapi";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";

const app: TestApp = await buildTestApp();
// A JSON route added for these tests, behind the app's real middleware and error handling.
app.app.openapi(
  createRoute({
    method: "post",
    path: "/api/_test/echo",
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({ name: z.string().max(5), count: z.number().int() }).strict(),
          },
        },
      },
    },
    responses: {
      200: {
        description: "ok",
        content: { "application/json": { schema: z.object({ ok: z.boolean() }) } },
      },
    },
  }),
  (c) => c.json({ ok: true }, 200),
);
app.app.get("/_test/boom", () => {
  throw new Error("patient John Smith SSN 123-45-6789");
});
app.app.get("/api/_test/boom", () => {
  throw new Error("patient John Smith SSN 123-45-6789");
});

app.app.post("/api/_test/deadlock", () => {
  // What postgres.js throws when Postgres breaks a deadlock (the message quotes the statement).
  throw Object.assign(new Error("deadlock detected: DELETE FROM sessions WHERE user_id = 'u-7'"), {
    code: "40P01",
  });
});

Deno.test.afterAll(() => app.dispose());

Deno.test("every response carries the security headers (CSP without inline script, no framing)", async () => {
  const response = await app.request("/health");
  await response.body?.cancel();
  const csp = response.headers.get("content-security-policy") ?? "";
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.ok(!csp.includes("unsafe-inline"));
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(response.headers.get("referrer-policy"), "strict-origin-when-cross-origin");
  assert.equal(response.headers.get("strict-transport-security"), null, "no HSTS in development");
});

Deno.test("HSTS is sent outside development", async () => {
  const staging = await buildTestApp({
    env: { APP_ENV: "staging", ANALYTICS_IP_SALT: "0123456789abcdef0", EMBEDDED_DATABASE: "true" },
  });
  try {
    const response = await staging.request("/health");
    await response.body?.cancel();
    assert.match(response.headers.get("strict-transport-security") ?? "", /max-age=\d+/);
  } finally {
    await staging.dispose();
  }
});

Deno.test("a well-formed X-Request-ID is echoed and a malformed one replaced", async () => {
  const kept = await app.request("/health", {
    headers: { "x-request-id": "req-4bf92f3577b34da6" },
  });
  await kept.body?.cancel();
  assert.equal(kept.headers.get("x-request-id"), "req-4bf92f3577b34da6");
  const replaced = await app.request("/health", {
    headers: { "x-request-id": "<script>alert(1)</script>" },
  });
  await replaced.body?.cancel();
  assert.match(replaced.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
});

Deno.test("unknown /api paths answer 404 problem+json", async () => {
  const response = await app.request("/api/does-not-exist");
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  const body = await json(response);
  assert.equal(body.code, "NOT_FOUND");
  assert.equal(body.status, 404);
  assert.equal(typeof body.requestId, "string");
});

Deno.test("unknown pages answer a real 404 HTML page without scripts", async () => {
  const response = await app.request("/no-such-page");
  assert.equal(response.status, 404);
  assert.match(response.headers.get("content-type") ?? "", /text\/html/);
  const html = await response.text();
  assert.match(html, /Page not found/);
  assert.ok(!html.includes("<script"), "a page without islands ships no script");
});

Deno.test("a wrong method answers 405 problem+json with Allow", async () => {
  const response = await app.request("/api/health", { method: "DELETE" });
  assert.equal(response.status, 405);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.match(response.headers.get("allow") ?? "", /GET/);
  assert.equal((await json(response)).code, "METHOD_NOT_ALLOWED");
});

Deno.test("malformed JSON answers 400 VALIDATION_FAILED", async () => {
  const response = await app.request("/api/_test/echo", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{not json",
  });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal((await json(response)).code, "VALIDATION_FAILED");
});

Deno.test("schema violations list paths and rules but never the submitted values", async () => {
  const response = await app.request("/api/_test/echo", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Jane Doe 555-12-3456", count: 1.5, extra_field_jane: 1 }),
  });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  const text = await response.text();
  const body = JSON.parse(text) as { code: string; errors: Array<{ path: string }> };
  assert.equal(body.code, "VALIDATION_FAILED");
  assert.deepEqual(body.errors.map((e) => e.path).sort(), ["$", "$.count", "$.name"]);
  assert.ok(!text.includes("Jane"));
  assert.ok(!text.includes("555-12-3456"));
  assert.ok(!text.includes("extra_field_jane"));
});

Deno.test("a body over the limit answers 413 PAYLOAD_TOO_LARGE", async () => {
  const response = await app.request("/api/_test/echo", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "x".repeat(1_100_000), count: 1 }),
  });
  assert.equal(response.status, 413);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal((await json(response)).code, "PAYLOAD_TOO_LARGE");
});

Deno.test("an unexpected error answers 500 without its message, and the log holds no message either", async () => {
  const response = await app.request("/api/_test/boom");
  assert.equal(response.status, 500);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  const text = await response.text();
  assert.equal(JSON.parse(text).code, "INTERNAL_ERROR");
  assert.ok(!text.includes("John") && !text.includes("123-45-6789") && !text.includes("at "));
  const logs = app.logs.join("\n");
  assert.match(logs, /unhandled error/);
  assert.ok(!logs.includes("John") && !logs.includes("123-45-6789"));
});

Deno.test("an unexpected error on a page renders the error page with the request id", async () => {
  const response = await app.request("/_test/boom", {
    headers: { "x-request-id": "req-00f067aa0ba902b7" },
  });
  assert.equal(response.status, 500);
  assert.match(response.headers.get("content-type") ?? "", /text\/html/);
  const html = await response.text();
  assert.match(html, /Something went wrong/);
  assert.match(html, /req-00f067aa0ba902b7/);
  assert.ok(!html.includes("John"));
});

Deno.test("static files are served with ETag, and island bundles with immutable caching", async () => {
  const css = await app.request("/styles.css");
  assert.equal(css.status, 200);
  assert.match(css.headers.get("content-type") ?? "", /text\/css/);
  const etag = css.headers.get("etag")!;
  await css.body?.cancel();
  const again = await app.request("/styles.css", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);

  const home = await (await app.request("/")).text();
  const src = /<script type="module" src="(\/_islands\/ModeBadge-[0-9a-f]{12}\.js)">/.exec(home)
    ?.[1];
  assert.ok(src, "the home page links its island bundle");
  const bundle = await app.request(src);
  assert.equal(bundle.status, 200);
  assert.equal(bundle.headers.get("cache-control"), "public, max-age=31536000, immutable");
  await bundle.body?.cancel();
});

Deno.test("the island manifest is not served, under no spelling of its path", async () => {
  for (
    const path of [
      "/_islands/manifest.json",
      "/_islands/./manifest.json",
      "//_islands/manifest.json",
      "/_islands//manifest.json",
      "/%2e/_islands/manifest.json",
    ]
  ) {
    const response = await app.request(path);
    assert.notEqual(response.status, 200, path);
    await response.body?.cancel();
  }
});

Deno.test("path traversal does not escape the static directory", async () => {
  for (const path of ["/../deno.json", "/%2e%2e/deno.json", "/..%2fmain.ts"]) {
    const response = await app.request(path);
    assert.notEqual(response.status, 200, path);
    await response.body?.cancel();
  }
});

Deno.test("a deadlock or serialization failure answers 503 with Retry-After, not 500, and says nothing of the statement", async () => {
  const response = await app.request("/api/_test/deadlock", { method: "POST" });
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), "1");
  const text = await response.text();
  assert.equal(JSON.parse(text).code, "SERVICE_UNAVAILABLE");
  assert.ok(!text.includes("DELETE") && !text.includes("u-7"));
  const line = app.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "database conflict");
  assert.equal(line?.sqlState, "40P01");
  assert.ok(!app.logs.join("\n").includes("u-7"));
});
