/**
 * ASC X12 health care transactions (837 claims, 270/271 eligibility, …): the person fields
 * of a segment read by their position.
 *
 * A clearinghouse or claim parser's error logs the segments it choked on, and their elements
 * hold a subscriber's or patient's name (`NM1*IL*1*DOE*JANE****MI*123456789~`), birth date
 * (`DMG*D8*19550302*F~`), city and ZIP (`N4*SPRINGFIELD*IL*62701~`), ids and service dates
 * in forms no value detector can tell from codes. The separators come from the interchange
 * header when the text holds one (ISA: the element separator is the character after `ISA`,
 * the segment terminator the one after ISA-16), else `*` and `~`; a line break also ends a
 * segment. Read by position:
 *
 * - NM1-03/04/05/07 (names) and NM1-09 (the id) when NM1-02 is `1`, a person (an
 *   organisation, `2`, stays readable);
 * - DMG-02 (birth date) when DMG-01 is `D8` or `RD8`;
 * - N3-01/02 (street) and N4-01/02/03 (city, state, ZIP) in a text that is X12 (an ISA, or
 *   the segment ends with the terminator);
 * - REF-02 when REF-01 names a person's or policy's id (see REF_TYPES);
 * - DTP-03 when DTP-01 is a date of the person's care or coverage (see DTP_QUALIFIERS) and
 *   DTP-02 a date format;
 * - PER-02 (contact name) and PER-04/06/08 (phone, e-mail or URL by their qualifier).
 *
 * Every loop moves forward: a segment's characters are read once, so the pass is linear.
 */
import { isAlnum, isDigit, isUpperAscii } from "../chars.ts";
import { hit, type TextCtx } from "../context.ts";
import type { PhiType } from "../types.ts";

const STAR = 42;
const TILDE = 126;
const CR = 13;
const LF = 10;
const BACKSLASH = 92;
const QUOTE = 34;

/** REF-01 qualifiers whose REF-02 identifies a person or their policy. */
const REF_TYPES: ReadonlyMap<string, PhiType> = new Map<string, PhiType>([
  ["SY", "SSN"], // social security number
  ["EA", "MRN"], // medical record number
  ["EJ", "ACCOUNT_NUMBER"], // patient account number
  ["1W", "HEALTH_PLAN"], // member id
  ["0F", "HEALTH_PLAN"], // subscriber number
  ["1L", "HEALTH_PLAN"], // group or policy number
  ["IG", "HEALTH_PLAN"], // insurance policy number
  ["HJ", "HEALTH_PLAN"], // identity card number
  ["6P", "HEALTH_PLAN"], // group number
  ["F6", "HEALTH_PLAN"], // health insurance claim (Medicare) number
  ["NQ", "HEALTH_PLAN"], // Medicaid recipient id
  ["3H", "ACCOUNT_NUMBER"], // case number
  ["Y4", "ACCOUNT_NUMBER"], // agency claim number
]);

/**
 * DTP-01 qualifiers of a date in the person's care or coverage (837, 270/271, 278, 834):
 * service, admission, discharge, onset, accident, treatment, visit, test, prescription,
 * disability and work dates, eligibility, plan and benefit periods, claim dates.
 */
const DTP_QUALIFIERS = new Set([
  "472", // service
  "434", // statement from-through
  "435", // admission
  "096", // discharge
  "050", // received
  "573", // claim paid
  "150", // service period start
  "151", // service period end
  "304", // latest visit or consultation
  "444", // first visit or consultation
  "454", // initial treatment
  "453", // acute manifestation of a chronic condition
  "431", // onset of current symptoms or illness
  "439", // accident
  "484", // last menstrual period
  "455", // last X-ray
  "471", // prescription
  "463", // begin therapy
  "461", // last certification
  "607", // certification revision
  "738", // most recent hemoglobin or hematocrit test
  "739", // most recent serum creatine test
  "360", // initial disability period start
  "361", // initial disability period end
  "297", // last worked
  "296", // return to work
  "314", // disability
  "090", // report start
  "091", // report end
  "290", // coordination of benefits
  "291", // plan
  "292", // benefit
  "307", // eligibility
  "356", // eligibility begin
  "357", // eligibility end
  "346", // plan begin
  "347", // plan end
  "348", // benefit begin
  "349", // benefit end
  "303", // maintenance effective
  "336", // employment begin
  "337", // employment end
  "382", // enrollment
  "393", // plan participation suspension
  "394", // rehire
  "102", // issue
  "152", // effective date of change
  "193", // period start
  "194", // period end
  "198", // completion
  "295", // primary care provider
  "368", // submittal
  "036", // expiration
  "011", // shipped
]);

