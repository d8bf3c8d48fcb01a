/**
 * The scrub: the only way an event reaches Sentry. Pure, synchronous, total.
 *
 * It never edits the SDK's event. It builds a *new* one from an allowlist —
 * exception types, messages and stack frames (file, function, line, column:
 * no local variables, no source lines), level, tags from a fixed set with
 * validated values, release, environment, request method and route pattern,
 * request id, breadcrumbs reduced to category and level — then runs the PHI
 * scanner over everything it built (exception messages included, whole: a long
 * message is cut to its first 1,000 characters only after the scan). Any finding,
 * or any error while building or scanning, drops the event: the functions here
 * return a drop reason instead of throwing, so they can never hand the SDK an
 * error to report as a new, unscrubbed internal event.
 *
 * Everything else the SDK or other code may have put on the event — request
 * URL, query, headers, cookies, body, user, IP, extra, contexts, server name,
 * breadcrumb messages and data, fingerprints, `logentry` — is simply not copied.
 */
import { DEFAULT_SAFE_KEYS, type PhiType, scan, type ScanResult } from "../phi/mod.ts";
import { bundleOfPath, inBundle, type IslandBundles } from "./bundles.ts";
import { ERROR_SOURCES } from "./reporter.ts";

/** Why an event was not sent; the `reason` label of `sentry_events_dropped_total`. */
export type DropReason =
  /** The PHI scanner found something in the rebuilt event. */
  | "phi_detected"
  /** Building or scanning the event failed (fail closed). */
  | "scrub_error"
  /** Not an event the allowlist can describe (no exception, unknown type). */
  | "unsupported";

/** The outcome of a scrub: a rebuilt event, or why there is none. */
export type ScrubResult<T> =
  | { ok: true; event: T }
  | { ok: false; reason: DropReason; findings: PhiType[] };

/** Tag keys that may reach Sentry. Values are validated per key. */
export const TAG_KEYS = [
  "source",
  "route",
  "method",
  "request_id",
  "task",
  "runtime",
  "mode",
] as const;
export type TagKey = (typeof TAG_KEYS)[number];

export const LEVELS = ["fatal", "error", "warning", "log", "info", "debug"] as const;
export type Level = (typeof LEVELS)[number];

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** One stack frame as sent: where, never what. */
export interface SafeFrame {
  filename: string;
  function: string;
  lineno?: number;
  colno?: number;
  in_app: boolean;
}

export interface SafeException {
  type: string;
  value?: string;
  mechanism?: { type: string; handled: boolean };
  stacktrace?: { frames: SafeFrame[] };
}

export interface SafeBreadcrumb {
  category: string;
  level: Level;
  timestamp?: number;
}

/** An error event as it may leave the process. */
export interface SafeErrorEvent {
  event_id?: string;
  timestamp?: number;
  platform: "javascript";
  level: Level;
  release?: string;
  environment?: string;
  /** The route pattern (`GET /api/flags/:key`), shown by Sentry as the culprit. */
  transaction?: string;
  tags: Partial<Record<TagKey, string>>;
  request?: { method: string };
  exception: { values: SafeException[] };
  breadcrumbs?: SafeBreadcrumb[];
}

/** A performance transaction as it may leave the process (no spans, no data). */
export interface SafeTransactionEvent {
  type: "transaction";
  event_id?: string;
  timestamp?: number;
  start_timestamp?: number;
  platform: "javascript";
  release?: string;
  environment?: string;
  transaction: string;
  transaction_info: { source: "route" };
  tags: Partial<Record<TagKey, string>>;
  contexts: {
    trace: { trace_id: string; span_id: string; op?: string; status?: string };
  };
  spans: [];
}

export interface ScrubOptions {
  /** Absolute path of the project root (`/srv/app/`): frames under it become relative. */
  appRoot?: string;
  /** The scanner; lib/phi `scan` by default (replaceable to test the fail-closed path). */
  scanner?: (value: unknown) => ScanResult;
  /**
   * The app's island bundle files (lib/sentry/bundles.ts): a frame URL keeps its `/_islands/`
   * path only when it names one of them, and its line and column only inside it. None: every
   * frame URL is `<url>`.
   */
  islandBundles?: IslandBundles;
  /** Most frames kept per exception (the innermost). */
  maxFrames?: number;
  /** Most exceptions kept (an error and its causes). */
  maxExceptions?: number;
  /** Longest exception message kept; longer ones are cut, after the whole message was scanned. */
  maxMessageChars?: number;
  /** Most breadcrumbs kept (the newest). */
  maxBreadcrumbs?: number;
}

const DEFAULTS = {
  maxFrames: 50,
  maxExceptions: 5,
  maxMessageChars: 1000,
  maxBreadcrumbs: 20,
};

