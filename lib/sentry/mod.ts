/**
 * Error reporting to Sentry that cannot leak PHI: the reporter on
 * `AppServices.errors`, the scrub, the guarded transport and the browser
 * report schema. See docs/ops/observability.md.
 */
import type { Config } from "../config.ts";
import type { Mode } from "../config.ts";
import type { Logger } from "../log/mod.ts";
import type { OutboundGuard } from "../net/mod.ts";
import type { AppMetrics } from "../telemetry/mod.ts";
import { type IslandBundles, readIslandBundles } from "./bundles.ts";
import { type ErrorReporter, NOOP_ERROR_REPORTER } from "./reporter.ts";
import { createSentryReporter } from "./sentry_reporter.ts";

export {
  ERROR_SOURCES,
  type ErrorContext,
  type ErrorReporter,
  type ErrorSource,
  NOOP_ERROR_REPORTER,
} from "./reporter.ts";
export {
  type DropReason,
  safeRoute,
  scrubBreadcrumb,
  scrubEvent,
  type ScrubResult,
  scrubTransaction,
} from "./scrub.ts";
export {
  BROWSER_REPORT_MAX_BYTES,
  BROWSER_REPORTS_PER_MINUTE,
  BrowserErrorReport,
  browserReportToError,
  matchRoute,
} from "./browser.ts";
export { createSentryReporter, type SentryReporterOptions } from "./sentry_reporter.ts";
export {
  ISLAND_BUNDLE_DIR,
  type IslandBundles,
  islandBundles,
  readIslandBundles,
} from "./bundles.ts";
export { makeGuardedTransport, SENTRY_PROVIDER } from "./transport.ts";

export interface ErrorReporterDeps {
  config: Config["sentry"];
  net: OutboundGuard;
  metrics: AppMetrics;
  logger: Logger;
  mode: () => Mode;
  /** The app's island bundles (browser frames); read from static/_islands/ when absent. */
  islandBundles?: IslandBundles;
}

/** Whether `dsn` has the shape `http(s)://<public key>@<host>[:port][/path]/<numeric project id>`. */
export function isSentryDsn(dsn: string): boolean {
  try {
    const url = new URL(dsn);
    return (url.protocol === "http:" || url.protocol === "https:") && url.username !== "" &&
      url.hostname !== "" && /\/\d+$/.test(url.pathname);
  } catch {
    return false;
  }
}

/** The app's reporter: Sentry when `SENTRY_DSN` is set, a no-op otherwise. */
export function createErrorReporter(deps: ErrorReporterDeps): ErrorReporter {
  if (!deps.config.dsn) return NOOP_ERROR_REPORTER;
  if (!isSentryDsn(deps.config.dsn)) {
    // The SDK would print the DSN to the console and send nothing; say so once, without the value.
    deps.logger.error(
      "SENTRY_DSN is not a Sentry DSN (scheme://<public key>@<host>/<project id>): errors are not reported",
    );
    return NOOP_ERROR_REPORTER;
  }
  return createSentryReporter({
    dsn: deps.config.dsn,
    environment: deps.config.environment,
    release: deps.config.release,
    tracesSampleRate: deps.config.tracesSampleRate,
    net: deps.net,
    metrics: deps.metrics,
    logger: deps.logger,
    mode: deps.mode,
    islandBundles: deps.islandBundles ?? readIslandBundles(),
    timeoutMs: 3000,
  });
}
