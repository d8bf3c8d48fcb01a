/**
 * Whole values in an identifier alphabet (`[A-Za-z0-9_.:-]`, no spaces: analytics property
 * values, flag and experiment keys, job ids, research ids). There `_`, `.`, `:` and `-` stand
 * in for spaces and a letter may touch a digit, so `ssn_536_22_1234`, `x536-22-1234`,
 * `1234_Elm_Street` and `patient.Quenby.Zarkowski` held PHI no rule read: `_` is a word
 * character, and a digit run glued to a letter is no token of its own.
 *
 * identifierView() rewrites such a value into a spaced reading the usual rules scan (same
 * characters, offsets mapped back):
 * - a separator between two letter-only or digit-only parts is read as a space when a letter
 *   part is beside it (`1234 Elm Street`, `patient Quenby Zarkowski`, `dob 1955-03-02`), and
 *   as `-` between two digit parts when it is `_` or `:` (`536-22-1234`; a `:` between two
 *   groups of at most two digits stays, a time of day);
 * - a part that mixes letters and digits (`x536`, `0132x`, `q3`, a hash, a UUID group) keeps
 *   its separators, and is cut at its letter/digit boundary only where its digits complete a
 *   strong structured shape with the digit parts beside it: SSN 3-2-4, NANP phone 3-3-4 and
 *   1-3-3-4, a date 4-2-2 or 2-2-4 (one-digit month and day too), an IPv4 address with dots
 *   (none after a lone `v`: `v1.2.3.4` and `v2024.11.3` are versions). A bare digit run in a hex hash or a
 *   UUID is never cut, so `a456-426614174000` stays as it is.
 *
 * A house number at the start takes the capitalised words after it (`1234_Elm_Street`).
 *
 * identifierNames() reads person names in identifier form, which the spaced reading alone
 * does not find: two or three title-case parts that are dictionary names or no everyday word
 * (`Quenby.Zarkowski`, `Quenby_Zarkowski_1955_03_02`; `Grace_Period`, `Release.Notes` stay),
 * and two or three lower-case such parts after `patient` or `pt` that end the value or a digit
 * part follows (`patient_quenby_zarkowski`; `patient_list_view` stays).
 */
import { hit, type TextCtx } from "../context.ts";
import { triggerFlags, W_TRIGGER, wordHash } from "../word_table.ts";

/**
 * Whether a spaced text (`Mary Smith`) reads as one person's name by the free-text rule, with
 * no cue before it (text.ts scans it). A run of identifier parts is a name only when the text
 * scanner would take the same words, written with spaces, for a name: a key is no looser a
 * place for one than a sentence (`Cohort_Builder`, `Parkinson_Tracker`, `patient_portal_sso`).
 */
export type NameJudge = (spaced: string) => boolean;

/**
 * The longest value read as an identifier (analytics values are at most 100 characters; a
 * joined job id or flag list may be longer). Every step of this reading is linear in the
 * value (parts, runs and name runs are each visited once), so the bound only caps the
 * per-value arrays; it was 256 and let `<300 characters>_ssn_536_22_1234` through.
 */
const MAX_IDENTIFIER = 4096;

const K_ALPHA = 1;
const K_DIGIT = 2;
const K_MIXED = 3;

const isSep = (c: number) => c === 95 || c === 46 || c === 58 || c === 45;
const isDigitCode = (c: number) => c >= 48 && c <= 57;
const isLetterCode = (c: number) => (c | 32) >= 97 && (c | 32) <= 122;

const isUpperCode = (c: number) => c >= 65 && c <= 90;
/** Whether a part of the value read last starts with a capital (a title-case name may be there). */
let capitals = false;

/** Parts of the value read last: bounds and kinds (reused arrays, no allocation per part). */
let partS = new Int32Array(64);
let partE = new Int32Array(64);
let partK = new Uint8Array(64);
let parts = 0;

/**
 * Splits t into its alphanumeric parts; false when t is no identifier (a character outside
 * the alphabet, too long, or nothing a separator or a letter/digit boundary joins).
 */