/** Keys whose technical values the scanner may ignore (Sentry identifiers and positions). */
const SENTRY_SAFE_KEYS = [...DEFAULT_SAFE_KEYS, "lineno", "colno", "start_timestamp", "in_app"];

/** The scanner used when none is injected. */
export function defaultScanner(value: unknown): ScanResult {
  return scan(value, { safeKeys: SENTRY_SAFE_KEYS });
}

// ---------------------------------------------------------------------------
// Field validators: each returns a safe value or undefined (never throws on odd input).

const IDENT = /^[A-Za-z_$][\w$.]{0,99}$/;
const EVENT_ID = /^[0-9a-f]{32}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const RELEASE = /^[\w.@+:/-]{1,200}$/;
const ROUTE = /^(?:\/[\w.{}:*-]*)+$/;
/** Request ids the app generates (UUIDs) or opaque proxy ids with a letter (no digit-only ids). */
const REQUEST_ID =
  /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|(?=[0-9]*[A-Za-z])[A-Za-z0-9]{16,64})$/;
const TASK = /^[a-z][a-z0-9_.-]{0,63}$/;
const CATEGORY = /^[a-z][a-z0-9_.-]{0,39}$/;
const FUNCTION_NAME = /^[\w$.<>#[\] /-]{1,200}$/;
const FILE_NAME = /^[\w$.@:/<>-]{1,300}$/;
const MECHANISM = /^[a-z][a-z0-9_.-]{0,63}$/;
const OP = /^[a-z][a-z0-9_.-]{0,63}$/;

function str(value: unknown, pattern: RegExp): string | undefined {
  return typeof value === "string" && pattern.test(value) ? value : undefined;
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 1e9
    ? value
    : undefined;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return typeof value === "string" && (allowed as readonly string[]).includes(value)
    ? value as T
    : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A route pattern, or "unmatched". */
export function safeRoute(value: unknown): string | undefined {
  if (value === "unmatched") return value;
  return typeof value === "string" && value.length <= 200 ? str(value, ROUTE) : undefined;
}

/** The allowed tags of an event, each value validated for its key. */
export function safeTags(input: unknown): Partial<Record<TagKey, string>> {
  const tags = record(input) ?? {};
  const out: Partial<Record<TagKey, string>> = {};
  const source = oneOf(tags.source, ERROR_SOURCES);
  if (source) out.source = source;
  const route = safeRoute(tags.route);
  if (route) out.route = route;
  const method = oneOf(tags.method, HTTP_METHODS);
  if (method) out.method = method;
  const requestId = str(tags.request_id, REQUEST_ID);
  if (requestId) out.request_id = requestId;
  const task = str(tags.task, TASK);
  if (task) out.task = task;
  const runtime = oneOf(tags.runtime, ["server", "browser"] as const);
  if (runtime) out.runtime = runtime;
  const mode = oneOf(tags.mode, ["STANDBY", "DEMO", "LIVE"] as const);
  if (mode) out.mode = mode;
  return out;
}

/**
 * A frame's file as a location that names no machine, user or query:
 * relative to the project root, `npm:<package path>`, a runtime module
 * (`ext:`, `node:`), the path of one of the app's island `bundles`
 * (`/_islands/ModeBadge-3f2a9c1b7d4e.js`; any other URL is `<url>`), or
 * `<path>/<basename>`.
 */
export function safeFilename(value: unknown, appRoot?: string, bundles?: IslandBundles): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2000) return "<unknown>";
  let file = value;
  if (/^https?:\/\//i.test(file)) {
    let path: string;
    try {
      path = new URL(file).pathname;
    } catch {
      return "<url>";
    }
    return bundleOfPath(path, bundles) ? path : "<url>";
  }
  if (file.startsWith("file://")) file = file.slice("file://".length);
  if (/^(ext|node):/.test(file)) return str(file, FILE_NAME) ?? "<runtime>";
  const npm = file.indexOf("/registry.npmjs.org/");
  if (npm >= 0) {
    return str(`npm:${file.slice(npm + "/registry.npmjs.org/".length)}`, FILE_NAME) ?? "<npm>";
  }
  if (appRoot && file.startsWith(appRoot)) {
    return str(file.slice(appRoot.length), FILE_NAME) ?? "<app>";
  }
  if (file.startsWith("/") || /^[A-Za-z]:[\\/]/.test(file)) {
    const base = file.split(/[\\/]/).pop() ?? "";
    return str(`<path>/${base}`, FILE_NAME) ?? "<path>";
  }
  return str(file, FILE_NAME) ?? "<unknown>";
}

