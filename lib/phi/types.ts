/** Every identifier type the scanner reports. */
export const PHI_TYPES = [
  "EMAIL",
  "PHONE",
  "SSN",
  "DATE",
  "AGE",
  "MRN",
  "MBI",
  "HEALTH_PLAN",
  "ACCOUNT_NUMBER",
  "CREDIT_CARD",
  "NPI",
  "IBAN",
  "VIN",
  "LICENSE_NUMBER",
  "DEVICE_ID",
  "IMEI",
  "MAC_ADDRESS",
  "IP_ADDRESS",
  "URL",
  "STREET_ADDRESS",
  "ZIP_CODE",
  "LOCATION",
  "PERSON_NAME",
  "NATIONALITY",
  "SECRET",
  "SENSITIVE_KEY",
  "SCANNER_ERROR",
] as const;

/** One identifier type. */
export type PhiType = typeof PHI_TYPES[number];

/** A finding names the identifier type and where it is; never the matched text. */
export interface PhiFinding {
  type: PhiType;
  /** JSON path such as `$.user.contact[0].email`; keys that themselves hold PHI read `[REDACTED]`. */
  path: string;
}

/** What scan() returns. `found` is true when any finding exists, SCANNER_ERROR included. */
export interface ScanResult {
  found: boolean;
  findings: PhiFinding[];
}

/** Options shared by scan(), scanText() and redact(). */
export interface ScanOptions {
  /**
   * Keys whose values are technical (ids, timestamps, versions, counters). Under such a key a
   * value of technical shape is not PHI. Replaces the defaults; extend with
   * `[...DEFAULT_SAFE_KEYS, "my_key"]`. Compared after normalisation (case, separators, camelCase).
   * Keys ending in a technical word (`jobId`, `created_at`) count as technical too, unless the
   * list is empty: `safeKeys: []` scans every value with every detector (for values a client
   * chose, such as identifiers that will be broadcast).
   */
  safeKeys?: Iterable<string>;
  /** Time budget for one call, in milliseconds. Beyond it the call fails closed. */
  timeBudgetMs?: number;
  /** Deepest nesting walked; deeper input fails closed. */
  maxDepth?: number;
  /** Most object keys + array items + primitives walked; more fails closed. */
  maxNodes?: number;
  /** Most characters of string content (keys included); more fails closed. */
  maxChars?: number;
  /** Clock in milliseconds, injectable so the budget is testable without sleeping. */
  now?: () => number;
}

/** Worst cost per character seen in bench/phi_bench.ts (100 KB of "1 1 1 ..."), doubled. */
export const WORST_MS_PER_CHAR = 0.0025;
/** Cost per walked node (key, item or primitive) measured at about 0.2 µs; ten times that. */
export const WORST_MS_PER_NODE = 0.002;

/**
 * Whether work of this size cannot spend a tenth of `budgetMs` even at the worst measured costs.
 * The clock is not read for such work: it could only measure the process being descheduled (a
 * loaded machine, a garbage-collection pause), and failing closed on that would refuse valid
 * input (a flag key, an analytics event) for no fault of its own.
 */
export function tooSmallToTime(chars: number, nodes: number, budgetMs: number): boolean {
  return chars * WORST_MS_PER_CHAR + nodes * WORST_MS_PER_NODE < budgetMs / 10;
}

/** Defaults for the bounds, generous enough for a 1 MB log text or a 200 KB Sentry event. */
export const DEFAULT_LIMITS = {
  timeBudgetMs: 250,
  maxDepth: 32,
  maxNodes: 20_000,
  maxChars: 2_000_000,
} as const;
