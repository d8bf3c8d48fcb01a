/**
 * HL7 v2 segments: the fields of a patient-identifying segment read by their position.
 *
 * An interface engine's error often logs the message it choked on, and its fields hold PHI
 * in forms no value detector can tell from data: a name as `DOE^JANE^Q`, a birth date as
 * `19550302`, a city as `BOSTON`. Where a segment such as `PID|` starts, the fields that
 * HL7 defines as a person's name, birth date, address, phone or identifier are redacted
 * whole, by position, whatever they hold. Other segments (MSH, OBX, …) and other fields are
 * left to the value detectors, except site-defined Z-segments in a text that holds an HL7
 * message, whose fields are redacted by shape (`NAME^NAME`, a YYYYMMDD date, 6+ digits).
 *
 * A segment starts at the text's start or after any character that is neither a letter, a
 * digit nor the field separator (a line break, a space, a quote, `=`, `:`, `[`, `>`, an
 * escaped `\r`, `\x0d`, `\u000b`, …), and its first field must look like HL7 (PID-1 a set
 * id, ORC-1 an order control code): a `ps` header row (`PID|USER|%CPU`) is no segment. When
 * the text holds a message header (`MSH|^~\&|`) every segment counts, its field separator
 * (MSH-1, `MSH#^~\&#…`) is read too, and a segment may follow the previous one after a
 * single field separator (`…|2.5.1|PID|1||…`), as logs that joined the segments write it.
 *
 * Every loop moves forward: a segment's characters are read once, so the pass is linear.
 */
import { isAlnum, isDigit, isHex, isUpperAscii } from "../chars.ts";
import { hit, type TextCtx } from "../context.ts";
import type { PhiType } from "../types.ts";
import { flagsAt, setHas, W_FIRST, W_LAST, wordHash, wordSet } from "../word_table.ts";

/** How a segment's first field shows that the segment is HL7, not a table header. */
const enum Look {
  /** Empty or a set id of 1–4 digits (PID-1, NK1-1, …). */
  SetId,
  /** Empty or holding a digit: an identifier (MRG-1, IN2-1). */
  Id,
  /** Two capitals: a code such as ORC-1's order control or MSA-1's acknowledgment code. */
  Code,
  /** A timestamp (QRD-1). */
  Time,
  /** Any first field: the segment id is rare enough (QPD, ERR). */
  Any,
}

/** What a segment id's fields hold. */
interface SegmentSpec {
  look: Look;
  /** Field number (1-based, after the segment id) → type, redacted whole. */
  fields: ReadonlyMap<number, PhiType>;
  /** From this field on, every field is redacted whole as a PERSON_NAME (QPD's parameters). */
  restFrom: number;
  /** Free-text fields in which `NAME^NAME` tokens are redacted (MSA-3, ERR-7, ERR-8). */
  nameText: readonly number[];
}

function spec(
  look: Look,
  fields: Record<number, PhiType>,
  restFrom = Infinity,
  nameText: readonly number[] = [],
): SegmentSpec {
  const map = new Map(Object.entries(fields).map(([n, type]) => [Number(n), type]));
  return { look, fields: map, restFrom, nameText };
}

