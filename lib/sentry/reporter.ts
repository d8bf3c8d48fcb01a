/**
 * The error reporter every part of the app reports unexpected errors through:
 * HTTP handlers (app.onError), process-level handlers (main.ts), background
 * tasks (event bus subscribers, cleanup jobs) and browser reports
 * (`POST /api/errors`). It lives on `AppServices.errors`.
 *
 * Callers pass the error and a small, fixed context; they never pass URLs,
 * messages, bodies or user values. Whatever the error itself carries is
 * rebuilt from an allowlist, scanned for PHI and dropped when anything is found
 * (see scrub.ts). `capture` never throws and never blocks.
 */

/** Where an error was caught. A fixed set: it becomes the `source` tag. */
export const ERROR_SOURCES = [
  "http",
  "unhandled_rejection",
  "uncaught_exception",
  "background",
  "browser",
] as const;
export type ErrorSource = (typeof ERROR_SOURCES)[number];

/** What a caller may say about an error: identifiers and patterns only. */
export interface ErrorContext {
  source: ErrorSource;
  /** The route *pattern* (e.g. `/api/flags/{key}`), never the URL. */
  route?: string;
  /** The HTTP method. */
  method?: string;
  /** The request id the user sees on the error page or problem body. */
  requestId?: string;
  /** A background task's name, lower-case (`bus_subscriber`, `analytics_cleanup`). */
  task?: string;
}

/** Reports unexpected errors (to Sentry when configured). */
export interface ErrorReporter {
  /** True when errors are forwarded somewhere (SENTRY_DSN set). */
  readonly enabled: boolean;
  /** Queues `error` for reporting. Never throws; the event may still be dropped by the scrub. */
  capture(error: unknown, context: ErrorContext): void;
  /** Waits up to `timeoutMs` for queued events to be sent; false when time ran out. */
  flush(timeoutMs: number): Promise<boolean>;
}

/** The reporter used when SENTRY_DSN is unset: accepts everything, sends nothing. */
export const NOOP_ERROR_REPORTER: ErrorReporter = Object.freeze({
  enabled: false,
  capture() {},
  flush: () => Promise.resolve(true),
});
