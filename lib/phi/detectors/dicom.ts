/**
 * DICOM attributes in logs: the values of the patient module (group 0010) and of the study's
 * dates, times, accession number, physicians and institution address (group 0008), read
 * where a tag or a keyword names them.
 *
 * A PACS bridge or an imaging pipeline logs the data sets it handles: `dcmdump` lines
 * (`(0010,0010) PN [DOE^JANE]`), pydicom's repr (`(0010, 0010) Patient's Name  PN: 'DOE^JANE'`),
 * DICOM JSON (`"00100010":{"vr":"PN","Value":[{"Alphabetic":"DOE^JANE"}]}`) or keyword pairs
 * (`PatientName: DOE^JANE`, `StudyDate=20261121`). A name as `DOE^JANE`, a birth date as
 * `19550302` or an age as `094Y` is PHI only the tag tells, so the value is redacted whole:
 *
 * - after a tag `(gggg,eeee)` or `(gggg, eeee)`: the first `[…]`, or quoted `'…'`/`"…"`, on
 *   the line before the next tag; else the word after the VR (`(0010,1010) AS 094Y`) or after
 *   `:`/`=`;
 * - after a JSON tag `"ggggeeee":{…"Value":[…]}`: every value in the array (not SQ items,
 *   whose own tags are read);
 * - after a keyword (KEYWORDS) followed by `:`, `=` or a space and a VR: the value as above,
 *   or the run of non-space characters (for a name, with the capitalised words after it).
 *
 * Patient's sex (0010,0040) stays readable, and so do UIDs and technical attributes (pixel
 * data, rows, spacing, modality). Every loop moves forward, each bounded: linear.
 */
import { isHex, isUpperAscii } from "../chars.ts";
import { hit, type TextCtx } from "../context.ts";
import type { PhiType } from "../types.ts";

/** Group 0010 (patient) elements by their number (upper-case hex); others are MRN. */
const PATIENT: ReadonlyMap<string, PhiType | null> = new Map<string, PhiType | null>([
  ["0000", null], // group length
  ["0040", null], // sex
  ["0010", "PERSON_NAME"],
  ["0020", "MRN"],
  ["0030", "DATE"],
  ["0032", "DATE"],
  ["0033", "DATE"],
  ["0034", "DATE"],
  ["0035", "DATE"],
  ["1000", "MRN"],
  ["1001", "PERSON_NAME"],
  ["1005", "PERSON_NAME"],
  ["1010", "AGE"],
  ["1040", "STREET_ADDRESS"],
  ["1060", "PERSON_NAME"],
  ["1090", "MRN"],
  ["0050", "HEALTH_PLAN"],
  ["2154", "PHONE"],
  ["2155", "PHONE"],
  ["2297", "PERSON_NAME"],
]);

/** Group 0008 (study) elements that identify the patient's care, by number. */
const STUDY: ReadonlyMap<string, PhiType> = new Map<string, PhiType>([
  ["0020", "DATE"], // study date
  ["0021", "DATE"], // series date
  ["0022", "DATE"], // acquisition date
  ["0023", "DATE"], // content date
  ["002A", "DATE"], // acquisition date-time
  ["0030", "DATE"], // study time
  ["0031", "DATE"], // series time
  ["0032", "DATE"], // acquisition time
  ["0033", "DATE"], // content time
  ["0050", "MRN"], // accession number
  ["0081", "STREET_ADDRESS"], // institution address
  ["0090", "PERSON_NAME"], // referring physician's name
  ["0092", "STREET_ADDRESS"], // referring physician's address
  ["0094", "PHONE"], // referring physician's telephone numbers
  ["1048", "PERSON_NAME"], // physicians of record
  ["1050", "PERSON_NAME"], // performing physician's name
  ["1060", "PERSON_NAME"], // name of physicians reading study
  ["1070", "PERSON_NAME"], // operators' name
]);

/** Keywords that name those attributes in text, with their types. */
const KEYWORDS: ReadonlyMap<string, PhiType> = new Map<string, PhiType>([
  ["PatientName", "PERSON_NAME"],
  ["OtherPatientNames", "PERSON_NAME"],
  ["PatientBirthName", "PERSON_NAME"],
  ["PatientMotherBirthName", "PERSON_NAME"],
  ["PatientID", "MRN"],
  ["OtherPatientIDs", "MRN"],
  ["PatientBirthDate", "DATE"],
  ["PatientBirthTime", "DATE"],
  ["PatientAge", "AGE"],
  ["PatientAddress", "STREET_ADDRESS"],
  ["PatientTelephoneNumbers", "PHONE"],
  ["StudyDate", "DATE"],
  ["StudyTime", "DATE"],
  ["AccessionNumber", "MRN"],
  ["ReferringPhysicianName", "PERSON_NAME"],
  ["PerformingPhysicianName", "PERSON_NAME"],
  ["NameOfPhysiciansReadingStudy", "PERSON_NAME"],
  ["PhysiciansOfRecord", "PERSON_NAME"],
]);