function safeFrame(
  input: unknown,
  appRoot: string | undefined,
  bundles: IslandBundles | undefined,
): SafeFrame | undefined {
  const frame = record(input);
  if (!frame) return undefined;
  const filename = safeFilename(frame.filename ?? frame.abs_path, appRoot, bundles);
  const out: SafeFrame = {
    filename,
    function: str(frame.function, FUNCTION_NAME) ?? "?",
    // The app's own code: project files and island bundles (not packages, the runtime or unknowns).
    in_app: !/^(npm:|ext:|node:|<)/.test(filename),
  };
  // A URL's position is the client's text too (browser reports): kept only inside a bundle file.
  if (filename === "<url>") return out;
  const bundle = bundleOfPath(filename, bundles);
  if (bundle && !inBundle(bundles, bundle, frame.lineno, frame.colno)) return out;
  const lineno = positiveInt(frame.lineno);
  if (lineno !== undefined) out.lineno = lineno;
  const colno = positiveInt(frame.colno);
  if (colno !== undefined) out.colno = colno;
  return out;
}

function safeException(
  input: unknown,
  options: Required<Omit<ScrubOptions, "appRoot" | "scanner" | "islandBundles">> & {
    appRoot?: string;
    islandBundles?: IslandBundles;
  },
): SafeException | undefined {
  const exception = record(input);
  if (!exception) return undefined;
  const out: SafeException = { type: str(exception.type, IDENT) ?? "Error" };
  // Kept whole here: the message is cut only after the scan has seen all of it (cutMessages).
  if (typeof exception.value === "string" && exception.value.length > 0) {
    out.value = exception.value;
  }
  const mechanism = record(exception.mechanism);
  if (mechanism) {
    out.mechanism = {
      type: str(mechanism.type, MECHANISM) ?? "generic",
      handled: mechanism.handled === true,
    };
  }
  const frames = list(record(exception.stacktrace)?.frames)
    .slice(-options.maxFrames) // Sentry orders frames oldest first: keep the innermost
    .map((frame) => safeFrame(frame, options.appRoot, options.islandBundles))
    .filter((frame): frame is SafeFrame => frame !== undefined);
  if (frames.length > 0) out.stacktrace = { frames };
  return out;
}

/** A breadcrumb reduced to category, level and time; null when its category is not a plain name. */
export function scrubBreadcrumb(input: unknown): SafeBreadcrumb | null {
  try {
    const crumb = record(input);
    const category = str(crumb?.category, CATEGORY);
    if (!crumb || !category) return null;
    const out: SafeBreadcrumb = { category, level: oneOf(crumb.level, LEVELS) ?? "info" };
    const timestamp = finiteNumber(crumb.timestamp);
    if (timestamp !== undefined) out.timestamp = timestamp;
    return out;
  } catch {
    return null;
  }
}

function common(event: Record<string, unknown>) {
  const out: {
    event_id?: string;
    timestamp?: number;
    release?: string;
    environment?: string;
  } = {};
  const eventId = str(event.event_id, EVENT_ID);
  if (eventId) out.event_id = eventId;
  const timestamp = finiteNumber(event.timestamp);
  if (timestamp !== undefined) out.timestamp = timestamp;
  const release = str(event.release, RELEASE);
  if (release) out.release = release;
  const environment = str(event.environment, RELEASE);
  if (environment) out.environment = environment;
  return out;
}

/**
 * The event with each exception message cut to `max` characters (plus "…"); the same object
 * when none is longer. Called only on an event already scanned whole: a cut inside an
 * identifier leaves a fragment no detector knows (`…received jane.doe@ex`), so scanning the
 * cut message would let the fragment through.
 */
function cutMessages(event: SafeErrorEvent, max: number): SafeErrorEvent {
  const values = event.exception.values;
  if (!values.some((value) => value.value !== undefined && value.value.length > max)) return event;
  return {
    ...event,
    exception: {
      values: values.map((value) =>
        value.value !== undefined && value.value.length > max
          ? { ...value, value: value.value.slice(0, max) + "…" }
          : value
      ),
    },
  };
}

function scanned<T>(event: T, scanner: (value: unknown) => ScanResult): ScrubResult<T> {
  const result = scanner(event);
  if (result.found) {
    const types = [...new Set(result.findings.map((finding) => finding.type))];
    return {
      ok: false,
      reason: types.includes("SCANNER_ERROR") ? "scrub_error" : "phi_detected",
      findings: types,
    };
  }
  return { ok: true, event };
}

/**
 * Rebuilds an error event from the allowlist and scans it.
 *
 * @example
 * ```ts
 * const result = scrubEvent(event, { appRoot: "/srv/app/" });
 * if (!result.ok) metrics.sentryDropped.inc({ reason: result.reason });
 * ```
 */
