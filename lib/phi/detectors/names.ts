/**
 * Person names: after a cue (honorific, "my name is", "patient", "Dear", ...) any
 * capitalised words; elsewhere a dictionary first name followed by a surname-like word
 * ("First Last"), double-barrelled dictionary surnames and lists of dictionary surnames.
 * The dictionaries are the 1990 US Census lists (names_data.ts).
 */
import { isDigit, isLetter, isLowerAt, isSpace, isUpperAt } from "../chars.ts";
import { hit, readsAt, type TextCtx } from "../context.ts";
import { AMBIGUOUS_NAMES, COMMON_WORDS, FIRST_NAMES, LAST_NAMES } from "../names_data.ts";
import { rangeHash, wordAt, wordAtHash, wordAtJoined, wordAtWide } from "../read.ts";
import { cueValueAt } from "./words.ts";
import { xpnGivenEnd } from "./hl7.ts";
import {
  flagsAt,
  HashIndex,
  hashOf,
  nameFlags,
  registerWords,
  setHas,
  triggerFlags,
  W_AMBIGUOUS,
  W_COMMON,
  W_CUE_WORD,
  W_FIRST,
  W_LAST,
  W_MONTH,
  W_NAME_CUE,
  W_NOT_NAME,
  W_SUFFIX,
  W_VALUE_CUE,
  W_WEEKDAY,
  wordFlags,
  wordSet,
} from "../word_table.ts";

const FIRST = FIRST_NAMES.split(" ");
const LAST = LAST_NAMES.split(" ");
/** Names that are also everyday words ("Will", "May", "Price"): never a name on their own. */
const AMBIGUOUS = AMBIGUOUS_NAMES.split(" ");
/** Everyday words that are not names: a capitalised one ("Retries") is not a surname. */
const COMMON = COMMON_WORDS.split(" ");

/** A dictionary first name that is not also an everyday word. */
const strongFirst = (f: number) => (f & (W_FIRST | W_AMBIGUOUS)) === W_FIRST;
/** A dictionary surname that is not also an everyday word. */
const strongLast = (f: number) => (f & (W_LAST | W_AMBIGUOUS)) === W_LAST;
/** A capitalised word that is no everyday word: a name from elsewhere, say. */
const unknownWord = (f: number) => (f & (W_COMMON | W_AMBIGUOUS | W_NOT_NAME | W_SUFFIX)) === 0;

/** True when the lower-case word is a dictionary first name or surname. */
export function isKnownName(lower: string): boolean {
  return (flagsAt(lower, 0, lower.length) & (W_FIRST | W_LAST)) !== 0;
}

const HONORIFICS = new Set([
  "mr",
  "mrs",
  "ms",
  "miss",
  "mx",
  "dr",
  "prof",
  "sir",
  "madam",
  "mme",
  "mlle",
  "herr",
  "frau",
  "sr",
  "sra",
  "srta",
  "rev",
]);

const HONORIFIC_SET = wordSet(HONORIFICS);

/** Cue phrases (lower-case words) after which capitalised words are a name. */
const NAME_CUES: string[][] = [
  ["my", "name", "is"],
  ["name", "is"],
  ["name"],
  ["names"],
  ["patient"],
  ["pt"],
  // A research participant, study subject or plan enrollee: cues as "patient" is, but only
  // before name-shaped words (strictCueNameEnd): "subject line", "Subject: Weekly Digest",
  // "Participant Portal", "subject to change" stay.
  ["participant"],
  ["subject"],
  ["enrollee"],
  ["dear"],
  ["hi"],
  ["hello"],
  ["hey"],
  ["this", "is"],
  ["i'm"],
  ["i", "am"],
  ["called"],
  ["calls", "me"],
  ["call", "me"],
  ["named"],
  ["signed"],
  ["sincerely"],
  ["regards"],
  ["thanks"],
  ["directed", "by"],
  ["written", "by"],
  ["sung", "by"],
  ["seen", "by"],
  ["referred", "by"],
  ["attending"],
  ["physician"],
  ["nurse"],
  ["spoke", "with"],
  ["mother"],
  ["father"],
  ["son"],
  ["daughter"],
  ["wife"],
  ["husband"],
];
/** Cue phrases as word hashes, indexed by the first word's hash, longest first. */
const CUE_PHRASES = new Map<number, number[][]>();
for (const phrase of NAME_CUES) {
  const hashes = phrase.map(hashOf);
  const list = CUE_PHRASES.get(hashes[0]!) ?? [];
  list.push(hashes);
  list.sort((a, b) => b.length - a.length);
  CUE_PHRASES.set(hashes[0]!, list);
}
const CUE_FIRST = new HashIndex(CUE_PHRASES);
/** Cues of a record ("Name:", "Patient:"), after which "LAST, FIRST" is the usual form. */
const H_NAME = hashOf("name");
const H_PATIENT = hashOf("patient");
const H_PT = hashOf("pt");
/** Cues common in technical text too: a name after them must look like one. */
const STRICT_CUES = wordSet(["participant", "subject", "enrollee"]);

/**
 * The end of up to three name-shaped words at p after a strict cue, or -1: each in title case,
 * a dictionary first name or surname or a word that is no everyday word, and none a cue or a
 * word that never continues a name. Taken when one of them is a dictionary name that is no
 * everyday word ("subject Garcia"), or two or more are all words no dictionary holds
 * ("participant Quenby Zarkowski") or a dictionary first name then a surname or such a word
 * ("participant Will Smith", "Subject: Summer Yundt"). Not "Subject: Weekly Digest", "Subject Alternative Name", "Participant Portal",
 * "subject: Onboarding", "subject Randomization Service", "subject CN=…".
 */
function strictCueNameEnd(t: string, p: number): number {
  let q = p;
  let end = -1;
  let words = 0;
  let strong = false;
  let allUnknown = true;
  let firstThenLast = false;
  let prev = 0;
  for (let k = 0; k < 3; k++) {
    if (!isUpperAt(t, q) || !isLowerAt(t, q + 1)) break;
    const we = wordAt(t, q);
    if (we - q < 2 || isDigit(t.charCodeAt(we))) break;
    const h = wordAtHash;
    if (triggerFlags(h) & (W_VALUE_CUE | W_NAME_CUE | W_NOT_NAME)) break;
    const f = flagsAt(t, q, we);
    if ((f & (W_FIRST | W_LAST)) === 0 && !unknownWord(f)) break;
    if (strongFirst(f) || strongLast(f)) strong = true;
    if (f !== 0) allUnknown = false;
    if (words > 0 && prev & W_FIRST && (f & W_LAST || f === 0)) firstThenLast = true;
    prev = f;
    words++;
    end = we;
    const next = skipSpaces(t, we);
    if (next === we || next - we > 1) break;
    q = next;
  }
  return strong || (words > 1 && (allUnknown || firstThenLast)) ? end : -1;
}

