/**
 * Every metric the app registers is named in docs/ops/observability.md, the page operators read
 * for /metrics (bus_events_refused_total, which an alert is built on, was missing).
 */
import assert from "node:assert/strict";
import { createAppMetrics } from "../lib/telemetry/app_metrics.ts";

const PAGE = new URL("../docs/ops/observability.md", import.meta.url);

Deno.test("observability.md names every metric the app registers", async () => {
  const page = await Deno.readTextFile(PAGE);
  const { registry } = createAppMetrics();
  const names = registry.prometheus.getMetricsAsArray().map((metric) =>
    (metric as unknown as { name: string }).name
  );
  assert.ok(names.length >= 20, "the registry holds the app's metrics");
  const missing = names.filter((name) => !new RegExp(`\`${name}[\`{]`).test(page));
  assert.deepEqual(missing, []);
});
