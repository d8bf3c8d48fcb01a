/**
 * The Sentry-backed {@link ErrorReporter}: a `DenoClient` bound to a scope this
 * reporter owns (no `Sentry.init`, no process-global client, so several app
 * instances — tests — each have their own; see docs/adr/0002).
 *
 * - No integrations at all: the SDK's defaults would add request data
 *   (URL, headers, cookies), console and fetch breadcrumbs, context lines and
 *   global handlers that capture outside this path. Global errors are captured
 *   by main.ts through this reporter instead.
 * - `sendDefaultPii: false` and no `dataCollection` option (which would switch
 *   the SDK to permissive defaults); client reports, logs and metrics off.
 * - `beforeSend`, `beforeSendTransaction`, `beforeBreadcrumb` run the scrub
 *   (scrub.ts) through {@link scrubHook}, which cannot throw; the transport
 *   (transport.ts) sends only objects the scrub built, through the outbound guard.
 */
import { DenoClient, Scope } from "@sentry/deno";
import {
  type Breadcrumb,
  createStackParser,
  type ErrorEvent,
  nodeStackLineParser,
  type StackParser,
  type TransactionEvent,
} from "@sentry/core";
import type { Mode } from "../config.ts";
import type { Logger } from "../log/mod.ts";
import type { OutboundGuard } from "../net/mod.ts";
import type { PhiType, ScanResult } from "../phi/mod.ts";
import type { AppMetrics } from "../telemetry/mod.ts";
import type { IslandBundles } from "./bundles.ts";
import type { ErrorContext, ErrorReporter } from "./reporter.ts";
import {
  type DropReason,
  HTTP_METHODS,
  safeRoute,
  scrubBreadcrumb,
  scrubEvent,
  type ScrubOptions,
  type ScrubResult,
  scrubTransaction,
} from "./scrub.ts";
import { makeGuardedTransport } from "./transport.ts";

export interface SentryReporterOptions {
  dsn: string;
  environment: string;
  release: string;
  /** 0 (the default) sends no performance data at all. */
  tracesSampleRate?: number;
  net: OutboundGuard;
  metrics: AppMetrics;
  logger: Logger;
  /** The current governance mode (a tag on every event). */
  mode?: () => Mode;
  /** Absolute path of the project root; frames under it are sent relative. */
  appRoot?: string;
  /**
   * The app's island bundle files: a browser frame keeps its `/_islands/` path, line and column
   * only for one of these (lib/sentry/bundles.ts). None: every frame URL is sent as `<url>`.
   */
  islandBundles?: IslandBundles;
  /** Replaces the PHI scanner in the scrub and the transport (tests of the fail-closed path). */
  scanner?: (value: unknown) => ScanResult;
  /** Replaces the error-event scrub (tests of the hook's own fail-closed path). */
  scrubEvent?: (event: unknown, options: ScrubOptions) => ScrubResult<object>;
  /** Per-request timeout towards Sentry, in milliseconds. */
  timeoutMs?: number;
}

/** The project root as a path, for making frame file names relative. */
export const APP_ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);

/** The longest stack line the SDK's parser reads whole (of a longer one, the first 1,024). */
export const MAX_STACK_LINE_CHARS = 1024;

const parseStack = createStackParser(nodeStackLineParser());

/**
 * The SDK's stack parser, except that a line too long for it is left out instead of cut: the
 * SDK would parse its first 1,024 characters, and a file name cut inside an identifier
 * (`note_jane.doe@examp`) reaches the scrub as a fragment no detector knows. The line is
 * blanked, not removed, so the parser's line counts (`skipFirstLines`) stay right.
 */
export const stackParser: StackParser = (stack, skipFirstLines, framesToPop) =>
  parseStack(
    stack.split("\n").map((line) => line.length > MAX_STACK_LINE_CHARS ? "" : line).join("\n"),
    skipFirstLines,
    framesToPop,
  );

/**
 * Wraps a scrub as an SDK hook: returns the rebuilt object (remembered as
 * scrubbed) or null, and reports the drop. Never throws, whatever the scrub does.
 */