function readParts(t: string): boolean {
  const n = t.length;
  if (n < 3 || n > MAX_IDENTIFIER) return false;
  if (partS.length < n) {
    partS = new Int32Array(n);
    partE = new Int32Array(n);
    partK = new Uint8Array(n);
  }
  parts = 0;
  let mixed = false;
  // Digits joined by '-' and '.' alone read the same spaced: the token pass has read them.
  let letters = false;
  let joiners = false;
  capitals = false;
  let i = 0;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (isSep(c)) {
      if (c === 95 || c === 58) joiners = true;
      i++;
      continue;
    }
    const s = i;
    let kind = 0;
    while (i < n) {
      const d = t.charCodeAt(i);
      if (isDigitCode(d)) kind |= K_DIGIT;
      else if (isLetterCode(d)) kind |= K_ALPHA;
      else if (isSep(d)) break;
      else return false;
      i++;
    }
    if (kind === K_MIXED) mixed = true;
    if (kind & K_ALPHA) letters = true;
    if (isUpperCode(t.charCodeAt(s))) capitals = true;
    partS[parts] = s;
    partE[parts] = i;
    partK[parts] = kind;
    parts++;
  }
  return (parts > 1 || mixed) && (letters || joiners);
}

/** The separator between parts k and k+1 when it is one character, else 0. */
function sepAfter(t: string, k: number): number {
  return partS[k + 1]! - partE[k]! === 1 ? t.charCodeAt(partE[k]!) : 0;
}

/** Length of the digits at the end (from < 0) or start of part k. */
function edgeDigits(t: string, k: number, atEnd: boolean): number {
  let len = 0;
  if (atEnd) {
    for (let q = partE[k]! - 1; q >= partS[k]! && isDigitCode(t.charCodeAt(q)); q--) len++;
  } else {
    for (let q = partS[k]!; q < partE[k]! && isDigitCode(t.charCodeAt(q)); q++) len++;
  }
  return len;
}

const between = (x: number, lo: number, hi: number) => x >= lo && x <= hi;

const SHAPE_SSN = 1;
const SHAPE_PHONE = 2;
const SHAPE_DATE = 3;
const SHAPE_IP = 4;

/** The strong structured shape of the `count` digit groups in lens, joined by sep; 0 for none. */
function strongShape(count: number, sep: number): number {
  if (count === 3) {
    const a = lens[0]!;
    const b = lens[1]!;
    const c = lens[2]!;
    if (a === 3 && b === 2 && c === 4) return SHAPE_SSN;
    if (a === 3 && b === 3 && c === 4) return SHAPE_PHONE;
    if (a === 4 && between(b, 1, 2) && between(c, 1, 2)) return SHAPE_DATE;
    if (between(a, 1, 2) && between(b, 1, 2) && c === 4) return SHAPE_DATE;
    return 0;
  }
  if (count === 4) {
    if (lens[0] === 1 && lens[1] === 3 && lens[2] === 3 && lens[3] === 4) return SHAPE_PHONE;
    if (
      sep === 46 && between(lens[0]!, 1, 3) && between(lens[1]!, 1, 3) &&
      between(lens[2]!, 1, 3) && between(lens[3]!, 1, 3)
    ) return SHAPE_IP;
  }
  return 0;
}

/** Lower-case spelling of part k, for the few cue words compared (parts of 2-9 letters only). */
function partWord(t: string, k: number): string {
  const len = partE[k]! - partS[k]!;
  return partK[k] === K_ALPHA && len >= 2 && len <= 9
    ? t.slice(partS[k]!, partE[k]!).toLowerCase()
    : "";
}

/** Cue words before a birth date: `dob_1955_03_02`, `born_1955_03_02`. */
const BIRTH_CUES = new Set(["dob", "born", "birth", "birthdate", "birthday", "bday", "dobs"]);

/**
 * Letters before a dotted address or date that make it a version or a build
 * (`v1.2.3.4`, `r10.2.3.4`, `build10.0.0.1`, `rel2024.11.3`): no cut there. Any other
 * letters before one (`h192.168.44.7`, `ip10.0.0.1`) leave an address.
 */
const VERSION_PREFIXES = new Set([
  "v",
  "r",
  "b",
  "ver",
  "rel",
  "rev",
  "build",
  "release",
  "version",
]);