/** Capitalised words that never continue a name. */
const NOT_NAME = [
  "the",
  "and",
  "or",
  "of",
  "for",
  "in",
  "on",
  "at",
  "to",
  "is",
  "was",
  "has",
  "had",
  "are",
  "be",
  "by",
  "with",
  "from",
  "a",
  "an",
  "it",
  "its",
  "this",
  "that",
  "these",
  "we",
  "you",
  "he",
  "she",
  "they",
  "i",
  "my",
  "our",
  "your",
  "his",
  "her",
  "their",
  "who",
  "what",
  "when",
  "where",
  "why",
  "how",
  "please",
  "thanks",
  "thank",
  "hello",
  "dear",
  "hi",
  "yes",
  "no",
  "not",
  "university",
  "hospital",
  "clinic",
  "center",
  "centre",
  "college",
  "school",
  "institute",
  "inc",
  "corp",
  "corporation",
  "company",
  "group",
  "foundation",
  "department",
  "ltd",
  "llc",
  "plc",
  "gmbh",
  "bank",
  "insurance",
  "services",
  "systems",
  "technologies",
  "research",
  "county",
  "city",
  "state",
  "river",
  "lake",
  "mountain",
  "island",
  "beach",
  "north",
  "south",
  "east",
  "west",
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
  "error",
  "exception",
  "type",
  "value",
  "count",
  "total",
  "id",
  "api",
  "url",
  "http",
  "json",
  "null",
  "true",
  "false",
  "apt",
  "suite",
  "unit",
  "box",
  "mobile",
  "phone",
  "fax",
  "desk",
  "email",
  "address",
  "personal",
  "info",
  "website",
  "date",
  "name",
  "orchestra",
  "band",
  "club",
  "film",
  "song",
  "album",
  "project",
  "version",
  "release",
  "retries",
  "timeout",
];

function skipSpaces(t: string, p: number): number {
  while (p < t.length && isSpace(t.charCodeAt(p))) p++;
  return p;
}

/** An initial at p ("J." or "J"), returns its end or -1. */
function initialAt(t: string, p: number): number {
  const next = t.charCodeAt(p + 1);
  if (!isUpperAt(t, p) || isLetter(next) || next === 39 || next === 0x2019) return -1;
  return t.charCodeAt(p + 1) === 46 ? p + 2 : p + 1;
}

/**
 * Lower-case particles inside a surname ("van der Berg", "de la Cruz", "von Trapp"): a name
 * read on over them, so that a redaction does not leave "van der" behind.
 */
const NAME_PARTICLES = wordSet([
  "van",
  "von",
  "der",
  "den",
  "de",
  "del",
  "della",
  "di",
  "da",
  "du",
  "le",
  "la",
  "ten",
  "ter",
  "dos",
  "das",
  "bin",
  "ibn",
]);

/**
 * After one to three name particles at p ("van der Berg"), the start of the capitalised word
 * they lead to; -1 when p holds no particle or the particles lead to no capitalised word.
 */
function afterParticles(t: string, p: number): number {
  let q = p;
  for (let k = 0; k < 3; k++) {
    if (!isLowerAt(t, q)) return k > 0 && isUpperAt(t, q) ? q : -1;
    if (!particleStart(t.charCodeAt(q), t.charCodeAt(q + 1))) return -1;
    const e = wordAt(t, q);
    if (e - q > 5 || !setHas(NAME_PARTICLES, wordAtHash)) return -1;
    const next = skipSpaces(t, e);
    if (next === e || next - e > 2) return -1;
    q = next;
  }
  return isUpperAt(t, q) ? q : -1;
}

/**
 * Whether a word starting with the letters c0, c1 may be a name particle (`va`n, `de`r, `la`,
 * `bi`n, ...): the cheap test before a word after a name is read and hashed, which most words
 * ending a name ("was", "is", "and") fail.
 */
function particleStart(c0: number, c1: number): boolean {
  switch (c0) {
    case 118: // v: van, von
      return c1 === 97 || c1 === 111;
    case 100: // d: de, del, della, den, der, di, da, das, du, dos
      return c1 === 101 || c1 === 105 || c1 === 97 || c1 === 117 || c1 === 111;
    case 108: // l: le, la
      return c1 === 101 || c1 === 97;
    case 116: // t: ten, ter
      return c1 === 101;
    case 98: // b: bin
      return c1 === 105;
    case 105: // i: ibn
      return c1 === 98;
    default:
      return false;
  }
}

/**
 * The start of the name particles right before the name at i ("van der " before "Berg"), or
 * i when there are none.
 */
function particlesBefore(t: string, i: number): number {
  let s = i;
  for (let k = 0; k < 3; k++) {
    let e = s;
    while (e > 0 && s - e < 2 && isSpace(t.charCodeAt(e - 1))) e--;
    if (e === s) break;
    let b = e;
    while (b > 0 && e - b < 6 && isLowerAt(t, b - 1)) b--;
    if (e - b < 2 || (b > 0 && isLetter(t.charCodeAt(b - 1)))) break;
    if (!particleStart(t.charCodeAt(b), t.charCodeAt(b + 1))) break;
    if (!setHas(NAME_PARTICLES, rangeHash(t, b, e))) break;
    s = b;
  }
  return s;
}

/** Flags of the word [s, e), read without its apostrophes ("O'Brien" as "obrien"). */
function flagsWithoutApostrophes(t: string, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let k = s; k < e; k++) {
    const c = t.charCodeAt(k);
    if (c === 39 || c === 0x2019) continue;
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), 0x01000193);
  }
  return wordFlags((h >>> 0) || 1);
}

/**
 * The start of a surname written before the first name at i with a comma ("Smith, Mary",
 * "O'Brien, Patrick", "van der Berg, Anna"): a capitalised dictionary surname (an everyday
 * word too, such as "Smith"; not a month, weekday or street word). i when there is none.
 */
function surnameBeforeComma(t: string, i: number): number {
  let e = i;
  while (e > 0 && i - e < 2 && isSpace(t.charCodeAt(e - 1))) e--;
  if (e === 0 || t.charCodeAt(e - 1) !== 44) return i;
  e--;
  let s = e;
  while (s > 0 && e - s < 24 && (isLetter(t.charCodeAt(s - 1)) || isApostrophe(t, s - 1))) s--;
  if (
    s === e || (s > 0 && (t.charCodeAt(s - 1) === 45 || isLetter(t.charCodeAt(s - 1)))) ||
    !isUpperAt(t, s) || wordAt(t, s) !== e
  ) return i;
  const direct = nameFlags(t, s, e, wordAtHash);
  // A name the lone-name rule redacts by itself stays apart: a list of first names ("Hannah,
  // Anthony and Derek") keeps its commas.
  if ((strongFirst(direct) || strongLast(direct)) && isLowerAt(t, s + 1)) return i;
  const f = wordAtJoined ? flagsWithoutApostrophes(t, s, e) : direct;
  if ((f & W_LAST) === 0 || f & (W_NOT_NAME | W_SUFFIX | W_MONTH | W_WEEKDAY)) return i;
  return particlesBefore(t, s);
}

/**
 * The start of a dictionary surname that is no everyday word, in title case or capitals,
 * before ", " and the word at i ("Garcia, " before "Maria"); -1 when there is none.
 */
function strongSurnameBeforeComma(t: string, i: number): number {
  if (t.charCodeAt(i - 1) !== 32 || t.charCodeAt(i - 2) !== 44) return -1;
  const e = i - 2;
  let s = e;
  while (s > 0 && e - s < 24 && isLetter(t.charCodeAt(s - 1))) s--;
  if (s === e || (s > 0 && isLetter(t.charCodeAt(s - 1))) || !isUpperAt(t, s)) return -1;
  if (wordAt(t, s) !== e) return -1;
  const f = nameFlags(t, s, e, wordAtHash);
  return strongLast(f) && (f & (W_NOT_NAME | W_SUFFIX | W_MONTH | W_WEEKDAY)) === 0 ? s : -1;
}

/** An apostrophe inside a word at p ("O'Brien"). */
function isApostrophe(t: string, p: number): boolean {
  const c = t.charCodeAt(p);
  return (c === 39 || c === 0x2019) && isLetter(t.charCodeAt(p - 1)) &&
    isLetter(t.charCodeAt(p + 1));
}

