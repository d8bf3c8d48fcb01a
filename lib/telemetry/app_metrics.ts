/** The app's named metrics, created once per app instance on its registry. */
import type { RefusalReason } from "../realtime/payload_guard.ts";
import type { ResyncReason } from "../realtime/types.ts";
import type { DropReason } from "../sentry/scrub.ts";
import type { TransportDropReason } from "../sentry/transport.ts";
import { type Counter, MetricsRegistry } from "./metrics.ts";
import { registerProcessMetrics } from "./process_metrics.ts";

/**
 * Every value a labelled counter's alert looks at, exported at 0 from the start. A series that
 * appears only at its first increment starts at 1, and `increase()` over it is 0: the alert
 * would miss the first occurrence (often the only one).
 */
const SENTRY_DROP_REASONS = [
  "phi_detected",
  "scrub_error",
  "unsupported",
  "not_scrubbed",
  "network_blocked",
  "circuit_open",
  "timeout",
  "transport_error",
  "rejected",
  "rate_limited",
  "queue_overflow",
] as const satisfies readonly (DropReason | TransportDropReason)[];
const BUS_REFUSAL_REASONS = [
  "not_object",
  "too_many_keys",
  "bad_key",
  "nested",
  "free_text",
  "bad_number",
  "too_large",
  "phi",
  "outbox_full",
  "bad_entry",
  "duplicate",
] as const satisfies readonly (RefusalReason | "outbox_full" | "bad_entry" | "duplicate")[];
const RESYNC_REASONS = ["out_of_order", "fell_behind"] as const satisfies readonly ResyncReason[];
const PHI_SOURCES = ["analytics", "sentry"] as const;
const SSE_REFUSAL_REASONS = ["instance_cap", "caller_cap"] as const;
const DB_TIMEOUT_REASONS = ["query_canceled", "lock_not_available"] as const;

// A compile error here means a reason was added to a type but not to its list above.
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : Exclude<All, Listed>;
const _complete: [
  Missing<DropReason | TransportDropReason, typeof SENTRY_DROP_REASONS[number]>,
  Missing<RefusalReason, typeof BUS_REFUSAL_REASONS[number]>,
  Missing<ResyncReason, typeof RESYNC_REASONS[number]>,
] = [true, true, true];

/** Creates `label="value"` series at 0 for each of `values` (an increase from 0 is seen). */
function zeroSeries(counter: Counter, label: string, values: readonly string[]): void {
  for (const value of values) counter.inc({ [label]: value }, 0);
}

/** Creates the registry with every metric the app reports. */
export function createAppMetrics(registry: MetricsRegistry = new MetricsRegistry()) {
  registerProcessMetrics(registry.prometheus);
  const metrics = {
    registry,
    httpRequests: registry.counter(
      "http_requests_total",
      "HTTP requests by route pattern, method and status",
      ["route", "method", "status"],
    ),
    httpDuration: registry.histogram(
      "http_request_duration_seconds",
      "HTTP request duration by route pattern and method",
      ["route", "method"],
    ),
    externalCalls: registry.counter(
      "external_calls_total",
      "Outbound calls attempted, by provider and outcome",
      ["provider", "status"],
    ),
    externalBlocked: registry.counter(
      "external_calls_blocked_total",
      "Outbound calls refused by the guard without being attempted",
      ["provider"],
    ),
    externalFailed: registry.counter(
      "external_calls_failed_total",
      "Outbound calls that failed (network error, timeout or 5xx)",
      ["provider"],
    ),
    breakerState: registry.gauge(
      "circuit_breaker_open",
      "1 when the provider's circuit breaker is open, 0.5 half-open, 0 closed",
      ["provider"],
    ),
    sseConnections: registry.gauge("sse_connections", "Open server-sent event streams"),
    sseRefused: registry.counter(
      "sse_streams_refused_total",
      "Event streams refused with 429: instance_cap (SSE_MAX_CONNECTIONS) or caller_cap",
      ["reason"],
    ),
    jobsStalled: registry.gauge(
      "jobs_stalled",
      "Unfinished jobs that have not reported for longer than JOB_STALL_AFTER_MINUTES",
    ),
    modeRefusals: registry.counter(
      "governance_mode_refusals_total",
      "Requests refused with 503 MODE_STANDBY because the platform is in STANDBY",
    ),
    governanceMode: registry.gauge(
      "governance_mode",
      "1 for the effective governance mode of this instance, 0 for the others",
      ["mode"],
    ),
    analyticsEvents: registry.counter(
      "analytics_events_total",
      "Analytics events by ingestion result",
      ["result"],
    ),
    phiDetections: registry.counter(
      "phi_detections_total",
      "Payloads in which the PHI scanner found something, by source",
      ["source"],
    ),
    sentryDropped: registry.counter(
      "sentry_events_dropped_total",
      "Error events not sent to Sentry, by reason",
      ["reason"],
    ),
    busEvents: registry.counter(
      "bus_events_total",
      "Events published on the event bus, by topic",
      ["topic"],
    ),
    busRefused: registry.counter(
      "bus_events_refused_total",
      "Events refused by the bus payload guard",
      ["reason"],
    ),
    busForeign: registry.counter(
      "bus_events_foreign_total",
      "Event stream entries of another deployment read and ignored: its EVENT_STREAM_KEY is this " +
        "deployment's too (set a key per deployment)",
    ),
    busResyncs: registry.counter(
      "bus_resyncs_total",
      "Times this instance's subscribers (event streams, flag snapshot, mode) were told to " +
        "reload the state because events may have been missed, by reason: out_of_order or " +
        "fell_behind",
      ["reason"],
    ),
    dbTimeouts: registry.counter(
      "db_timeouts_total",
      "Requests answered 503 DB_TIMEOUT, by reason: query_canceled (statement_timeout) or " +
        "lock_not_available (lock_timeout)",
      ["reason"],
    ),
    readinessChecks: registry.counter(
      "readiness_checks_total",
      "Readiness dependency checks by check, result and, for a failure, its reason",
      ["check", "result", "reason"],
    ),
  };
  zeroSeries(metrics.sentryDropped, "reason", SENTRY_DROP_REASONS);
  zeroSeries(metrics.busRefused, "reason", BUS_REFUSAL_REASONS);
  zeroSeries(metrics.busResyncs, "reason", RESYNC_REASONS);
  zeroSeries(metrics.phiDetections, "source", PHI_SOURCES);
  zeroSeries(metrics.sseRefused, "reason", SSE_REFUSAL_REASONS);
  zeroSeries(metrics.dbTimeouts, "reason", DB_TIMEOUT_REASONS);
  return metrics;
}

export type AppMetrics = ReturnType<typeof createAppMetrics>;