/** True when the 4 digits at p are a year 1900-2099. */
function yearAt(t: string, p: number): boolean {
  const a = t.charCodeAt(p);
  const b = t.charCodeAt(p + 1);
  return (a === 49 && b === 57) || (a === 50 && b === 48);
}

/** Lengths of the digit groups of the run markView() reads (the first 5; reused). */
const lens = new Int32Array(5);

/**
 * What identifierView() writes at each offset (replStamp[i] === stamp: repl[i] replaces the
 * character) and where it puts a space before an offset (cutStamp[i] === stamp: the cut of a
 * mixed part). Stamped per value, so no array is cleared between values.
 */
let repl = new Uint8Array(64);
let replStamp = new Int32Array(64);
let cutStamp = new Int32Array(64);
let stamp = 0;
/** Whether markView() changed anything in the value read last. */
let viewChanged = false;

/** Marks the single separator after part k to be read as `o`. */
function setSep(t: string, k: number, o: number): void {
  const at = partE[k]!;
  if (partS[k + 1]! - at !== 1 || t.charCodeAt(at) === o) return;
  repl[at] = o;
  replStamp[at] = stamp;
  viewChanged = true;
}

/** Marks a cut (a space) before offset i. */
function cut(i: number): void {
  cutStamp[i] = stamp;
  viewChanged = true;
}

/**
 * Marks what the view changes: the strong shapes among the digit parts (with the separators
 * and cuts around them), a record number after `mrn` or `chart`, a leading house number's
 * street, and the separators between title-case words.
 */
function markView(t: string, isName: NameJudge): void {
  const n = t.length;
  if (cutStamp.length < n + 1) {
    cutStamp = new Int32Array(n + 1);
    replStamp = new Int32Array(n + 1);
    repl = new Uint8Array(n + 1);
  }
  stamp = (stamp + 1) | 0;
  viewChanged = false;
  let k = 0;
  while (k < parts) {
    if (partK[k] !== K_DIGIT) {
      k++;
      continue;
    }
    // A run of digit parts k..j joined by the same separator.
    const sep = k + 1 < parts ? sepAfter(t, k) : 0;
    let j = k;
    while (j + 1 < parts && partK[j + 1] === K_DIGIT && sep !== 0 && sepAfter(t, j) === sep) j++;
    let count = 0;
    let runSep = j > k ? sep : 0;
    let left = -1;
    let right = -1;
    const leftSep = k > 0 ? sepAfter(t, k - 1) : 0;
    if (partK[k - 1] === K_MIXED && leftSep !== 0 && (runSep === 0 || leftSep === runSep)) {
      const d = edgeDigits(t, k - 1, true);
      if (d > 0) {
        left = k - 1;
        runSep = leftSep;
        lens[count++] = d;
      }
    }
    for (let q = k; q <= j && count < 5; q++) lens[count++] = partE[q]! - partS[q]!;
    if (j - k + 1 > 5) count = 6;
    const rightSep = j + 1 < parts ? sepAfter(t, j) : 0;
    if (partK[j + 1] === K_MIXED && rightSep !== 0 && (runSep === 0 || rightSep === runSep)) {
      const d = edgeDigits(t, j + 1, false);
      if (d > 0) {
        right = j + 1;
        runSep = rightSep;
        if (count < 5) lens[count] = d;
        count++;
      }
    }
    // The letters before the run: a cue word, or the last word of a name.
    const before = left < 0 && k > 0 && partK[k - 1] === K_ALPHA && leftSep !== 0 ? k - 1 : -1;
    const shape = count <= 5 ? strongShape(count, runSep) : 0;
    const cue = before >= 0 && (shape === SHAPE_DATE || shape === 0) ? partWord(t, before) : "";
    // `v1.2.3.4` and `v2024.11.3` are versions, not an address or a date; so are
    // `r10.2.3.4` and `build10.0.0.1` (dotted only: `r536-22-1234` is still an SSN).
    const prefix = left >= 0 ? partE[left]! - partS[left]! - lens[0]! : 0;
    const version = left >= 0 &&
      ((prefix === 1 && (t.charCodeAt(partS[left]!) | 32) === 118) ||
        (runSep === 46 && (shape === SHAPE_IP || shape === SHAPE_DATE) &&
          VERSION_PREFIXES.has(t.slice(partS[left]!, partS[left]! + prefix).toLowerCase())));
    let accept = false;
    if (version) accept = false;
    else if (shape === SHAPE_SSN || shape === SHAPE_PHONE) accept = true;
    else if (shape === SHAPE_IP) accept = true;
    else if (shape === SHAPE_DATE) {
      // Joined by '-' or '.' a date is one already; by '_' or ':' (`record_2024_11_23`, a
      // dated version) only after a birth cue or a name.
      accept = runSep === 45 || runSep === 46 || BIRTH_CUES.has(cue) ||
        (before >= 0 && titleCase(t, before) && nameBefore(t, before, isName));
    } else if (left < 0 && right < 0 && (cue === "mrn" || cue === "chart")) {
      // `mrn_774_1293`: a record number split like a phone number; `chart_7741293` (a chart
      // widget's id is shorter: `chart_12345`).
      let total = 0;
      let year = false;
      for (let q = k; q <= j; q++) {
        total += partE[q]! - partS[q]!;
        if (partE[q]! - partS[q]! === 4 && yearAt(t, partS[q]!)) year = true;
      }
      accept = !year && total <= 12 &&
        (cue === "mrn" ? j > k && total >= 6 : j === k && total >= 7);
    }
    if (accept) {
      for (let q = k; q < j; q++) if (runSep === 95 || runSep === 58) setSep(t, q, 45);
      if (left >= 0) {
        cut(partE[left]! - lens[0]!);
        if (runSep === 95 || runSep === 58) setSep(t, left, 45);
      }
      if (right >= 0) {
        cut(partS[right]! + lens[count - 1]!);
        if (runSep === 95 || runSep === 58) setSep(t, j, 45);
      }
      if (before >= 0) setSep(t, before, 32);
      if (right < 0 && j + 1 < parts && partK[j + 1] === K_ALPHA) setSep(t, j, 32);
    }
    k = j + 1;
  }
  // `1234_Elm_Street`: a house number first, then words.
  // Capitalised words only: `1-may-2` is a version.
  if (parts > 1 && partK[0] === K_DIGIT && partE[0]! - partS[0]! <= 6 && partK[1] === K_ALPHA) {
    for (let q = 0; q + 1 < parts && partK[q + 1] === K_ALPHA; q++) {
      if (!isUpperCode(t.charCodeAt(partS[q + 1]!))) break;
      setSep(t, q, 32);
    }
  }
  // Title-case words (`Mary_Smith`) are no longer spaced here: the text rules would read a
  // lone dictionary name out of `Parkinson_Tracker`; identifierNames() takes a whole run that
  // reads as a name.
}

