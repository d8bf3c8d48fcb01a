/**
 * The probe paths: liveness and readiness, each under its own name and its aliases. Routes serve
 * exactly these; the request log reads them to log probes quietly (lib/http/middleware.ts), and
 * the error-rate alert leaves the readiness ones out (deploy/prometheus/alerts.yaml, checked by
 * tests/alert_rules_test.ts).
 */
export const LIVENESS_PATHS = ["/health", "/api/health", "/healthz"] as const;
export const READINESS_PATHS = ["/health/ready", "/api/health/ready", "/readyz"] as const;

const PROBE_PATHS: ReadonlySet<string> = new Set([...LIVENESS_PATHS, ...READINESS_PATHS]);

/** True for a route (its pattern) that is a liveness or readiness probe. */
export function isProbeRoute(route: string): boolean {
  return PROBE_PATHS.has(route);
}
