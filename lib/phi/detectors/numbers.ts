/**
 * Digit-led identifiers, tried at the start of every digit run (a digit not preceded by a
 * letter or digit). Every matcher reads a bounded number of characters ahead, so the pass is
 * linear in the text whatever it holds (`1-1-1-1-...`, a megabyte of digits, ...).
 */
import { isAlnum, isAsciiLetter, isDigit, isLetter, isSpace, isUpperAscii } from "../chars.ts";
import type { PhiType } from "../types.ts";
import { cardDigitsValid, luhnValid, npiValidAt, ssnValid } from "../checksums.ts";
import { cueAfter, cueBefore, cueList, hit, readsAt, take, type TextCtx } from "../context.ts";
import { ipv4Valid } from "./network.ts";
import { matchPlacePostcode, matchStreetAddress, matchStreetBefore } from "./address.ts";
import { hashOf, setHas, triggerFlags, W_MONTH, wordSet } from "../word_table.ts";
import { rangeHash } from "../read.ts";

/** End of the digit run starting at p, reading at most `max` digits. */
function digitsEnd(t: string, p: number, max: number): number {
  let e = p;
  const n = t.length;
  while (e < n && e - p < max && isDigit(t.charCodeAt(e))) e++;
  return e;
}

function num(t: string, s: number, e: number): number {
  let v = 0;
  for (let k = s; k < e; k++) v = v * 10 + t.charCodeAt(k) - 48;
  return v;
}

/** True when nothing identifier-like continues at e (letter, digit, or `.5`/`-5`). */
function endsClean(t: string, e: number): boolean {
  if (e >= t.length) return true;
  const c = t.charCodeAt(e);
  if (isAlnum(c) || c === 95) return false;
  if ((c === 46 || c === 45 || c === 47) && isDigit(t.charCodeAt(e + 1))) return false;
  return true;
}

const SSN_CUES = cueList(["ssn", "ss#", "social security", "soc sec", "social"]);
const NPI_CUES = cueList(["npi", "provider", "prescriber", "national provider"]);
const IMEI_CUES = cueList(["imei"]);
/** Words that announce a phone number (also read by the UUID rule, words.ts). */
export const PHONE_CUE_WORDS = [
  "phone",
  "tel",
  "telephone",
  "mobile",
  "cell",
  "fax",
  "desk",
  "office",
  "call",
  "calling",
  "called",
  "text",
  "sms",
  "whatsapp",
  "contact",
  "reach",
  "reached",
  "messages",
  "message",
  "answering",
  "registered",
  "dial",
  "pager",
  "landline",
  "ph",
  "tlf",
  "tél",
];
const PHONE_CUES = cueList(PHONE_CUE_WORDS);
const PHONE_CUES_AFTER = cueList(["office", "fax", "mobile", "cell", "home", "work", "desk"]);
const YEAR_CUES = wordSet([
  "in",
  "during",
  "since",
  "of",
  "from",
  "until",
  "till",
  "by",
  "before",
  "after",
  "circa",
  "around",
  "born",
  "year",
  "early",
  "late",
  "mid",
  "summer",
  "winter",
  "spring",
  "fall",
  "autumn",
  "a",
  "an",
  "the",
  "on",
  "to",
  "between",
  "and",
  "through",
  "class",
  "graduated",
  "died",
  "married",
  "diagnosed",
  "admitted",
  "discharged",
]);
const UNIT_WORDS = wordSet([
  "ms",
  "s",
  "sec",
  "secs",
  "seconds",
  "min",
  "mins",
  "minutes",
  "hours",
  "h",
  "rows",
  "items",
  "bytes",
  "kb",
  "mb",
  "gb",
  "px",
  "records",
  "events",
  "requests",
  "users",
  "times",
  "calories",
  "mg",
  "ml",
  "kg",
  "km",
  "m",
  "units",
]);

/**
 * Hash of the previous word before p (skipping spaces and commas; at most 13 letters, 0 when
 * longer), for a year cue.
 */
function previousWordHash13(t: string, p: number): number {
  let e = p;
  while (e > 0 && (isSpace(t.charCodeAt(e - 1)) || t.charCodeAt(e - 1) === 44)) e--;
  let s = e;
  while (s > 0 && e - s < 13 && isLetter(t.charCodeAt(s - 1))) s--;
  if (s > 0 && isLetter(t.charCodeAt(s - 1))) return 0;
  return rangeHash(t, s, e);
}

/** Hash of the next word after p (its first 13 letters), for a unit after a year. */
function nextWordHash(t: string, p: number): number {
  let s = p;
  while (s < t.length && isSpace(t.charCodeAt(s))) s++;
  let e = s;
  while (e < t.length && e - s < 13 && isLetter(t.charCodeAt(e))) e++;
  return rangeHash(t, s, e);
}

/** ISO-like time after a date: `T10:20`, ` 10:20:30`, fractions and zone. Returns the new end. */
function timeSuffix(t: string, e: number): number {
  const c = t.charCodeAt(e);
  if (c !== 84 && c !== 32 && c !== 116) return e;
  let p = e + 1;
  const h = digitsEnd(t, p, 2);
  if (h - p !== 2 || t.charCodeAt(h) !== 58) return e;
  const m = digitsEnd(t, h + 1, 2);
  if (m - h - 1 !== 2) return e;
  p = m;
  if (t.charCodeAt(p) === 58) {
    const sec = digitsEnd(t, p + 1, 2);
    if (sec - p - 1 === 2) p = sec;
    if (t.charCodeAt(p) === 46 || t.charCodeAt(p) === 44) {
      const frac = digitsEnd(t, p + 1, 9);
      if (frac > p + 1) p = frac;
    }
  }
  const z = t.charCodeAt(p);
  if (z === 90) p++;
  else if (z === 43 || z === 45) {
    const zh = digitsEnd(t, p + 1, 2);
    if (zh - p - 1 === 2) {
      p = zh;
      if (t.charCodeAt(p) === 58) {
        const zm = digitsEnd(t, p + 1, 2);
        if (zm - p - 1 === 2) p = zm;
      }
    }
  }
  return p;
}

/**
 * True when a full date ending at e is joined by '-' or '/' to another full date or a clock
 * time: a range or interval ("03/14/2024-03/20/2024", "2024-03-14/2024-03-20") or a date and
 * time ("3/14/2024-10:30"). The date then ends clean at e. A job id or version after the date
 * ("2024-03-14-001") is neither and still keeps the date from being read.
 */
/** How many dates ahead joinedDateAt() reads: a chain of four dates ends clean. */
const JOIN_DEPTH = 3;