/**
 * Whether the title-case parts ending at part k (at most three, one separator) read as a name
 * by the free-text rule (`Mary_Garcia_1955_03_02`; not `Cohort_2024_11_23`).
 */
function nameBefore(t: string, k: number, isName: NameJudge): boolean {
  let a = k;
  const sep = k > 0 ? sepAfter(t, k - 1) : 0;
  while (
    a > 0 && k - a < 2 && sep !== 0 && sepAfter(t, a - 1) === sep && titleCase(t, a - 1) &&
    !cueWord(t, a - 1)
  ) a--;
  return isName(spaced(t, a, k, false));
}

/** Parts a..b joined by spaces; each capitalised when cap (a lower-case run read as a name). */
function spaced(t: string, a: number, b: number, cap: boolean): string {
  let out = "";
  for (let q = a; q <= b; q++) {
    const w = t.slice(partS[q]!, partE[q]!);
    out += (q > a ? " " : "") + (cap ? w[0]!.toUpperCase() + w.slice(1) : w);
  }
  return out;
}

/** The spaced reading of an identifier and its map back (see the module comment). */
export interface IdentifierView {
  text: string;
  /** map[i] = original offset of view character i; map[text.length] = the original length. */
  map: Int32Array;
}

/**
 * The spaced reading of t, or null when it reads the same; undefined when t is no
 * identifier at all (its parts, when it is one, stay read for identifierNames()).
 */