/** The patient-identifying segments (HL7 v2.5.1). */
const SEGMENTS: ReadonlyMap<string, SegmentSpec> = new Map([
  // Patient identification.
  [
    "PID",
    spec(Look.SetId, {
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
    }),
  ],
  // Next of kin.
  [
    "NK1",
    spec(Look.SetId, {
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
    }),
  ],
  // Guarantor.
  [
    "GT1",
    spec(Look.SetId, {
      2: "ACCOUNT_NUMBER", // guarantor number
      3: "PERSON_NAME",
      4: "PERSON_NAME", // spouse name
      5: "STREET_ADDRESS",
      6: "PHONE",
      7: "PHONE",
      8: "DATE", // date of birth
      12: "SSN",
    }),
  ],
  // Insurance.
  [
    "IN1",
    spec(Look.SetId, {
      16: "PERSON_NAME", // name of insured
      18: "DATE", // insured's date of birth
      19: "STREET_ADDRESS", // insured's address
      36: "HEALTH_PLAN", // policy number
      49: "HEALTH_PLAN", // insured's id number
    }),
  ],
  ["IN2", spec(Look.Id, { 1: "HEALTH_PLAN", 2: "SSN" })],
  // Merge: the identifiers and name the patient had before.
  [
    "MRG",
    spec(Look.Id, {
      1: "MRN",
      2: "MRN",
      3: "ACCOUNT_NUMBER",
      4: "MRN",
      5: "MRN", // prior visit number
      6: "MRN", // prior alternate visit id
      7: "PERSON_NAME",
    }),
  ],
  // Patient visit: the doctors, the visit number and the admit and discharge times.
  [
    "PV1",
    spec(Look.SetId, {
      7: "PERSON_NAME", // attending doctor
      8: "PERSON_NAME", // referring doctor
      9: "PERSON_NAME", // consulting doctor
      17: "PERSON_NAME", // admitting doctor
      19: "MRN",
      44: "DATE",
      45: "DATE",
      50: "MRN",
    }),
  ],
  // Orders: who entered and verified the order, and the ordering provider.
  ["ORC", spec(Look.Code, { 10: "PERSON_NAME", 11: "PERSON_NAME", 12: "PERSON_NAME" })],
  ["OBR", spec(Look.SetId, { 16: "PERSON_NAME" })],
  // Queries: who the query is about (QRD-8), the query's parameters (QPD-3 on).
  ["QRD", spec(Look.Time, { 8: "PERSON_NAME" })],
  ["QPD", spec(Look.Any, {}, 3)],
  // Acknowledgments and errors: a name quoted in the text (`PID-5 invalid: DOE^JANE`).
  ["MSA", spec(Look.Code, {}, Infinity, [3])],
  ["ERR", spec(Look.Any, {}, Infinity, [7, 8])],
]);

/** Z-segments (site-defined): fields redacted by shape, in a text that holds a message. */
const Z_SEGMENT: SegmentSpec = spec(Look.Any, {});

/**
 * Segment ids that end the previous segment when a log joined a message's segments with the
 * field separator (`…|2.5.1|PID|1||…`): the common ones, the patient ones, and any Z-segment.
 */
const KNOWN_IDS = new Set([
  ...SEGMENTS.keys(),
  ..."MSH EVN PD1 PD2 PV2 OBX NTE AL1 IAM DG1 DRG PR1 ROL ACC UB1 UB2 SFT QRF RCP QAK DSC TXA SPM TQ1 TQ2 FT1 DB1 RXA RXR RXO RXE RXD RXC RXG CTD CTI BHS BTS FHS FTS PRA STF PRB GOL PTH VAR ARQ SCH AIS AIG AIL AIP NPU DSP OM1 OM2 CON"
    .split(" "),
]);

const CR = 13;
const LF = 10;
const VT = 11;
const FS = 28;
const BACKSLASH = 92;
const QUOTE = 34;
const PIPE = 124;
const CARET = 94;
const TILDE = 126;
const AMPERSAND = 38;

/** A message header found in the text: its field and component separators. */
interface Header {
  sep: number;
  comp: number;
}

/** True when t[p, p + 2) reads the two hex digits of a segment or framing control character. */
function controlHex(t: string, p: number): boolean {
  const a = t.charCodeAt(p);
  const b = t.charCodeAt(p + 1) | 32;
  // 0d (CR), 0a (LF), 0b (VT, MLLP start), 1c (FS, MLLP end).
  return (a === 48 && (b === 100 || b === 97 || b === 98)) || (a === 49 && b === 99);
}

/**
 * True when the text just before p is an escaped line break or framing character: `\r`,
 * `\n`, `\x0d`, `\x0a`, `\x0b`, `\x1c`, `\u000d`, `\u000a`, `\u000b`, `\u001c`.
 */
function escapeBefore(t: string, p: number): boolean {
  const c = t.charCodeAt(p - 1);
  if ((c === 114 || c === 110) && t.charCodeAt(p - 2) === BACKSLASH) return true;
  if (p >= 4 && t.charCodeAt(p - 4) === BACKSLASH && (t.charCodeAt(p - 3) | 32) === 120) {
    return controlHex(t, p - 2);
  }
  return p >= 6 && t.charCodeAt(p - 6) === BACKSLASH && t.charCodeAt(p - 5) === 117 &&
    t.charCodeAt(p - 4) === 48 && t.charCodeAt(p - 3) === 48 && controlHex(t, p - 2);
}