function joinedDateAt(t: string, e: number, joins: number): boolean {
  const c = t.charCodeAt(e);
  if (joins <= 0 || (c !== 45 && c !== 47)) return false;
  const p = e + 1;
  const h = digitsEnd(t, p, 5);
  if (h === p) return false;
  // A clock time: H:MM or HH:MM, hour 0-23, minutes 0-59.
  if (h - p <= 2 && t.charCodeAt(h) === 58) {
    const m = digitsEnd(t, h + 1, 3);
    return m - h - 1 === 2 && num(t, p, h) <= 23 && num(t, h + 1, m) <= 59;
  }
  // Another full date, itself ending clean or joined to the next (at most JOIN_DEPTH dates
  // ahead, so the look-ahead stays bounded).
  return matchNumericDate(t, p, joins - 1) > 0;
}

/** Numeric dates at i: Y-M-D (with optional time), M/D/Y, D/M/Y, D.M.Y, D-M-Y. */
/**
 * A date glued to a FHIR search prefix after '=' (`birthdate=eq1962-03-14`, `date=ge2024-03-14`,
 * the comparators eq, ne, gt, lt, ge, le, sa, eb, ap) at the prefix's end p: the date rules read
 * a number only where no letter stands before it. Adds the hit and returns its end, or -1.
 */
export function fhirPrefixedDate(ctx: TextCtx, p: number): number {
  const t = ctx.t;
  if (t.charCodeAt(p - 3) !== 61 || !FHIR_PREFIXES.has(t.slice(p - 2, p))) return -1;
  const e = matchNumericDate(t, p);
  return e > 0 ? take(ctx, p, e, "DATE") : -1;
}
const FHIR_PREFIXES = new Set(["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"]);

function matchNumericDate(t: string, i: number, joins = JOIN_DEPTH): number {
  const a = digitsEnd(t, i, 5);
  const la = a - i;
  const sep = t.charCodeAt(a);
  if (sep !== 45 && sep !== 47 && sep !== 46 && sep !== 32 && sep !== 43) return -1;
  const b = digitsEnd(t, a + 1, 5);
  const lb = b - a - 1;
  if (lb < 1 || lb > 2 || t.charCodeAt(b) !== sep) return -1;
  const c = digitsEnd(t, b + 1, 5);
  const lc = c - b - 1;
  // Spaces and '+' separate a date's numbers only after a birth cue, with a four-digit year or
  // a two-digit one last: a form-encoded one (`dob=03+02+1955`, `dob=03+02+55`, its '+' read
  // as spaces), one with its '+' kept (`dob:03+02+1955`, no '=' before it) or `DOB 03 02 55`.
  // Elsewhere three numbers in a row are a count, a list, a table row or a sum.
  if (
    (sep === 32 || sep === 43) &&
    ((la !== 4 && lc !== 4 && lc !== 2) || !birthCueBefore(t, i))
  ) return -1;
  const va = num(t, i, a);
  const vb = num(t, a + 1, b);
  const vc = num(t, b + 1, c);
  if (la === 4) {
    if (va < 1900 || va > 2099 || vb < 1 || vb > 12 || lc < 1 || lc > 2 || vc < 1 || vc > 31) {
      return -1;
    }
    const end = timeSuffix(t, c);
    if (endsClean(t, end) || joinedDateAt(t, end, joins)) return end;
    return labelledIdDate(t, i, end) ? numberSuffixEnd(t, end) : -1;
  }
  if (la > 2) return -1;
  const fourDigitYear = lc === 4 && vc >= 1900 && vc <= 2099;
  // Two-digit years only with '/', where 1.2.3 and 1-2-3 would be versions or ranges, unless
  // a birth cue says what they are ("DOB: 02-03-55").
  const twoDigitYear = lc === 2 && (sep === 47 || birthCueBefore(t, i));
  if (!fourDigitYear && !twoDigitYear) return -1;
  const md = va >= 1 && va <= 12 && vb >= 1 && vb <= 31;
  const dm = vb >= 1 && vb <= 12 && va >= 1 && va <= 31;
  if (!md && !dm) return -1;
  const end = timeSuffix(t, c);
  if (endsClean(t, end) || joinedDateAt(t, end, joins)) return end;
  return labelledIdDate(t, i, end) ? numberSuffixEnd(t, end) : -1;
}

/**
 * True when the date [i, e), which an id suffix follows ('-' and a digit, '_' and a letter or
 * digit: `dob-1955-03-02-001`, `dob_1955-03-02_a1`), has a birth or clinical-date label right
 * before it (`dob`, `born`, `birth`, `dod`, `admit`, …): the label says it is a date, the
 * suffix numbers the record. Without one such a date is a job id (`2024-03-14-001`).
 */
function labelledIdDate(t: string, i: number, e: number): boolean {
  const c = t.charCodeAt(e);
  const d = t.charCodeAt(e + 1);
  if (!((c === 45 && isDigit(d)) || (c === 95 && isAlnum(d)))) return false;
  return birthCueBefore(t, i) || clinicalDateCueBefore(t, i);
}

/**
 * The end of a labelled date at e with the id suffix after it: a number of 5 or more digits
 * after the '-' or '_' (`dob:03+02+1955-4829133`, `dob-1955-03-02-4829133`: a record number
 * beside the birth date) is taken with the date; a short one (`-001`, `_a1`) numbers the
 * record and stays.
 */
function numberSuffixEnd(t: string, e: number): number {
  const d = digitsEnd(t, e + 1, 21);
  return d - e - 1 >= 5 && endsClean(t, d) ? d : e;
}

/**
 * A death, admission or discharge label right before the date at p, past one '-', '_', ':',
 * '=' or space (`dod-`, `admit_`, `discharged:`), standing as a word of its own.
 */
function clinicalDateCueBefore(t: string, p: number): boolean {
  const e = p - 1;
  const c = t.charCodeAt(e);
  if (!(c === 45 || c === 95 || c === 58 || c === 61 || c === 32)) return false;
  let s = e;
  while (s > 0 && e - s < 12 && isAsciiLetter(t.charCodeAt(s - 1))) s--;
  if (s === e || (s > 0 && isAlnum(t.charCodeAt(s - 1)))) return false;
  return setHas(CLINICAL_DATE_CUES, rangeHash(t, s, e));
}
const CLINICAL_DATE_CUES = wordSet([
  "dod",
  "death",
  "deceased",
  "died",
  "admit",
  "admitted",
  "admission",
  "discharge",
  "discharged",
]);