export function identifierView(
  t: string,
  isName: NameJudge,
): IdentifierView | null | undefined {
  if (!readParts(t)) return undefined;
  markView(t, isName);
  if (!viewChanged) return null;
  const n = t.length;
  const map = new Int32Array(2 * n + 1);
  let out = "";
  let length = 0;
  for (let i = 0; i < n; i++) {
    if (cutStamp[i] === stamp) {
      out += " ";
      map[length++] = i;
    }
    out += replStamp[i] === stamp ? String.fromCharCode(repl[i]!) : t[i];
    map[length++] = i;
  }
  map[length] = n;
  return { text: out, map: map.subarray(0, length + 1) };
}

/**
 * A part that is no name part: a cue word (`Patient`), or under two letters. Whether the
 * others are a name is the free-text rule's to say (NameJudge).
 */
function cueWord(t: string, k: number): boolean {
  const s = partS[k]!;
  const e = partE[k]!;
  return partK[k] !== K_ALPHA || e - s < 2 || (triggerFlags(wordHash(t, s, e)) & W_TRIGGER) !== 0;
}

/** Title case: a capital, then lower-case letters only. */
function titleCase(t: string, k: number): boolean {
  const c = t.charCodeAt(partS[k]!);
  if (c < 65 || c > 90) return false;
  for (let q = partS[k]! + 1; q < partE[k]!; q++) {
    const d = t.charCodeAt(q);
    if (d < 97 || d > 122) return false;
  }
  return true;
}

/** Lower case letters only. */
function lowerCase(t: string, k: number): boolean {
  for (let q = partS[k]!; q < partE[k]!; q++) {
    const d = t.charCodeAt(q);
    if (d < 97 || d > 122) return false;
  }
  return true;
}

/** True when part k is the cue `patient` or `pt` (any case). */
function patientCue(t: string, k: number): boolean {
  const len = partE[k]! - partS[k]!;
  if (len !== 7 && len !== 2) return false;
  const w = t.slice(partS[k]!, partE[k]!).toLowerCase();
  return w === "patient" || w === "pt";
}

/**
 * Adds a PERSON_NAME hit for parts a..b when they form a name run (2 or 3 parts, one
 * separator) that the free-text rule reads as a name, written with spaces (capitalised when
 * cap: `patient_mary_garcia` as `Mary Garcia`, so a lower-case run needs dictionary names as
 * the text rule does without a cue).
 */
function nameRun(
  ctx: TextCtx,
  t: string,
  a: number,
  b: number,
  isName: NameJudge,
  cap: boolean,
): void {
  const count = b - a + 1;
  if (count < 2 || count > 3) return;
  const sep = sepAfter(t, a);
  if (sep === 0 || sep === 58) return;
  for (let q = a; q < b; q++) if (sepAfter(t, q) !== sep) return;
  if (!isName(spaced(t, a, b, cap))) return;
  hit(ctx, partS[a]!, partE[b]!, "PERSON_NAME");
}

/** Person names in identifier form in t (whole value, identifier alphabet), as hits in ctx. */
export function identifierNames(
  ctx: TextCtx,
  t: string,
  isName: NameJudge,
  partsRead = false,
): void {
  if (ctx.technical || (!partsRead && !readParts(t))) return;
  if (!capitals && t.indexOf("pt") < 0 && t.indexOf("patient") < 0) return;
  // Title-case runs: a longer run (4+ parts) reads as a namespace (`Com.Example.App.Main`).
  let k = 0;
  while (k < parts) {
    if (!(titleCase(t, k) && !cueWord(t, k))) {
      k++;
      continue;
    }
    let j = k;
    while (j + 1 < parts && titleCase(t, j + 1) && !cueWord(t, j + 1)) j++;
    const boundedLeft = k === 0 || partK[k - 1] !== K_ALPHA || patientCue(t, k - 1);
    const boundedRight = j + 1 === parts || partK[j + 1] !== K_ALPHA;
    if (boundedLeft && boundedRight) nameRun(ctx, t, k, j, isName, false);
    k = j + 1;
  }
  // Lower-case names after `patient`/`pt`.
  for (let c = 0; c + 2 < parts; c++) {
    if (!patientCue(t, c)) continue;
    let j = c;
    while (j + 1 < parts && lowerCase(t, j + 1) && !cueWord(t, j + 1)) j++;
    if (j + 1 === parts || partK[j + 1] === K_DIGIT) nameRun(ctx, t, c + 1, j, isName, true);
  }
}
