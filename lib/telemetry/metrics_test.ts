import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { createAppMetrics } from "./app_metrics.ts";
import { MetricsRegistry } from "./metrics.ts";
import { renderJson, renderPrometheus } from "./prometheus.ts";

Deno.test("a metric cannot use a label outside the budget", () => {
  const registry = new MetricsRegistry();
  assert.throws(() => registry.counter("x_total", "x", ["user_id" as never]), /outside the budget/);
});

Deno.test("label values that are not identifier-like are recorded as invalid", async () => {
  const metrics = createAppMetrics();
  metrics.httpRequests.inc({ route: "/api/users/jane@example.org", method: "GET", status: 200 });
  const text = await renderPrometheus(metrics.registry);
  assert.ok(!text.includes("jane"));
  assert.match(text, /http_requests_total\{route="invalid",method="GET",status="200"\} 1/);
});

Deno.test("the Prometheus exposition parses with a text-format parser", async () => {
  const metrics = createAppMetrics();
  metrics.httpRequests.inc({ route: "/health", method: "GET", status: 200 }, 3);
  metrics.httpDuration.observe(0.02, { route: "/health", method: "GET" });
  metrics.externalBlocked.inc({ provider: "sentry" });
  metrics.sseConnections.set(4);
  const families = parsePrometheusTextFormat(await renderPrometheus(metrics.registry));
  const byName = new Map(families.map((f: { name: string }) => [f.name, f]));
  const requests = byName.get("http_requests_total") as {
    type: string;
    metrics: Array<{ value: string; labels: Record<string, string> }>;
  };
  assert.equal(requests.type, "COUNTER");
  assert.deepEqual(requests.metrics[0], {
    value: "3",
    labels: { route: "/health", method: "GET", status: "200" },
  });
  const duration = byName.get("http_request_duration_seconds") as {
    type: string;
    metrics: Array<{ buckets: Record<string, string> }>;
  };
  assert.equal(duration.type, "HISTOGRAM");
  assert.equal(duration.metrics[0]!.buckets["+Inf"], "1");
  assert.equal(duration.metrics[0]!.buckets["0.025"], "1");
  assert.equal(duration.metrics[0]!.buckets["0.01"], "0");
  assert.equal(
    (byName.get("sse_connections") as { metrics: Array<{ value: string }> }).metrics[0]!.value,
    "4",
  );
});

Deno.test("renderJson() gives counters by labels and histograms as count and sum", async () => {
  const metrics = createAppMetrics();
  metrics.externalBlocked.inc({ provider: "worker" }, 2);
  metrics.httpDuration.observe(0.5, { route: "/x", method: "GET" });
  metrics.sseConnections.set(1);
  const out = await renderJson(metrics.registry);
  assert.deepEqual(out.external_calls_blocked_total, [{
    labels: { provider: "worker" },
    value: 2,
  }]);
  assert.deepEqual(out.http_request_duration_seconds, [{
    labels: { route: "/x", method: "GET" },
    count: 1,
    sum: 0.5,
  }]);
  assert.equal(out.sse_connections, 1);
});
