/**
 * The per-event rules of ingestion, pure and in this order: the event name
 * must be allowlisted (and, from a client, not one only the server records); the properties must serialize to at most 8 KB; then the
 * PHI scanner runs over them (a finding, or a scanner failure, keeps the event
 * but replaces its properties with `{ "phi_redacted": true }`); only then the
 * shape rules apply (flat, at most 32 snake_case keys, numbers, booleans or
 * enum-like strings, timings from 0 to 24 h, allowlisted keys), so free text that is not PHI is
 * still refused.
 */
import { type PhiFinding, scan } from "../phi/mod.ts";
import {
  isAllowedEventName,
  isAllowedPropertyKey,
  isServerOnlyEventName,
  PROPERTY_RULES,
  TIMING_PROPERTIES,
} from "./allowlist.ts";

/** Why an event was rejected (stable codes in responses). */
export type RejectReason =
  | "EVENT_NOT_ALLOWED"
  | "EVENT_SERVER_ONLY"
  | "PROPERTIES_TOO_LARGE"
  | "NOT_FLAT"
  | "TOO_MANY_KEYS"
  | "INVALID_KEY"
  | "INVALID_VALUE"
  | "PROPERTY_NOT_ALLOWED"
  | "INVALID_RESEARCH_ID";

/** The rule behind each reason, in words; never repeats the submitted value. */
export const REJECT_MESSAGES: Readonly<Record<RejectReason, string>> = {
  EVENT_NOT_ALLOWED: "The event name is not in the allowlist",
  EVENT_SERVER_ONLY: "Only the server records this event; clients cannot send it",
  PROPERTIES_TOO_LARGE: `Properties exceed ${PROPERTY_RULES.maxBytes} bytes serialized`,
  NOT_FLAT: "Properties must be a flat object: no nested objects, arrays or nulls",
  TOO_MANY_KEYS: `Properties may have at most ${PROPERTY_RULES.maxKeys} keys`,
  INVALID_KEY: "Property keys must match ^[a-z][a-z0-9_]{0,63}$",
  INVALID_VALUE:
    "Property values must be finite numbers, booleans or enum-like strings matching ^[A-Za-z0-9_.:-]{1,100}$; duration_ms and latency_ms numbers of milliseconds from 0 to 86400000",
  PROPERTY_NOT_ALLOWED: "A property key is not in the allowlist (docs/analytics.md)",
  INVALID_RESEARCH_ID: "researchId must match ^[A-Za-z0-9_.:-]{1,128}$",
};

/** A stored property value. */
export type PropertyValue = string | number | boolean;
export type SafeProperties = Record<string, PropertyValue>;

/** What happens to one event. */
export type EventVerdict =
  | { outcome: "accepted"; properties: SafeProperties; researchId: string | null }
  | { outcome: "redacted"; findings: PhiFinding[] }
  | { outcome: "rejected"; reason: RejectReason };

export interface EventCandidate {
  eventName: string;
  properties?: unknown;
  researchId?: string | undefined;
}

/** The scanner the rules use; injectable so the fail-closed path is testable. */
export interface Scanner {
  scan(value: unknown): { found: boolean; findings: PhiFinding[] };
}

/**
 * Properties are chosen by clients, so no key counts as technical: a phone number under
 * `variant` or an MRN under `flag_key` is PHI like anywhere else.
 */
export const PHI_SCANNER: Scanner = {
  scan: (value) => scan(value, { safeKeys: [] }),
};

const encoder = new TextEncoder();
const MAX_FINDINGS = 32;
const SCANNER_FAILED: PhiFinding = { type: "SCANNER_ERROR", path: "$" };

/** Serialized size of a JSON value in UTF-8 bytes; Infinity when it cannot be serialized. */
export function serializedBytes(value: unknown): number {
  try {
    const text = JSON.stringify(value ?? {});
    return text === undefined ? Infinity : encoder.encode(text).length;
  } catch {
    return Infinity;
  }
}

/**
 * The path of a finding as it may be stored: `$.<key>` for an allowlisted property key,
 * `researchId` and `$` as they are, anything else `$.[key]` — a key that is not in the
 * allowlist is the client's to choose and may itself hold the value (`mrn_00482913`).
 */
