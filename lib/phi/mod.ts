/**
 * The PHI scanner: one guard for analytics, errors and logs. Pure and synchronous.
 *
 * - scan() reports identifier types and JSON paths, never the matched text;
 * - redact() returns a copy with matches replaced by `[REDACTED:<TYPE>]` and values under
 *   sensitive keys by `[REDACTED]`;
 * - both fail closed: any exception, input beyond the bounds or time beyond the budget
 *   yields a SCANNER_ERROR finding (scan) or a fully redacted result (redact).
 *
 * @example
 * ```ts
 * import { redact, scan } from "./mod.ts";
 * scan({ note: "call 415-555-0132" }); // { found: true, findings: [{ type: "PHONE", path: "$.note" }] }
 * redact({ note: "call 415-555-0132" }); // { note: "call [REDACTED:PHONE]" }
 * ```
 */
import { ScanAbort, Walker } from "./walk.ts";
import { redactString, type TextMode, textTypes } from "./text.ts";
import { DEFAULT_LIMITS, type ScanOptions, type ScanResult, tooSmallToTime } from "./types.ts";

export { DEFAULT_LIMITS, PHI_TYPES } from "./types.ts";
export type { PhiFinding, PhiType, ScanOptions, ScanResult } from "./types.ts";
export { DEFAULT_SAFE_KEYS, isSensitiveKey, sensitiveKeyType } from "./keys.ts";

/** What redact() returns for a non-string value it could not make safe. */
export const REDACTED_PAYLOAD = Object.freeze({ phi_redacted: true });
/** What redactText() returns for a text it could not make safe. */
export const REDACTED_TEXT = "[REDACTED:SCANNER_ERROR]";

function failed(walker: Walker | null, err: unknown): ScanResult {
  const path = err instanceof ScanAbort ? err.path : "$";
  const findings = walker === null ? [] : walker.findings.slice();
  findings.push({ type: "SCANNER_ERROR", path });
  return { found: true, findings };
}

/** Scans any JSON-like value for PHI. Findings carry `{ type, path }` only. */
export function scan(value: unknown, opts?: ScanOptions): ScanResult {
  let walker: Walker | null = null;
  try {
    walker = new Walker(opts, false);
    walker.value(value, undefined, 0);
    walker.checkNow();
    return { found: walker.findings.length > 0, findings: walker.findings };
  } catch (err) {
    return failed(walker, err);
  }
}

/** The mode of a text too short to need the clock. */
const PLAIN: TextMode = { technical: false, whole: false, checkpoint: undefined };

/**
 * Runs `scan` on one text under the options' bounds and budget; throws when they are
 * exceeded.
 */
function budgeted<T>(
  text: string,
  opts: ScanOptions | undefined,
  scan: (text: string, mode: TextMode) => T,
): T {
  const budget = opts?.timeBudgetMs ?? DEFAULT_LIMITS.timeBudgetMs;
  if (text.length > (opts?.maxChars ?? DEFAULT_LIMITS.maxChars)) {
    throw new ScanAbort("$", "too large");
  }
  // A text too short to spend a tenth of the budget even at the worst measured cost per
  // character (adversarial inputs) cannot exceed it: skip the clock (two reads per call).
  if (tooSmallToTime(text.length, 0, budget)) return scan(text, PLAIN);
  const now = opts?.now ?? defaultNow;
  const start = now();
  // Long texts read the clock between detector passes too.
  const checkpoint = text.length > 32_768
    ? () => {
      if (now() - start > budget) throw new ScanAbort("$", "time budget exceeded");
    }
    : undefined;
  const out = scan(text, { technical: false, whole: false, checkpoint });
  if (now() - start > budget) throw new ScanAbort("$", "time budget exceeded");
  return out;
}

const defaultNow = () => performance.now();

/** Scans one string (a log line, an error message). Findings have the path `$`. */
export function scanText(text: string, opts?: ScanOptions): ScanResult {
  try {
    const types = budgeted(String(text), opts, textTypes);
    return { found: types.length > 0, findings: types.map((type) => ({ type, path: "$" })) };
  } catch {
    return { found: true, findings: [{ type: "SCANNER_ERROR", path: "$" }] };
  }
}

/**
 * Returns a copy of `value` with each match replaced by `[REDACTED:<TYPE>]` and each value
 * under a sensitive key by `[REDACTED]`. On failure: REDACTED_TEXT for a string input,
 * REDACTED_PAYLOAD otherwise.
 */
export function redact<T>(value: T, opts?: ScanOptions): T | unknown {
  try {
    const walker = new Walker(opts, true);
    const out = walker.value(value, undefined, 0);
    walker.checkNow();
    return out;
  } catch {
    return typeof value === "string" ? REDACTED_TEXT : { ...REDACTED_PAYLOAD };
  }
}

/** Redacts one string (a log line, an error message); REDACTED_TEXT when it cannot. */
export function redactText(text: string, opts?: ScanOptions): string {
  try {
    return budgeted(String(text), opts, redactString);
  } catch {
    return REDACTED_TEXT;
  }
}
