/**
 * The analytics allowlists, kept in one place: which event names are stored
 * (reference 000 step 2.5), which property keys are stored,
 * and which properties the summary reads. Pure data; islands may import it.
 */

/** Event names the server stores; anything else is rejected per event. */
export const EVENT_NAMES = [
  "ui.page_view",
  "ui.button_click",
  "governance.console_view",
  "governance.mode_changed",
  "governance.flag_changed",
  "job.started",
  "job.progress",
  "job.completed",
  "job.failed",
  "experiment.assigned",
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

const EVENT_NAME_SET: ReadonlySet<string> = new Set(EVENT_NAMES);

/** True when `name` is an allowlisted event name. */
export function isAllowedEventName(name: string): name is EventName {
  return EVENT_NAME_SET.has(name);
}

/**
 * Allowlisted events that only the server records, refused from clients: an
 * `experiment.assigned` is an exposure, counted in the experiment's roll-up, and only the
 * experiments service knows who was really assigned to which variant.
 */
export const SERVER_ONLY_EVENT_NAMES: readonly EventName[] = ["experiment.assigned"];

const SERVER_ONLY_SET: ReadonlySet<string> = new Set(SERVER_ONLY_EVENT_NAMES);

/** True when `name` is an event only the server records (clients may not send it). */
export function isServerOnlyEventName(name: string): boolean {
  return SERVER_ONLY_SET.has(name);
}

/**
 * Property keys that are stored: the server refuses an event with any other
 * key, and the browser client drops others before sending. Identifiers, enums,
 * booleans, counts and timings only: never a field that could carry free text
 * (and a key is never a place for a value, as in `mrn_00482913`).
 */
export const PROPERTY_KEYS = [
  "page",
  "button",
  "component",
  "action",
  "result",
  "mode",
  "flag_key",
  "enabled",
  "experiment_key",
  "variant",
  "reassigned_from",
  "job_status",
  "progress",
  "count",
  "duration_ms",
  "latency_ms",
] as const;
export type PropertyKey = (typeof PROPERTY_KEYS)[number];

const PROPERTY_KEY_SET: ReadonlySet<string> = new Set(PROPERTY_KEYS);

/** True when `key` is a property key that is stored. */
export function isAllowedPropertyKey(key: string): key is PropertyKey {
  return PROPERTY_KEY_SET.has(key);
}

/** Numeric timing properties the summary reports p50/p95 for. */
export const TIMING_PROPERTIES = ["duration_ms", "latency_ms"] as const;

/**
 * The event and properties that count as an experiment exposure. An event that also carries
 * `reassigned_from` (a string: the variant key the subject was in before its variant was switched
 * off or removed) is a re-draw: counted as a move into `variant`, not as a second exposure.
 */
export const EXPOSURE_EVENT: EventName = "experiment.assigned";
export const EXPOSURE_KEYS = {
  experiment: "experiment_key",
  variant: "variant",
  reassignedFrom: "reassigned_from",
} as const;

/** Shape rules for stored properties (see lib/analytics/rules.ts). */
export const PROPERTY_RULES = {
  /** Largest serialized (UTF-8 JSON) properties object, in bytes. */
  maxBytes: 8 * 1024,
  maxKeys: 32,
  key: /^[a-z][a-z0-9_]{0,63}$/,
  /**
   * Strings must look like enum values or identifiers, not text. Up to 100 characters: the
   * longest flag or experiment key (KEY_PATTERN), so `flag_key` and `experiment_key` always fit.
   */
  stringValue: /^[A-Za-z0-9_.:-]{1,100}$/,
  researchId: /^[A-Za-z0-9_.:-]{1,128}$/,
  /**
   * A timing (TIMING_PROPERTIES) is a number of milliseconds from 0 to 24 hours: a negative or
   * absurd value is a broken client, and one such value would drag the summary's p95.
   */
  maxTimingMs: 24 * 60 * 60 * 1000,
} as const;

/** Largest batch accepted by `POST /api/analytics/events`. */
export const MAX_BATCH = 100;