/**
 * Reads up to `max` name tokens (capitalised words, initials; particles inside: "van der
 * Berg") at p. Returns the end of the last word token, or -1 when the first token is not
 * name-like.
 */
function nameTokensEnd(t: string, p: number, max: number, lenient = false): number {
  let q = p;
  let end = -1;
  if (!isUpperAt(t, q) && (q = afterParticles(t, q)) < 0) return -1;
  for (let k = 0; k < max; k++) {
    const init = initialAt(t, q);
    if (init > 0) {
      const next = skipSpaces(t, init);
      if (next === init || !isUpperAt(t, next)) break;
      q = next;
      continue;
    }
    if (!isUpperAt(t, q)) break;
    const we = wordAt(t, q);
    if (we - q < 2) break;
    const tf = triggerFlags(wordAtHash);
    // After an honorific the first word is the name whatever it is ("Mrs. West").
    if (!(lenient && end < 0)) {
      if (tf & W_NOT_NAME) break;
      // A value's cue before its number is no part of a name ("Jane Doe MRN 4829133",
      // "Patient MRN 4829133", "Robert Johnson Patient ID: 5577643"): read into the name, it
      // took the cue from its number, which was left unredacted. After a name word any
      // identifier will do ("Jane Doe SSN 536-22-1234"); "Brad L Key and …" keeps its surname.
      if (
        tf & W_VALUE_CUE &&
        ((end >= 0 && numberAfter(t, we)) || cueBeforeId(t, q, we, wordAtHash))
      ) break;
    }
    end = we;
    let next = skipSpaces(t, we);
    if (next === we) break;
    if (!isUpperAt(t, next) && (next = afterParticles(t, next)) < 0) break;
    q = next;
  }
  return end;
}

/**
 * True when the value cue word [s, e) with hash h starts a cue whose value the word pass reads
 * after it: `MRN 4829133`, `MRN4829133`, `Acct# 88812345`, `Chart # 5577643`, `Patient ID:
 * 5577643`, `Zip Code: 02134`, `Medical Record Number 5577643`. A surname that is a cue word
 * with no such value after it stays a name ("Jane Driver 3", "Mary Race 5k").
 */
function cueBeforeId(t: string, s: number, e: number, h: number): boolean {
  return cueValueAt(t, s, e, h) >= 0;
}

/**
 * True when an identifier follows e, past spaces and a ':', '#' or '=' (spaces after the '#'
 * too): a token with a digit in its first four characters (`4829133`, `D1234567`, `A-12345`).
 */
function numberAfter(t: string, e: number): boolean {
  let q = e;
  const c = t.charCodeAt(q);
  if (c === 58 || c === 35 || c === 61) q++;
  q = skipSpaces(t, q);
  if (t.charCodeAt(q) === 35) q = skipSpaces(t, q + 1);
  for (let k = q; k < q + 4 && k < t.length; k++) {
    const d = t.charCodeAt(k);
    if (d >= 48 && d <= 57) return true;
    if (!isLetter(d) && d !== 45) return false;
  }
  return false;
}

/**
 * After a name read after a cue or honorific that ends at `end`, the end of a first name
 * written after a comma ("GARCIA, JOSE", "Smith, Mary Ann"): the surname-first order of
 * records and lists. `end` itself when no dictionary first name (not an everyday word)
 * follows the comma.
 */
function firstAfterComma(t: string, end: number, record: boolean): number {
  if (t.charCodeAt(end) !== 44) return end;
  const q = skipSpaces(t, end + 1);
  if (q - end > 3 || !isUpperAt(t, q)) return end;
  const e = wordAt(t, q);
  if (e - q < 2) return end;
  const h = wordAtHash;
  const f = nameFlags(t, q, e, h);
  // A value's cue and its number after the comma ("Patient: Garcia, Acct 12345678").
  if (f & W_VALUE_CUE && cueBeforeId(t, q, e, h)) return end;
  // After a record's cue ("Patient:", "Name:") the form is the record's: any dictionary first
  // name ("HOLLY"), or a word that is no everyday word or abbreviation ("AXEL", not "DOB")
  // ending the phrase ("Smith, Knee pain" is a surname and a complaint).
  const named = strongFirst(f) ||
    (record && (f & W_FIRST ||
      (unknownWord(f) && (e - q > 3 || isLowerAt(t, q + 1)) && !isLowerAt(t, skipSpaces(t, e)))));
  if (!named) return end;
  const e2 = nameTokensEnd(t, q, 2);
  const last = e2 > e ? e2 : e;
  // A middle initial closing the record form ("SMITH, MARY J").
  const r = skipSpaces(t, last);
  const init = r > last ? initialAt(t, r) : -1;
  return init > 0 ? init : last;
}

/**
 * True when the word at p, after `pt.`, is a dictionary first name or surname or a word that is
 * no everyday word (`pt. Zarkowski`, not `pt. Then`).
 */
function nameWordAfterPeriod(t: string, p: number): boolean {
  const we = wordAt(t, p);
  if (we === p) return false;
  const f = flagsAt(t, p, we);
  return f === 0 || (f & (W_FIRST | W_LAST)) !== 0;
}

/** After a cue phrase starting at p (first word ends at we), the start of the name or -1. */
function afterCue(t: string, we: number, phrase: number[]): number {
  let q = we;
  for (let k = 1; k < phrase.length; k++) {
    q = skipSpaces(t, q);
    const e = wordAt(t, q);
    if (e === q || wordAtHash !== phrase[k]) return -1;
    q = e;
  }
  // "Name:", "Directed By:", "name is", a comma after "Dear".
  while (q < t.length) {
    const c = t.charCodeAt(q);
    if (isSpace(c) || c === 58 || c === 44 || c === 45) q++;
    else break;
  }
  return q;
}

/** Titles and record cues a name may be joined to (`Dr-John-Smith`, `Patient_Quenby_Zarkowski`). */
const JOINED_CUE_SET = wordSet([...HONORIFICS, "patient", "pt"]);

/**
 * A name joined to the title or cue word [i, we) by '-', '_' or '.' (at we), the way an
 * identifier writes `Dr. John Smith` or `Patient Quenby Zarkowski`: up to four parts, each
 * joined to the one before by one of those characters, each in title case (or in capitals and
 * a dictionary name), a dictionary name or a word that is no everyday word, no cue, and not
 * glued to a digit (`Dr-John-Smith`, `Patient.Quenby-Zarkowski`; `dr-run`, `ms-sql`,
 * `Patient-Portal-V2`, `Patient-List-Redesign`, `MS-DOS` stay). After a cue that is no title,
 * a part is a dictionary name that is no everyday word, or two parts are words no dictionary
 * holds (`Patient_Banner`, `Patient-Portal` stay); after a cue in capitals the names are in
 * capitals (`MS-Excel` stays). The cue is capitalised but for `patient` (`sr-Latn`, `pt-BR` are
 * locale tags). A title is taken with the name, a cue is left as it is. Returns the end of the
 * name, or -1.
 */
