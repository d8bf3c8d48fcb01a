/**
 * Labelled counters that alerts watch for one-off events are exported at 0 for every known
 * reason/source from start-up: a series that first appears at 1 has an increase() of 0, so
 * the alert would miss the first occurrence (deploy/prometheus/alerts.yaml).
 */
import assert from "node:assert/strict";
import { createAppMetrics } from "../lib/telemetry/app_metrics.ts";

Deno.test("a fresh registry exports the alerting counters' known label sets at 0", async () => {
  const { registry } = createAppMetrics();
  const text = await registry.prometheus.metrics();
  for (
    const series of [
      'sentry_events_dropped_total{reason="phi_detected"} 0',
      'sentry_events_dropped_total{reason="scrub_error"} 0',
      'sentry_events_dropped_total{reason="not_scrubbed"} 0',
      'sentry_events_dropped_total{reason="circuit_open"} 0',
      'phi_detections_total{source="analytics"} 0',
      'phi_detections_total{source="sentry"} 0',
      'bus_events_refused_total{reason="free_text"} 0',
      'bus_events_refused_total{reason="phi"} 0',
      'bus_events_refused_total{reason="outbox_full"} 0',
      'bus_resyncs_total{reason="fell_behind"} 0',
      'bus_resyncs_total{reason="out_of_order"} 0',
      'sse_streams_refused_total{reason="instance_cap"} 0',
      'db_timeouts_total{reason="query_canceled"} 0',
    ]
  ) {
    assert.ok(text.split("\n").includes(series), `exported: ${series}`);
  }
});

Deno.test("a zero series counts up from 0 at the first event", async () => {
  const metrics = createAppMetrics();
  metrics.sentryDropped.inc({ reason: "phi_detected" });
  assert.equal(await metrics.sentryDropped.value({ reason: "phi_detected" }), 1);
  assert.equal(await metrics.sentryDropped.value({ reason: "scrub_error" }), 0);
});
