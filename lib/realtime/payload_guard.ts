/**
 * The bus's payload guard: an event payload may hold identifiers, enums,
 * booleans, finite numbers, null and flat arrays of those — never free text,
 * nested objects or anything the PHI scanner flags. So no request body, note
 * or personal value can ride on an event to every open stream. The identifiers
 * are often chosen by a client (a worker's job id, an admin's variant key), so
 * they are scanned with no key counted as technical: a phone number, MRN or
 * date under `jobId` is refused like anywhere else.
 */
import { ValidationError } from "../errors/mod.ts";
import { scan } from "../phi/mod.ts";

/** Identifier or enum: no spaces, no `@`, bounded. */
export const PAYLOAD_STRING = /^[A-Za-z0-9_.:-]{1,128}$/;
const PAYLOAD_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_KEYS = 32;
const MAX_ARRAY = 64;

/** Why a payload was refused (the `reason` label of `bus_events_refused_total`). */
export type RefusalReason =
  | "not_object"
  | "too_many_keys"
  | "bad_key"
  | "nested"
  | "free_text"
  | "bad_number"
  | "too_large"
  | "phi";

/** Raised when the bus refuses an event; says why, never what the value was. */
export class EventRefusedError extends ValidationError {
  constructor(readonly reason: RefusalReason) {
    super(
      reason === "phi"
        // A worker team reading a 400 must learn that the id itself is the problem.
        ? "An identifier in the event reads as PHI to the scanner (a date, phone, record " +
          "number or similar inside it), so nothing was recorded; use ids without such values " +
          "(docs/realtime.md)"
        : "The event payload may hold only identifiers, enums, booleans and numbers",
    );
  }
}

function scalarReason(value: unknown): RefusalReason | undefined {
  if (value === null || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : "bad_number";
  if (typeof value === "string") return PAYLOAD_STRING.test(value) ? undefined : "free_text";
  return "nested";
}

/** The guard's scan: every value meets every detector (see the module comment). */
export const strictScan = (value: unknown): { found: boolean } => scan(value, { safeKeys: [] });

/** The reason `payload` is refused, or undefined when it may be published. Pure. */
export function payloadRefusal(
  payload: unknown,
  scanner: (value: unknown) => { found: boolean } = strictScan,
): RefusalReason | undefined {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    return "not_object";
  }
  const entries = Object.entries(payload);
  if (entries.length > MAX_KEYS) return "too_many_keys";
  for (const [key, value] of entries) {
    if (!PAYLOAD_KEY.test(key)) return "bad_key";
    if (Array.isArray(value)) {
      if (value.length > MAX_ARRAY) return "too_large";
      for (const item of value) {
        const reason = scalarReason(item);
        if (reason) return reason;
      }
    } else {
      const reason = scalarReason(value);
      if (reason) return reason;
    }
  }
  let found: boolean;
  try {
    found = scanner(payload).found;
  } catch {
    found = true; // a failing scanner counts as "PHI found"
  }
  return found ? "phi" : undefined;
}