export function joinedCueName(ctx: TextCtx, i: number, we: number, hash: number): number {
  const t = ctx.t;
  if (!setHas(JOINED_CUE_SET, hash) || (!isUpperAt(t, i) && hash !== H_PATIENT)) return -1;
  const title = setHas(HONORIFIC_SET, hash);
  let end = -1;
  // After a cue that is no title, a dictionary name that is no everyday word, or two words
  // no dictionary holds (`Patient_Banner`, `Patient-Portal-V2` stay).
  let strong = title;
  let unknown = 0;
  // A cue in capitals takes names in capitals only (`DR-JOHN-SMITH`; `MS-Excel` is a product).
  const caps = !isLowerAt(t, i + 1);
  let p = we + 1;
  for (let k = 0; k < 4; k++) {
    if (!isUpperAt(t, p)) break;
    let e = p + 1;
    let lower = false;
    let camel = false;
    for (; e < t.length; e++) {
      const c = t.charCodeAt(e);
      if (isLetter(c)) {
        if (isLowerAt(t, e)) lower = true;
        else if (lower) camel = true;
      } else if (!((c === 39 || c === 0x2019) && isLetter(t.charCodeAt(e + 1)))) break;
    }
    if (e - p < 2 || camel || (lower && caps) || isDigit(t.charCodeAt(e))) break;
    const h = rangeHash(t, p, e);
    if (triggerFlags(h) & (W_VALUE_CUE | W_NAME_CUE | W_NOT_NAME)) break;
    const f = nameFlags(t, p, e, h);
    if (!lower && (f & (W_FIRST | W_LAST)) === 0) break;
    if (valueWord(t, p, e, h) !== VALUE_NAME) break;
    if ((f & (W_COMMON | W_AMBIGUOUS)) === 0) {
      if (f & (W_FIRST | W_LAST)) strong = true;
      else unknown++;
    }
    end = e;
    const c = t.charCodeAt(e);
    if (c !== 45 && c !== 95 && c !== 46) break;
    p = e + 1;
  }
  if (end < 0 || !(strong || unknown >= 2)) return -1;
  hit(ctx, title ? i : we + 1, end, "PERSON_NAME");
  return end;
}

/**
 * Keys whose value is a person's name, written as one word (`firstName`, `FIRSTNAME`,
 * `surname`, `fname`) or with hyphens (`first-name`); in snake case (`first_name`) the key is
 * read at its last word, `name`, with one of NAME_KEY_PREFIXES before it. `given` and
 * `family` (FHIR HumanName, and its search parameters) are keys of their own kind.
 */
const NAME_KEY_WORDS = ["fname", "lname", "surname"];
const NAME_KEY_PREFIXES = [
  "first",
  "last",
  "given",
  "family",
  "patient",
  "middle",
  "maiden",
  "full",
  "legal",
  "person",
];
for (const prefix of NAME_KEY_PREFIXES) NAME_KEY_WORDS.push(prefix + "name", prefix + "-name");
const NAME_KEY_SET = wordSet(NAME_KEY_WORDS);
const NAME_PREFIX_SET = wordSet(NAME_KEY_PREFIXES);
const H_GIVEN = hashOf("given");
const H_FAMILY = hashOf("family");

/** Kinds of name key (nameKeyKind()). */
const K_NONE = 0;
/** `first_name`, `lastName`, `surname`, ...: any name-like value. */
const K_NAME_KEY = 1;
/** `name` alone: a value in title case after '=' only (`name=Quenby%20Zarkowski`). */
const K_BARE = 2;
/** `given`: as a quoted key, with a quoted value or after '='. */
const K_GIVEN = 3;
/** `family`: as `given`, and only in a text that has a `given` key too. */
const K_FAMILY = 4;
/** `display`: a quoted key in a JSON object that references a person (FHIR Reference). */
const K_DISPLAY = 5;
const H_DISPLAY = hashOf("display");
/** `text`: a quoted key in a JSON object that has a family or given key (FHIR HumanName). */
const K_TEXT = 6;
const H_TEXT = hashOf("text");
/** `patient`: a quoted value in title case (`patient="Quenby Zarkowski"`, `{"patient":"…"}`). */
const K_PATIENT = 7;

/** What kind of name key the word [i, we) with hash `hash` is. */
function nameKeyKind(t: string, i: number, hash: number): number {
  if (hash === H_NAME) {
    const b = i > 0 ? t.charCodeAt(i - 1) : 32;
    if (b === 95 || b === 45) {
      // `first_name`, `patient-name`: the word before the joiner names the name.
      let s = i - 1;
      while (s > 0 && i - 1 - s < 8 && isLetter(t.charCodeAt(s - 1))) s--;
      return s < i - 1 && setHas(NAME_PREFIX_SET, rangeHash(t, s, i - 1)) ? K_NAME_KEY : K_NONE;
    }
    // A key of its own: not the last part of `service.name`, `event_name`, `/name`.
    return isSpace(b) || b === 34 || b === 39 || b === 123 || b === 44 || b === 38 ||
        b === 63 || b === 40 || b === 59 || b === 10
      ? K_BARE
      : K_NONE;
  }
  if (hash === H_GIVEN) return K_GIVEN;
  if (hash === H_FAMILY) return K_FAMILY;
  if (hash === H_DISPLAY) return K_DISPLAY;
  if (hash === H_TEXT) return K_TEXT;
  if (hash === H_PATIENT) return K_PATIENT;
  return setHas(NAME_KEY_SET, hash) ? K_NAME_KEY : K_NONE;
}

/** Values that fill a name key without being a name. */
const NOT_A_NAME_VALUE = wordSet([
  "null",
  "nil",
  "nan",
  "none",
  "undefined",
  "true",
  "false",
  "na",
  "test",
  "string",
  "str",
  "varchar",
  "text",
  "asc",
  "desc",
  "unknown",
  "anonymous",
  "redacted",
  "required",
  "optional",
  "missing",
  "empty",
  "invalid",
  "example",
  "sample",
  "placeholder",
  "foo",
  "bar",
]);

/** A word of a name key's value: a dictionary name, or no everyday word. */
const VALUE_NAME = 1;
/** A word no name is: an everyday word, a cue, a month, `null`, ... */
const VALUE_WORD = 2;

/** Whether the word t[s, e) (wordAt() read it, hash h) may be part of a name. */
function valueWord(t: string, s: number, e: number, h: number): number {
  // ("Null", "True" and "Test" are surnames too.)
  if (setHas(NOT_A_NAME_VALUE, h)) return VALUE_WORD;
  const f = nameFlags(t, s, e, h);
  if (f & (W_FIRST | W_LAST)) return VALUE_NAME;
  return f & (W_COMMON | W_NOT_NAME | W_MONTH | W_WEEKDAY) ? VALUE_WORD : VALUE_NAME;
}

/** A word in title case or capitals, not camelCase (`Quenby`, `DOE`; not `IdentifierType`). */
function titleWord(t: string, s: number, e: number): boolean {
  if (!isUpperAt(t, s)) return false;
  let lower = false;
  for (let k = s + 1; k < e; k++) {
    if (isLowerAt(t, k)) lower = true;
    else if (lower && isUpperAt(t, k)) return false;
  }
  return true;
}

/**
 * The end of a quoted value at v that reads as a name, up to the closing quote `q` (a
 * backslash before it when `escaped`): letters, spaces, '.', ',', '-', '^' and inner
 * apostrophes only, at most 64 characters, no everyday word (`any`: any words). -1 otherwise.
 */
function quotedNameEnd(
  t: string,
  v: number,
  q: number,
  escaped: boolean,
  strict: boolean,
  any = false,
): number {
  let e = v;
  let words = 0;
  while (e < t.length && e - v <= 64) {
    const c = t.charCodeAt(e);
    if (escaped ? c === 92 && t.charCodeAt(e + 1) === q : c === q) {
      return words > 0 ? e : -1;
    }
    if (isLetter(c)) {
      const w = wordAt(t, e);
      if (
        !any &&
        (valueWord(t, e, w, wordAtHash) !== VALUE_NAME || (strict && !titleWord(t, e, w)))
      ) return -1;
      words++;
      e = w;
    } else if (c === 32 || c === 44 || c === 46 || c === 45 || c === 94) e++;
    else return -1;
  }
  return -1;
}

