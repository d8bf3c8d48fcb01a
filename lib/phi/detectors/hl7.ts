/**
 * HL7 v2 segments: the fields of a patient-identifying segment read by their position.
 *
 * An interface engine's error often logs the message it choked on, and its fields hold PHI
 * in forms no value detector can tell from data: a name as `DOE^JANE^Q`, a birth date as
 * `19550302`, a city as `BOSTON`. Where a segment such as `PID|` starts, the fields that
 * HL7 defines as a person's name, birth date, address, phone or identifier are redacted
 * whole, by position, whatever they hold. Other segments (MSH, OBX, …) and other fields are
 * left to the value detectors.
 */
import { hit, type TextCtx } from "../context.ts";
import type { PhiType } from "../types.ts";

/** Field number (1-based, after the segment id) → type, per segment id (HL7 v2.5.1). */
const SEGMENT_FIELDS: ReadonlyMap<string, ReadonlyMap<number, PhiType>> = new Map(
  Object.entries({
    // Patient identification.
    PID: {
      2: "MRN", // patient id (external)
      3: "MRN", // patient identifier list
      4: "MRN", // alternate patient id
      5: "PERSON_NAME", // patient name
      6: "PERSON_NAME", // mother's maiden name
      7: "DATE", // date/time of birth
      9: "PERSON_NAME", // patient alias
      11: "STREET_ADDRESS", // patient address
      12: "LOCATION", // county code
      13: "PHONE", // phone, home
      14: "PHONE", // phone, business
      18: "ACCOUNT_NUMBER", // patient account number
      19: "SSN", // SSN
      20: "LICENSE_NUMBER", // driver's license
      21: "MRN", // mother's identifier
      23: "LOCATION", // birth place
      29: "DATE", // death date and time
    },
    // Next of kin.
    NK1: {
      2: "PERSON_NAME",
      4: "STREET_ADDRESS",
      5: "PHONE",
      6: "PHONE",
      16: "DATE", // date of birth
      30: "PERSON_NAME", // contact person's name
      31: "PHONE",
      32: "STREET_ADDRESS",
      33: "MRN", // next of kin identifiers
      37: "SSN",
    },
    // Guarantor.
    GT1: {
      2: "ACCOUNT_NUMBER", // guarantor number
      3: "PERSON_NAME",
      4: "PERSON_NAME", // spouse name
      5: "STREET_ADDRESS",
      6: "PHONE",
      7: "PHONE",
      8: "DATE", // date of birth
      12: "SSN",
    },
    // Insurance.
    IN1: {
      16: "PERSON_NAME", // name of insured
      18: "DATE", // insured's date of birth
      19: "STREET_ADDRESS", // insured's address
      36: "HEALTH_PLAN", // policy number
      49: "HEALTH_PLAN", // insured's id number
    },
    IN2: { 1: "HEALTH_PLAN", 2: "SSN" },
    // Merge: the identifiers and name the patient had before.
    MRG: {
      1: "MRN",
      2: "MRN",
      3: "ACCOUNT_NUMBER",
      4: "MRN",
      5: "MRN", // prior visit number
      6: "MRN", // prior alternate visit id
      7: "PERSON_NAME",
    },
    // Patient visit: the visit number and the admit and discharge times.
    PV1: { 19: "MRN", 44: "DATE", 45: "DATE", 50: "MRN" },
  }).map(([id, fields]) => [
    id,
    new Map(Object.entries(fields).map(([n, type]) => [Number(n), type as PhiType])),
  ]),
);

const CR = 13;
const LF = 10;
const BACKSLASH = 92;
const QUOTE = 34;

/** Whether a segment id may start at p: the text's start, a line start, or after a space or quote. */
function segmentStart(t: string, p: number): boolean {
  if (p === 0) return true;
  const c = t.charCodeAt(p - 1);
  if (c === CR || c === LF || c === 32 || c === 9 || c === 34 || c === 39) return true;
  // A log that escaped the segment separator: `…\rPID|…`.
  return p >= 2 && t.charCodeAt(p - 2) === BACKSLASH && (c === 114 || c === 110);
}

/**
 * Where the segment whose fields start at p ends: a CR or LF, an escaped `\r`/`\n`, the end,
 * or, in a quoted string (`"msg":"PID|…"`), the closing quote (an escaped one, `\"`, is data).
 */
function segmentEnd(t: string, p: number, quoted: boolean): number {
  for (let i = p; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === CR || c === LF) return i;
    if (quoted && c === QUOTE && t.charCodeAt(i - 1) !== BACKSLASH) return i;
    if (c === BACKSLASH) {
      const d = t.charCodeAt(i + 1);
      if (d === 114 || d === 110) return i;
    }
  }
  return t.length;
}

/** Hits for the person fields of every patient-identifying HL7 segment in ctx's text. */
export function detectHl7Segments(ctx: TextCtx): void {
  const t = ctx.t;
  // The segment id is three characters before a '|': look only there.
  let bar = t.indexOf("|", 3);
  while (bar >= 0) {
    const p = bar - 3;
    const fields = SEGMENT_FIELDS.get(t.slice(p, bar));
    if (fields !== undefined && segmentStart(t, p)) {
      const end = segmentEnd(t, bar + 1, p > 0 && t.charCodeAt(p - 1) === QUOTE);
      let field = 1;
      let start = bar + 1;
      while (start <= end) {
        let stop = t.indexOf("|", start);
        if (stop < 0 || stop > end) stop = end;
        const type = fields.get(field);
        if (type !== undefined && stop > start) hit(ctx, start, stop, type);
        field++;
        start = stop + 1;
      }
      bar = t.indexOf("|", end);
      continue;
    }
    bar = t.indexOf("|", bar + 1);
  }
}