/** The keywords, longest first, each a whole word. */
const KEYWORD_RE = new RegExp(
  `(?<![A-Za-z0-9_])(?:${
    [...KEYWORDS.keys()].sort((a, b) => b.length - a.length).join("|")
  })(?![A-Za-z0-9_])`,
  "g",
);

/** DICOM value representations (a VR after a tag or keyword announces the value). */
const VRS = new Set(
  "AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV"
    .split(" "),
);

const CR = 13;
const LF = 10;
const BACKSLASH = 92;
const QUOTE = 34;
const APOSTROPHE = 39;
const SPACE = 32;
const TAB = 9;

/** How far after a tag its value may start, and how long a value may be. */
const VALUE_WINDOW = 200;
const MAX_VALUE = 1024;

/** True when t[p, p + 4) are hex digits. */
function hex4(t: string, p: number): boolean {
  return isHex(t.charCodeAt(p)) && isHex(t.charCodeAt(p + 1)) && isHex(t.charCodeAt(p + 2)) &&
    isHex(t.charCodeAt(p + 3));
}

/** The type of the value of element (group, element), or null when it is not redacted. */
function tagType(group: string, element: string): PhiType | null {
  if (group === "0010") {
    const type = PATIENT.get(element);
    return type === undefined ? "MRN" : type;
  }
  if (group === "0008") return STUDY.get(element) ?? null;
  return null;
}

/** Where the tag `(gggg,eeee)` or `(gggg, eeee)` starting at t[i] = '(' ends (after ')'), or -1. */
function tagEnd(t: string, i: number): number {
  if (!hex4(t, i + 1) || t.charCodeAt(i + 5) !== 44) return -1;
  let k = i + 6;
  if (t.charCodeAt(k) === SPACE) k++;
  if (!hex4(t, k) || t.charCodeAt(k + 4) !== 41) return -1;
  return k + 5;
}

const isSpace = (c: number): boolean => c === SPACE || c === TAB;
const lineBreak = (c: number): boolean => c === CR || c === LF;

/** True when t[k] is an escaped line break (`\n`, `\r`). */
function escapedBreak(t: string, k: number): boolean {
  if (t.charCodeAt(k) !== BACKSLASH) return false;
  const d = t.charCodeAt(k + 1);
  return d === 110 || d === 114;
}

/** Hits [s, e) trimmed of spaces when something is left. */
function hitTrimmed(ctx: TextCtx, s: number, e: number, type: PhiType): void {
  const t = ctx.t;
  while (s < e && isSpace(t.charCodeAt(s))) s++;
  while (e > s && isSpace(t.charCodeAt(e - 1))) e--;
  if (e > s) hit(ctx, s, e, type);
}

/**
 * Reads a delimited value at t[k]: `[…]`, `'…'`, `"…"` or `\"…\"`, to its closer on the same
 * line (or the line's end). Returns where it ends (after the closer), or -1 when t[k] opens
 * none.
 */
function delimitedValue(ctx: TextCtx, k: number, type: PhiType): number {
  const t = ctx.t;
  const c = t.charCodeAt(k);
  let open = k + 1;
  let closer: string;
  if (c === 91) closer = "]";
  else if (c === APOSTROPHE || c === QUOTE) closer = t[k]!;
  else if (c === BACKSLASH && t.charCodeAt(k + 1) === QUOTE) {
    closer = '\\"';
    open = k + 2;
  } else return -1;
  const limit = Math.min(t.length, open + MAX_VALUE);
  let e = open;
  while (e < limit && !lineBreak(t.charCodeAt(e)) && !t.startsWith(closer, e)) e++;
  hitTrimmed(ctx, open, e, type);
  return t.startsWith(closer, e) ? e + closer.length : e;
}

/** True when c ends a value written without delimiters. */
function plainStop(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === LF || c === 44 || c === 59 ||
    c === 124 || c === 38 || c === QUOTE || c === APOSTROPHE || c === 60 || c === 62 ||
    c === 40 || c === 41 || c === 123 || c === 125 || c === 91 || c === 93 || c === 35 ||
    Number.isNaN(c);
}

/**
 * True when a value written without delimiters ends at t[k]: a character that ends values,
 * or an escape (`\"`, `\n`, `\r`); a lone backslash separates DICOM's multiple values.
 */
function plainEnd(t: string, k: number): boolean {
  const c = t.charCodeAt(k);
  if (c !== BACKSLASH) return plainStop(c);
  const d = t.charCodeAt(k + 1);
  return d === QUOTE || d === 110 || d === 114;
}