/**
 * The end of an unquoted value at v that reads as a name: a word (lower case only when not
 * `strict`), then up to three more in title case or capitals (an initial may take its '.'),
 * or joined by '^' (`DOE^JANE`, a DICOM or HL7 name), ending where the value does (the end of
 * the text or a line, a space, '&', ',', ';', a quote, a closing bracket or '|'). -1 otherwise.
 */
function bareNameEnd(t: string, v: number, strict: boolean): number {
  let w = v;
  let end = -1;
  let caret = false;
  for (let k = 0; k < 4; k++) {
    if (!isLetter(t.charCodeAt(w)) || (k > 0 && !caret && !isUpperAt(t, w))) break;
    let e = wordAt(t, w);
    if (valueWord(t, w, e, wordAtHash) !== VALUE_NAME || (strict && !titleWord(t, w, e))) {
      // `first_name: Quenby was seen` ends the name; `name=Dark Mode` is no name at all.
      if (k === 0 || strict) return -1;
      break;
    }
    if (e - w === 1 && t.charCodeAt(e) === 46) e++;
    const c = t.charCodeAt(e);
    caret = c === 94;
    if (!caret && !valueEnds(c, e >= t.length)) {
      if (k === 0) return -1;
      break;
    }
    end = e;
    if (c !== 32 && !caret) break;
    w = e + 1;
  }
  return end;
}

/** True when the character c (or the end of the text) can end an unquoted value. */
function valueEnds(c: number, atEnd: boolean): boolean {
  return atEnd || c === 32 || c === 38 || c === 44 || c === 59 || c === 10 || c === 13 ||
    c === 9 || c === 34 || c === 39 || c === 41 || c === 93 || c === 125 || c === 124;
}

/** What keyNameValue() answers for a key and separator followed by no name. */
const NOT_NAME_VALUE = -2;

/**
 * The value of a name key [i, we) of kind `kind` (see nameKeyKind()): after an optional
 * closing quote of the key (`"`, `'`, `\"`), '=' or ':' (or `=>`), spaces around them, an
 * optional '[' and an optional opening quote, a value that reads as a name (quotedNameEnd(),
 * bareNameEnd()). Each string of an array is read (`"given":["Jane","Q"]`). Returns the end
 * of the last value hit; NOT_NAME_VALUE when a separator follows the key but no name does
 * (`first_name: Required`, `"last_name":null`); -1 when no separator follows it.
 */
function keyNameValue(ctx: TextCtx, i: number, we: number, kind: number): number {
  const t = ctx.t;
  let p = we;
  let c = t.charCodeAt(p);
  let keyQuoted = false;
  if (c === 34 || c === 39) {
    keyQuoted = true;
    p++;
  } else if (c === 92 && t.charCodeAt(p + 1) === 34) {
    keyQuoted = true;
    p += 2;
  }
  // An XML element (`<PatientName>Quenby Zarkowski</PatientName>`) or a Postgres key detail
  // (`Key (full_name)=(Quenby Zarkowski)`): the value up to the '<' or ')' that closes it.
  if (c === 62 || c === 41) return closedNameValue(ctx, i, p, kind);
  p = skipSpaces(t, p);
  let sep = t.charCodeAt(p);
  // A FHIR XML element: `<family value="Zarkowski"/>`, `<given value="Quenby"/>`.
  if (sep === 118 && t.charCodeAt(i - 1) === 60 && readsAt(t, p, "value")) {
    const r = skipSpaces(t, p + 5);
    if (t.charCodeAt(r) === 61) {
      p = r;
      sep = 61;
    }
  }
  if (sep !== 58 && sep !== 61) return -1;
  if (kind === K_BARE && (sep !== 61 || keyQuoted)) return -1;
  p = skipSpaces(t, p + 1);
  if (sep === 61 && t.charCodeAt(p) === 62) p = skipSpaces(t, p + 1);
  const array = t.charCodeAt(p) === 91;
  if (array) p = skipSpaces(t, p + 1);
  c = t.charCodeAt(p);
  let q = 0;
  let escaped = false;
  if (c === 34 || c === 39) q = c;
  else if (c === 92 && t.charCodeAt(p + 1) === 34) {
    q = 34;
    escaped = true;
  }
  if (kind === K_DISPLAY || kind === K_TEXT) {
    // `"display":"DOE, JANE"` beside `"reference":"Patient/…"` or under `"subject":{…}`; the
    // `"text"` of an object with a `"family"` or `"given"` key.
    if (!keyQuoted || q === 0 || array) return -1;
    const v = p + (escaped ? 2 : 1);
    const e = quotedNameEnd(t, v, q, escaped, false, true);
    if (e < 0 || !(kind === K_DISPLAY ? personReference(t, i, e) : humanName(t, i, e))) {
      return -1;
    }
    hit(ctx, v, e, "PERSON_NAME");
    return e;
  }
  if (kind === K_GIVEN || kind === K_FAMILY) {
    // `given: the patient`, `font family: Arial` are prose and style, not a key.
    if (!keyQuoted && q === 0 && sep !== 61) return -1;
    // `{"os":{"family":"Mac OS X"}}` (ua-parser): a family with no given name is no person.
    if (kind === K_FAMILY && !hasGiven(ctx)) return -1;
  }
  // `patient` holds a name only quoted (`patient: 3 of 40`, `patient=4829133` are no names).
  if (kind === K_PATIENT && q === 0) return -1;
  const strict = kind === K_BARE || kind === K_PATIENT;
  if (q === 0) {
    if (array) return NOT_NAME_VALUE;
    const e = bareNameEnd(t, p, strict);
    if (e < 0) return NOT_NAME_VALUE;
    hit(ctx, p, e, "PERSON_NAME");
    return e;
  }
  let last = -1;
  for (let item = 0; item < 4; item++) {
    const v = p + (escaped ? 2 : 1);
    const e = quotedNameEnd(t, v, q, escaped, strict);
    if (e < 0) break;
    hit(ctx, v, e, "PERSON_NAME");
    last = e;
    if (!array) break;
    // The next string of the array: `, "`.
    let r = skipSpaces(t, e + (escaped ? 2 : 1));
    if (t.charCodeAt(r) !== 44) break;
    r = skipSpaces(t, r + 1);
    if (escaped ? t.charCodeAt(r) !== 92 || t.charCodeAt(r + 1) !== q : t.charCodeAt(r) !== q) {
      break;
    }
    p = r;
  }
  return last > 0 ? last : NOT_NAME_VALUE;
}

/**
 * The value of a name key [i, …) closed by the character at p: '>' ending an XML start tag the
 * key names (a '<' right before it), the value up to the next '<'; ')' of a Postgres key detail
 * (`Key (full_name)=(…)`), the value up to the next ')'. The value reads as a name
 * (quotedNameEnd(), in title case for `name` and `patient`). -1 when the form is not there,
 * NOT_NAME_VALUE when no name is in it.
 */