export function scrubHook<T extends object>(
  scrub: (input: unknown) => ScrubResult<T>,
  scrubbed: WeakSet<object>,
  onDrop: (reason: DropReason, findings: PhiType[]) => void,
): (input: unknown) => T | null {
  return (input) => {
    try {
      const result = scrub(input);
      if (result.ok) {
        scrubbed.add(result.event);
        return result.event;
      }
      onDrop(result.reason, result.findings);
      return null;
    } catch {
      try {
        onDrop("scrub_error", []);
      } catch { /* counting must not throw into the SDK either */ }
      return null;
    }
  };
}

const MECHANISMS: Record<ErrorContext["source"], string> = {
  http: "http.on_error",
  unhandled_rejection: "process.unhandled_rejection",
  uncaught_exception: "process.uncaught_exception",
  background: "background.task",
  browser: "browser.report",
};

/** The tags for a capture context (the scrub validates them again). */
export function contextTags(context: ErrorContext, mode?: Mode): Record<string, string> {
  const tags: Record<string, string> = {
    source: context.source,
    runtime: context.source === "browser" ? "browser" : "server",
  };
  const route = safeRoute(context.route);
  if (route) tags.route = route;
  const method = context.method?.toUpperCase();
  if (method && (HTTP_METHODS as readonly string[]).includes(method)) tags.method = method;
  if (context.requestId) tags.request_id = context.requestId;
  if (context.task) tags.task = context.task;
  if (mode) tags.mode = mode;
  return tags;
}

/** Creates the reporter; call only with a DSN (see createErrorReporter). */
export function createSentryReporter(options: SentryReporterOptions): ErrorReporter {
  const { metrics, logger } = options;
  const scrubbed = new WeakSet<object>();
  const scrubOptions: ScrubOptions = {
    appRoot: options.appRoot ?? APP_ROOT,
    ...(options.islandBundles ? { islandBundles: options.islandBundles } : {}),
    ...(options.scanner ? { scanner: options.scanner } : {}),
  };
  const onDrop = (reason: DropReason, findings: PhiType[]) => {
    metrics.sentryDropped.inc({ reason });
    if (findings.length > 0) metrics.phiDetections.inc({ source: "sentry" });
    // Types of findings only; never values, messages or paths.
    logger.warn("sentry event dropped", { reason, findings });
  };
  const eventScrub = options.scrubEvent ?? scrubEvent;
  const beforeSend = scrubHook((event) => eventScrub(event, scrubOptions), scrubbed, onDrop);
  const beforeSendTransaction = scrubHook(
    (event) => scrubTransaction(event, scrubOptions),
    scrubbed,
    onDrop,
  );
  const tracesSampleRate = options.tracesSampleRate ?? 0;

  const client = new DenoClient({
    dsn: options.dsn,
    release: options.release,
    environment: options.environment,
    serverName: "researchflow-governance",
    sendDefaultPii: false,
    sendClientReports: false,
    enableLogs: false,
    enableMetrics: false,
    attachStacktrace: false,
    maxBreadcrumbs: 20,
    // No `maxValueLength`: the SDK would cut messages before the scrub scans them (a cut inside
    // an identifier passes the scan); the scrub cuts them itself, after scanning them whole.
    integrations: [],
    stackParser,
    transport: makeGuardedTransport({
      net: options.net,
      metrics,
      logger,
      isScrubbed: (event) => scrubbed.has(event),
      ...(options.scanner ? { scanner: options.scanner } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    }),
    beforeSend: (event) => beforeSend(event) as ErrorEvent | null,
    beforeSendTransaction: (event) => beforeSendTransaction(event) as TransactionEvent | null,
    beforeBreadcrumb: (crumb) => scrubBreadcrumb(crumb) as Breadcrumb | null,
    ...(tracesSampleRate > 0 ? { tracesSampleRate } : {}),
  });
  const scope = new Scope();
  scope.setClient(client);
  client.init();

  return {
    enabled: true,
    capture(error, context) {
      try {
        const captureScope = scope.clone();
        captureScope.setTags(contextTags(context, options.mode?.()));
        client.captureException(
          error,
          { data: { mechanism: { type: MECHANISMS[context.source], handled: false } } },
          captureScope,
        );
      } catch {
        metrics.sentryDropped.inc({ reason: "scrub_error" });
      }
    },
    async flush(timeoutMs) {
      try {
        return await client.flush(timeoutMs);
      } catch {
        return false;
      }
    },
  };
}
