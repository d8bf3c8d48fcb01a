/** Exposition of a {@link MetricsRegistry}: Prometheus text format 0.0.4 and plain JSON. */
import type { MetricsRegistry } from "./metrics.ts";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Renders every metric in the Prometheus text exposition format. */
export async function renderPrometheus(registry: MetricsRegistry): Promise<string> {
  return await registry.prometheus.metrics();
}

/** Counters and gauges as `{ name: value | [{labels, value}] }`; histograms as count and sum. */
export async function renderJson(registry: MetricsRegistry): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const metric of await registry.prometheus.getMetricsAsJSON()) {
    if (String(metric.type) === "histogram") {
      const series = new Map<
        string,
        { labels: Record<string, unknown>; count: number; sum: number }
      >();
      for (const value of metric.values) {
        const { le: _le, ...labels } = value.labels as Record<string, unknown>;
        const key = JSON.stringify(labels);
        const entry = series.get(key) ?? { labels, count: 0, sum: 0 };
        const name = (value as { metricName?: string }).metricName ?? "";
        if (name.endsWith("_count")) entry.count = value.value;
        if (name.endsWith("_sum")) entry.sum = value.value;
        series.set(key, entry);
      }
      out[metric.name] = [...series.values()];
    } else if (metric.values.length === 1 && Object.keys(metric.values[0]!.labels).length === 0) {
      out[metric.name] = metric.values[0]!.value;
    } else {
      out[metric.name] = metric.values.map((v) => ({ labels: v.labels, value: v.value }));
    }
  }
  return out;
}