/**
 * Month-name dates led by a number, the month joined to the numbers on both sides by one
 * separator ('-', '/', '.' or a space), ending at run: day first (`02-Mar-1955`,
 * `02/Mar/1955`, `02.Mar.1955`, `2-MAR-55`, `02 Mar 1955`) or year first (`1955-Mar-02`).
 * Day 1-31; year 1900-2099, or two digits after '-', '/' or '.' (the DD-MON-YY of clinical
 * systems; after a space two digits are too often something else). '_' is no separator:
 * `promo_01_mar_2025` is a flag key. Returns the end or -1.
 */
function matchMonthNameDate(t: string, i: number, run: number): number {
  const sep = t.charCodeAt(run);
  const m = run + 1;
  let me = m;
  while (me < t.length && me - m < 10 && isAsciiLetter(t.charCodeAt(me))) me++;
  if (me - m < 3 || me - m > 9 || t.charCodeAt(me) !== sep) return -1;
  if ((triggerFlags(rangeHash(t, m, me)) & W_MONTH) === 0) return -1;
  const lead = num(t, i, run);
  const s = me + 1;
  const e = digitsEnd(t, s, 5);
  const len = e - s;
  const tail = num(t, s, e);
  if (run - i === 4) {
    // Year first: a day after the month.
    if (sep === 32 || lead < 1900 || lead > 2099 || len < 1 || len > 2) return -1;
    if (tail < 1 || tail > 31) return -1;
  } else {
    if (lead < 1 || lead > 31) return -1;
    if (len === 4) {
      if (tail < 1900 || tail > 2099) return -1;
    } else if (len !== 2) return -1;
    // "DOB 12 May 55": after a birth cue a two-digit year after spaces is the date's year.
    // Without one, "12 May 55" at a line start stays the address rule's (European order:
    // number, word, number), which takes the cells after it too ("12 May 55,Zarkowski,…").
    else if (sep === 32 && !birthCueBefore(t, i)) return -1;
  }
  return endsClean(t, e) ? e : -1;
}

/**
 * A birth cue right before the value at p (past spaces, ':', '=', '#', '(', quotes, '_',
 * '-' and the backslashes of escaped quotes): `DOB`, `D.O.B.`, `dob=`, `dob_`, `patient_dob:`,
 * `patientDob=`, `date of birth`, `date_of_birth`, `dateOfBirth`, `birth date`, `birthdate`,
 * `birthday`, `born`, `born on`, `{\"birthDate\":\"` (JSON inside a JSON string). It makes a
 * compact or two-digit-year date a date: ids and versions do not follow such a word.
 */
export function birthCueBefore(t: string, p: number): boolean {
  let e = p;
  // At most 4 separators, not counting the backslashes; two more once an arrow or a tag's end
  // is crossed (`'dob' => '19550302'`, `<dob>19550302</dob>`).
  let slashes = 0;
  let arrow = 0;
  while (e > 0 && p - e - slashes < 4 + arrow) {
    const c = t.charCodeAt(e - 1);
    if (
      isSpace(c) || c === 58 || c === 61 || c === 35 || c === 40 || c === 34 || c === 39 ||
      c === 95 || c === 45
    ) e--;
    else if (c === 62 && arrow === 0) {
      e--;
      arrow = 2;
    } else if (c === 92 && t.charCodeAt(e) === 34) {
      e--;
      slashes++;
    } else break;
  }
  if (e === p || e === 0) return false;
  // Every cue ends in 'b', 'h', 'e', 'y', 'n' or the '.' of "D.O.B.": a version or a count
  // after another word is turned away before any slice.
  const last = t.charCodeAt(e - 1) | 32;
  if (last !== 98 && last !== 104 && last !== 101 && last !== 121 && last !== 110 && last !== 46) {
    return false;
  }
  const w = t.slice(Math.max(0, e - 24), e);
  return BIRTH_CUE.test(w) || BIRTH_CUE_CAMEL.test(w);
}
const BIRTH_CUE =
  /(?:^|[^A-Za-z])(?:d\.?o\.?b|date[ _-]?of[ _-]?birth|birth(?:[ _-]?date|day)?|born(?: on)?)\.?$/i;
const BIRTH_CUE_CAMEL = /[a-z](?:Dob|DOB|DateOfBirth|Birthdate|BirthDate|Birthday)$/;

/**
 * A compact date of eight digits at i, [i, run): YYYYMMDD, or MMDDYYYY / DDMMYYYY with a year
 * 1900-2099 (month 1-12, day 1-31). Only after a birth cue: alone such a run is an id or a
 * build number (`run_20261122`).
 */
function compactDate(t: string, i: number): boolean {
  const a = num(t, i, i + 4);
  if (a >= 1900 && a <= 2099) {
    const m = num(t, i + 4, i + 6);
    const d = num(t, i + 6, i + 8);
    if (m >= 1 && m <= 12 && d >= 1 && d <= 31) return true;
  }
  const y = num(t, i + 4, i + 8);
  if (y < 1900 || y > 2099) return false;
  const x = num(t, i, i + 2);
  const z = num(t, i + 2, i + 4);
  return (x >= 1 && x <= 12 && z >= 1 && z <= 31) || (z >= 1 && z <= 12 && x >= 1 && x <= 31);
}

/** Three-letter month abbreviations, lower case, by their letters (`jan` = 'j' 'a' 'n'). */
const MONTH_ABBREVIATIONS = new Set([
  "jan",
  "feb",
  "mar",
  "apr",
  "may",
  "jun",
  "jul",
  "aug",
  "sep",
  "oct",
  "nov",
  "dec",
]);

/**
 * SAS DATE9 and DATE7 at i, the day ending at run: `02MAR1955`, `2Mar1955`; `02MAR55` after a
 * birth cue. The month in capitals or title case unless a birth cue precedes (`01jan2024` in
 * a file name or id is left alone). Returns the end or -1.
 */
function matchDate9(t: string, i: number, run: number): number {
  const m = run;
  const a = t.charCodeAt(m);
  const b = t.charCodeAt(m + 1);
  const c = t.charCodeAt(m + 2);
  if (!isAsciiLetter(b) || !isAsciiLetter(c) || !isDigit(t.charCodeAt(m + 3))) return -1;
  const day = num(t, i, run);
  if (day < 1 || day > 31) return -1;
  if (!MONTH_ABBREVIATIONS.has(String.fromCharCode(a | 32, b | 32, c | 32))) return -1;
  const e = digitsEnd(t, m + 3, 5);
  const len = e - m - 3;
  const upper = a <= 90 && ((b <= 90 && c <= 90) || (b >= 97 && c >= 97));
  if (len === 4) {
    const year = num(t, m + 3, e);
    if (year < 1900 || year > 2099) return -1;
    if (!upper && !birthCueBefore(t, i)) return -1;
    // Joined by '_' to the word before it, a date names a snapshot, a report or a file
    // (`snapshot_01JAN2025`, `adsl_01MAR2025`), as `promo_01_mar_2025` names a flag; unless that
    // word is a birth cue (`DOB_01MAR1955`, `patient_dob_01MAR1955`).
    if (t.charCodeAt(i - 1) === 95 && !birthCueJoined(t, i - 1)) return -1;
  } else if (len !== 2 || !birthCueBefore(t, i)) return -1;
  return endsClean(t, e) ? e : -1;
}