/**
 * The length of an escaped segment terminator at t[i] (a backslash), or 0: `\r`, `\n`,
 * `\x0d`, `\x0a`, `\x0b`, `\x1c` (not HL7's own hex escape `\X0D\` or `\X0D0A\`), and the
 * `\u00xx` forms.
 */
function escapedTerminator(t: string, i: number): boolean {
  const d = t.charCodeAt(i + 1);
  if (d === 114 || d === 110) return true;
  if ((d | 32) === 120) {
    if (!controlHex(t, i + 2)) return false;
    const after = t.charCodeAt(i + 4);
    return after !== BACKSLASH && !isHex(after);
  }
  return d === 117 && t.charCodeAt(i + 2) === 48 && t.charCodeAt(i + 3) === 48 &&
    controlHex(t, i + 4);
}

/** True when t[i] starts a written-out terminator: `<cr>`, `<lf>`, `[CR]`, `[LF]`. */
function writtenTerminator(t: string, i: number, close: number): boolean {
  const a = t.charCodeAt(i + 1) | 32;
  const b = t.charCodeAt(i + 2) | 32;
  return t.charCodeAt(i + 3) === close && ((a === 99 && b === 114) || (a === 108 && b === 102));
}

/** The first message header (`MSH|^~\&|`, or with another separator, `MSH#^~\&#`) in t. */
function findHeader(t: string): Header | null {
  let p = t.indexOf("MSH");
  while (p >= 0) {
    if (p === 0 || !isAlnum(t.charCodeAt(p - 1)) || escapeBefore(t, p)) {
      const sep = t.charCodeAt(p + 3);
      if (separatorChar(sep)) {
        // MSH-2: two to five encoding characters (a log may double the backslash).
        let k = p + 4;
        while (k < t.length && k - p - 4 <= 5 && encodingChar(t.charCodeAt(k), sep)) k++;
        const count = k - p - 4;
        if (count >= 2 && count <= 5 && t.charCodeAt(k) === sep) {
          return { sep, comp: t.charCodeAt(p + 4) };
        }
      }
    }
    p = t.indexOf("MSH", p + 3);
  }
  return null;
}

/** A character that may be HL7's field separator: printable ASCII punctuation but '\'. */
function separatorChar(c: number): boolean {
  return c > 32 && c < 127 && c !== BACKSLASH && !isAlnum(c);
}

function encodingChar(c: number, sep: number): boolean {
  return c > 32 && c < 127 && c !== sep && !isAlnum(c);
}

/** True when t[p, p + 3) is shaped like a segment id: a capital, then capitals or digits. */
function idShape(t: string, p: number): boolean {
  const b = t.charCodeAt(p + 1);
  const c = t.charCodeAt(p + 2);
  return isUpperAscii(t.charCodeAt(p)) && (isUpperAscii(b) || isDigit(b)) &&
    (isUpperAscii(c) || isDigit(c));
}

/**
 * Whether a segment id may start at p: the text's start, after a character that is no
 * letter, digit or field separator, or after an escaped line break; in a text with a message
 * header, also right after the field separator (segments joined by it) or a digit (a log
 * that dropped the CR after `…|2.5.1`).
 */
function segmentStart(t: string, p: number, sep: number, message: boolean): boolean {
  if (p === 0) return true;
  const c = t.charCodeAt(p - 1);
  if (c === sep || c === PIPE) return message;
  if (!isAlnum(c)) return true;
  if (escapeBefore(t, p)) return true;
  return message && isDigit(c);
}

/** How the segment starting at p is quoted: 0 not, 1 after `"`, 2 after an escaped `\"`. */
function quoting(t: string, p: number): number {
  if (p === 0 || t.charCodeAt(p - 1) !== QUOTE) return 0;
  return p >= 2 && t.charCodeAt(p - 2) === BACKSLASH ? 2 : 1;
}

/** True when a quote followed by c is data, not the end of a quoted segment. */
function quoteInData(c: number, sep: number, comp: number): boolean {
  return isAlnum(c) || c === sep || c === comp || c === CARET || c === TILDE ||
    c === AMPERSAND;
}