/** DTP-02 date formats. */
const DATE_FORMATS = new Set(["D8", "RD8", "DT", "RDT", "D6"]);

/** The separators of the interchange. */
interface Separators {
  element: number;
  terminator: number;
  /** The text holds an interchange header. */
  envelope: boolean;
}

const DEFAULT: Separators = { element: STAR, terminator: TILDE, envelope: false };

/** True when a segment id may start at p: the text's start, or after no letter or digit. */
function segmentStart(t: string, p: number): boolean {
  if (p === 0) return true;
  const c = t.charCodeAt(p - 1);
  if (!isAlnum(c)) return true;
  // A log that escaped the line break between segments: `~\nNM1*…`.
  return (c === 110 || c === 114) && p >= 2 && t.charCodeAt(p - 2) === BACKSLASH;
}

/** A character that may separate elements or end segments: printable ASCII punctuation. */
function delimiter(c: number): boolean {
  return c > 32 && c < 127 && !isAlnum(c);
}

/**
 * The separators of the first interchange header (`ISA*00*…*:~`): the element separator
 * follows `ISA`; the terminator follows ISA-16 (one character after the 16th element
 * separator; position 105 in a header whose fields keep their fixed widths).
 */
function separators(t: string): Separators {
  let p = t.indexOf("ISA");
  while (p >= 0) {
    const element = t.charCodeAt(p + 3);
    // ISA-01, the authorization qualifier, is two digits (`00`, `03`).
    if (
      segmentStart(t, p) && delimiter(element) && isDigit(t.charCodeAt(p + 4)) &&
      isDigit(t.charCodeAt(p + 5)) && t.charCodeAt(p + 6) === element
    ) {
      let count = 0;
      let k = p + 3;
      // ISA is 106 characters with its fields padded; a log may trim them.
      const limit = Math.min(t.length, p + 160);
      while (k < limit && count < 16) {
        if (t.charCodeAt(k) === element) count++;
        if (count < 16) k++;
      }
      if (count === 16) {
        const terminator = t.charCodeAt(k + 2);
        if (delimiter(terminator) && terminator !== element) {
          return { element, terminator, envelope: true };
        }
        if (terminator === CR || terminator === LF) {
          return { element, terminator: LF, envelope: true };
        }
      }
      const fixed = t.charCodeAt(p + 105);
      if (delimiter(fixed) && fixed !== element) {
        return { element, terminator: fixed, envelope: true };
      }
    }
    p = t.indexOf("ISA", p + 3);
  }
  return DEFAULT;
}

/** Where the segment whose elements start at p ends (the terminator itself, or the end). */
function segmentEnd(t: string, p: number, terminator: number, quoted: boolean): number {
  const n = t.length;
  for (let i = p; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c === terminator || c === CR || c === LF) return i;
    if (c === QUOTE && quoted) return i;
    if (c === BACKSLASH) {
      const d = t.charCodeAt(i + 1);
      if (d === 110 || d === 114) return i;
    }
  }
  return n;
}

/** Element bounds of the current segment (element k at [starts[k], ends[k]), 1-based). */
const MAX_ELEMENTS = 10;
const starts = new Int32Array(MAX_ELEMENTS + 1);
const ends = new Int32Array(MAX_ELEMENTS + 1);

/** Splits [p, end) at the element separator into starts/ends; returns the element count. */
function split(t: string, p: number, end: number, element: number): number {
  let count = 0;
  let s = p;
  while (count < MAX_ELEMENTS) {
    let e = s;
    while (e < end && t.charCodeAt(e) !== element) e++;
    count++;
    starts[count] = s;
    ends[count] = e;
    if (e >= end) break;
    s = e + 1;
  }
  return count;
}

/** Element k's text, or "" when the segment has fewer elements. */
function element(t: string, count: number, k: number): string {
  return k <= count ? t.slice(starts[k]!, ends[k]!) : "";
}

/** Hits element k as `type` when it is present and not empty. */
function take(ctx: TextCtx, count: number, k: number, type: PhiType): void {
  if (k <= count && ends[k]! > starts[k]!) hit(ctx, starts[k]!, ends[k]!, type);
}