/** A birth cue ending right at p, with no separator before p (`DOB` of `DOB_01MAR1955`). */
function birthCueJoined(t: string, p: number): boolean {
  if (p === 0 || !isLetter(t.charCodeAt(p - 1))) return false;
  const w = t.slice(Math.max(0, p - 24), p);
  return BIRTH_CUE.test(w) || BIRTH_CUE_CAMEL.test(w);
}

/**
 * HL7 v2 identifier types (table 0203) that name a person's identifier, by what they are: the
 * fifth component of a CX field (`4829133^^^HOSP^MR`, `123456789^^^SSA^SS`).
 */
const CX_TYPES = new Map<string, PhiType>([
  ["MR", "MRN"],
  ["MRN", "MRN"],
  ["PI", "MRN"],
  ["PT", "MRN"],
  ["PN", "MRN"],
  ["PE", "MRN"],
  ["VN", "MRN"],
  ["AN", "ACCOUNT_NUMBER"],
  ["BA", "ACCOUNT_NUMBER"],
  ["SS", "SSN"],
  ["DL", "LICENSE_NUMBER"],
  ["PPN", "LICENSE_NUMBER"],
  ["MA", "HEALTH_PLAN"],
  ["MC", "HEALTH_PLAN"],
  ["MB", "HEALTH_PLAN"],
  ["SN", "HEALTH_PLAN"],
  ["HC", "HEALTH_PLAN"],
  ["NH", "HEALTH_PLAN"],
  ["NPI", "NPI"],
]);

/** The type matchCx() found last. */
let cxType: PhiType = "MRN";

/**
 * An HL7 v2 CX identifier at i, its digits ending at run (the '^' after them): ID, check digit,
 * check scheme, assigning authority, then an identifier type code of table 0203 that names a
 * person's identifier (`4829133^^^HOSP^MR`, `123456789^^^SSA^SS`; the authority may hold '&'
 * sub-components). Sets cxType. Returns true when it is one; the hit is the ID alone.
 */
function matchCx(t: string, i: number, run: number): boolean {
  if (run - i < 3) return false;
  let p = run;
  // Three components (check digit, check scheme, authority), each after its '^'; then the '^'
  // before the type code.
  for (let k = 0; k < 4; k++) {
    if (t.charCodeAt(p) !== 94) return false;
    p++;
    if (k === 3) break;
    const s = p;
    while (p < t.length && p - s < 64) {
      const c = t.charCodeAt(p);
      if (c === 94 || c === 124 || c === 126 || c === 10 || c === 13) break;
      p++;
    }
  }
  const s = p;
  while (p < t.length && p - s < 4 && isUpperAscii(t.charCodeAt(p))) p++;
  if (p - s < 2 || isAlnum(t.charCodeAt(p))) return false;
  const type = CX_TYPES.get(t.slice(s, p));
  if (type === undefined) return false;
  cxType = type;
  return true;
}

/**
 * The forms of clinical exports at the digit run [i, run) (c1 after it): an HL7 CX field, SAS
 * DATE9, a compact date after a birth cue. Returns the end of the hit or -1. Apart from tryAt()
 * so that tryAt() stays small enough for V8 to inline its frequent matchers.
 */
function exportFormAt(ctx: TextCtx, i: number, run: number, c1: number): number {
  const t = ctx.t;
  if (c1 === 94) return matchCx(t, i, run) ? take(ctx, i, run, cxType) : -1;
  if (run - i === 8) {
    return endsClean(t, run) && compactDate(t, i) && birthCueBefore(t, i)
      ? take(ctx, i, run, "DATE")
      : -1;
  }
  const e = matchDate9(t, i, run);
  return e > 0 ? take(ctx, i, e, "DATE") : -1;
}

/** SSN with delimiters at i: AAA-GG-SSSS with '-', ' ' or '.'. */
function matchSsn(t: string, i: number): number {
  const a = digitsEnd(t, i, 4);
  if (a - i !== 3) return -1;
  const s1 = t.charCodeAt(a);
  if (s1 !== 45 && s1 !== 32 && s1 !== 46) return -1;
  const g = digitsEnd(t, a + 1, 3);
  if (g - a - 1 !== 2) return -1;
  const s2 = t.charCodeAt(g);
  if (s2 !== 45 && s2 !== 32 && s2 !== 46) return -1;
  const s = digitsEnd(t, g + 1, 5);
  if (s - g - 1 !== 4 || !endsClean(t, s)) return -1;
  if (!ssnValid(num(t, i, a), num(t, a + 1, g), num(t, g + 1, s))) return -1;
  return s;
}

/** Card number at i: 12-19 digits, contiguous or in groups split by one consistent ' ' or '-'. */
function matchCard(t: string, i: number): number {
  const digits = CARD_DIGITS;
  let count = 0;
  let p = i;
  let sep = -1;
  let best = -1;
  for (let group = 0; group < 6; group++) {
    const e = digitsEnd(t, p, 19);
    const len = e - p;
    if (len < 3 && group > 0) break;
    if (count + len > 19) break;
    for (let k = p; k < e; k++) digits[count++] = t.charCodeAt(k) - 48;
    if (count >= 12 && endsClean(t, e) && cardDigitsValid(digits, count)) best = e;
    const c = t.charCodeAt(e);
    if (c !== 32 && c !== 45) break;
    if (sep >= 0 && c !== sep) break;
    if (!isDigit(t.charCodeAt(e + 1))) break;
    sep = c;
    p = e + 1;
  }
  return best;
}

/** The digits matchCard() has read (at most 19). */
const CARD_DIGITS = new Uint8Array(19);

const IMEI_LAYOUT = [2, 6, 6, 1];

/** IMEI in the 2-6-6-1 layout with '-' or ' ', Luhn-valid. */
function matchImei(t: string, i: number): number {
  const lens = IMEI_LAYOUT;
  let p = i;
  let sep = -1;
  for (let k = 0; k < 4; k++) {
    const e = digitsEnd(t, p, 7);
    if (e - p !== lens[k]) return -1;
    if (k === 3) return endsClean(t, e) && luhnValid(t, i, e) ? e : -1;
    const c = t.charCodeAt(e);
    if ((c !== 45 && c !== 32) || (sep >= 0 && c !== sep)) return -1;
    sep = c;
    p = e + 1;
  }
  return -1;
}