/**
 * Where the segment whose fields start at p ends: a CR, LF or MLLP framing character, an
 * escaped or written-out one (`\r`, `\x0d`, `\u000d`, `<cr>`, `[CR]`), the end, or, in a
 * quoted string (`"msg":"PID|…"`), the closing quote. HL7's null `""` and a quote followed
 * by a letter, digit or separator (`O"BRIEN`) are data. In a message whose segments were
 * joined by the field separator, a field that is a segment id ends it too.
 */
function segmentEnd(
  t: string,
  p: number,
  sep: number,
  comp: number,
  quoted: number,
  message: boolean,
): number {
  const n = t.length;
  for (let i = p; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c === CR || c === LF || c === VT || c === FS) return i;
    if (c === QUOTE && quoted === 1 && t.charCodeAt(i - 1) !== BACKSLASH) {
      const d = t.charCodeAt(i + 1);
      if (d === QUOTE) i++;
      else if (!quoteInData(d, sep, comp)) return i;
    } else if (c === BACKSLASH) {
      if (quoted === 2 && t.charCodeAt(i + 1) === QUOTE) {
        // `\"\"` is HL7's null, escaped; `\"` before data is data.
        if (t.charCodeAt(i + 2) === BACKSLASH && t.charCodeAt(i + 3) === QUOTE) i += 3;
        else if (!quoteInData(t.charCodeAt(i + 2), sep, comp)) return i;
        else i++;
      } else if (escapedTerminator(t, i)) return i;
    } else if (c === 60 /* < */) {
      if (writtenTerminator(t, i, 62)) return i;
    } else if (c === 91 /* [ */) {
      if (writtenTerminator(t, i, 93)) return i;
    } else if (c === sep && message && idShape(t, i + 1) && t.charCodeAt(i + 4) === sep) {
      const id = t.slice(i + 1, i + 4);
      if (KNOWN_IDS.has(id) || id.charCodeAt(0) === 90 /* Z */) return i;
    }
  }
  return n;
}

/** Whether the first field, at [s, e), looks like HL7 for a segment of this kind. */
function looksHl7(t: string, s: number, e: number, look: Look): boolean {
  const len = e - s;
  switch (look) {
    case Look.SetId:
      if (len > 4) return false;
      for (let k = s; k < e; k++) if (!isDigit(t.charCodeAt(k))) return false;
      return true;
    case Look.Id:
      if (len === 0) return true;
      for (let k = s; k < e; k++) if (isDigit(t.charCodeAt(k))) return true;
      return false;
    case Look.Code:
      return len === 2 && isUpperAscii(t.charCodeAt(s)) && isUpperAscii(t.charCodeAt(s + 1));
    case Look.Time:
      if (len < 4) return false;
      for (let k = s; k < e; k++) {
        const c = t.charCodeAt(k);
        if (!isDigit(c) && c !== 46 && c !== 43 && c !== 45) return false;
      }
      return true;
    default:
      return true;
  }
}

/** Length of the name word (a capital, then letters, `'` or `-`) at [s, e) from s, or 0. */
function nameWordAt(t: string, s: number, e: number): number {
  if (s >= e || !isUpperAscii(t.charCodeAt(s))) return 0;
  let k = s + 1;
  while (k < e) {
    const c = t.charCodeAt(k);
    if ((c | 32) >= 97 && (c | 32) <= 122) k++;
    else if ((c === 39 || c === 45) && k + 1 < e && ((t.charCodeAt(k + 1) | 32) >= 97)) k++;
    else break;
  }
  return k - s;
}

/**
 * Redacts `NAME^NAME` tokens in a free-text field [s, e): two or more components of letters
 * joined by the component separator, the first of two letters or more, each starting with a
 * capital (`PID-5 invalid: DOE^JANE^Q` → `PID-5 invalid: [REDACTED]`).
 */