/**
 * Reads a value written without delimiters at t[k]: the run of characters up to a space or
 * punctuation that ends values; for a name, the capitalised words after it too, unless one
 * is a key of its own (`DOE JANE`, not `DOE StudyDate=…`). Returns where it ends.
 */
function plainValue(ctx: TextCtx, k: number, type: PhiType): number {
  const t = ctx.t;
  const limit = Math.min(t.length, k + MAX_VALUE);
  let e = k;
  while (e < limit && !plainEnd(t, e)) e++;
  if (e === k) return k;
  if (type === "PERSON_NAME") {
    for (let words = 0; words < 3; words++) {
      if (t.charCodeAt(e) !== SPACE || !isUpperAscii(t.charCodeAt(e + 1))) break;
      let w = e + 1;
      while (
        w < limit && !plainStop(t.charCodeAt(w)) && t.charCodeAt(w) !== 61 &&
        t.charCodeAt(w) !== 58
      ) w++;
      const next = t.charCodeAt(w);
      if (next === 61 || next === 58) break;
      e = w;
    }
  }
  hit(ctx, k, e, type);
  return e;
}

/** Skips spaces and tabs from k. */
function skipSpaces(t: string, k: number, limit: number): number {
  while (k < limit && isSpace(t.charCodeAt(k))) k++;
  return k;
}

/** True when t[k, k + 2) is a VR followed by a space, a tab or ':'. */
function vrAt(t: string, k: number): boolean {
  const after = t.charCodeAt(k + 2);
  return isUpperAscii(t.charCodeAt(k)) && isUpperAscii(t.charCodeAt(k + 1)) &&
    (isSpace(after) || after === 58) && VRS.has(t.slice(k, k + 2));
}

/** True when t[k] may start a plain value (not an opener, a tag, a comment or punctuation). */
function plainStart(c: number): boolean {
  return !plainStop(c) && c !== 58 && c !== 61 && c !== BACKSLASH;
}

/**
 * The value of a tag ending at `from`: on its line and before the next tag, the first
 * delimited value; else the plain value after the VR or after ':'/'='. Returns where the
 * scan stopped.
 */
function tagValue(ctx: TextCtx, from: number, type: PhiType): number {
  const t = ctx.t;
  const limit = Math.min(t.length, from + VALUE_WINDOW);
  let k = skipSpaces(t, from, limit);
  // `(0010,1010) AS 094Y`: a VR, then a value with no delimiters.
  if (vrAt(t, k)) {
    let v = k + 2;
    if (t.charCodeAt(v) === 58) v++;
    v = skipSpaces(t, v, limit);
    const delimited = v < limit ? delimitedValue(ctx, v, type) : -1;
    if (delimited >= 0) return delimited;
    if (v < limit && plainStart(t.charCodeAt(v))) return plainValue(ctx, v, type);
  }
  for (; k < limit; k++) {
    const c = t.charCodeAt(k);
    if (lineBreak(c) || escapedBreak(t, k)) return k;
    if (c === 40 && tagEnd(t, k) >= 0) return k;
    const prev = t.charCodeAt(k - 1);
    if (c === 91) return delimitedValue(ctx, k, type);
    if (
      (c === APOSTROPHE || c === QUOTE || (c === BACKSLASH && t.charCodeAt(k + 1) === QUOTE)) &&
      (isSpace(prev) || prev === 58 || prev === 61)
    ) return delimitedValue(ctx, k, type);
    if (c === 58 || c === 61) {
      const v = skipSpaces(t, k + 1, limit);
      const d = t.charCodeAt(v);
      if (v < limit && plainStart(d)) {
        return plainValue(ctx, v, type);
      }
    }
  }
  return k;
}

/** Values after `(gggg,eeee)` tags. */
function detectTags(ctx: TextCtx): void {
  const t = ctx.t;
  let i = t.indexOf("(00");
  while (i >= 0) {
    const end = tagEnd(t, i);
    if (end >= 0) {
      const type = tagType(t.slice(i + 1, i + 5), t.slice(end - 5, end - 1).toUpperCase());
      if (type !== null) {
        const stop = tagValue(ctx, end, type);
        i = t.indexOf("(00", Math.max(stop, end));
        continue;
      }
    }
    i = t.indexOf("(00", i + 1);
  }
}

/** Keys of a PN value's object in DICOM JSON: not redacted. */
const PN_KEYS = new Set(["Alphabetic", "Ideographic", "Phonetic"]);

/** True when c separates the values of a DICOM JSON array (quotes, braces, ',', ':'). */
function jsonSyntax(c: number): boolean {
  return c === QUOTE || c === 123 || c === 125 || c === 91 || c === 93 || c === 44 ||
    c === 58 || c === BACKSLASH;
}