export function scrubEvent(
  input: unknown,
  options: ScrubOptions = {},
): ScrubResult<SafeErrorEvent> {
  try {
    const event = record(input);
    if (!event || event.type !== undefined) return drop("unsupported");
    const limits = { ...DEFAULTS, ...withoutUndefined(options), appRoot: options.appRoot };
    const exceptions = list(record(event.exception)?.values)
      .slice(-limits.maxExceptions)
      .map((value) => safeException(value, limits))
      .filter((value): value is SafeException => value !== undefined);
    if (exceptions.length === 0) return drop("unsupported");
    const tags = safeTags(event.tags);
    const out: SafeErrorEvent = {
      ...common(event),
      platform: "javascript",
      level: oneOf(event.level, LEVELS) ?? "error",
      tags,
      exception: { values: exceptions },
    };
    if (tags.route) out.transaction = tags.method ? `${tags.method} ${tags.route}` : tags.route;
    if (tags.method) out.request = { method: tags.method };
    const breadcrumbs = list(event.breadcrumbs)
      .slice(-limits.maxBreadcrumbs)
      .map(scrubBreadcrumb)
      .filter((crumb): crumb is SafeBreadcrumb => crumb !== null);
    if (breadcrumbs.length > 0) out.breadcrumbs = breadcrumbs;
    const scanner = options.scanner ?? defaultScanner;
    // The whole messages first, then the event as it will leave: a cut can also turn a harmless
    // run into one a detector reads, and that must be dropped here, not by the transport.
    const whole = scanned(out, scanner);
    if (!whole.ok) return whole;
    const cut = cutMessages(out, limits.maxMessageChars);
    return cut === out ? whole : scanned(cut, scanner);
  } catch {
    return drop("scrub_error");
  }
}

/**
 * Rebuilds a performance transaction: its name must be a route pattern; spans,
 * measurements, request data and span data are never copied.
 */
export function scrubTransaction(
  input: unknown,
  options: ScrubOptions = {},
): ScrubResult<SafeTransactionEvent> {
  try {
    const event = record(input);
    if (!event || event.type !== "transaction") return drop("unsupported");
    const name = typeof event.transaction === "string" ? event.transaction : "";
    const [first, second] = name.split(" ");
    const method = second === undefined ? undefined : oneOf(first, HTTP_METHODS);
    const route = safeRoute(second === undefined ? first : second);
    if (!route || (second !== undefined && !method)) return drop("unsupported");
    const trace = record(record(event.contexts)?.trace);
    const traceId = str(trace?.trace_id, TRACE_ID);
    const spanId = str(trace?.span_id, SPAN_ID);
    if (!traceId || !spanId) return drop("unsupported");
    const safeTrace: SafeTransactionEvent["contexts"]["trace"] = {
      trace_id: traceId,
      span_id: spanId,
    };
    const op = str(trace?.op, OP);
    if (op) safeTrace.op = op;
    const status = str(trace?.status, OP);
    if (status) safeTrace.status = status;
    const out: SafeTransactionEvent = {
      type: "transaction",
      ...common(event),
      platform: "javascript",
      transaction: method ? `${method} ${route}` : route,
      transaction_info: { source: "route" },
      tags: safeTags(event.tags),
      contexts: { trace: safeTrace },
      spans: [],
    };
    const start = finiteNumber(event.start_timestamp);
    if (start !== undefined) out.start_timestamp = start;
    return scanned(out, options.scanner ?? defaultScanner);
  } catch {
    return drop("scrub_error");
  }
}

/** The configured values the scrub puts into every event. */
export type EventConstant = "release" | "environment";

/** Why a configured value cannot go out with the events (see {@link eventConstantProblem}). */
export type EventConstantProblem =
  /** The scrub would leave it out of every event: not 1-200 of `A-Z a-z 0-9 _ . @ + : / -`. */
  | { kind: "shape" }
  /** The scanner reads it as PHI (`app@1.0.0.beta` as an e-mail): every event would be dropped. */
  | { kind: "phi"; findings: PhiType[] };

/**
 * What would become of a clean event carrying `value` as its `release` or `environment`:
 * undefined when it would leave with it unchanged. Run at start (lib/config.ts) so such a
 * setting stops the start instead of dropping or stripping every event without a word.
 */
export function eventConstantProblem(
  field: EventConstant,
  value: string,
  options: Pick<ScrubOptions, "scanner"> = {},
): EventConstantProblem | undefined {
  const probe = {
    exception: { values: [{ type: "TypeError", value: "Cannot read properties of undefined" }] },
    [field]: value,
  };
  const result = scrubEvent(probe, options);
  if (!result.ok) {
    return {
      kind: "phi",
      findings: result.findings.length > 0 ? result.findings : ["SCANNER_ERROR"],
    };
  }
  return result.event[field] === value ? undefined : { kind: "shape" };
}

function drop(reason: DropReason): { ok: false; reason: DropReason; findings: PhiType[] } {
  return { ok: false, reason, findings: [] };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
