/**
 * Refusing PHI at write time: a zod check that fails when the PHI scanner (`lib/phi`) finds
 * anything in a value. For text and identifiers that are shown to other users, served to other
 * services or stored (flag descriptions and targets, experiment variants, API token names).
 *
 * The issue names the rule and the identifier types found, never the value. Its code is
 * `invalid_format` (format `no_phi`), one of the codes whose message the API's validation hook
 * passes on, so a refused field reads as 400 VALIDATION_FAILED
 * `{ path: "$.description", message: "Must not contain PHI (found: EMAIL)" }`.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { noPhi } from "./no_phi.ts";
 * const Description = noPhi(z.string().max(500));
 * Description.safeParse("Pilot for jane.doe@example.org").success; // false
 * Description.safeParse("New checkout for the steward console").success; // true
 * ```
 */
import type { z } from "zod";
import { type PhiType, scan } from "../phi/mod.ts";

/** The `format` of the issue noPhi() raises. */
export const NO_PHI_FORMAT = "no_phi";

/**
 * The identifier types the scanner finds in `value`, none when it holds no PHI. A string is
 * scanned as a whole value (a bare `536221234` counts as an SSN), which finds everything
 * `scanText` finds and more; objects and arrays are walked. A scanner failure counts as found
 * (SCANNER_ERROR).
 *
 * No object key counts as technical (`safeKeys: []`, as the bus guard and analytics scan): the
 * keys here are chosen by an admin or a client (a variant's config), and the default list would
 * switch the phone, name and date detectors off under any key ending in `_time`, `_key`, `_id`,
 * `_code` or `_at` (`{ "contact_time": "call <phone>" }`).
 */
export function phiTypesIn(value: unknown): PhiType[] {
  if (value === null || value === undefined) return [];
  return [...new Set(scan(value, { safeKeys: [] }).findings.map((finding) => finding.type))];
}

/** The rule as the client reads it: the types found, never the value. */
export function noPhiMessage(types: readonly PhiType[]): string {
  return types.includes("SCANNER_ERROR")
    ? "Could not be checked for PHI (too large or too complex); shorten it"
    : `Must not contain PHI (found: ${types.join(", ")})`;
}

/** The issue noPhi() adds, for checks that refuse a value by hand (record keys, say). */
export function noPhiIssue(types: readonly PhiType[], path: PropertyKey[] = []) {
  return {
    code: "invalid_format" as const,
    format: NO_PHI_FORMAT,
    message: noPhiMessage(types),
    path,
  };
}

/** `schema` plus a check that refuses any value in which the PHI scanner finds something. */
export function noPhi<T extends z.ZodType>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    const types = phiTypesIn(value);
    if (types.length > 0) ctx.addIssue(noPhiIssue(types));
  });
}

/**
 * A form's wording of a PHI refusal: the field, the rule and the types found (the issue's
 * message), never the value.
 */
export function phiFormError(field: string, message: string): string {
  return `${field}: ${message.charAt(0).toLowerCase()}${message.slice(1)}. ` +
    "No names, contact details, record or account numbers: PHI must not be stored here.";
}

/** True for an issue raised by noPhi() (forms word their message by it). */
export function isPhiIssue(issue: { code: string; format?: unknown }): boolean {
  return issue.code === "invalid_format" && issue.format === NO_PHI_FORMAT;
}