function closedNameValue(ctx: TextCtx, i: number, p: number, kind: number): number {
  const t = ctx.t;
  const c = t.charCodeAt(p);
  let v: number;
  let close: number;
  if (c === 62 && t.charCodeAt(i - 1) === 60) {
    v = p + 1;
    close = 60;
  } else if (c === 41 && t.charCodeAt(p + 1) === 61 && t.charCodeAt(p + 2) === 40) {
    v = p + 3;
    close = 41;
  } else return -1;
  if (kind === K_DISPLAY || kind === K_TEXT || (kind === K_FAMILY && !hasGiven(ctx))) return -1;
  const e = quotedNameEnd(t, v, close, false, kind === K_BARE || kind === K_PATIENT);
  if (e < 0) return NOT_NAME_VALUE;
  hit(ctx, v, e, "PERSON_NAME");
  return e;
}

/**
 * True when the text has the word `given` (a FHIR HumanName's given names, a search
 * parameter); looked for once per text (a text holds many `family` keys).
 */
function hasGiven(ctx: TextCtx): boolean {
  if (ctx.givenKey < 0) {
    const t = ctx.t;
    ctx.givenKey = t.indexOf("iven") >= 0 || t.indexOf("IVEN") >= 0 ? 1 : 0;
  }
  return ctx.givenKey === 1;
}

/** How far the JSON object around a `display` key is looked for, each way. */
const OBJECT_REACH = 300;

/**
 * The '{' opening the JSON object that holds position p (brackets counted, strings not
 * parsed), within OBJECT_REACH characters before it; -1 when none is there.
 */
function objectStart(t: string, p: number): number {
  let depth = 0;
  for (let k = p - 1; k >= 0 && p - k <= OBJECT_REACH; k--) {
    const c = t.charCodeAt(k);
    if (c === 125 || c === 93) depth++;
    else if (c === 123 || c === 91) {
      if (depth === 0) return c === 123 ? k : -1;
      depth--;
    }
  }
  return -1;
}

/** The '}' closing the JSON object that holds position p, or where the reach ends. */
function objectEnd(t: string, p: number): number {
  let depth = 0;
  const last = Math.min(t.length, p + OBJECT_REACH);
  for (let k = p; k < last; k++) {
    const c = t.charCodeAt(k);
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (depth === 0) return k;
      depth--;
    }
  }
  return last;
}