export function storablePath(path: string): string {
  if (path === "$" || path === "researchId") return path;
  const key = /^\$\.([a-z][a-z0-9_]{0,63})(?=$|[.[])/.exec(path)?.[1];
  return key !== undefined && isAllowedPropertyKey(key) ? `$.${key}` : "$.[key]";
}

function uniqueFindings(findings: PhiFinding[]): PhiFinding[] {
  const seen = new Set<string>();
  const out: PhiFinding[] = [];
  for (const finding of findings) {
    const path = storablePath(finding.path);
    const key = `${finding.type}\u0000${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ type: finding.type, path });
    if (out.length >= MAX_FINDINGS) break;
  }
  return out;
}

/** PHI findings in the properties and the research id; a scanner failure is a finding. */
function phiFindings(candidate: EventCandidate, scanner: Scanner): PhiFinding[] {
  const findings: PhiFinding[] = [];
  try {
    const result = scanner.scan(candidate.properties ?? {});
    if (result.found) {
      findings.push(
        ...(result.findings.length ? result.findings : [SCANNER_FAILED]),
      );
    }
    if (candidate.researchId !== undefined) {
      // A whole value, as the bus guard scans a job's researchId: read as a line of text a bare
      // SSN-shaped number is not found, and it would be stored.
      const id = scanner.scan(candidate.researchId);
      if (id.found) {
        findings.push(
          ...(id.findings.length ? id.findings : [SCANNER_FAILED])
            .map((f) => ({ type: f.type, path: "researchId" })),
        );
      }
    }
  } catch {
    findings.push(SCANNER_FAILED);
  }
  return uniqueFindings(findings);
}

const TIMING_KEYS: ReadonlySet<string> = new Set(TIMING_PROPERTIES);
const isTimingProperty = (key: string) => TIMING_KEYS.has(key);
const isTiming = (value: unknown) =>
  typeof value === "number" && value >= 0 && value <= PROPERTY_RULES.maxTimingMs;

/** Checks the shape rules; returns the first broken rule, or the properties to store. */
export function checkShape(properties: unknown): RejectReason | SafeProperties {
  if (properties === undefined) return {};
  if (properties === null || typeof properties !== "object" || Array.isArray(properties)) {
    return "NOT_FLAT";
  }
  const entries = Object.entries(properties as Record<string, unknown>);
  if (entries.length > PROPERTY_RULES.maxKeys) return "TOO_MANY_KEYS";
  const out: SafeProperties = {};
  for (const [key, value] of entries) {
    if (!PROPERTY_RULES.key.test(key)) return "INVALID_KEY";
    if (value === null || typeof value === "object") return "NOT_FLAT";
    if (isTimingProperty(key) && !isTiming(value)) return "INVALID_VALUE";
    if (typeof value === "number") {
      if (!Number.isFinite(value)) return "INVALID_VALUE";
    } else if (typeof value === "string") {
      if (!PROPERTY_RULES.stringValue.test(value)) return "INVALID_VALUE";
    } else if (typeof value !== "boolean") {
      return "INVALID_VALUE";
    }
    if (!isAllowedPropertyKey(key)) return "PROPERTY_NOT_ALLOWED";
    out[key] = value as PropertyValue;
  }
  return out;
}

/** Who sends an event: a client's batch, or the server's own recording (`recordServerEvent`). */
export type EventOrigin = "client" | "server";

/**
 * Judges one event by the rules above. A client's event (the default) must not be one that only
 * the server records (`EVENT_SERVER_ONLY`).
 *
 * @example
 * judgeEvent({ eventName: "ui.page_view", properties: { page: "home" } });
 * // { outcome: "accepted", properties: { page: "home" }, researchId: null }
 */
export function judgeEvent(
  candidate: EventCandidate,
  scanner: Scanner = PHI_SCANNER,
  origin: EventOrigin = "client",
): EventVerdict {
  if (!isAllowedEventName(candidate.eventName)) {
    return { outcome: "rejected", reason: "EVENT_NOT_ALLOWED" };
  }
  if (origin === "client" && isServerOnlyEventName(candidate.eventName)) {
    return { outcome: "rejected", reason: "EVENT_SERVER_ONLY" };
  }
  if (serializedBytes(candidate.properties) > PROPERTY_RULES.maxBytes) {
    return { outcome: "rejected", reason: "PROPERTIES_TOO_LARGE" };
  }
  const findings = phiFindings(candidate, scanner);
  if (findings.length > 0) return { outcome: "redacted", findings };
  const shaped = checkShape(candidate.properties);
  if (typeof shaped === "string") return { outcome: "rejected", reason: shaped };
  if (
    candidate.researchId !== undefined && !PROPERTY_RULES.researchId.test(candidate.researchId)
  ) {
    return { outcome: "rejected", reason: "INVALID_RESEARCH_ID" };
  }
  return { outcome: "accepted", properties: shaped, researchId: candidate.researchId ?? null };
}
