/**
 * The `route` of request log lines and HTTP metrics is the pattern of the route the router
 * matched, also when a middleware answers before the route runs (429 rate limit, 413 body too
 * large); `unmatched` only for a path no route serves. Never a raw path.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface RequestLine {
  msg: string;
  method: string;
  route: string;
  status: number;
}

function requestLines(app: TestApp): RequestLine[] {
  return app.logs.map((line) => JSON.parse(line) as RequestLine).filter((line) =>
    line.msg === "request" || line.msg === "request failed"
  );
}

/** Every `route` label value of http_requests_total and http_request_duration_seconds. */
async function routeLabels(app: TestApp): Promise<Set<string>> {
  const routes = new Set<string>();
  for (const name of ["http_requests_total", "http_request_duration_seconds"]) {
    const metric = app.services.metrics.registry.prometheus.getSingleMetric(name);
    for (const value of (await metric!.get()).values) {
      if (value.labels.route !== undefined) routes.add(String(value.labels.route));
    }
  }
  return routes;
}

async function send(app: TestApp, path: string, init?: RequestInit): Promise<number> {
  const response = await app.request(path, init);
  await response.body?.cancel();
  return response.status;
}

Deno.test({
  name:
    "a request refused by the rate limit is labelled with its route pattern; an unknown path stays unmatched",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "2" } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await send(app, "/api/governance/state"));
      assert.equal(statuses.at(-1), 429);
      assert.equal(await send(app, "/api/no-such-resource"), 429);

      const refused = requestLines(app).filter((line) => line.status === 429);
      assert.deepEqual(refused.map((line) => line.route), ["/api/governance/state", "unmatched"]);
      const requests = app.services.metrics.httpRequests;
      assert.equal(
        await requests.value({ route: "/api/governance/state", method: "GET", status: 429 }),
        1,
      );
      assert.equal(await requests.value({ route: "unmatched", method: "GET", status: 429 }), 1);
      const routes = await routeLabels(app);
      assert.ok(routes.has("/api/governance/state"));
      assert.ok(![...routes].some((route) => route.includes("no-such-resource")));
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "a body refused as too large (413) is labelled with the pattern (/api/admin/feature-flags/:name), never the key",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0", BODY_LIMIT_BYTES: "1024" } });
    try {
      const body = JSON.stringify({ description: "x".repeat(4096) });
      for (const key of ["big", "other-key"]) {
        const status = await send(app, `/api/admin/feature-flags/${key}`, {
          method: "POST",
          headers: { "content-type": "application/json", "content-length": String(body.length) },
          body,
        });
        assert.equal(status, 413);
      }
      assert.equal(await send(app, "/api/no-such-resource"), 404);

      const lines = requestLines(app);
      assert.deepEqual(
        lines.filter((line) => line.status === 413).map((line) => line.route),
        ["/api/admin/feature-flags/:name", "/api/admin/feature-flags/:name"],
      );
      assert.deepEqual(
        lines.filter((line) => line.status === 404).map((line) => line.route),
        ["unmatched"],
      );
      assert.equal(
        await app.services.metrics.httpRequests.value({
          route: "/api/admin/feature-flags/:name",
          method: "POST",
          status: 413,
        }),
        2,
      );
      const routes = await routeLabels(app);
      assert.deepEqual([...routes].sort(), ["/api/admin/feature-flags/:name", "unmatched"]);
    } finally {
      await app.dispose();
    }
  },
});