/** A reference to a person's resource (`Patient/123`, `https://…/Practitioner/77`). */
const PERSON_REF = /^(?:[^"\\]*\/)?(?:Patient|Practitioner|RelatedPerson|Person)\/[^/"\\]/;
/** Keys under which a FHIR Reference points to a person. */
const PERSON_REF_KEYS = wordSet(["subject", "patient", "beneficiary", "performer", "individual"]);

/**
 * True when the JSON object around the `display` key at i (its value ending at e) references
 * a person: a `"reference"` in it to a Patient, Practitioner, RelatedPerson or Person, or,
 * with no reference, the object sits under `subject`, `patient`, `beneficiary`, `performer`
 * or `individual`.
 */
function personReference(t: string, i: number, e: number): boolean {
  const s = objectStart(t, i);
  if (s < 0) return false;
  const end = objectEnd(t, e);
  for (let k = s + 1; k + 9 < end; k++) {
    if (t.charCodeAt(k) !== 114 || !t.startsWith("reference", k)) continue;
    let r = k + 9;
    if (t.charCodeAt(r) === 92) r++;
    if (t.charCodeAt(r) !== 34) continue;
    r = skipSpaces(t, r + 1);
    if (t.charCodeAt(r) !== 58) continue;
    r = skipSpaces(t, r + 1);
    if (t.charCodeAt(r) === 92) r++;
    if (t.charCodeAt(r) !== 34) continue;
    return PERSON_REF.test(t.slice(r + 1, Math.min(end, r + 121)));
  }
  // No reference: the key before the object (`"subject":{`, `"performer":[{`).
  let k = s - 1;
  while (k >= 0 && isSpace(t.charCodeAt(k))) k--;
  if (t.charCodeAt(k) === 91) k--;
  while (k >= 0 && isSpace(t.charCodeAt(k))) k--;
  if (t.charCodeAt(k) !== 58) return false;
  k--;
  while (k >= 0 && isSpace(t.charCodeAt(k))) k--;
  if (t.charCodeAt(k) === 34) k--;
  if (t.charCodeAt(k) === 92) k--;
  let b = k + 1;
  while (b > 0 && k + 1 - b < 12 && isLetter(t.charCodeAt(b - 1))) b--;
  return b <= k && setHas(PERSON_REF_KEYS, rangeHash(t, b, k + 1));
}

/**
 * True when the JSON object around the `text` key at i (its value ending at e) has a `family`
 * or `given` key: a FHIR HumanName, whose text is the whole name.
 */
function humanName(t: string, i: number, e: number): boolean {
  const s = objectStart(t, i);
  if (s < 0) return false;
  const end = objectEnd(t, e);
  for (let k = s + 1; k + 7 < end; k++) {
    const c = t.charCodeAt(k);
    if (c !== 102 && c !== 103) continue;
    const r = t.startsWith("family", k) ? k + 6 : t.startsWith("given", k) ? k + 5 : -1;
    if (r < 0 || t.charCodeAt(k - 1) !== 34) continue;
    const after = t.charCodeAt(r);
    if (after === 34 || (after === 92 && t.charCodeAt(r + 1) === 34)) return true;
  }
  return false;
}

/** Names at the word [i, we) with hash-table flags `flags`. Returns the end of a hit or -1. */
export function matchNames(
  ctx: TextCtx,
  i: number,
  we: number,
  flags: number,
  hash: number,
  plain = false,
): number {
  const t = ctx.t;
  if (flags & W_NAME_CUE) {
    // A key and its value (`first_name=Quenby`, `"family":"Doe"`, `lastName: "Doe"`): what can
    // follow a key, then the key.
    const k = t.charCodeAt(we);
    if (
      k === 34 || k === 39 || k === 92 || k === 61 || k === 58 || k === 32 || k === 62 || k === 41
    ) {
      const kind = nameKeyKind(t, i, hash);
      if (kind !== K_NONE) {
        const e = keyNameValue(ctx, i, we, kind);
        if (e > 0) return e;
        // A name key whose value is no name (`first_name: Required`): not the `name` cue's.
        if (e === NOT_NAME_VALUE && kind === K_NAME_KEY) return -1;
      }
    }
    // `Dr_John_Smith`, `Dr.John.Smith`, `Patient_Quenby_Zarkowski`: the name joined to its
    // title or cue as an identifier writes it (the '-' form arrives from the token pass).
    const j = t.charCodeAt(we);
    if ((j === 95 || j === 46) && isUpperAt(t, we + 1)) {
      const e = joinedCueName(ctx, i, we, hash);
      if (e > 0) return e;
    }
    if (setHas(HONORIFIC_SET, hash)) {
      let q = we;
      if (t.charCodeAt(q) === 46) q++;
      const start = skipSpaces(t, q);
      if (start > q || t.charCodeAt(q - 1) === 46) {
        let end = nameTokensEnd(t, start, 4, true);
        if (end > 0) {
          end = firstAfterComma(t, end, false);
          hit(ctx, i, end, "PERSON_NAME");
          return end;
        }
      }
    }
    const phrases = CUE_FIRST.get(hash);
    if (phrases !== undefined) {
      // `pt.`: the abbreviation's period, as `Pt Zarkowski` reads without it. The period may
      // end a sentence too ("spoke with pt. Then …"): the word after it must be a dictionary
      // name or no everyday word.
      const dotted = hash === H_PT && t.charCodeAt(we) === 46 && isSpace(t.charCodeAt(we + 1));
      for (const phrase of phrases) {
        const start = afterCue(t, dotted ? we + 1 : we, phrase);
        if (start < 0) continue;
        if (dotted && !nameWordAfterPeriod(t, start)) break;
        let end = setHas(STRICT_CUES, hash)
          ? strictCueNameEnd(t, start)
          : nameTokensEnd(t, start, 4);
        if (end > 0) {
          end = firstAfterComma(t, end, hash === H_NAME || hash === H_PATIENT || hash === H_PT);
          // `name SMITH^MARY^Q`: the given and middle names of an HL7 name after the cue.
          end = xpnGivenEnd(t, end);
          hit(ctx, start, end, "PERSON_NAME");
          return end;
        }
      }
    }
  }
  if (!isUpperAt(t, i)) return -1;
  // Double-barrelled surname: "Garcia-Roberson" (a plain word has no hyphen).
  let dash = -1;
  for (let k = plain ? we : i + 1; k < we; k++) {
    if (t.charCodeAt(k) === 45) {
      dash = k;
      break;
    }
  }
  if (dash > 0) {
    const a = flagsAt(t, i, dash);
    const b = flagsAt(t, dash + 1, we);
    if (
      a & W_LAST && b & W_LAST && (strongLast(a) || strongLast(b)) && isUpperAt(t, dash + 1) &&
      !setHas(HYPHENATED_EPONYMS, rangeHash(t, i, we))
    ) {
      hit(ctx, i, we, "PERSON_NAME");
      return we;
    }
  }
  // Outside cues a name is written in title case ("Anna", not "ANNA" or "RO"); "NaN" is
  // JavaScript's not-a-number printed into a value or a message, not "Nan".
  if (!isLowerAt(t, i + 1)) return -1;
  if (we - i === 3 && t.charCodeAt(i) === 78 && t.charCodeAt(i + 2) === 78) return -1;
  const first = strongFirst(flags);
  const last = strongLast(flags);
  const unknown = (flags & (W_FIRST | W_LAST)) === 0 && unknownWord(flags);
  if (!first && !last && !unknown && !(flags & W_FIRST)) return -1;
  // First [Initial] [particles] Last.
  let q = skipSpaces(t, we);
  if (q > we && q - we < 3) {
    const init = initialAt(t, q);
    if (init > 0) q = skipSpaces(t, init);
    // "Jan van der Berg": particles between a first name and the surname.
    const particles = flags & W_FIRST && init < 0 && isLowerAt(t, q) ? afterParticles(t, q) : -1;
    if (particles > 0) q = particles;
    if (isUpperAt(t, q)) {
      const e2 = wordAt(t, q);
      const h2 = wordAtHash;
      const f2 = wordAtWide ? nameFlags(t, q, e2, wordAtHash) : wordFlags(wordAtHash);
      const secondLast = strongLast(f2) || (wordAtJoined && secondLastByDash(t, q, e2));
      // A dictionary surname that is also an everyday word ("Smith", "Brown", "Hill") after
      // a first name: the surname, in title case; a street word only where no capitalised
      // word follows it ("Mary Hill", not "Mary Hill Road"), or where that word is a value's
      // cue before its value ("Mary Hill Zip 02134", "Mary Hill MRN 4829133").
      const everydayLast = first && f2 & W_LAST && (f2 & W_NOT_NAME) === 0 &&
        isLowerAt(t, q + 1) &&
        ((f2 & W_SUFFIX) === 0 ||
          (!setHas(STREET_TYPES, h2) && (!capitalAfter(t, e2) || valueCueAfter(t, e2))));
      const secondOk = e2 - q >= 2 &&
        ((f2 & (W_NOT_NAME | W_SUFFIX)) === 0 || everydayLast);
      // A middle initial after a first name ("Jane Q Doe") makes the next capitalised word
      // the surname even when it is also an everyday word.
      const byInitial = init > 0 && first && isLowerAt(t, q + 1);
      // A value's cue before its number is no surname ("Johnson, Robert MRN 5577643", "Jane
      // MRN4829133", "Robert Patient ID: 5577643"): the first name is left to the lone-name
      // rule and the cue to the word pass.
      if (
        secondOk && !(f2 & W_VALUE_CUE && cueBeforeId(t, q, e2, h2)) &&
        (byInitial || (first && (secondLast || unknownWord(f2) || everydayLast)) ||
          (flags & W_FIRST && secondLast) || (unknown && secondLast) ||
          (particles > 0 && (f2 & W_LAST || unknownWord(f2))))
      ) {
        const end = nameTokensEnd(t, q, 2);
        hit(ctx, first ? surnameBeforeComma(t, i) : i, end > 0 ? end : e2, "PERSON_NAME");
        return end > 0 ? end : e2;
      }
    }
  }
  // Lists of surnames: "Davis, Reynolds and Williamson".
  if (flags & W_LAST && t.charCodeAt(we) === 44) {
    const end = surnameList(t, we, last);
    if (end > 0) {
      hit(ctx, i, end, "PERSON_NAME");
      return end;
    }
  }
  // A lone dictionary name ("Anna is from Plotwatt"): first names and surnames that are
  // not everyday words.
  // A first name after "Surname, " takes the surname with it ("Smith, Mary"); a surname
  // takes the particles before it ("van der Berg").
  // Not a listed surname before its eponym's noun ("Wilson disease", "Pearson correlation");
  // after another name it is a person's ("Braden Parkinson score sheet").
  if ((first || last) && !(eponymAt(t, i, we) && !nameBefore(t, i))) {
    let s = first ? surnameBeforeComma(t, i) : i;
    if (s === i && flags & W_LAST) s = particlesBefore(t, i);
    hit(ctx, s, we, "PERSON_NAME");
    return we;
  }
  // A first name that is an everyday word too ("Maria", "Mark") after a surname and a comma,
  // ending the phrase: the surname-first order of records ("Garcia, Maria"; not "Lopez, Will
  // follow up"). Alone it is no name, so it was left beside its redacted surname.
  if (flags & W_FIRST && t.charCodeAt(i - 2) === 44 && !isLowerAt(t, skipSpaces(t, we))) {
    const s = strongSurnameBeforeComma(t, i);
    if (s >= 0) {
      hit(ctx, s, we, "PERSON_NAME");
      return we;
    }
  }
  return -1;
}

/**
 * Eponyms: a surname and the noun it names, written together ("Parkinson disease",
 * "Parkinson's disease", "Hodgkin lymphoma", "Pearson correlation", "Gleason score", "Mayo
 * Clinic"). A research platform's searches, cohort names and error messages are full of them;
 * read as a person's name, they made analytics events and log lines lose the very terms
 * researchers work with.
 *
 * Each surname is listed with its own nouns, never a noun alone: a rule keyed on the noun let
 * patients through wherever that noun follows a name in ordinary notes ("Garcia's score was
 * 4", "Kim clinic visit", "Mary hospital admission", "Anderson's fracture healed"). So a
 * surname from this list before another noun ("Wilson hospital stay"), a surname not listed
 * before a listed noun ("Garcia score"), and a first name anywhere stay names. Common surnames
 * whose eponyms also read as a person's notes (Smith fracture, Jones criteria) are left out:
 * when unsure, redact.
 */
const DISEASE = ["disease", "diseases"];
const EPONYMS: Record<string, readonly string[]> = {
  // Diseases and syndromes.
  addison: DISEASE,
  alzheimer: DISEASE,
  asperger: ["syndrome"],
  behcet: [...DISEASE, "syndrome"],
  bell: ["palsy"],
  burkitt: ["lymphoma"],
  castleman: DISEASE,
  crohn: DISEASE,
  cushing: [...DISEASE, "syndrome"],
  duchenne: ["muscular", "dystrophy"],
  ewing: ["sarcoma", "tumor", "tumour"],
  fabry: DISEASE,
  friedreich: ["ataxia"],
  gaucher: DISEASE,
  graves: DISEASE,
  hashimoto: ["thyroiditis", "disease", "encephalopathy"],
  hirschsprung: DISEASE,
  hodgkin: [...DISEASE, "lymphoma"],
  huntington: DISEASE,
  kaposi: ["sarcoma"],
  kawasaki: DISEASE,
  marfan: ["syndrome"],
  meniere: DISEASE,
  paget: DISEASE,
  parkinson: DISEASE,
  raynaud: [...DISEASE, "phenomenon", "syndrome"],
  sjogren: ["syndrome", "disease"],
  tourette: ["syndrome"],
  wilms: ["tumor", "tumour"],
  wilson: DISEASE,
  // Statistics.
  bonferroni: ["correction", "adjustment", "method"],
  cox: ["regression", "model", "proportional"],
  cronbach: ["alpha"],
  kendall: ["tau", "rank", "correlation"],
  likert: ["scale", "item", "items"],
  pearson: ["correlation", "coefficient"],
  poisson: ["distribution", "regression", "model"],
  spearman: ["rank", "correlation", "coefficient"],
  wilcoxon: ["test", "rank", "signed"],
  // Scores and classifications.
  apgar: ["score", "scores"],
  barthel: ["index"],
  braden: ["scale", "score"],
  charlson: ["index", "comorbidity", "score"],
  gleason: ["score", "grade", "pattern"],
  karnofsky: ["score", "performance", "status"],
  killip: ["class", "classification"],
  mallampati: ["score", "class", "classification"],
  // Institutions.
  baylor: ["college", "university", "medicine"],
  cleveland: ["clinic"],
  // (Emory is a first name too: not before "hospital" or "clinic".)
  emory: ["university", "healthcare"],
  mayo: ["clinic"],
};
const EPONYM_PAIRS = wordSet(
  Object.entries(EPONYMS).flatMap(([name, heads]) => heads.map((head) => `${name} ${head}`)),
);
/**
 * Hyphenated eponyms, which the double-barrelled surname rule would take for a person's name
 * ("Creutzfeldt-Jakob disease", "Kaplan-Meier estimate").
 */
const HYPHENATED_EPONYMS = wordSet([
  "creutzfeldt-jakob",
  "ehlers-danlos",
  "guillain-barre",
  "kaplan-meier",
  "kruskal-wallis",
  "mann-whitney",
  "prader-willi",
  "stevens-johnson",
  "wolff-parkinson-white",
]);

/**
 * True when the word [s, e) is a listed eponym surname followed, past a possessive 's and one
 * space, by one of its own nouns.
 */
function eponymAt(t: string, s: number, e: number): boolean {
  let q = e;
  const c = t.charCodeAt(q);
  if ((c === 39 || c === 0x2019) && (t.charCodeAt(q + 1) | 32) === 115) q += 2;
  if (t.charCodeAt(q) !== 32) return false;
  const hs = q + 1;
  let he = hs;
  while (he < t.length && isLetter(t.charCodeAt(he))) he++;
  if (he - hs < 3) return false;
  // The hash of "<surname> <noun>" in lower case, as wordSet hashes the listed pairs.
  let h = 0x811c9dc5;
  for (let k = s; k < e; k++) h = Math.imul(h ^ lower(t.charCodeAt(k)), 0x01000193);
  h = Math.imul(h ^ 32, 0x01000193);
  for (let k = hs; k < he; k++) h = Math.imul(h ^ lower(t.charCodeAt(k)), 0x01000193);
  h >>>= 0;
  return setHas(EPONYM_PAIRS, h === 0 ? 1 : h);
}
const lower = (c: number) => (c >= 65 && c <= 90 ? c | 32 : c);

/**
 * True when the word right before i, past spaces, can be part of a person's name: capitalised,
 * and a dictionary name or no known word ("Braden |Parkinson", "Keanu |Graves"; not "The" or
 * "Reviewed").
 */
function nameBefore(t: string, i: number): boolean {
  let p = i;
  while (p > 0 && isSpace(t.charCodeAt(p - 1))) p--;
  if (p === i) return false;
  let s = p;
  while (s > 0 && isLetter(t.charCodeAt(s - 1))) s--;
  if (s === p || !isUpperAt(t, s)) return false;
  const f = flagsAt(t, s, p);
  return (f & (W_FIRST | W_LAST)) !== 0 || unknownWord(f);
}

/** Street words that are surnames too but name a street after a first name ("Dale Street"). */
const STREET_TYPES = wordSet([
  "street",
  "court",
  "place",
  "way",
  "lane",
  "square",
  "plaza",
  "row",
  "close",
  "walk",
]);

/** True when a capitalised word follows e after spaces ("Hill Road"). */
function capitalAfter(t: string, e: number): boolean {
  const q = skipSpaces(t, e);
  return q > e && isUpperAt(t, q);
}

/**
 * True when the word after e (past spaces) is a value's cue before its value (`Zip 02134`,
 * `MRN 4829133`): the end of a phrase, not the next word of a street's name. Overwrites
 * wordAtHash.
 */
function valueCueAfter(t: string, e: number): boolean {
  const q = skipSpaces(t, e);
  const we = wordAt(t, q);
  if (we - q < 2) return false;
  const h = wordAtHash;
  return (triggerFlags(h) & W_VALUE_CUE) !== 0 && cueBeforeId(t, q, we, h);
}

function secondLastByDash(t: string, s: number, e: number): boolean {
  for (let k = s + 1; k < e; k++) {
    if (t.charCodeAt(k) === 45) {
      return strongLast(flagsAt(t, s, k)) && strongLast(flagsAt(t, k + 1, e));
    }
  }
  return false;
}

/** ", Last and Last" / ", Last, Last and Last" after a surname; returns end or -1. */
function surnameList(t: string, p: number, firstStrong: boolean): number {
  let q = p;
  let count = 1;
  let strong = firstStrong;
  for (let guard = 0; guard < 4; guard++) {
    if (t.charCodeAt(q) === 44) q++;
    q = skipSpaces(t, q);
    let joined = false;
    if (t.startsWith("and ", q)) {
      q = skipSpaces(t, q + 4);
      joined = true;
    }
    const e = wordAt(t, q);
    const f = wordFlags(wordAtHash);
    if (e === q || !isUpperAt(t, q) || !(f & W_LAST)) return -1;
    if (strongLast(f)) strong = true;
    count++;
    q = e;
    if (joined) return count >= 3 && strong ? e : -1;
    if (t.charCodeAt(q) !== 44 && !t.startsWith(" and ", q)) return -1;
  }
  return -1;
}

// Register the trigger words with the word pass's hash table.
registerWords(FIRST, W_FIRST);
registerWords(COMMON, W_COMMON);
registerWords(NOT_NAME, W_NOT_NAME);
registerWords(LAST, W_LAST);
registerWords(AMBIGUOUS, W_AMBIGUOUS);
registerWords(HONORIFICS, W_NAME_CUE);
registerWords(NAME_CUES.map((phrase) => phrase[0]!), W_NAME_CUE);
registerWords(NAME_CUES.flat(), W_CUE_WORD);
registerWords([...NAME_KEY_WORDS, "given", "family", "display", "text"], W_NAME_CUE);
// A first name that is a computer too ("Mac OS X", ua-parser's family of macOS): a name beside
// a surname only, like the other names that are everyday words.
registerWords(["mac"], W_AMBIGUOUS);
