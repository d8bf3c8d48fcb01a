import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { ConfigError } from "../lib/config.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { startLoopback } from "./helpers/loopback.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const TOKEN = "metrics-scrape-secret-0123456789";

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: unknown }>;
}

/** A request as if it arrived from `ip` over a real socket. */
function fromIp(app: TestApp, path: string, ip: string, headers: Record<string, string> = {}) {
  return Promise.resolve(app.app.request(path, { headers }, {
    remoteAddr: { hostname: ip, port: 40000, transport: "tcp" },
  }));
}

Deno.test({
  name:
    "GET /metrics with the METRICS_TOKEN bearer: Prometheus text 0.0.4 that a text-format parser reads",
  ...opts,
  async fn() {
    const server = startLoopback();
    const app = await buildTestApp({
      env: { METRICS_TOKEN: TOKEN, NO_NETWORK: "true", WORKER_URL: server.url },
    });
    try {
      await app.request("/health");
      await app.services.net.fetch("worker", server.url).catch(() => {});
      const response = await app.request("/metrics", {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(response.status, 200);
      assert.equal(
        response.headers.get("content-type"),
        "text/plain; version=0.0.4; charset=utf-8",
      );
      const text = await response.text();
      const families = parsePrometheusTextFormat(text) as Family[];
      const byName = new Map(families.map((f) => [f.name, f]));
      for (
        const name of [
          "http_requests_total",
          "http_request_duration_seconds",
          "external_calls_total",
          "external_calls_blocked_total",
          "external_calls_failed_total",
          "sse_connections",
          "analytics_events_total",
          "phi_detections_total",
          "governance_mode",
        ]
      ) {
        assert.ok(byName.has(name), `${name} is exposed`);
      }
      assert.equal(byName.get("http_request_duration_seconds")!.type, "HISTOGRAM");
      // Process figures, for memory and descriptor alerts (before, none were exposed).
      for (const name of ["process_resident_memory_bytes", "process_open_fds"]) {
        const value = Number(byName.get(name)?.metrics[0]?.value);
        assert.ok(value > 0, `${name} = ${value}`);
      }
      assert.deepEqual(byName.get("external_calls_blocked_total")!.metrics, [
        { value: "1", labels: { provider: "worker" } },
      ]);
      const mode = byName.get("governance_mode")!.metrics;
      assert.deepEqual(mode.find((m) => m.value === "1")?.labels, { mode: "DEMO" });
      assert.match(
        JSON.stringify(byName.get("http_requests_total")!.metrics),
        /"route":"\/health","method":"GET","status":"200"/,
      );
      assert.equal(server.hits.length, 0);
      assert.ok(!text.includes(TOKEN));
    } finally {
      await app.dispose();
      await server.close();
    }
  },
});

Deno.test({
  name:
    "GET /metrics refuses without credentials, with a wrong token, and when nothing is configured",
  ...opts,
  async fn() {
    const configured = await buildTestApp({ env: { METRICS_TOKEN: TOKEN } });
    const bare = await buildTestApp();
    try {
      const none = await configured.request("/metrics");
      assert.equal(none.status, 401);
      assert.match(none.headers.get("content-type") ?? "", /application\/problem\+json/);
      assert.equal((await json(none)).code, "UNAUTHENTICATED");
      const wrong = await configured.request("/metrics", {
        headers: { authorization: "Bearer nope" },
      });
      assert.equal(wrong.status, 403);
      assert.equal((await json(wrong)).code, "FORBIDDEN");
      const unconfigured = await bare.request("/metrics", {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(unconfigured.status, 403);
      await unconfigured.body?.cancel();
    } finally {
      await configured.dispose();
      await bare.dispose();
    }
  },
});

Deno.test({
  name:
    "GET /metrics from an address inside METRICS_ALLOW_IPS (CIDR) passes; others must bring a token",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { METRICS_ALLOW_IPS: "10.0.0.0/8, 192.168.1.7" } });
    try {
      for (const ip of ["10.1.2.3", "192.168.1.7", "::ffff:10.9.9.9"]) {
        const response = await fromIp(app, "/metrics", ip);
        assert.equal(response.status, 200, ip);
        assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
        await response.body?.cancel();
      }
      for (const ip of ["192.168.1.8", "11.0.0.1", "2001:db8::1"]) {
        const response = await fromIp(app, "/metrics", ip);
        assert.equal(response.status, 401, ip);
        await response.body?.cancel();
      }
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "GET /metrics accepts an API token with metrics:read",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const token = await createToken(app, { scopes: ["metrics:read"] });
      const response = await app.request("/metrics", {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "an invalid METRICS_ALLOW_IPS rule stops the start naming the variable",
  ...opts,
  async fn() {
    await assert.rejects(
      () => buildTestApp({ env: { METRICS_ALLOW_IPS: "not-an-ip" } }),
      (error: unknown) => error instanceof ConfigError && error.variable === "METRICS_ALLOW_IPS",
    );
  },
});

Deno.test({
  name: "GET /api/metrics (STEWARD) returns the counters and the runtime mode, without secrets",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { METRICS_TOKEN: TOKEN, MOCK_ONLY: "true" } });
    try {
      const steward = await signInAs(app, "STEWARD");
      const response = await app.request("/api/metrics", { headers: steward.headers() });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      const text = await response.text();
      const body = JSON.parse(text);
      assert.deepEqual(body.mode, {
        effective: "DEMO",
        pinned: false,
        source: "default",
        noNetwork: false,
        mockOnly: true,
        outboundBlocked: "MOCK_ONLY",
      });
      assert.ok("http_requests_total" in body.metrics);
      assert.ok("external_calls_blocked_total" in body.metrics);
      assert.equal(body.metrics.sse_connections, 0);
      assert.ok(!text.includes(TOKEN));
      const researcher = await signInAs(app, "RESEARCHER");
      const denied = await app.request("/api/metrics", { headers: researcher.headers() });
      assert.equal(denied.status, 403);
      await denied.body?.cancel();
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "a write refused in STANDBY is counted in governance_mode_refusals_total and logged as refused, not failed",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { METRICS_TOKEN: TOKEN, ROS_MODE: "STANDBY" } });
    try {
      const steward = await signInAs(app, "STEWARD");
      // Refused by the route's mode guard, and by the account service (a promotion in STANDBY).
      const callback = await app.request("/api/jobs/job-1/status", {
        method: "POST",
        headers: steward.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ status: "started" }),
      });
      assert.equal(callback.status, 503);
      assert.equal((await json<{ code: string }>(callback)).code, "MODE_STANDBY");
      const refusedBefore = app.logs.length;
      const scrape = async () => {
        const response = await app.request("/metrics", {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const families = parsePrometheusTextFormat(await response.text()) as Family[];
        return families.find((f) => f.name === "governance_mode_refusals_total")?.metrics;
      };
      assert.deepEqual(await scrape(), [{ value: "1" }]);
      // A 404 or 403 is no refusal.
      await (await app.request("/api/jobs/nope")).body?.cancel();
      assert.deepEqual(await scrape(), [{ value: "1" }]);

      const lines = app.logs.slice(0, refusedBefore).map((line) => JSON.parse(line));
      const refused = lines.filter((line) => line.msg === "request refused (STANDBY)");
      assert.deepEqual(
        refused.map((line) => [line.level, line.route, line.status]),
        [["info", "/api/jobs/:id/status", 503]],
      );
      assert.equal(lines.filter((line) => line.msg === "request failed").length, 0);
    } finally {
      await app.dispose();
    }
  },
});