/** MBI: C A AN N A AN N A A N N (no S L O I B Z), optionally 4-3-4 with dashes. */
const MBI_PATTERN = "CAXNAXNAANN";
function mbiLetter(c: number): boolean {
  const u = c & ~32;
  return isAsciiLetter(c) && u !== 83 && u !== 76 && u !== 79 && u !== 73 && u !== 66 && u !== 90;
}
function matchMbi(t: string, i: number): number {
  if (!isAsciiLetter(t.charCodeAt(i + 1))) return -1;
  let p = i;
  for (let k = 0; k < 11; k++) {
    if ((k === 4 || k === 7) && t.charCodeAt(p) === 45) p++;
    const c = t.charCodeAt(p);
    if (Number.isNaN(c)) return -1;
    const kind = MBI_PATTERN[k];
    const letter = mbiLetter(c);
    if (kind === "C" && !(c >= 49 && c <= 57)) return -1;
    if (kind === "N" && !isDigit(c)) return -1;
    if (kind === "A" && !letter) return -1;
    if (kind === "X" && !letter && !isDigit(c)) return -1;
    p++;
  }
  return endsClean(t, p) ? p : -1;
}

const PHONE_LENS = new Int32Array(9);
/** Where each digit group readPhone() read ends, and the character after it. */
const PHONE_ENDS = new Int32Array(9);
const PHONE_SEPS = new Int32Array(9);

/** What readPhone() read: digits, digit groups, a '+' before, the NANP shape. */
let phoneDigits = 0;
let phoneGroups = 0;
let phonePlus = false;
let phoneNanp = false;
/** The run is one NANP number with its country code glued on (`14155550132`, `0014155550132`). */
let phoneGlued = false;
/** The '(' before the run opened an area code, `(AAA) EEE-NNNN`: the phone starts at it. */
let phoneAreaParen = false;

/**
 * Reads a phone-shaped run at i (optionally led by '+' or '('), with an optional extension.
 * Returns its end (or -1) and sets phoneDigits, phoneGroups, phonePlus and phoneNanp.
 *
 * A run that reads on into what follows the number ("415-555-0123 3pm", "5551234567 3f2b…", a
 * UUID or a time after it) is cut back, one space-separated group at a time, to the longest part
 * that ends clean: the number is not lost to the token beside it.
 */
function readPhone(t: string, i: number): number {
  const before = i > 0 ? t.charCodeAt(i - 1) : 0;
  const plus = before === 43;
  let p = i;
  let digits = 0;
  let groups = 0;
  let overflow = false;
  const lens = PHONE_LENS;
  let parenOpen = before === 40;
  let areaParen = false;
  for (let guard = 0; guard < 8; guard++) {
    const e = digitsEnd(t, p, 15);
    if (e === p) break;
    digits += e - p;
    groups++;
    lens[groups - 1] = e - p;
    PHONE_ENDS[groups - 1] = e;
    PHONE_SEPS[groups - 1] = t.charCodeAt(e);
    if (digits > 15) {
      overflow = true;
      break;
    }
    let q = e;
    if (parenOpen) {
      if (t.charCodeAt(q) === 41) {
        q++;
        areaParen = groups === 1;
      } else if (groups !== 1) break;
      // A '(' before the run that does not close after the first group is an ordinary bracket
      // around the number, as '[' or '{' are: "(415-555-0142)".
      parenOpen = false;
    }
    const c = t.charCodeAt(q);
    if (c === 32 || c === 45 || c === 46) q++;
    if (t.charCodeAt(q) === 40) {
      parenOpen = true;
      q++;
    }
    if (!isDigit(t.charCodeAt(q))) break;
    p = q;
  }
  if (groups === 0) return -1;
  const end = overflow ? -1 : finishPhone(t, i, plus, groups, digits, parenOpen);
  // "(5551234567)": a '(' closed after the only group is a bracket, not an area code.
  phoneAreaParen = areaParen && phoneGroups > 1;
  if (end >= 0) return end;
  // Cut back over space-separated groups to a number that ends clean (matchPhone() then asks
  // of it what it asks of any run: NANP, '+', or a phone cue).
  for (let used = groups - 1; used >= 1; used--) {
    digits -= lens[used]!;
    if (PHONE_SEPS[used - 1] !== 32 || digits > 15) continue;
    const cut = finishPhone(t, i, plus, used, digits, false);
    phoneAreaParen = areaParen && used > 1;
    if (cut >= 0) return cut;
  }
  return -1;
}

/**
 * The end of the phone made of the first `used` groups readPhone() read (`digits` digits), its
 * extension included; -1 when it does not end clean. Sets the phone* results. `parenOpen`: a '('
 * before the last group is still open (a ')' right after it closes it).
 */
function finishPhone(
  t: string,
  i: number,
  plus: boolean,
  used: number,
  digits: number,
  parenOpen: boolean,
): number {
  const lens = PHONE_LENS;
  let lastEnd = PHONE_ENDS[used - 1]!;
  if (parenOpen && t.charCodeAt(lastEnd) === 41) lastEnd++;
  let end = lastEnd;
  // Extension: x123, ext. 123, #123.
  let q = end;
  while (q < t.length && isSpace(t.charCodeAt(q))) q++;
  const x0 = t.charCodeAt(q) | 32;
  let extStart = -1;
  if (x0 === 101 && (t.charCodeAt(q + 1) | 32) === 120 && (t.charCodeAt(q + 2) | 32) === 116) {
    extStart = t.charCodeAt(q + 3) === 46 ? q + 4 : q + 3;
  } else if (x0 === 120 || t.charCodeAt(q) === 35) extStart = q + 1;
  if (extStart > 0) {
    let r = extStart;
    while (r < t.length && isSpace(t.charCodeAt(r))) r++;
    const x = digitsEnd(t, r, 7);
    if (x > r && !isAlnum(t.charCodeAt(x))) end = x;
  }
  if (end === lastEnd && !endsClean(t, end)) return -1;
  // NANP: [1|+1|001] AAA EEE NNNN with area and exchange starting 2-9.
  let k = 0;
  let nanpDigits = digits;
  if (
    (lens[0] === 1 && t.charCodeAt(i) === 49) ||
    (lens[0] === 3 && t.charCodeAt(i) === 48 && t.charCodeAt(i + 1) === 48 &&
      t.charCodeAt(i + 2) === 49)
  ) {
    nanpDigits -= lens[0]!;
    k = 1;
  }
  let nanp = false;
  let glued = false;
  if (used === 1 && (digits === 11 || digits === 13)) {
    // One run with the country code glued on: E.164 with the '+' dropped (`14155550132`) or
    // the international prefix (`0014155550132`). A phone only with phone context (a cue, or a
    // phone key: walk.ts): most integers of this size are counters, byte sizes and id segments.
    // Epoch milliseconds (13 digits from 1) never: only `001` leads a 13-digit run.
    glued = gluedNanpAt(t, i, digits);
  } else if (nanpDigits === 10) {
    const restCount = used - k;
    const r0 = lens[k];
    const r1 = lens[k + 1];
    const shaped = restCount === 1 || (restCount === 3 && r0 === 3 && r1 === 3) ||
      (restCount === 2 && r0 === 3 && r1 === 7);
    if (shaped) {
      // Locate the area code's first digit and the exchange's first digit.
      let r = i;
      for (let skip = 0; skip < k; skip++) {
        r = digitsEnd(t, r, 15);
        while (r < t.length && !isDigit(t.charCodeAt(r))) r++;
      }
      const area = t.charCodeAt(r);
      let x = r + 3;
      while (x < t.length && !isDigit(t.charCodeAt(x))) x++;
      const exchange = t.charCodeAt(x);
      nanp = area >= 50 && area <= 57 && exchange >= 50 && exchange <= 57;
    }
  }
  phoneDigits = digits;
  phoneGroups = used;
  phonePlus = plus;
  phoneNanp = nanp;
  phoneGlued = glued;
  return end;
}