function nameTokens(ctx: TextCtx, s: number, e: number, comp: number): void {
  const t = ctx.t;
  let j = t.indexOf(String.fromCharCode(comp), s);
  while (j >= 0 && j < e) {
    // The word before the separator, back to a character that is no letter.
    let left = j;
    while (left > s && isLetterOrMark(t.charCodeAt(left - 1))) left--;
    const leftLen = nameWordAt(t, left, j);
    const leftOk = leftLen >= 2 && left + leftLen === j &&
      (left === s || !isAlnum(t.charCodeAt(left - 1)));
    let end = j;
    if (leftOk) {
      // Components after it, as long as each is a name word.
      let k = j;
      while (k < e && t.charCodeAt(k) === comp) {
        const len = nameWordAt(t, k + 1, e);
        if (len === 0 || (k + 1 + len < e && isAlnum(t.charCodeAt(k + 1 + len)))) break;
        k += 1 + len;
        end = k;
      }
    }
    if (end > j) {
      hit(ctx, left, end, "PERSON_NAME");
      j = t.indexOf(String.fromCharCode(comp), end);
    } else j = t.indexOf(String.fromCharCode(comp), j + 1);
  }
}

/** A letter, `'` or `-` (the characters of a name word). */
function isLetterOrMark(c: number): boolean {
  return ((c | 32) >= 97 && (c | 32) <= 122) || c === 39 || c === 45;
}

