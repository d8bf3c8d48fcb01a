export {
  Counter,
  Gauge,
  Histogram,
  LABEL_NAMES,
  type LabelName,
  type Labels,
  LATENCY_BUCKETS,
  MetricsRegistry,
} from "./metrics.ts";
export { PROMETHEUS_CONTENT_TYPE, renderJson, renderPrometheus } from "./prometheus.ts";
export { type AppMetrics, createAppMetrics } from "./app_metrics.ts";