/**
 * Redacts the values of a DICOM JSON `Value` array whose '[' is at k: every run between JSON
 * syntax characters but the PN keys, to the matching ']'. Returns where it stopped.
 */
function jsonValues(ctx: TextCtx, k: number, type: PhiType): number {
  const t = ctx.t;
  const limit = Math.min(t.length, k + MAX_VALUE * 4);
  let depth = 0;
  let run = -1;
  let i = k;
  for (; i < limit; i++) {
    const c = t.charCodeAt(i);
    // A backslash is syntax only before a quote (an escaped JSON string).
    const syntax = jsonSyntax(c) && (c !== BACKSLASH || t.charCodeAt(i + 1) === QUOTE);
    if (!syntax) {
      if (run < 0) run = i;
      continue;
    }
    if (run >= 0) {
      const word = t.slice(run, i).trim();
      if (word !== "" && !PN_KEYS.has(word)) hitTrimmed(ctx, run, i, type);
      run = -1;
    }
    if (c === 91) depth++;
    else if (c === 93 && --depth === 0) return i + 1;
  }
  if (run >= 0) hitTrimmed(ctx, run, i, type);
  return i;
}

/** Where `Value` stands in t[k, limit) before a '}' closes the element's object, or -1. */
function valueKey(t: string, k: number, limit: number): number {
  for (let i = k; i < limit; i++) {
    const c = t.charCodeAt(i);
    if (c === 125) return -1;
    if (c === 86 && t.startsWith("Value", i)) return i;
  }
  return -1;
}

/** Values of `"ggggeeee":{"vr":"PN","Value":[…]}` (plain or escaped JSON). */
function detectJson(ctx: TextCtx): void {
  const t = ctx.t;
  let i = t.indexOf('"00');
  while (i >= 0) {
    let next = i + 1;
    if (hex4(t, i + 1) && hex4(t, i + 5)) {
      let k = i + 9;
      if (t.charCodeAt(k) === BACKSLASH) k++;
      const type = t.charCodeAt(k) === QUOTE
        ? tagType(t.slice(i + 1, i + 5), t.slice(i + 5, i + 9).toUpperCase())
        : null;
      if (type !== null) {
        // The element's object: its "Value" before the object closes, unless it is a sequence.
        const value = valueKey(t, k, Math.min(t.length, k + 120));
        if (value >= 0 && t.slice(k, value).indexOf("SQ") < 0) {
          let v = value + 5;
          while (v < value + 12 && t.charCodeAt(v) !== 91) v++;
          if (t.charCodeAt(v) === 91) next = jsonValues(ctx, v, type);
        }
      }
    }
    i = t.indexOf('"00', next);
  }
}

/** Values after keywords: `PatientName: DOE^JANE`, `StudyDate=20261121`, `PatientAge AS 094Y`. */
function detectKeywords(ctx: TextCtx): void {
  const t = ctx.t;
  KEYWORD_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = KEYWORD_RE.exec(t)) !== null) {
    const type = KEYWORDS.get(m[0])!;
    const end = m.index + m[0].length;
    const limit = Math.min(t.length, end + 40);
    let k = end;
    // A JSON key's closing quote: `"PatientName": "…"`, `\"PatientName\":\"…\"`.
    if (t.charCodeAt(k) === BACKSLASH && t.charCodeAt(k + 1) === QUOTE) k += 2;
    else if (t.charCodeAt(k) === QUOTE) k++;
    k = skipSpaces(t, k, limit);
    const c = t.charCodeAt(k);
    let v = -1;
    if (c === 58 || c === 61) v = skipSpaces(t, k + 1, limit);
    else if (k > end && vrAt(t, k)) {
      v = k + 2;
      if (t.charCodeAt(v) === 58) v++;
      v = skipSpaces(t, v, limit);
    }
    if (v < 0 || v >= t.length) continue;
    const stop = delimitedValue(ctx, v, type);
    const resume = stop >= 0 ? stop : plainValue(ctx, v, type);
    if (resume > KEYWORD_RE.lastIndex) KEYWORD_RE.lastIndex = resume;
  }
}

/** Hits for the DICOM patient and study values in ctx's text. */
export function detectDicom(ctx: TextCtx): void {
  const t = ctx.t;
  if (t.indexOf("(00") >= 0) detectTags(ctx);
  if (t.indexOf('"00') >= 0) detectJson(ctx);
  if (
    t.indexOf("Patient") >= 0 || t.indexOf("Study") >= 0 || t.indexOf("Accession") >= 0 ||
    t.indexOf("Physician") >= 0
  ) detectKeywords(ctx);
}