/** The type of an NM1-09 id by its qualifier (NM1-08). */
function idType(qualifier: string): PhiType {
  if (qualifier === "34") return "SSN";
  if (qualifier === "MI" || qualifier === "ZZ") return "HEALTH_PLAN";
  if (qualifier === "XX") return "NPI";
  return "MRN";
}

/** The type of a PER communication number by its qualifier. */
function contactType(qualifier: string): PhiType {
  if (qualifier === "EM") return "EMAIL";
  if (qualifier === "UR") return "URL";
  return "PHONE";
}

/** True when element k is one or two capitals or digits (a code such as `IL` or `IC`). */
function code(t: string, count: number, k: number, max: number): boolean {
  if (k > count) return false;
  const len = ends[k]! - starts[k]!;
  if (len < 1 || len > max) return false;
  for (let i = starts[k]!; i < ends[k]!; i++) {
    const c = t.charCodeAt(i);
    if (!isUpperAscii(c) && !isDigit(c)) return false;
  }
  return true;
}

/** Reads one segment's person elements. `x12` tells that the text is X12 beyond doubt. */
function readSegment(ctx: TextCtx, id: string, count: number, x12: boolean): void {
  const t = ctx.t;
  switch (id) {
    case "NM1":
      if (code(t, count, 1, 3) && element(t, count, 2) === "1") {
        for (const k of [3, 4, 5, 7]) take(ctx, count, k, "PERSON_NAME");
        take(ctx, count, 9, idType(element(t, count, 8)));
      }
      return;
    case "DMG": {
      const format = element(t, count, 1);
      if (format === "D8" || format === "RD8") take(ctx, count, 2, "DATE");
      return;
    }
    case "N3":
      if (x12) {
        take(ctx, count, 1, "STREET_ADDRESS");
        take(ctx, count, 2, "STREET_ADDRESS");
      }
      return;
    case "N4": {
      const state = element(t, count, 2);
      if (x12 && (state === "" || code(t, count, 2, 2))) {
        take(ctx, count, 1, "LOCATION");
        take(ctx, count, 2, "LOCATION");
        take(ctx, count, 3, "ZIP_CODE");
      }
      return;
    }
    case "REF": {
      const type = REF_TYPES.get(element(t, count, 1));
      if (type !== undefined) take(ctx, count, 2, type);
      return;
    }
    case "DTP":
      if (
        DTP_QUALIFIERS.has(element(t, count, 1)) && DATE_FORMATS.has(element(t, count, 2))
      ) take(ctx, count, 3, "DATE");
      return;
    case "PER":
      if (code(t, count, 1, 2)) {
        take(ctx, count, 2, "PERSON_NAME");
        for (const k of [4, 6, 8]) take(ctx, count, k, contactType(element(t, count, k - 1)));
      }
      return;
  }
}

/** The id of a segment of interest whose first element separator is at `at`, or "". */
function idBefore(t: string, at: number): string {
  if (at >= 3 && segmentStart(t, at - 3)) {
    const c = t.charCodeAt(at - 3);
    if (c === 78 || c === 68 || c === 82 || c === 80) {
      const id = t.slice(at - 3, at);
      if (id === "NM1" || id === "DMG" || id === "REF" || id === "DTP" || id === "PER") {
        return id;
      }
    }
  }
  if (at >= 2 && t.charCodeAt(at - 2) === 78 /* N */ && segmentStart(t, at - 2)) {
    const d = t.charCodeAt(at - 1);
    if (d === 51) return "N3";
    if (d === 52) return "N4";
  }
  return "";
}

/** Hits for the person elements of every X12 segment of interest in ctx's text. */
export function detectX12Segments(ctx: TextCtx): void {
  const t = ctx.t;
  const { element: sep, terminator, envelope } = separators(t);
  const sepChar = String.fromCharCode(sep);
  let at = t.indexOf(sepChar, 2);
  while (at >= 0) {
    const id = idBefore(t, at);
    if (id !== "") {
      const p = at - id.length;
      const quoted = p > 0 && t.charCodeAt(p - 1) === QUOTE;
      const end = segmentEnd(t, at + 1, terminator, quoted);
      const count = split(t, at + 1, end, sep);
      const x12 = envelope || t.charCodeAt(end) === terminator ||
        (p > 0 && t.charCodeAt(p - 1) === terminator);
      readSegment(ctx, id, count, x12);
      at = t.indexOf(sepChar, end);
      continue;
    }
    at = t.indexOf(sepChar, at + 1);
  }
}