/** Where the phone matchPhone() found last starts (the '+' or '(' before i, or i). */
let phoneStart = 0;

/**
 * Phone at i. NANP and '+' international always; other shapes with a phone cue nearby.
 * Returns its end (or -1) and sets phoneStart.
 */
function matchPhone(ctx: TextCtx, i: number): number {
  const t = ctx.t;
  const end = readPhone(t, i);
  if (end < 0) return -1;
  const s = phonePlus || phoneAreaParen ? i - 1 : i;
  phoneStart = s;
  if (phoneNanp && (phoneGroups > 1 || !ctx.technical)) return end;
  if (phonePlus && phoneDigits >= 8 && phoneDigits <= 15) return end;
  if (phoneDigits >= 7 && phoneDigits <= 15 && (phoneGroups > 1 || phoneDigits >= 9)) {
    if (cueBefore(t, s, 48, PHONE_CUES) || cueAfter(t, end, 12, PHONE_CUES_AFTER)) return end;
  }
  // A glued country code after a cue the list above lacks ("Callback 14155550132").
  if (phoneGlued && cueBefore(t, s, 48, GLUED_CUES)) return end;
  // Seven or eight digits run together right after a word that names only a phone ("Phone
  // 5551234", "Tel: 5551234"): words such as "call" or "text" come before ids as often.
  if (phoneGroups === 1 && phoneDigits >= 7 && phoneDigits <= 8 && phoneWordBefore(t, s)) {
    return end;
  }
  return phoneGroups > 1 && !phonePlus ? nanpPrefix(t, i, ctx.technical) : -1;
}

/** Phone cues for a glued country code beside PHONE_CUES (which they are read with). */
const GLUED_CUES = cueList(["callback", "cellphone", "wa", "mob"]);

/**
 * True when the `digits` digits at i are one NANP number with its country code glued on:
 * `1` + 10 digits or `001` + 10 digits, area code and exchange starting 2-9.
 */
function gluedNanpAt(t: string, i: number, digits: number): boolean {
  const r = digits === 11
    ? (t.charCodeAt(i) === 49 ? i + 1 : -1)
    : digits === 13 && t.charCodeAt(i) === 48 && t.charCodeAt(i + 1) === 48 &&
        t.charCodeAt(i + 2) === 49
    ? i + 3
    : -1;
  if (r < 0) return false;
  const area = t.charCodeAt(r);
  const exchange = t.charCodeAt(r + 3);
  return area >= 50 && area <= 57 && exchange >= 50 && exchange <= 57;
}

/**
 * True when `t` is one NANP number with its country code glued on and nothing else
 * (`14155550132`, `0014155550132`): a PHONE under a phone key (walk.ts).
 */
export function isGluedNanp(t: string): boolean {
  if (t.length !== 11 && t.length !== 13) return false;
  for (let k = 0; k < t.length; k++) if (!isDigit(t.charCodeAt(k))) return false;
  return gluedNanpAt(t, 0, t.length);
}

/** True when a word that names only a phone ends right before s (spaces, ':', '.', '#' between). */
function phoneWordBefore(t: string, s: number): boolean {
  let p = s;
  while (p > 0 && p > s - 4) {
    const c = t.charCodeAt(p - 1);
    if (c === 32 || c === 58 || c === 46 || c === 35) p--;
    else break;
  }
  if (p === s) return false;
  let b = p;
  while (b > 0 && p - b < 10 && isAsciiLetter(t.charCodeAt(b - 1))) b--;
  if (b === p || (b > 0 && isLetter(t.charCodeAt(b - 1)))) return false;
  return setHas(PHONE_ONLY_WORDS, rangeHash(t, b, p));
}
const PHONE_ONLY_WORDS = wordSet([
  "phone",
  "tel",
  "telephone",
  "mobile",
  "cell",
  "cellphone",
  "fax",
  "pager",
]);

/**
 * A NANP number leading a run matchPhone() would drop ("415-555-0142 62 y/o", "… 2 times",
 * "… 10 Main St": a run that ends clean but reads on into the next number): its first groups,
 * cut back over space-separated groups as readPhone() cuts a run that does not end clean.
 * Returns its end or -1; uses the groups the last readPhone() read.
 */
function nanpPrefix(t: string, i: number, technical: boolean): number {
  let digits = phoneDigits;
  for (let used = phoneGroups - 1; used >= 1; used--) {
    digits -= PHONE_LENS[used]!;
    if (PHONE_SEPS[used - 1] !== 32 || digits < 10 || digits > 13) continue;
    const cut = finishPhone(t, i, false, used, digits, false);
    if (cut >= 0 && phoneNanp && (used > 1 || !technical)) return cut;
  }
  return -1;
}

/** Dotted-quad IPv4 at i, not part of a longer dotted run (versions like 1.2.3.4.5). */
function matchIpv4(t: string, i: number): number {
  let p = i;
  for (let k = 0; k < 4; k++) {
    const e = digitsEnd(t, p, 4);
    if (e - p < 1 || e - p > 3) return -1;
    if (k < 3) {
      if (t.charCodeAt(e) !== 46) return -1;
      p = e + 1;
    } else p = e;
  }
  if (!endsClean(t, p) || !ipv4Valid(t, i, p)) return -1;
  if (i > 1 && t.charCodeAt(i - 1) === 46 && isDigit(t.charCodeAt(i - 2))) return -1;
  return p;
}

