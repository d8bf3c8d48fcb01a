/**
 * Static files (styles.css, island bundles, the favicon) are fetched several times per page view:
 * their successful answers (200, 304) are logged at `debug` with the route `static`, so that at
 * `LOG_LEVEL=info` the request lines tell the real work. A 4xx on such a path, every other request
 * and the health probes keep their level (docs/operations/LOGGING.md, Noise).
 */
import assert from "node:assert/strict";
import { buildTestApp, ROOT, type TestApp } from "./helpers/app.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface RequestLine {
  level: string;
  msg: string;
  method: string;
  route: string;
  status: number;
  requestId: string;
}

function requestLines(app: TestApp): RequestLine[] {
  return app.logs.map((line) => JSON.parse(line) as RequestLine).filter((line) =>
    line.msg === "request" || line.msg === "request failed"
  );
}

/** Sends a request and gives the request line written for it (found by its request id). */
async function lineFor(app: TestApp, path: string, init?: RequestInit): Promise<RequestLine> {
  const response = await app.request(path, init);
  await response.body?.cancel();
  const requestId = response.headers.get("x-request-id");
  const lines = requestLines(app).filter((line) => line.requestId === requestId);
  assert.equal(lines.length, 1, `one request line for ${init?.method ?? "GET"} ${path}`);
  return lines[0]!;
}

async function islandBundle(): Promise<string> {
  for await (const entry of Deno.readDir(new URL("static/_islands/", ROOT))) {
    if (entry.isFile && entry.name.endsWith(".js")) return `/_islands/${entry.name}`;
  }
  throw new Error("no island bundle: run deno task build first");
}

/** Every `route` label value of http_requests_total. */
async function routeLabels(app: TestApp): Promise<Set<string>> {
  const metric = app.services.metrics.registry.prometheus.getSingleMetric("http_requests_total");
  const routes = new Set<string>();
  for (const value of (await metric!.get()).values) routes.add(String(value.labels.route));
  return routes;
}

Deno.test({
  name:
    "a static file answered 200 or 304 is logged at debug with route static; its metrics say static",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const bundle = await islandBundle();
      const css = await app.request("/styles.css");
      assert.equal(css.status, 200);
      const etag = css.headers.get("etag")!;
      await css.body?.cancel();

      const served = [
        await lineFor(app, "/styles.css", { headers: { "if-none-match": etag } }),
        await lineFor(app, bundle),
        await lineFor(app, "/favicon.ico"),
        await lineFor(app, "/favicon.svg", { method: "HEAD" }),
      ];
      assert.deepEqual(
        served.map(({ level, msg, route, status }) => ({ level, msg, route, status })),
        [
          { level: "debug", msg: "request", route: "static", status: 304 },
          { level: "debug", msg: "request", route: "static", status: 200 },
          { level: "debug", msg: "request", route: "static", status: 200 },
          { level: "debug", msg: "request", route: "static", status: 200 },
        ],
      );
      // The documented fields are all there.
      for (const line of served) {
        assert.equal(typeof line.requestId, "string");
        assert.equal(typeof (line as unknown as { durationMs: unknown }).durationMs, "number");
        assert.ok(line.method === "GET" || line.method === "HEAD");
      }

      const requests = app.services.metrics.httpRequests;
      assert.equal(await requests.value({ route: "static", method: "GET", status: 200 }), 3);
      assert.equal(await requests.value({ route: "static", method: "GET", status: 304 }), 1);
      assert.equal(await requests.value({ route: "static", method: "HEAD", status: 200 }), 1);
      const routes = await routeLabels(app);
      assert.ok(
        ![...routes].some((route) => route.includes(".css") || route.includes("_islands")),
        "never a file's path as a label",
      );
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "a 4xx on a static path, a page, an API call and a health probe keep their request line and level",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const missing = await lineFor(app, "/no-such-file.css");
      assert.deepEqual(
        { level: missing.level, route: missing.route, status: missing.status },
        { level: "info", route: "unmatched", status: 404 },
      );
      const posted = await lineFor(app, "/styles.css", { method: "POST" });
      assert.equal(posted.level, "info");
      assert.ok(posted.status >= 400 && posted.status < 500, `status ${posted.status}`);
      assert.notEqual(posted.route, "static");

      const page = await lineFor(app, "/login");
      assert.deepEqual(
        { level: page.level, route: page.route, status: page.status },
        { level: "info", route: "/login", status: 200 },
      );
      const api = await lineFor(app, "/api/governance/state");
      assert.equal(api.level, "info");
      assert.equal(api.route, "/api/governance/state");

      const probe = await lineFor(app, "/health");
      assert.deepEqual(
        { level: probe.level, route: probe.route },
        { level: "debug", route: "/health" },
      );
    } finally {
      await app.dispose();
    }
  },
});