/** True when [s, e) is a YYYYMMDD date of 1800–2199, alone or followed by a time. */
function compactDate(t: string, s: number, e: number): boolean {
  if (e - s < 8) return false;
  for (let k = s; k < s + 8; k++) if (!isDigit(t.charCodeAt(k))) return false;
  for (let k = s + 8; k < e; k++) {
    const c = t.charCodeAt(k);
    if (!isDigit(c) && c !== 46 && c !== 43 && c !== 45) return false;
  }
  const year = Number(t.slice(s, s + 4));
  const month = Number(t.slice(s + 4, s + 6));
  const day = Number(t.slice(s + 6, s + 8));
  return year >= 1800 && year < 2200 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** True when c ends a component: the component, repetition or subcomponent separator. */
function componentEnd(c: number, comp: number): boolean {
  return c === comp || c === TILDE || c === AMPERSAND;
}

/**
 * A Z-segment's field [s, e) by shape: a YYYYMMDD date, a run of six digits or more, or two
 * adjacent components that are name words (`DOE^JANE`, one of them two letters or more)
 * redact it whole.
 */
function zField(ctx: TextCtx, s: number, e: number, comp: number): void {
  const t = ctx.t;
  if (compactDate(t, s, e)) {
    hit(ctx, s, e, "DATE");
    return;
  }
  let run = 0;
  for (let k = s; k < e; k++) {
    if (!isDigit(t.charCodeAt(k))) run = 0;
    else if (++run >= 6) {
      hit(ctx, s, e, "MRN");
      return;
    }
  }
  let prev = 0; // length of the previous component when it is a name word, else 0
  let k = s;
  while (k < e) {
    let stop = k;
    while (stop < e && !componentEnd(t.charCodeAt(stop), comp)) stop++;
    const len = nameWordAt(t, k, stop) === stop - k ? stop - k : 0;
    if (len > 0 && prev > 0 && t.charCodeAt(k - 1) === comp && (prev >= 2 || len >= 2)) {
      hit(ctx, s, e, "PERSON_NAME");
      return;
    }
    prev = len;
    k = stop + 1;
  }
}

/** Hits for the fields of the segment whose first field separator is at `at`. */
function readSegment(
  ctx: TextCtx,
  spec: SegmentSpec,
  zSegment: boolean,
  at: number,
  end: number,
  sep: number,
  comp: number,
): void {
  const t = ctx.t;
  let field = 1;
  let start = at + 1;
  while (start <= end) {
    let stop = start;
    while (stop < end && t.charCodeAt(stop) !== sep) stop++;
    if (stop > start) {
      if (zSegment) zField(ctx, start, stop, comp);
      else {
        const type = spec.fields.get(field) ?? (field >= spec.restFrom ? "PERSON_NAME" : undefined);
        if (type !== undefined) hit(ctx, start, stop, type);
        else if (spec.nameText.includes(field)) nameTokens(ctx, start, stop, comp);
      }
    }
    field++;
    start = stop + 1;
  }
}

/** True when t holds a PID segment that looks like HL7 (Z-segments count only beside one). */
function hasPatientSegment(t: string, sep: number): boolean {
  const needle = "PID" + String.fromCharCode(sep);
  let p = t.indexOf(needle);
  while (p >= 0) {
    if (segmentStart(t, p, sep, false)) {
      let e = p + 4;
      while (e < t.length && e - p < 9 && t.charCodeAt(e) !== sep) e++;
      if (looksHl7(t, p + 4, e, Look.SetId) && (e === t.length || t.charCodeAt(e) === sep)) {
        return true;
      }
    }
    p = t.indexOf(needle, p + 4);
  }
  return false;
}

/** One pass over the segments written with field separator `sep`. */
function scanSegments(ctx: TextCtx, sep: number, header: Header | null): void {
  const t = ctx.t;
  const message = header !== null;
  const comp = header?.comp ?? CARET;
  const sepChar = String.fromCharCode(sep);
  // Whether Z-segments count: -1 until first needed.
  let zContext = message ? 1 : -1;
  // The segment id is three characters before a separator: look only there.
  let at = t.indexOf(sepChar, 3);
  while (at >= 0) {
    const p = at - 3;
    if (idShape(t, p)) {
      const zSegment = t.charCodeAt(p) === 90; /* Z */
      const spec = zSegment ? Z_SEGMENT : SEGMENTS.get(t.slice(p, at));
      if (spec !== undefined && segmentStart(t, p, sep, message)) {
        if (zSegment && zContext < 0) zContext = hasPatientSegment(t, sep) ? 1 : 0;
        if (!zSegment || zContext === 1) {
          const end = segmentEnd(t, at + 1, sep, comp, quoting(t, p), message);
          let first = at + 1;
          while (first < end && t.charCodeAt(first) !== sep) first++;
          if (message || looksHl7(t, at + 1, first, spec.look)) {
            readSegment(ctx, spec, zSegment, at, end, sep, comp);
          }
          at = t.indexOf(sepChar, end);
          continue;
        }
      }
    }
    at = t.indexOf(sepChar, at + 1);
  }
}

/** Hits for the person fields of every patient-identifying HL7 segment in ctx's text. */
export function detectHl7Segments(ctx: TextCtx): void {
  const t = ctx.t;
  const header = findHeader(t);
  if (t.indexOf("|") >= 0) scanSegments(ctx, PIPE, header);
  if (header !== null && header.sep !== PIPE) scanSegments(ctx, header.sep, header);
}

/** XPN-4 suffixes. */
const XPN_SUFFIXES = wordSet(["jr", "sr", "ii", "iii", "iv", "v"]);
/** XPN-5 prefixes: the honorifics. */
const XPN_PREFIXES = wordSet(["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir"]);
/** XPN-7 name type codes (HL7 table 0200). */
const XPN_NAME_TYPES = wordSet([
  "a",
  "b",
  "bad",
  "c",
  "d",
  "i",
  "k",
  "l",
  "m",
  "msk",
  "n",
  "nav",
  "nb",
  "nouse",
  "p",
  "r",
  "rel",
  "s",
  "t",
  "temp",
  "u",
]);

/**
 * Length of the name word at p as an XPN component writes it: a capital, then letters all in
 * capitals or all in lower case (`ZARKOWSKI`, `Zarkowski`, not `ZarKowski`), `'` or `-` inside,
 * ending at a character that is no letter or digit; 0 otherwise.
 */
function xpnWordAt(t: string, p: number): number {
  const n = t.length;
  if (p >= n || !isUpperAscii(t.charCodeAt(p))) return 0;
  let k = p + 1;
  const caps = k < n && isUpperAscii(t.charCodeAt(k));
  while (k < n) {
    const c = t.charCodeAt(k);
    if (caps ? isUpperAscii(c) : c >= 97 && c <= 122) k++;
    else if ((c === 39 || c === 45) && k + 1 < n && isAlnum(t.charCodeAt(k + 1))) k++;
    else break;
  }
  return isAlnum(t.charCodeAt(k)) ? 0 : k - p;
}

/** True when the XPN name part [s, e) is a dictionary name or no everyday word. */
function nameLike(t: string, s: number, e: number): boolean {
  const f = flagsAt(t, s, e);
  return f === 0 || (f & (W_FIRST | W_LAST)) !== 0;
}

/**
 * The end of a given or middle name of several words (`MARY ANN`, `Mary Ann`), its first word
 * [s, e): each further word after one space in the first's case (capitals or title case) and
 * name-like; an everyday word (`DOE^JANE ADMITTED`) ends it.
 */
function xpnMoreWords(t: string, s: number, e: number): number {
  const caps = isUpperAscii(t.charCodeAt(s + 1));
  while (t.charCodeAt(e) === 32) {
    const p = e + 1;
    const len = xpnWordAt(t, p);
    if (len < 2 || isUpperAscii(t.charCodeAt(p + 1)) !== caps || !nameLike(t, p, p + len)) break;
    e = p + len;
  }
  return e;
}

/** Where the last XPN component read by xpnParts() ends (the name's own parts). */
let xpnNameEnd = 0;

/**
 * Reads the components of an HL7 person name (XPN) after its family name, from the `^` at e:
 * the given name, then the middle name or initial (XPN-3), the suffix (4), the prefix (5), the
 * degree (6) and the name type code (7) as long as each is empty or of its kind. Leaves the end
 * of the given and middle names in xpnNameEnd; returns the end of the components read, with
 * its sign telling whether a suffix, prefix or name type code was among them (negative: none),
 * or 0 when no given name follows.
 */
function xpnParts(t: string, e: number): number {
  const gl = xpnWordAt(t, e + 1);
  if (gl < 2 || !nameLike(t, e + 1, e + 1 + gl)) return 0;
  let end = xpnMoreWords(t, e + 1, e + 1 + gl);
  xpnNameEnd = end;
  let marked = false;
  for (let comp = 3; comp <= 7 && t.charCodeAt(end) === 94; comp++) {
    const p = end + 1;
    const len = xpnWordAt(t, p);
    if (len === 0) {
      if (isAlnum(t.charCodeAt(p))) break;
      end = p;
      continue;
    }
    const h = wordHash(t, p, p + len);
    if (comp === 3) {
      end = xpnNameEnd = xpnMoreWords(t, p, p + len);
      continue;
    } else if (comp === 4 || comp === 5 || comp === 7) {
      if (!setHas(comp === 4 ? XPN_SUFFIXES : comp === 5 ? XPN_PREFIXES : XPN_NAME_TYPES, h)) {
        break;
      }
      marked = true;
    } else if (len > 6) break;
    end = p + len;
  }
  return marked ? end : -end;
}

/**
 * An HL7 person name (XPN) outside a segment read by position, its family name the word [s, e)
 * before a `^` (`DOE^JANE^Q`, `ZARKOWSKI^QUENBY^^^MR`, as an interface error quotes a field):
 * family and given names in capitals or title case, each a dictionary name or no everyday word,
 * and either both in the dictionaries (a surname, then a first name) or a suffix, prefix or
 * name type code in its place after them. Code and text pairs (`GLU^GLUCOSE^L`,
 * `ADT^A01`) have neither. The family, given and middle names are redacted; returns where
 * to resume, or -1.
 */
export function xpnNameAt(ctx: TextCtx, s: number, e: number): number {
  const t = ctx.t;
  if (s > 0) {
    const b = t.charCodeAt(s - 1);
    if (b === 94 || isAlnum(b)) return -1;
  }
  if (e - s < 2 || xpnWordAt(t, s) !== e - s || !nameLike(t, s, e)) return -1;
  const r = xpnParts(t, e);
  if (r === 0) return -1;
  if (r < 0) {
    const family = flagsAt(t, s, e);
    const given = flagsAt(t, e + 1, e + 1 + xpnWordAt(t, e + 1));
    if ((family & W_LAST) === 0 || (given & W_FIRST) === 0) return -1;
  }
  hit(ctx, s, xpnNameEnd, "PERSON_NAME");
  return r < 0 ? -r : r;
}

/**
 * The end of the given and middle names after a family name a name cue read, when a `^`
 * follows it at e (`name SMITH^MARY^Q`): the cue says it is a name. e when none is there.
 */
export function xpnGivenEnd(t: string, e: number): number {
  if (t.charCodeAt(e) !== 94) return e;
  return xpnParts(t, e) === 0 ? e : xpnNameEnd;
}