/** Digits in the phone-shaped run at i (digits, spaces, '-', '.', '(', ')'), up to 24 chars. */
function digitsAhead(t: string, i: number): number {
  let digits = 0;
  const end = Math.min(t.length, i + 24);
  for (let p = i; p < end; p++) {
    const c = t.charCodeAt(p);
    if (c >= 48 && c <= 57) digits++;
    else if (c !== 32 && c !== 45 && c !== 46 && c !== 40 && c !== 41) break;
  }
  return digits;
}

/**
 * Age phrases: "35-year-old", "35 years old", "35 y/o", "35 y.o.", "35 yo", "35yo", "35 yr
 * old", "35 years of age", "(35 y)", "aged 35", "age of 35", "turned 35", "Age: 35",
 * "age=35"; "94 yrs" and "94 yr" bare only from 90 (below, "20 yrs" is as often a duration;
 * Safe Harbor names ages over 89).
 */
function matchAge(t: string, i: number, e: number): boolean {
  if (e - i > 3) return false;
  const a = t.charCodeAt(e);
  // After: "-year-old", " years old", " y/o", " yo", " yrs old" all start with [ -]y, or y.
  const y = a === 45 || a === 32 ? e + 1 : e;
  if ((t.charCodeAt(y) | 32) === 121 && ageWordAfter(t, i, e, y)) {
    // Nobody is older than 130: "200 yo" is no age; the wordings read before the clinical
    // ones were added keep their old reading.
    return num(t, i, e) <= 130 || oldAgeWordAfter(t, e);
  }
  // Before: the previous word decides, compared by hash (no string).
  const prev = previousWordHash(t, i);
  if (prev === H_AGED || prev === H_AGE || prev === H_TURNED || prev === H_TURN) {
    // "age 94", one space after the word, reads as it always did; the key forms ("Age: 94",
    // "age=94") are held to a person's age: the word on its own, not the tail of a joined
    // token (`max-age=300`, `token_age: 45`), at most 130, and no group (`Age: 65+`,
    // `age: 18-24`).
    return (t.charCodeAt(i - 1) === 32 && isLetter(t.charCodeAt(i - 2))) ||
      (num(t, i, e) <= 130 && !ageGroupAfter(t, i, e) && !joinedWordBefore(t, i));
  }
  if (prev === H_OF || prev === H_WAS) {
    return readsAt(t, i - 7, "age of ") || readsAt(t, i - 7, "he was ") ||
      readsAt(t, i - 8, "she was ");
  }
  return false;
}

/** The age wordings after a number the scanner read before the clinical ones were added. */
function oldAgeWordAfter(t: string, e: number): boolean {
  return readsAt(t, e, "-year-old") || readsAt(t, e, " year old") ||
    readsAt(t, e, " years old") || readsAt(t, e, " y/o") || readsAt(t, e, " yo ") ||
    readsAt(t, e, "-years-old") || readsAt(t, e, " yrs old");
}

/**
 * A '+' or the rest of a range after the number [i, e): `65+`, `18-24`, `18 - 24`. The top
 * of a range is one to three digits above the bottom and ends there: a date or a phone after
 * the dash (`Age: 73 - 03/14/1951`, `Age: 73 - 415-555-0142`) is no range, and the age stays
 * an age.
 */
function ageGroupAfter(t: string, i: number, e: number): boolean {
  const c = t.charCodeAt(e);
  if (c === 43) return true;
  const r = c === 32 ? e + 1 : e;
  const d = t.charCodeAt(r);
  if (d !== 45 && d !== 0x2013) return false;
  const s = t.charCodeAt(r + 1) === 32 ? r + 2 : r + 1;
  let top = s;
  while (top < s + 4 && isDigit(t.charCodeAt(top))) top++;
  if (top === s || top - s > 3) return false;
  const after = t.charCodeAt(top);
  if (
    (after === 47 || after === 45 || after === 46 || after === 58) && isDigit(t.charCodeAt(top + 1))
  ) {
    return false;
  }
  return num(t, s, top) > num(t, i, e);
}

/**
 * Whether the word before the number at i (past spaces and one ':' or '=') is joined to the
 * one before it by '-' or '_' (`max-age`, `max_age`, `token_age`: a cache lifetime, a token's
 * age), unless that one names the person (`patient_age`, `pt_age`, `subject_age`).
 */
function joinedWordBefore(t: string, i: number): boolean {
  let e = i;
  while (e > 0 && isSpace(t.charCodeAt(e - 1))) e--;
  if (e > 0 && (t.charCodeAt(e - 1) === 58 || t.charCodeAt(e - 1) === 61)) e--;
  while (e > 0 && isSpace(t.charCodeAt(e - 1))) e--;
  let s = e;
  while (s > 0 && e - s < 13 && isLetter(t.charCodeAt(s - 1))) s--;
  const c = s > 0 ? t.charCodeAt(s - 1) : 0;
  if (c !== 45 && c !== 95) return false;
  let w = s - 1;
  while (w > 0 && s - 1 - w < 8 && isLetter(t.charCodeAt(w - 1))) w--;
  if (w > 0 && isAlnum(t.charCodeAt(w - 1))) return true;
  const h = w < s - 1 ? rangeHash(t, w, s - 1) : 0;
  return h !== H_PATIENT && h !== H_PT && h !== H_SUBJECT;
}
const H_PATIENT = hashOf("patient");
const H_PT = hashOf("pt");
const H_SUBJECT = hashOf("subject");

/** The age wordings after the number [i, e), their 'y' at y ("-year-old", " y.o.", "yo"). */
function ageWordAfter(t: string, i: number, e: number, y: number): boolean {
  if (y > e && t.charCodeAt(e) === 45) {
    return readsAt(t, e, "-year-old") || readsAt(t, e, "-years-old") ||
      readsAt(t, e, "-yr-old");
  }
  if (
    readsAt(t, y, "year old") || readsAt(t, y, "years old") || readsAt(t, y, "yrs old") ||
    readsAt(t, y, "yr old") || readsAt(t, y, "yr-old") || readsAt(t, y, "years of age") ||
    readsAt(t, y, "yrs of age") || readsAt(t, y, "y/o")
  ) return true;
  // "y.o.", "yo": the word ends there.
  const yo = readsAt(t, y, "y.o") ? y + 3 : readsAt(t, y, "yo") ? y + 2 : -1;
  if (yo > 0 && !isLetter(t.charCodeAt(yo))) return true;
  // "(94 y)".
  if (t.charCodeAt(y + 1) === 41 && t.charCodeAt(i - 1) === 40) return true;
  // "94 yrs", "94 yr": from 90.
  const yr = readsAt(t, y, "yrs") ? y + 3 : readsAt(t, y, "yr") ? y + 2 : -1;
  return yr > 0 && !isLetter(t.charCodeAt(yr)) && num(t, i, e) >= 90;
}

const H_AGED = hashOf("aged");
const H_AGE = hashOf("age");
const H_TURNED = hashOf("turned");
const H_TURN = hashOf("turn");
const H_OF = hashOf("of");
const H_WAS = hashOf("was");

/** Hash of the word before position p (skipping spaces and one ':' or '='), or 0. */
function previousWordHash(t: string, p: number): number {
  let e = p;
  while (e > 0 && isSpace(t.charCodeAt(e - 1))) e--;
  if (e > 0 && (t.charCodeAt(e - 1) === 58 || t.charCodeAt(e - 1) === 61)) e--;
  while (e > 0 && isSpace(t.charCodeAt(e - 1))) e--;
  let s = e;
  while (s > 0 && e - s < 13 && isLetter(t.charCodeAt(s - 1))) s--;
  return s === e ? 0 : rangeHash(t, s, e);
}

/**
 * Whether a word ends right before the number at i, past a space, a ':' or '=' and a space
 * ("age 94", "Age: 94", "age=94", "AGE = 94"): the cheap test before the age rule reads that
 * word.
 */
function wordBefore(t: string, i: number): boolean {
  let p = i - 1;
  let c = t.charCodeAt(p);
  if (c === 32) c = t.charCodeAt(--p);
  if (c === 58 || c === 61) {
    c = t.charCodeAt(--p);
    if (c === 32) c = t.charCodeAt(--p);
  }
  return p < i - 1 && isLetter(c);
}

/**
 * Tries all matchers at digit-run start i; returns the end of the hit or -1. The order is
 * the priority; each matcher is guarded by the cheapest test it would fail first (the
 * character after the run, the run length), so most runs skip most matchers.
 */
export function tryAt(ctx: TextCtx, i: number, technical: boolean): number {
  const t = ctx.t;
  const run = digitsEnd(t, i, 20);
  const runLen = run - i;
  // The character after the run: '-', ' ', '.', '/' lead to the delimited shapes.
  const c1 = t.charCodeAt(run);
  const delimited = c1 === 45 || c1 === 32 || c1 === 46 || c1 === 47;
  let e: number;
  // Strong, structured identifiers are checked even under technical keys.
  if (runLen === 3 && delimited && (e = matchSsn(t, i)) > 0) return take(ctx, i, e, "SSN");
  if (runLen === 1 && (e = matchMbi(t, i)) > 0) return take(ctx, i, e, "MBI");
  if (runLen === 2 && delimited && (e = matchImei(t, i)) > 0) return take(ctx, i, e, "IMEI");
  if (technical) return -1;
  if (runLen <= 3 && c1 === 46 && (e = matchIpv4(t, i)) > 0) {
    return take(ctx, i, e, "IP_ADDRESS");
  }
  if (runLen <= 4 && (delimited || c1 === 43) && (e = matchNumericDate(t, i)) > 0) {
    return take(ctx, i, e, "DATE");
  }
  if (
    (runLen <= 2 || runLen === 4) && delimited && isAsciiLetter(t.charCodeAt(run + 1)) &&
    (e = matchMonthNameDate(t, i, run)) > 0
  ) return take(ctx, i, e, "DATE");
  if (
    (c1 === 94 || runLen === 8 || (runLen <= 2 && isAsciiLetter(c1))) &&
    (e = exportFormAt(ctx, i, run, c1)) > 0
  ) return e;
  // Digits in the phone-shaped run ahead; just the run unless a separator follows it.
  const ahead = runLen >= 12
    ? runLen
    : delimited || c1 === 40 || c1 === 41
    ? digitsAhead(t, i)
    : runLen;
  if (runLen >= 4 && ahead >= 12 && (e = matchCard(t, i)) > 0) {
    hit(ctx, i, e, "CREDIT_CARD");
    return e;
  }
  if (runLen === 15 && endsClean(t, run) && luhnValid(t, i, run)) {
    if (cueBefore(t, i, 32, IMEI_CUES)) return take(ctx, i, run, "IMEI");
  }
  if (runLen === 10 && endsClean(t, run) && npiValidAt(t, i)) {
    const cue = cueBefore(t, i, 32, NPI_CUES);
    if (cue || (ctx.whole && run - i >= t.trim().length)) {
      hit(ctx, i, run, "NPI");
      // Without a cue a bare 10-digit NANP number is both; report the phone so neither is lost.
      const phone = cue ? -1 : matchPhone(ctx, i);
      if (phone >= 0) hit(ctx, phoneStart, phone, "PHONE");
      return run;
    }
  }
  if (runLen === 9 && endsClean(t, run)) {
    const area = num(t, i, i + 3);
    if (ssnValid(area, num(t, i + 3, i + 5), num(t, i + 5, run))) {
      const whole = ctx.whole && run - i >= t.trim().length;
      if (whole || cueBefore(t, i, 32, SSN_CUES)) {
        hit(ctx, i, run, "SSN");
        return run;
      }
    }
  }
  if (runLen >= 7 || ahead >= 7) {
    const phone = matchPhone(ctx, i);
    if (phone >= 0) return take(ctx, phoneStart, phone, "PHONE");
  }
  if (runLen <= 3) {
    const ageAfter = ((c1 === 45 || c1 === 32) && (t.charCodeAt(run + 1) | 32) === 121) ||
      (c1 | 32) === 121;
    const ageBefore = wordBefore(t, i);
    if ((ageAfter || ageBefore) && matchAge(t, i, run)) return take(ctx, i, run, "AGE");
  }
  // A house number has at most five digits; a postcode at most seven before its dash.
  if (runLen <= 5 && (e = matchStreetAddress(ctx, i)) > 0) return e;
  if (runLen <= 5 && (e = matchStreetBefore(ctx, i)) > 0) return e;
  if (runLen <= 7 && (e = matchPlacePostcode(ctx, i)) > 0) return e;
  if (runLen === 4 && endsClean(t, run)) {
    const year = num(t, i, run);
    if (year >= 1900 && year <= 2099) {
      if (
        setHas(YEAR_CUES, previousWordHash13(t, i)) && !setHas(UNIT_WORDS, nextWordHash(t, run))
      ) {
        return take(ctx, i, run, "DATE");
      }
    }
  }
  return -1;
}

export { digitsEnd, endsClean };
