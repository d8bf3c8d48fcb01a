/**
 * The word pass: one walk over the words of the text. Each word is looked up (lower-case)
 * in small tables: cue phrases that announce a value (MRN, ZIP, licence, ...), month and
 * weekday names, unit designators, honorifics and the name dictionaries. Alphanumeric
 * words are also checked for IBAN, VIN and MAC shapes.
 */
import {
  C_DIGIT,
  C_LETTER,
  C_UPPER,
  CLS,
  isAlnum,
  isAsciiLetter,
  isDigit,
  isHex,
  isLetter,
  isLowerAscii,
  isSpace,
  isUpperAscii,
  isUpperAt,
  isWordChar,
} from "../chars.ts";
import { birthCueBefore, endsClean, fhirPrefixedDate, PHONE_CUE_WORDS, tryAt } from "./numbers.ts";
import { wordAt, wordAtHash } from "../read.ts";
import { base64At, hexOrBase32At } from "./base64.ts";
import { xpnNameAt } from "./hl7.ts";
import { ibanLength, ibanValid, ssnIssuable, vinCheckDigitValid } from "../checksums.ts";
import { cueBefore, cueList, hit, readsAt, take, type TextCtx } from "../context.ts";
import type { PhiType } from "../types.ts";
import { ciscoMacAt, colonMayMatch, macAt } from "./network.ts";
import { changesAt } from "../normalize.ts";
import { matchUnit, matchWordStreet, postalCodeAt } from "./address.ts";
import { isKnownName, joinedCueName, matchNames } from "./names.ts";
import { DUMP_WORDS, isDumpWord, startDumpPass, valueDumpAt } from "./value_dumps.ts";
import {
  HashIndex,
  hashOf,
  mayBeContext,
  nameFlags,
  registerWords,
  setHas,
  triggerFlags,
  W_AMBIGUOUS,
  W_COMMON,
  W_CONTEXT,
  W_CUE_WORD,
  W_FIRST,
  W_LAST,
  W_MONTH,
  W_NAME_CUE,
  W_NOT_NAME,
  W_STREET_PREFIX,
  W_SUFFIX,
  W_UNIT,
  W_VALUE_CUE,
  W_WEEKDAY,
  wordFlags,
  wordHash,
  wordSet,
} from "../word_table.ts";

/**
 * What a cue announces and the shape of the value that follows it. "joined": an identifier
 * joined to the cue word itself (`patient_4829133`, `patient-4829133`, `Patient #4829133`).
 * "hash": a record number after '#' only (`Encounter #4829133`, `MR# 4829133`), held to the
 * joined rule. "number": a record number of 6 or more digits after the cue, a space, ':' or '#'
 * and its filler (`FIN 48291337`; the cue in capitals or title case). "path": a number in the
 * next segment of a URL path (`/patients/4829133`).
 */
type Shape =
  | "id"
  | "postal"
  | "place"
  | "demonym"
  | "digits"
  | "joined"
  | "hash"
  | "number"
  | "spaced"
  | "path"
  | "auth"
  | "cookie"
  | "key";
interface Cue {
  words: string[];
  /** Hashes of words[1..] (the first word is the index key). */
  hashes: number[];
  type: PhiType;
  shape: Shape;
  /**
   * The way identifiers are written in keys, ids and query strings: words joined by '_'
   * (`patient_id`), the value joined by '_' (`mrn_4829133`) and followed by '_'
   * (`mrn_4829133_jane`).
   */
  joins: boolean;
}

const CUES: Cue[] = [];
function cue(type: PhiType, shape: Shape, phrases: string[], joins = false): void {
  for (const phrase of phrases) {
    const words = phrase.split(" ");
    CUES.push({ words, hashes: words.map(hashOf), type, shape, joins });
  }
}
const MRN_PHRASES = [
  "mrn",
  "medical record number",
  "medical record no",
  "medical record",
  "med rec",
  "chart number",
  "chart no",
  "patient id",
  "patient number",
  "patient no",
  "record number",
  "hospital number",
  "hospital no",
  "hospital id",
  "health record",
  "encounter id",
  "encounter number",
  "encounter no",
  "visit id",
  "visit number",
  "visit no",
  "accession number",
];
cue("MRN", "id", MRN_PHRASES, true);
// The same phrases as one word, as keys and ids spell them: `patientId`, `PATIENTID`,
// `medicalRecordNumber`, `patient-id`, `medical-record-number` (snake case is the phrase
// joined by '_').
cue(
  "MRN",
  "id",
  MRN_PHRASES.filter((p) => p.includes(" ")).map((p) => p.replaceAll(" ", "")),
  true,
);
cue(
  "MRN",
  "id",
  MRN_PHRASES.filter((p) => p.includes(" ")).map((p) => p.replaceAll(" ", "-")),
  true,
);
// "chart" alone: not joined by '_' (`chart_12345` is a dashboard widget's id).
cue("MRN", "id", ["chart"]);
// The plural before a list: `MRNs 5577643, 5577644`.
cue("MRN", "id", ["mrns"]);
// "patient" alone announces a record number only joined to it (`patient_4829133`,
// `patient-4829133`, `patient=4829133`, `Patient #4829133`, `patient: 4829133`); after a
// space a number is as often a count or an index ("patient 1234 of 5000").
cue("MRN", "joined", ["patient"]);
// An encounter or visit number after '#' (`Encounter #4829133`, `Encounter # 4829133`), and
// `MR#` (medical record) with the '#' against it. Joined by '-', '_', ':', '=' or '/' these
// words name tickets, merge requests, study visits and FHIR references, not a patient's record
// (`MR-1234`, `mr_4821_hotfix`, `visit-0003`, `job:visit:12345`, `Encounter/12345`); `Visit ID`,
// `Encounter No` and the like are the phrases above.
cue("MRN", "hash", ["encounter", "visit", "mr"]);
// `Record #4829133`, `rec #4829133`, `Rec# 4829133`: a record number after '#'. Joined by '-'
// or '_' (`record-1234`, `record_1234`) a record is as often a database row's id.
cue("MRN", "hash", ["record", "rec"]);
// The financial number of a hospital stay (Cerner's `FIN`, 8 or more digits as issued): 6 or
// more digits after a space, ':' or '#' (`FIN-1234`, `FIN_123456`, `FIN:12345` and
// `FIN 4821 dashboard` are ticket and report ids).
cue("MRN", "number", ["fin"]);
// "patient" and "pt" before a long number after a space ("patient 77342291 not found", "pt
// 4829133", any case): 7 or more digits, which no count of patients reaches ("patient 1234
// of 5000" keeps its number).
cue("MRN", "spaced", ["patient", "pt"]);
// `record 4829133`, `Record: 4829133`: the same after "record" ("record 1234 of 5000" stays).
cue("MRN", "spaced", ["record"]);
// A record in a URL path: `/patients/4829133`, `/api/patients/4829133/notes`.
cue("MRN", "path", ["patients"]);
cue("ZIP_CODE", "postal", ["zip", "zipcode", "postcode"]);
// As keys spell them too: `zip_code`, `postal_code`, `postalCode` (FHIR Address).
cue("ZIP_CODE", "postal", ["zip code", "postal code", "post code", "postalcode"], true);
cue("LICENSE_NUMBER", "id", [
  "driver's license",
  "drivers license",
  "driver license",
  "driver's licence",
  "driving licence",
  "license number",
  "licence number",
  "license no",
  "dl",
  "passport",
  "passport number",
  "passport no",
  "dea number",
  "dea",
  "license plate",
  "plate number",
]);
cue("ACCOUNT_NUMBER", "id", [
  "account number",
  "account no",
  "account",
  "acct",
  "routing number",
  "tax id",
  "ein",
]);
/** Health-plan phrases that keys and ids write too (`member_id`, `memberId`, `MEMBER-ID`). */
const PLAN_KEY_PHRASES = [
  "member id",
  "member number",
  "subscriber id",
  "policy number",
  "policy no",
  "insurance id",
  "insurance number",
  "beneficiary id",
  "medicaid id",
  "medicare number",
];
// As the MRN phrases: words joined by '_' (`member_id`), by nothing (`memberId`, `MEMBERID`)
// or by '-' (`member-id`); a value joined to them is held to the joined rule (idTokenAt()).
cue("HEALTH_PLAN", "id", PLAN_KEY_PHRASES, true);
cue("HEALTH_PLAN", "id", PLAN_KEY_PHRASES.map((p) => p.replaceAll(" ", "")), true);
cue("HEALTH_PLAN", "id", PLAN_KEY_PHRASES.map((p) => p.replaceAll(" ", "-")), true);
// "Policy # 5577643": a policy number after '#' (after a space "policy 3" is as often a rule's).
cue("HEALTH_PLAN", "hash", ["policy"]);
cue("HEALTH_PLAN", "id", [
  "health plan",
  "group number",
  "beneficiary",
  "medicaid",
  "medicare",
  "mbi",
]);
cue("DEVICE_ID", "id", [
  "serial number",
  "serial no",
  "serial",
  "device id",
  "device serial",
  "udi",
  "implant",
  "pacemaker",
]);
// Joined as keys write them too: `ssn_536221234`, `social_security_number=…`.
cue("SSN", "digits", ["ssn", "social security number", "social security", "ss#"], true);
cue("LOCATION", "place", [
  "originally from",
  "moved here from",
  "moved from",
  "moved to",
  "grew up in",
  "live in",
  "lives in",
  "living in",
  "lived in",
  "born in",
  "resides in",
  "reside in",
  "relocated to",
  "flew to",
  "travelling to",
  "traveling to",
  "home city",
  "hometown",
  "hometown is",
  "i'm in",
  "i am in",
  "city of",
  "coming to",
]);
cue("NATIONALITY", "demonym", [
  "i am",
  "i'm",
  "we are",
  "we're",
  "we are proud",
  "i am proud",
  "nationality",
  "ethnicity",
  "religion",
  "race",
]);

// Credentials as headers print them: `Authorization: Basic …`/`Bearer …`, `Cookie: sid=…`,
// `Set-Cookie: sid=…`, `x-api-key: …` (the `x-` is read past as a header's), `api_key=…`.
// Only after ':' or '=' ("authorization was granted" is prose).
cue("SECRET", "auth", ["authorization", "proxy-authorization"]);
cue("SECRET", "cookie", ["cookie", "set-cookie"]);
cue("SECRET", "key", ["api-key", "apikey", "api key"], true);

const CUE_LISTS = new Map<number, Cue[]>();
for (const c of CUES) {
  const first = c.hashes[0]!;
  const list = CUE_LISTS.get(first) ?? [];
  list.push(c);
  // Longest phrase first.
  list.sort((a, b) => b.words.length - a.words.length);
  CUE_LISTS.set(first, list);
}
/** The cues by the hash of their first word. */
const CUE_INDEX = new HashIndex(CUE_LISTS);
/** The cues that may be joined to their value, by the hash of their first word. */
const JOINED_CUE_LISTS = new Map<number, Cue[]>();
for (const [h, list] of CUE_LISTS) {
  const joined = list.filter((c) => c.joins || c.shape === "joined");
  if (joined.length > 0) JOINED_CUE_LISTS.set(h, joined);
}
const JOINED_CUE_INDEX = new HashIndex(JOINED_CUE_LISTS);

const MONTHS = new Map<string, number>([
  ["january", 1],
  ["jan", 1],
  ["february", 2],
  ["feb", 2],
  ["march", 3],
  ["mar", 3],
  ["april", 4],
  ["apr", 4],
  ["may", 5],
  ["june", 6],
  ["jun", 6],
  ["july", 7],
  ["jul", 7],
  ["august", 8],
  ["aug", 8],
  ["september", 9],
  ["sep", 9],
  ["sept", 9],
  ["october", 10],
  ["oct", 10],
  ["november", 11],
  ["nov", 11],
  ["december", 12],
  ["dec", 12],
]);

const WEEKDAY_NAMES = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
];

/** Filler between a cue and its value: "MRN is 123", "ZIP: 123", "license number #123". */
const FILLER = wordSet([
  "is",
  "was",
  "number",
  "no",
  "num",
  "nr",
  "id",
  "code",
  "of",
  "the",
  "my",
  "our",
  "are",
  "a",
  "an",
  "for",
  "reads",
  "states",
]);

/** Words that end a place name or never are one. */
const NOT_PLACE = wordSet([
  "the",
  "a",
  "an",
  "my",
  "our",
  "his",
  "her",
  "their",
  "this",
  "that",
  "there",
  "here",
  "home",
  "town",
  "it",
  "next",
  "last",
  "on",
  "with",
  "me",
  "you",
  "glad",
  "sure",
  "not",
  "so",
  "very",
  "going",
]);

/** Demonym-shaped words: "Belizean", "bruneians", "Saudis", "Czech", "Greenlander". */
const DEMONYM_ENDINGS = [
  "ian",
  "ians",
  "ean",
  "eans",
  "an",
  "ans",
  "ese",
  "eses",
  "ish",
  "ic",
  "is",
  "i",
  "er",
  "ers",
  "ch",
  "mans",
  "men",
  "man",
];
const NOT_DEMONYM = new Set([
  "human",
  "clean",
  "certain",
  "ocean",
  "woman",
  "man",
  "fan",
  "plan",
  "than",
  "then",
  "can",
  "an",
  "is",
  "this",
  "his",
  "hi",
  "afraid",
  "glad",
  "sorry",
  "here",
  "there",
  "over",
  "never",
  "ever",
  "after",
  "rather",
  "rich",
  "which",
  "much",
  "such",
  "each",
  "teacher",
  "doctor",
  "nurse",
  "older",
  "younger",
  "better",
  "member",
  "manager",
  "engineer",
  "writer",
  "worker",
  "user",
  "customer",
  "in",
  "on",
  "at",
  "not",
  "so",
  "very",
  "just",
  "also",
  "still",
  "fine",
  "done",
  "busy",
  "trying",
  "going",
  "looking",
  "calling",
  "writing",
  "sure",
  "ready",
  "sick",
  "ill",
  "new",
  "back",
  "from",
  "proud",
  "the",
  "a",
  "moving",
  "travelling",
  "traveling",
  "interested",
  "unable",
  "able",
  "mi",
  "physician",
  "musician",
  "technician",
  "librarian",
  "veterinarian",
  "pedestrian",
  "guardian",
  "vegetarian",
  "vegan",
  "christian",
]);

const H_PROUD = hashOf("proud");
const H_OF = hashOf("of");
const H_A = hashOf("a");
const H_AN = hashOf("an");
const NOT_DEMONYM_SET = wordSet(NOT_DEMONYM);

/**
 * demonymLike(lower) && !isKnownName(lower) for the word t[w, we) with hash h, lower-cased:
 * in place for an ASCII word, through the slice otherwise.
 */
function demonymAt(t: string, w: number, we: number, h: number): boolean {
  for (let k = w; k < we; k++) {
    if (t.charCodeAt(k) >= 128) {
      const word = t.slice(w, we).toLowerCase();
      return demonymLike(word) && !isKnownName(word);
    }
  }
  if (we - w < 4 || setHas(NOT_DEMONYM_SET, h)) return false;
  let ends = false;
  for (let m = 0; m < DEMONYM_ENDINGS.length && !ends; m++) {
    const ending = DEMONYM_ENDINGS[m]!;
    ends = we - ending.length >= w && readsAt(t, we - ending.length, ending);
  }
  return ends && (wordFlags(h) & (W_FIRST | W_LAST)) === 0;
}

function demonymLike(lower: string): boolean {
  if (lower.length < 4 || NOT_DEMONYM.has(lower)) return false;
  for (const ending of DEMONYM_ENDINGS) if (lower.endsWith(ending)) return true;
  return false;
}

function skipSpaces(t: string, p: number): number {
  while (p < t.length && isSpace(t.charCodeAt(p))) p++;
  return p;
}

/**
 * Position after the separators and filler words that may follow a cue (`joins`: '_' is a
 * separator too). A word glued to digits is the value, not filler: the "A" of `A12345`.
 * Quotes are separators too, so a key and its value read as the cue and its value in JSON,
 * Python reprs, SQL and logfmt (`{"mrn":"4829133"}`, `{'mrn': '4829133'}`, `mrn='4829133'`,
 * `WHERE mrn = '4829133'`), and so is a backslash before a quote (JSON inside a JSON string:
 * `{\"mrn\":\"4829133\"}`).
 */
function afterFiller(t: string, p: number, joins: boolean): number {
  let q = p;
  for (let guard = 0; guard < 6; guard++) {
    while (q < t.length) {
      const c = t.charCodeAt(q);
      if (
        isSpace(c) || c === 58 || c === 35 || c === 61 || c === 45 || c === 46 || c === 10 ||
        c === 34 || c === 39 || (c === 95 && joins) || (c === 92 && t.charCodeAt(q + 1) === 34)
      ) q++;
      // A Postgres key detail: `Key (mrn)=(4829133)`.
      else if (c === 41 && t.charCodeAt(q + 1) === 61 && t.charCodeAt(q + 2) === 40) q += 3;
      // An arrow (`'mrn' => '4829133'`, a Map or a Ruby hash as printed; `mrn -> 4829133`), the
      // end of an XML start tag (`<mrn>4829133`, `<field name="mrn">4829133`).
      else if (c === 62 && arrowOrTagEnd(t, q)) q++;
      else break;
    }
    if (q - p > 40) break;
    const we = wordAt(t, q);
    if (we === q || isDigit(t.charCodeAt(we))) break;
    // SQL's list of values: `WHERE mrn IN ('4829133', …)`.
    if (wordAtHash === H_IN && t.charCodeAt(skipSpaces(t, we)) === 40) {
      q = skipSpaces(t, we) + 1;
      continue;
    }
    if (!setHas(FILLER, wordAtHash)) break;
    q = we;
  }
  return q;
}

/**
 * True when the '>' at q, after a cue and the separators afterFiller() passed, reads as an
 * arrow (`=>`, `->`) or ends an XML start tag the cue names (`<mrn>`, `<field name="mrn">`:
 * a '<' before the tag's name, which the cue or a quoted attribute ends).
 */
function arrowOrTagEnd(t: string, q: number): boolean {
  const b = t.charCodeAt(q - 1);
  if (b === 61 || b === 45) return true;
  // Back over the attribute value's quote or the cue to the tag: at most 60 characters.
  let k = q - 1;
  if (b === 34 || b === 39) {
    k--;
    while (k > 0 && q - k < 40 && t.charCodeAt(k) !== b) k--;
  }
  for (const stop = Math.max(0, q - 60); k >= stop; k--) {
    const c = t.charCodeAt(k);
    if (c === 60) return isLetter(t.charCodeAt(k + 1));
    if (c === 62 || c === 10) return false;
  }
  return false;
}

/**
 * An identifier token at p: 4-20 of [A-Za-z0-9-], at least 3 digits, not followed by a word
 * character (`joins`: '_' may follow, `mrn_4829133_jane`). Returns end or -1.
 *
 * `joined`: the token is joined to its cue with no space between them (`mrn_4829133`,
 * `patientId:4829133`, `MRN-A1234567`, `mrn4829133`), the way keys and ids are written, so it
 * is held to the rule of joinedIdAt(): it needs a run of 4 or more digits, no run of digits
 * in it may be a lone year 1900-2099 (`mrn_2024_q3`, `med-rec-2024`, `mrn-2024-q3`,
 * `mrn-v2-2024` are flag keys, `record_number_2024_11_23` a dated version), and no `.5`
 * or `/5` may follow it (`mrn_4829133.2` is a version).
 */
function idTokenAt(t: string, p: number, joins: boolean, joined = false): number {
  let e = p;
  let digits = 0;
  let run = 0;
  let longest = 0;
  let year = false;
  while (e < t.length && e - p < 21) {
    const c = t.charCodeAt(e);
    if (isDigit(c)) {
      digits++;
      run++;
    } else if (!(isLetter(c) || (c === 45 && isAlnum(t.charCodeAt(e + 1))))) break;
    else {
      if (run === 4 && isYear(t, e - 4)) year = true;
      if (run > longest) longest = run;
      run = 0;
    }
    e++;
  }
  if (e - p < 4 || e - p > 20 || digits < 3) return -1;
  const after = t.charCodeAt(e);
  if (isWordChar(after) && !(joins && after === 95)) return -1;
  if (joined) {
    if (run === 4 && isYear(t, e - 4)) year = true;
    if (year || Math.max(longest, run) < 4) return -1;
    if (!endsClean(t, e) && after !== 95) return -1;
  }
  return e;
}

const H_CHART = hashOf("chart");

/**
 * The end of a record number in two groups of 3-4 digits joined by one space at p (`774 1293`,
 * after an MRN label), neither a year 1900-2099 and no letter or digit after it; -1 otherwise.
 */
function splitIdAt(t: string, p: number): number {
  let q = p;
  while (q < t.length && q - p < 5 && isDigit(t.charCodeAt(q))) q++;
  const first = q - p;
  if (first < 3 || first > 4 || t.charCodeAt(q) !== 32 || (first === 4 && isYear(t, p))) return -1;
  const s = q + 1;
  q = s;
  while (q < t.length && q - s < 5 && isDigit(t.charCodeAt(q))) q++;
  const second = q - s;
  if (second < 3 || second > 4 || (second === 4 && isYear(t, s))) return -1;
  return isAlnum(t.charCodeAt(q)) ? -1 : q;
}

/** True when the 4 digits at p are a year 1900-2099 (`2024` in `mrn_2024_q3`). */
function isYear(t: string, p: number): boolean {
  const a = t.charCodeAt(p);
  const b = t.charCodeAt(p + 1);
  return (a === 49 && b === 57) || (a === 50 && b === 48);
}

/** True when t[p, p + 7) is a year 1900-2099, '-' and a month 01-12 (`2024-11`). */
function yearMonthAt(t: string, p: number): boolean {
  if (!isYear(t, p) || t.charCodeAt(p + 4) !== 45) return false;
  const m = (t.charCodeAt(p + 5) - 48) * 10 + t.charCodeAt(p + 6) - 48;
  return isDigit(t.charCodeAt(p + 2)) && isDigit(t.charCodeAt(p + 3)) && m >= 1 && m <= 12 &&
    isDigit(t.charCodeAt(p + 5)) && isDigit(t.charCodeAt(p + 6));
}

/** True when nothing but separators lies between the cue's end q and its value at v. */
function joinedTo(t: string, q: number, v: number): boolean {
  for (let k = q; k < v; k++) if (isSpace(t.charCodeAt(k))) return false;
  return true;
}

/**
 * Where the value joined to a bare cue word [s, q) starts (see the "joined" shape): right after
 * '_', '-', '=' or a '.' before a digit, after ")=(" (a Postgres key detail: `Key (patient)=(4829133)`), after '/'
 * when the word is a path segment or capitalised (`/patient/4829133`, the FHIR reference
 * `Patient/4829133`), or after '#' or ':' (spaces allowed around them). -1 when none is there.
 */
function joinedValueAt(t: string, s: number, q: number): number {
  const c = t.charCodeAt(q);
  if (c === 95 || c === 45 || c === 61) return q + 1;
  // `patient.4829133`: a key's segments joined by '.'.
  if (c === 46) return isDigit(t.charCodeAt(q + 1)) ? q + 1 : -1;
  if (c === 41 && t.charCodeAt(q + 1) === 61 && t.charCodeAt(q + 2) === 40) return q + 3;
  if (c === 47) return (s > 0 && t.charCodeAt(s - 1) === 47) || isUpperAt(t, s) ? q + 1 : -1;
  const r = skipSpaces(t, q);
  const d = t.charCodeAt(r);
  return d === 35 || d === 58 ? skipSpaces(t, r + 1) : -1;
}

/**
 * Where the record number after `patients` [s, q) starts: in a URL path (`/patients/4829133`)
 * or joined by ':' as keys are written (`patients:4829133:notes`, a Redis key). -1 otherwise.
 */
function pathValueAt(t: string, s: number, q: number): number {
  const c = t.charCodeAt(q);
  if (c === 47) return s > 0 && t.charCodeAt(s - 1) === 47 ? q + 1 : -1;
  return c === 58 && isDigit(t.charCodeAt(q + 1)) ? q + 1 : -1;
}

/**
 * Where the record number after a bare cue word ending at q starts when '#' follows it (see the
 * "hash" shape): spaces allowed around the '#' (`Encounter # 4829133`), or only after it
 * (`spaced` false: `MR# 4829133`, where `MR #1234` is as often a merge request). -1 otherwise.
 */
function hashValueAt(t: string, q: number, spaced: boolean): number {
  const r = spaced ? skipSpaces(t, q) : q;
  return t.charCodeAt(r) === 35 ? skipSpaces(t, r + 1) : -1;
}

/**
 * Where the value after `FIN` ending at q starts (see the "number" shape): a space, ':' or '#'
 * first, then the separators and filler afterFiller() skips ('_' not among them). -1 otherwise.
 */
function numberValueAt(t: string, q: number): number {
  const c = t.charCodeAt(q);
  return isSpace(c) || c === 58 || c === 35 ? afterFiller(t, q, false) : -1;
}

/**
 * Where the number after `patient` or `pt` ending at q starts (the "spaced" shape): after one
 * space, ': ' or ' #'. -1 otherwise.
 */
function spacedValueAt(t: string, q: number): number {
  let v = q;
  if (t.charCodeAt(v) === 58) v++;
  if (t.charCodeAt(v) !== 32) return -1;
  v++;
  if (t.charCodeAt(v) === 35) v++;
  return v;
}

/**
 * The record number joined to a bare cue word, at p: up to three letters and a '-' (`A`,
 * `PT-`), then 4-20 digits that are not a lone year 1900-2099 (`patient_2024_q3` is a flag
 * key); then the end, or a character other than a letter or digit ('_' included,
 * `patient_4829133_jane`) that does not lead on to more digits (`patient-2026-11-23-001` is a
 * job id). Returns end or -1.
 */
function joinedIdAt(t: string, p: number): number {
  let q = p;
  while (q < t.length && q - p < 3 && isAsciiLetter(t.charCodeAt(q))) q++;
  if (q > p && t.charCodeAt(q) === 45) q++;
  const ds = q;
  while (q < t.length && q - ds < 21 && isDigit(t.charCodeAt(q))) q++;
  const len = q - ds;
  if (len < 4 || len > 20 || isAlnum(t.charCodeAt(q))) return -1;
  if (len === 4 && isYear(t, ds)) return -1;
  return endsClean(t, q) || t.charCodeAt(q) === 95 || hashTail(t, q) ? q : -1;
}

const H_DE = hashOf("de");
const H_DEL = hashOf("del");
const H_DI = hashOf("di");

/** A place at p: 1-4 capitalised words (particles inside). Returns end or -1. */
function placeAt(t: string, p: number): number {
  let q = p;
  let end = -1;
  for (let words = 0; words < 4; words++) {
    const we = wordAt(t, q);
    if (we === q) break;
    const h = wordAtHash;
    if (setHas(NOT_PLACE, h)) break;
    const capital = isUpperAt(t, q);
    if (!capital && !(words > 0 && (h === H_DE || h === H_DEL || h === H_DI))) break;
    if (capital) end = we;
    const next = skipSpaces(t, we);
    if (next === we || !isLetter(t.charCodeAt(next))) break;
    q = next;
  }
  return end;
}

/** The end of the cue phrase the last cueValueStart() call read. */
let phraseEnd = 0;

/**
 * Where the value of the cue c starts when its first word is [start, firstEnd): the rest of
 * its phrase read (its end left in phraseEnd), then the separators and filler its shape
 * allows. -1 when the phrase or the separator is not there.
 */
function cueValueStart(t: string, start: number, firstEnd: number, c: Cue): number {
  let q = firstEnd;
  for (let k = 1; k < c.words.length; k++) {
    // "Driver's License": the reader stops before a possessive 's, which the phrase passes.
    const p = t.charCodeAt(q);
    if ((p === 39 || p === 0x2019) && (t.charCodeAt(q + 1) | 32) === 115) q += 2;
    // "patient_id", "medical_record_number": words joined by '_'.
    q = c.joins && t.charCodeAt(q) === 95 ? q + 1 : skipSpaces(t, q);
    const we = wordAt(t, q);
    if (we === q || wordAtHash !== c.hashes[k]) return -1;
    q = we;
  }
  phraseEnd = q;
  return c.shape === "place" || c.shape === "demonym"
    ? skipSpaces(t, q)
    : c.shape === "joined"
    ? joinedValueAt(t, start, q)
    : c.shape === "path"
    ? pathValueAt(t, start, q)
    : c.shape === "hash"
    ? hashValueAt(t, q, c.hashes[0] !== H_MR)
    : c.shape === "number"
    ? (isUpperAt(t, start) ? numberValueAt(t, q) : -1)
    : c.shape === "spaced"
    ? spacedValueAt(t, q)
    : c.shape === "auth" || c.shape === "cookie" || c.shape === "key"
    ? secretValueAt(t, q)
    : afterFiller(t, q, c.joins);
}

/**
 * For the name rules: where the value of an identifier's cue phrase starting with the word
 * [start, firstEnd) (hash h) starts, when the phrase is there and a value it announces follows
 * (as tryCue() would read it, without adding a hit); -1 otherwise. A name read on into
 * "Robert Johnson Patient ID: 5577643" or "Mr. Johnson Chart # 5577643" took the cue's first
 * word and broke the cue, leaving its number as it was. Place and nationality cues are left
 * out: their value is a word.
 */
export function cueValueAt(t: string, start: number, firstEnd: number, h: number): number {
  const cues = CUE_INDEX.get(h);
  if (cues === undefined) return -1;
  for (const c of cues) {
    if (c.shape === "place" || c.shape === "demonym") continue;
    const v = cueValueStart(t, start, firstEnd, c);
    if (v >= 0 && cueValueEnd(t, c, v, phraseEnd) > v) return v;
  }
  return -1;
}

/** Where the value the last cueValueEnd() call read starts (after an auth scheme: its token). */
let valueFrom = 0;

/** Authorization schemes before credentials (`Basic`, `Bearer`, ...). */
const AUTH_SCHEMES = wordSet(["basic", "bearer", "token", "negotiate", "digest", "apikey"]);

/**
 * Where the value of a credential's cue ending at q starts: past a closing quote of the key
 * (`"authorization":`, `\"cookie\":`), a ':' or '=' (spaces around it), and an opening quote.
 * -1 when no ':' or '=' follows the cue.
 */
function secretValueAt(t: string, q: number): number {
  let p = q;
  if (t.charCodeAt(p) === 92) p++;
  if (t.charCodeAt(p) === 34 || t.charCodeAt(p) === 39) p++;
  p = skipSpaces(t, p);
  const sep = t.charCodeAt(p);
  if (sep !== 58 && sep !== 61) return -1;
  p = skipSpaces(t, p + 1);
  if (t.charCodeAt(p) === 92) p++;
  if (t.charCodeAt(p) === 34 || t.charCodeAt(p) === 39) p++;
  return p;
}

/**
 * The end of a credential token at p: at least `min` of letters, digits and `._~+/=-` (base64,
 * base64url, JWTs, hex), ending at neither a letter nor a digit; `mixed`: with a letter and a
 * digit both (a token, not a word). -1 otherwise.
 */
function secretTokenEnd(t: string, p: number, min: number, mixed: boolean): number {
  let e = p;
  let letters = false;
  let digits = false;
  while (e < t.length && e - p < 8192) {
    const c = t.charCodeAt(e);
    if (isDigit(c)) digits = true;
    else if (isAsciiLetter(c)) letters = true;
    else if (!(c === 46 || c === 95 || c === 126 || c === 43 || c === 47 || c === 61 || c === 45)) {
      break;
    }
    e++;
  }
  if (e - p < min || isTokenChar(t.charCodeAt(e)) || (mixed && !(letters && digits))) return -1;
  return e;
}

/**
 * The end of a cookie header's value at p: `name=value` pairs (a token, '=' and anything), up to
 * the end of the line, a quote or a backslash (the end of a JSON string), at most 4,096
 * characters. -1 when the value does not start with `name=`.
 */
function cookieEnd(t: string, p: number): number {
  let e = p;
  while (
    e < t.length && e - p < 64 &&
    (isAlnum(t.charCodeAt(e)) || t.charCodeAt(e) === 95 || t.charCodeAt(e) === 45 ||
      t.charCodeAt(e) === 46)
  ) e++;
  if (e === p || t.charCodeAt(e) !== 61) return -1;
  const last = Math.min(t.length, p + 4096);
  while (e < last) {
    const c = t.charCodeAt(e);
    if (c === 10 || c === 13 || c === 34 || c === 39 || c === 92) break;
    e++;
  }
  while (e > p && isSpace(t.charCodeAt(e - 1))) e--;
  return e;
}

/**
 * The end of the value of the cue c that starts at v (its phrase ending at q), read by the
 * cue's shape; -1 or v when none is there.
 */
function cueValueEnd(t: string, c: Cue, v: number, q: number): number {
  let e = -1;
  valueFrom = v;
  switch (c.shape) {
    case "id":
      // A record number joined to its cue is read like one joined to "patient" (a year is
      // not one: `mrn_2024_q3`, `chart-2024`); after a space ("MRN: 2024", "Patient ID
      // 1987-123") as before.
      e = idTokenAt(
        t,
        v,
        c.joins,
        (c.type === "MRN" || (c.type === "HEALTH_PLAN" && c.joins)) && joinedTo(t, q, v),
      );
      // A year and a month alone ("patient_id": "2024-11") date a record, they number none.
      if (e - v === 7 && c.type === "MRN" && yearMonthAt(t, v)) e = -1;
      // "mrn-4829133-0123456789abcdef": a request hash after the number leaves it a record's.
      if (e < 0 && c.type === "MRN") e = hashedIdAt(t, v);
      // "MRN: 774 1293": a record number in two groups, as a phone number is written (not
      // after "chart" alone: `chart 300 400` is a size).
      if (
        c.type === "MRN" && (e < 0 || e - v <= 4) && c.hashes[0] !== H_CHART && !joinedTo(t, q, v)
      ) {
        const split = splitIdAt(t, v);
        if (split > 0) e = split;
      }
      break;
    case "joined":
    case "hash":
    case "path":
      e = joinedIdAt(t, v);
      break;
    case "number":
    case "spaced":
      // FIN's 6 or more digits; after `patient`/`pt` 7 or more, beyond any count of patients.
      e = digitRun(t, v) >= (c.shape === "number" ? 6 : 7) ? joinedIdAt(t, v) : -1;
      break;
    case "postal":
      e = postalCodeAt(t, v);
      break;
    case "auth": {
      // A scheme and its credentials (`Basic cXph…`, `Bearer eyJ…`), or a long token alone.
      const we = wordAt(t, v);
      const sh = wordAtHash;
      if (we > v && t.charCodeAt(we) === 32 && setHas(AUTH_SCHEMES, sh)) {
        // The credentials are the value; the scheme stays readable.
        valueFrom = skipSpaces(t, we);
        e = secretTokenEnd(t, valueFrom, 8, false);
      } else e = secretTokenEnd(t, v, 16, true);
      break;
    }
    case "key":
      e = secretTokenEnd(t, v, 8, true);
      break;
    case "cookie":
      e = cookieEnd(t, v);
      break;
    case "digits": {
      let d = v;
      while (d < t.length && d - v < 10 && isDigit(t.charCodeAt(d))) d++;
      e = d - v === 9 && !isWordChar(t.charCodeAt(d)) ? d : d - v === 3 ? labelledSsnAt(t, v) : -1;
      break;
    }
    case "place":
      e = placeAt(t, v);
      break;
    case "demonym": {
      let w = v;
      // "I am of Polish descent", "we are proud Saudis".
      const skip = wordAt(t, w);
      // (Compared by hash: no word lower-cases to these but their ASCII spellings.)
      const sh = wordAtHash;
      if (skip > w && (sh === H_PROUD || sh === H_OF || sh === H_A || sh === H_AN)) {
        w = skipSpaces(t, skip);
      }
      if (t.charCodeAt(w) === 58) w = skipSpaces(t, w + 1);
      const we = wordAt(t, w);
      // "I'm Naomi" is a name, not a nationality: dictionary names are left to the name pass.
      if (we > w && demonymAt(t, w, we, wordAtHash)) e = we;
      break;
    }
  }
  return e;
}

/**
 * The delimited SSN after an SSN label, at p: `AAA-GG-SSSS` with '-', ' ' or '.', ending clean
 * or at a request hash, that the issuance rules allow. The published samples (`219-09-9999`,
 * `123-45-6789`, …) count here: standing alone they are examples, after the label they are
 * what it says. Returns end or -1.
 */
function labelledSsnAt(t: string, p: number): number {
  const s1 = t.charCodeAt(p + 3);
  const s2 = t.charCodeAt(p + 6);
  if (
    !(s1 === 45 || s1 === 32 || s1 === 46) || !(s2 === 45 || s2 === 32 || s2 === 46) ||
    !isDigit(t.charCodeAt(p + 4)) || !isDigit(t.charCodeAt(p + 5)) || digitRun(t, p + 7) !== 4
  ) return -1;
  const e = p + 11;
  if (!(endsClean(t, e) || hashTail(t, e))) return -1;
  const group = (t.charCodeAt(p + 4) - 48) * 10 + t.charCodeAt(p + 5) - 48;
  return ssnIssuable(num3(t, p), group, num4(t, p + 7)) ? e : -1;
}

/**
 * Tries the cues whose first word is [start, firstEnd); returns the end of the value hit or -1.
 */
function tryCue(ctx: TextCtx, start: number, firstEnd: number, cues: Cue[]): number {
  const t = ctx.t;
  for (const c of cues) {
    if (ctx.technical && c.shape !== "digits" && c.type !== "SECRET") continue;
    const v = cueValueStart(t, start, firstEnd, c);
    if (v < 0) continue;
    const e = cueValueEnd(t, c, v, phraseEnd);
    if (e > v) {
      hit(ctx, valueFrom, e, c.type);
      return c.shape === "id" ? listedIds(ctx, e, c.type) : e;
    }
  }
  return -1;
}

/**
 * More identifiers listed after the first one a cue announced: `MRN 5577643, 5577644`,
 * `MRN: 5577643/5577644`, `MRN 5577643 and 5577644`, `mrn IN ('5577643','5577644')`. Each item
 * after a ',', '/', ';', "and" or "or" (quotes around it passed) is taken when it reads as one of
 * its kind: 4 to 20 letters, digits and '-', a run of 4 or more digits, not a lone year. Returns
 * the end of the last item taken.
 */
function listedIds(ctx: TextCtx, end: number, type: PhiType): number {
  const t = ctx.t;
  let e = end;
  for (let items = 0; items < 50; items++) {
    let q = e;
    if (t.charCodeAt(q) === 39 || t.charCodeAt(q) === 34) q++;
    q = skipSpaces(t, q);
    const c = t.charCodeAt(q);
    if (c === 44 || c === 47 || c === 59) q = skipSpaces(t, q + 1);
    else if (q > e && listWordAt(t, q)) q = skipSpaces(t, wordAt(t, q));
    else break;
    if (t.charCodeAt(q) === 39 || t.charCodeAt(q) === 34) q++;
    if (!isDigit(t.charCodeAt(q)) || digitRun(t, q) < 4 || (digitRun(t, q) === 4 && isYear(t, q))) {
      break;
    }
    const next = idTokenAt(t, q, false);
    if (next < 0) break;
    hit(ctx, q, next, type);
    e = next;
  }
  return e;
}

const H_AND = hashOf("and");
const H_IN = hashOf("in");
const H_OR = hashOf("or");
/** True when the word at q is "and" or "or". */
function listWordAt(t: string, q: number): boolean {
  const we = wordAt(t, q);
  return we - q <= 3 && (wordAtHash === H_AND || wordAtHash === H_OR);
}

const H_IDENTIFIER = hashOf("identifier");
const H_IDENTIFIERS = hashOf("identifiers");

/** Where the quote at p ends (`"`, or `\"` inside a JSON string), or -1 when none is at p. */
function quoteEnd(t: string, p: number): number {
  const c = t.charCodeAt(p);
  if (c === 34) return p + 1;
  return c === 92 && t.charCodeAt(p + 1) === 34 ? p + 2 : -1;
}

/**
 * The values of FHIR Identifiers in JSON text, after the key `identifier` ending at we:
 * `"identifier":[{"system":"…","value":"4829133"}]` (and the same escaped inside a JSON string,
 * `\"identifier\"`). Each object of the array (at most 4, 400 characters each) is read at its
 * own level for a `"value"` string: 1-40 letters, digits, '-', '.' or '_' with a digit, not a
 * URI (`urn:uuid:…`, `urn:oid:…`: a Bundle's or a CodeSystem's own identifier). Adds an MRN hit
 * for each; consumes nothing (the walk reads the object's other members as usual).
 */
function identifierValues(ctx: TextCtx, we: number): void {
  const t = ctx.t;
  let p = quoteEnd(t, we);
  if (p < 0) return;
  p = skipSpaces(t, p);
  if (t.charCodeAt(p) !== 58) return;
  p = skipSpaces(t, p + 1);
  if (t.charCodeAt(p) === 91) p = skipSpaces(t, p + 1);
  for (let item = 0; item < 4 && t.charCodeAt(p) === 123; item++) {
    let depth = 1;
    let k = p + 1;
    const last = Math.min(t.length, p + 400);
    for (; k < last && depth > 0; k++) {
      const c = t.charCodeAt(k);
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) depth--;
      else if (c === 34 && depth === 1 && readsAt(t, k + 1, "value")) {
        let r = quoteEnd(t, k + 6);
        if (r < 0) continue;
        r = skipSpaces(t, r);
        if (t.charCodeAt(r) !== 58) continue;
        const v = quoteEnd(t, skipSpaces(t, r + 1));
        if (v < 0) continue;
        let e = v;
        let digit = false;
        while (e < last && e - v <= 40) {
          const d = t.charCodeAt(e);
          if (isDigit(d)) digit = true;
          else if (!(isAsciiLetter(d) || d === 45 || d === 46 || d === 95)) break;
          e++;
        }
        if (digit && e - v <= 40 && quoteEnd(t, e) > 0) hit(ctx, v, e, "MRN");
        k = e;
      }
    }
    if (depth > 0) return;
    p = skipSpaces(t, k);
    if (t.charCodeAt(p) !== 44) return;
    p = skipSpaces(t, p + 1);
  }
}

/** Month-name dates at word p: "March 3, 1985", "Mar 3rd", "March 1985", "3 March 1985". */
function matchMonthDate(ctx: TextCtx, p: number, we: number): number {
  const t = ctx.t;
  // Joined to a day and a four-digit year by one separator: "Mar-02-1955", "Mar/02/1955",
  // "Mar.02.1955".
  const js = t.charCodeAt(we);
  if (js === 45 || js === 47 || js === 46) {
    const d = we + 1;
    let de = d;
    while (de < t.length && de - d < 3 && isDigit(t.charCodeAt(de))) de++;
    if (de - d >= 1 && de - d <= 2 && t.charCodeAt(de) === js) {
      const y = de + 1;
      let ye = y;
      while (ye < t.length && ye - y < 5 && isDigit(t.charCodeAt(ye))) ye++;
      const day = Number(t.slice(d, de));
      const year = Number(t.slice(y, ye));
      if (
        ye - y === 4 && day >= 1 && day <= 31 && year >= 1900 && year <= 2099 && endsClean(t, ye)
      ) return take(ctx, p, ye, "DATE");
    }
  }
  let q = we;
  if (t.charCodeAt(q) === 46) q++;
  q = skipSpaces(t, q);
  let s = p;
  let end = -1;
  // Day before the month: "3 March", "3rd of March".
  {
    let b = p;
    while (b > 0 && isSpace(t.charCodeAt(b - 1))) b--;
    let ofWord = false;
    if (t.slice(Math.max(0, b - 2), b).toLowerCase() === "of") {
      ofWord = true;
      b -= 2;
      while (b > 0 && isSpace(t.charCodeAt(b - 1))) b--;
    }
    let ord = b;
    while (ord > 0 && isLetter(t.charCodeAt(ord - 1)) && b - ord < 2) ord--;
    let d = ord;
    while (d > 0 && isDigit(t.charCodeAt(d - 1)) && ord - d < 3) d--;
    if (d < ord && ord - d <= 2 && (d === 0 || !isAlnum(t.charCodeAt(d - 1)))) {
      const day = Number(t.slice(d, ord));
      if (day >= 1 && day <= 31 && (b < p || ofWord)) {
        s = d;
        end = we;
      }
    }
  }
  // A year after the day and month with a comma: "2 March, 1955".
  if (end === we && t.charCodeAt(q) === 44) {
    const y = skipSpaces(t, q + 1);
    let ye = y;
    while (ye < t.length && isDigit(t.charCodeAt(ye)) && ye - y < 5) ye++;
    const year = ye - y === 4 ? Number(t.slice(y, ye)) : 0;
    if (year >= 1900 && year <= 2099 && !isAlnum(t.charCodeAt(ye))) end = ye;
    // "DOB: 12 May, 55": after a birth cue a two-digit year too.
    else if (ye - y === 2 && !isAlnum(t.charCodeAt(ye)) && birthCueBefore(t, s)) end = ye;
  }
  // Day and/or year after the month.
  let d = q;
  while (d < t.length && isDigit(t.charCodeAt(d)) && d - q < 5) d++;
  const len = d - q;
  if (len === 1 || len === 2) {
    const day = Number(t.slice(q, d));
    let e = d;
    const suffix = t.slice(e, e + 2).toLowerCase();
    if (suffix === "st" || suffix === "nd" || suffix === "rd" || suffix === "th") e += 2;
    if (day >= 1 && day <= 31 && !isAlnum(t.charCodeAt(e))) {
      end = e;
      let y = e;
      if (t.charCodeAt(y) === 44) y++;
      y = skipSpaces(t, y);
      let ye = y;
      while (ye < t.length && isDigit(t.charCodeAt(ye)) && ye - y < 5) ye++;
      if (!isAlnum(t.charCodeAt(ye))) {
        // "DOB: May 12, 55": after a birth cue a two-digit year too.
        if (ye - y === 4 || (ye - y === 2 && birthCueBefore(t, s))) end = ye;
      }
    }
  } else if (len === 4 && !isAlnum(t.charCodeAt(d))) {
    const year = Number(t.slice(q, d));
    if (year >= 1900 && year <= 2099) end = d;
  }
  // "DOB 12th May 55": the day before the month, then a two-digit year after a birth cue.
  if (end === we && len === 2 && !isAlnum(t.charCodeAt(d)) && birthCueBefore(t, s)) end = d;
  // "May" alone is a verb and a name: a day or a year must stand beside the month.
  if (end < 0) return -1;
  hit(ctx, s, end, "DATE");
  return end;
}

/** IBAN at p: two letters, two digits, then compact or space-grouped alphanumerics. */
function matchIban(ctx: TextCtx, p: number): number {
  const t = ctx.t;
  let compact = "";
  let q = p;
  let end = -1;
  for (let guard = 0; guard < 40 && q < t.length; guard++) {
    const c = t.charCodeAt(q);
    if (isAlnum(c) && c < 128) {
      compact += t[q]!.toUpperCase();
      q++;
      if (compact.length > 34) break;
      continue;
    }
    if (c === 32 && isAlnum(t.charCodeAt(q + 1)) && compact.length % 4 === 0) {
      q++;
      continue;
    }
    break;
  }
  // The country fixes the length; a shorter prefix that happens to pass mod 97 is no IBAN.
  const expected = ibanLength(compact.slice(0, 2));
  for (let len = Math.min(compact.length, 34); len >= 15; len--) {
    if (expected !== undefined ? len !== expected : len !== compact.length) continue;
    if (ibanValid(compact.slice(0, len))) {
      // Map len compact characters back to a text end.
      let seen = 0;
      let r = p;
      while (seen < len) {
        if (isAlnum(t.charCodeAt(r))) seen++;
        r++;
      }
      if (!isWordChar(t.charCodeAt(r))) end = r;
      break;
    }
  }
  if (end > 0) hit(ctx, p, end, "IBAN");
  return end;
}

const VIN_CUES = cueList(["vin", "vehicle", "chassis"]);

/** VIN: 17 of [A-HJ-NPR-Z0-9] with letters and digits; check digit, or a VIN cue nearby. */
function matchVin(ctx: TextCtx, p: number, e: number): boolean {
  const t = ctx.t;
  if (e - p !== 17) return false;
  const upper = t.slice(p, e).toUpperCase();
  if (!/^[A-HJ-NPR-Z0-9]{17}$/.test(upper)) return false;
  if (!/[A-Z]/.test(upper) || !/\d{4}$/.test(upper)) return false;
  if (vinCheckDigitValid(upper) || cueBefore(t, p, 24, VIN_CUES)) {
    hit(ctx, p, e, "VIN");
    return true;
  }
  return false;
}

/** What scanTokens() returns: the text was scanned, or it needs the full path. */
export const SCANNED = 0;
export const NEEDS_FULL_PATH = 1;

/** ASCII classes for the token pass. */
const A_ALNUM = 1;
/**
 * '@', ':', '%', '&', '\\', '+': the e-mail, URL and colon passes, or normalisation, may be
 * needed (normalize.ts changesAt decides for the last four).
 */
const A_SPECIAL = 2;
/** '.': ends "www." when "www" precedes it. */
const A_DOT = 4;
const ASCII = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII[c] = A_ALNUM;
for (let c = 65; c <= 90; c++) ASCII[c] = A_ALNUM;
for (let c = 97; c <= 122; c++) ASCII[c] = A_ALNUM;
ASCII[64] =
  ASCII[58] =
  ASCII[37] =
  ASCII[38] =
  ASCII[92] =
  ASCII[43] =
    A_SPECIAL;
ASCII[46] = A_DOT;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** True when code unit c is a letter or digit (a token character). */
function isTokenChar(c: number): boolean {
  return c < 128 ? (ASCII[c]! & A_ALNUM) !== 0 : c < 0x2000 && (CLS[c]! & ALNUM) !== 0;
}
const ALNUM = C_LETTER | C_DIGIT;

/**
 * At a non-token character c at p, for the fast path: whether the text needs the full path
 * ('@'; a ':' that may start a URL or an IPv6/MAC address; "www."; a '%', '&' or non-ASCII
 * symbol that normalisation changes). Everything else at such a character the fast path
 * handles as the full path would.
 */
function needsFullPath(t: string, p: number, c: number): boolean {
  if (c === 46) return p >= 3 && t.startsWith("www", p - 3);
  if (c === 58) return t.startsWith("//", p + 1) || colonMayMatch(t, p);
  if (c === 64) return true;
  return changesAt(t, p);
}

/**
 * Checks t[s, e), which a rule read past, as the fast path checks what it walks (see
 * needsFullPath). Returns false when the text needs the full path.
 */
function checkRange(t: string, s: number, e: number): boolean {
  for (let k = s; k < e; k++) {
    const c = t.charCodeAt(k);
    if (c < 128) {
      if (ASCII[c]! & (A_SPECIAL | A_DOT) && needsFullPath(t, k, c)) return false;
    } else if (!isTokenChar(c) && needsFullPath(t, k, c)) return false;
  }
  return true;
}

/**
 * For the fast path, after a rule read on from a token's end `ae` to `next`: checks the part
 * beyond `checked` as the walk would have (checkRange). Returns the new `checked`, or -1 when
 * the text needs the full path.
 */
function checkRead(t: string, ae: number, next: number, checked: number): number {
  if (next <= ae || next <= checked) return checked;
  return checkRange(t, ae > checked ? ae : checked, next) ? next : -1;
}

/**
 * The token pass: one walk over the text that reads each alphanumeric token where it
 * stands (no token arrays) and hands it to the rules. Digit-led tokens go to the number
 * matchers, letter-led ones to the word tables; a lower-case word matters only when it is
 * a trigger (a cue, a month, a unit, ...), looked up by the hash computed while reading
 * it. A long token, or one joined by base64 punctuation, is also tried as the start of a
 * base64 segment. Rules return where the walk resumes (after what they matched).
 *
 * `fast`: the walk also checks every character for what it cannot handle alone ('@', ':'
 * and "www." need the e-mail, URL and colon passes first; '%', '&' and non-ASCII symbols
 * may need normalisation) and returns NEEDS_FULL_PATH at the first one. Without `fast` the
 * e-mails, URLs and IPv6/MAC addresses the earlier passes found are skipped.
 */
export function scanTokens(ctx: TextCtx, fast: boolean): number {
  startDumpPass();
  const t = ctx.t;
  const n = ctx.n;
  const inner = ctx.inner;
  let b64End = 0;
  // End of the last run base64At() read, a segment or not.
  let b64Run = 0;
  // E-mails, URLs and IPv6/MAC found by the earlier passes are not re-read as words.
  const covered = ctx.count > 0 ? coveredRanges(ctx) : null;
  let nextCovered = 0;
  let coverAt = covered === null ? n : covered[0]!;
  // Fast: every character before `checked` has been checked.
  let checked = 0;
  // Resume position (matchers return where scanning resumes).
  let i = 0;
  for (;;) {
    // The next token character at or after i (i itself when a matcher stopped inside a
    // token).
    let p = i;
    let c = 0;
    for (; p < n; p++) {
      c = t.charCodeAt(p);
      if (c < 128) {
        const a = ASCII[c]!;
        if (a & A_ALNUM) break;
        if (fast && a !== 0) {
          if (a & A_DOT) {
            // "www." needs the URL pass.
            if (
              p >= 3 && t.charCodeAt(p - 1) === 119 && t.charCodeAt(p - 2) === 119 &&
              t.charCodeAt(p - 3) === 119
            ) return NEEDS_FULL_PATH;
          } else if (needsFullPath(t, p, c)) return NEEDS_FULL_PATH;
        }
      } else if (c < 0x2000 && (CLS[c]! & ALNUM) !== 0) break;
      else if (fast && needsFullPath(t, p, c)) return NEEDS_FULL_PATH;
    }
    if (p >= n) break;
    if (coverAt <= p) {
      // A covered range starting at or before p: skip it (as a character walk from i would).
      const coverEnd = covered![nextCovered + 1]!;
      const from = coverAt > i ? coverAt : i;
      nextCovered += 2;
      coverAt = nextCovered < covered!.length ? covered![nextCovered]! : n;
      if (from < coverEnd) i = coverEnd;
      continue;
    }
    // A token starts at p unless a matcher stopped inside one.
    const atStart = p > i || i === 0 || !isTokenChar(t.charCodeAt(i - 1));
    i = p;
    // A UUID is a technical identifier wherever it stands (a request id in a log line, a job
    // id on the bus): skipped whole, so that its digit groups are not read as a card, phone or
    // MBI (about 1 random UUID in 1,500 in a sentence was). One comparison for other tokens.
    // After a word that announces PHI ("call", "phone", "SSN", "MRN", ...) it is read as text:
    // digits dressed up as a UUID there are not waved through.
    if (
      t.charCodeAt(p + 8) === 45 && atStart && uuidAt(t, p) && !cuedUuid(t, p)
    ) {
      i = p + UUID_LENGTH;
      continue;
    }
    if (p < ctx.wordsRead && !(c >= 48 && c <= 57)) {
      // A word of an address block already found: skip it (numbers there are still read).
      i = p + 1;
      while (i < n && isTokenChar(t.charCodeAt(i))) i++;
      continue;
    }
    // Read the token [i, ae): its leading letters end at le, hashed into h.
    let ae = i + 1;
    let le: number;
    let h = FNV_OFFSET;
    let d = 0;
    // Base64 classes of the token: 1 capitals, 2 lower case, 4 digits, 8 non-ASCII.
    let b64 = 0;
    if (c >= 97 && c <= 122) {
      // A lower-case ASCII word (the common case), hashed as it is read.
      h = Math.imul(h ^ c, FNV_PRIME);
      while (ae < n && (d = t.charCodeAt(ae)) >= 97 && d <= 122) {
        h = Math.imul(h ^ d, FNV_PRIME);
        ae++;
      }
      if (ae >= n) d = 0;
      if (!isTokenChar(d)) {
        if (atStart) {
          const len = ae - i;
          if (!isJoined(d, len)) {
            // Most tokens: a lower-case word that is no trigger.
            const hash = (h >>> 0) || 1;
            if (len > 24 || !mayBeContext(hash)) {
              i = ae;
              continue;
            }
            const flags = triggerFlags(hash);
            if ((flags & CONTEXT_FLAGS) === 0) {
              i = ae;
              continue;
            }
            const r = wordRules(ctx, i, ae, hash, flags, false, true);
            const next = r > i ? r : ae;
            if (fast && (checked = checkRead(t, ae, next, checked)) < 0) return NEEDS_FULL_PATH;
            i = next;
            continue;
          }
        }
        le = ae;
      } else {
        // Two letters glued to digits after '=': a FHIR search prefix before a date?
        const fhir = ae - i === 2 && d >= 48 && d <= 57 ? fhirPrefixedDate(ctx, ae) : -1;
        if (fhir > 0) {
          i = fhir;
          continue;
        }
        le = -1;
      }
      b64 = 2;
    } else if (c >= 65 && c <= 90) {
      // A capitalised ASCII word: title case or capitals.
      h = Math.imul(h ^ (c | 32), FNV_PRIME);
      while (ae < n && (d = t.charCodeAt(ae)) >= 97 && d <= 122) {
        h = Math.imul(h ^ d, FNV_PRIME);
        ae++;
      }
      if (ae >= n) d = 0;
      if (!isTokenChar(d)) {
        // (A title-case word of 12+ letters could start base64 text: left to the full path.)
        if (atStart && ae - i < 12 && !isJoined(d, ae - i)) {
          const next = asciiWord(ctx, i, ae, (h >>> 0) || 1);
          if (fast && (checked = checkRead(t, ae, next, checked)) < 0) return NEEDS_FULL_PATH;
          i = next;
          continue;
        }
        le = ae;
      } else {
        le = -1;
      }
      b64 = ae - i > 1 ? 3 : 1;
    } else if (c >= 48 && c <= 57) {
      // Digit-led: no leading letters.
      le = i;
      b64 = 4;
    } else {
      // A non-ASCII letter.
      h = Math.imul(h ^ c, FNV_PRIME);
      le = -1;
      b64 = 8;
    }
    if (le < 0 || le === i) {
      // The rest of the token: its leading letters (while still reading them), its end and
      // its classes.
      while (ae < n) {
        const e = t.charCodeAt(ae);
        if (e < 128) {
          const a = ASCII[e]!;
          if ((a & A_ALNUM) === 0) break;
          if (e <= 57) {
            b64 |= 4;
            if (le < 0) le = ae;
          } else {
            b64 |= e <= 90 ? 1 : 2;
            if (le < 0) h = Math.imul(h ^ (e <= 90 ? e | 32 : e), FNV_PRIME);
          }
        } else {
          if (e >= 0x2000) break;
          const k = CLS[e]!;
          if ((k & ALNUM) === 0) break;
          b64 |= 8;
          if (le < 0) h = Math.imul(h ^ e, FNV_PRIME);
        }
        ae++;
      }
      if (le < 0) le = ae;
      // A whole run of hex digits or of base32 (`6a6f…`, `NJXW…`, a token with a digit or in
      // capitals, so read here): decoded and read as text when it is text. (Mixed case is
      // base64's, below.)
      if (ae - i >= 16 && b64 !== 3 && atStart && inner !== undefined && i >= b64End) {
        hexOrBase32At(ctx, i, ae, b64, inner);
      }
    }
    h = (h >>> 0) || 1;
    const k0 = c < 0x2000 ? CLS[c]! : 0;
    // A token of 12+ characters, or one before `+ - / _ =`, starts a base64 segment unless a
    // run read already holds it: a token after `+ - / _` does when the run read from an
    // earlier token goes on through them (`x-U1NO…`, `abc-U1NO…`: base64At() reads its parts),
    // not when the run starts with one (`/U1NO…`). A value after `key=` starts a segment of
    // its own (`state=eyJ…`).
    if (
      inner !== undefined && i >= b64Run && (ae - i >= 12 || isB64Joiner(t.charCodeAt(ae))) &&
      !notBase64(b64, ae - i, t.charCodeAt(ae))
    ) {
      const e = base64At(ctx, i, inner);
      if (e > 0) b64End = b64Run = e;
      else b64Run = ~e;
    }
    let next = -1;
    if (k0 & C_DIGIT) {
      next = tryAt(ctx, i, ctx.technical);
      if (next <= i) next = alnumChecks(ctx, i, ae);
      if (next <= i) {
        // Only the digit run is consumed: "12 Main" and "12-34" restart after it.
        next = i + 1;
        while (next < n && isDigit(t.charCodeAt(next))) next++;
        if (next < ae) next = ae;
      }
    } else if (le === ae && !isWordJoiner(t.charCodeAt(ae))) {
      // A plain letter word: hashed already, no slicing.
      next = plainWord(ctx, i, ae, h, k0, (b64 & 8) !== 0);
    } else {
      const we = wordAt(t, i);
      const wh = wordAtHash;
      next = ae - i >= 4 ? alnumChecks(ctx, i, ae) : -1;
      // `Dr-John-Smith`, `Patient-Quenby-Zarkowski`: a name joined to its title or cue by '-',
      // which the word read on through (a capitalised cue, or `patient`).
      if (
        next <= i && le === ae && (c <= 90 || c === 112) && t.charCodeAt(ae) === 45 && we > ae &&
        !ctx.technical
      ) next = joinedCueName(ctx, i, ae, h);
      // A word glued to digits ("RO00FW...", "abc123") is an identifier, not a word; but
      // "mrn4829133" is the cue glued to the record number.
      if (next <= i && le === ae) {
        next = wordChecks(ctx, i, we, wh);
        // "patient-A7460897", "MRN-A1234567": the word read on through '-' into the value.
        if (next <= i && we > ae && isDigit(t.charCodeAt(we)) && !ctx.technical) {
          const cues = JOINED_CUE_INDEX.get(h);
          if (cues !== undefined) next = tryCue(ctx, i, ae, cues);
        }
      } else if (next <= i && le - i === 3 && h === H_MRN && !ctx.technical) {
        let e = idTokenAt(t, le, true, true);
        // "mrn4829133-0123456789abcdef": a request hash after the number leaves it a record's.
        if (e < 0) e = hashedIdAt(t, le);
        if (e > 0) next = take(ctx, le, e, "MRN");
      } else if (next <= i && le - i === 3 && h === H_SSN) {
        // "ssn536221234": the SSN glued to its label, as "mrn4829133" is. Under a technical
        // key too, as "ssn_536221234" is (the SSN cue is read there): the label and 9 digits
        // the issuance rules allow are the same evidence with or without a separator.
        const e = gluedSsnAt(t, le);
        if (e > 0) next = take(ctx, le, e, "SSN");
      } else if (
        next <= i && le - i === 2 && h === H_MR && !ctx.technical && isUpperAscii(c) &&
        isUpperAscii(t.charCodeAt(i + 1))
      ) {
        // "MR4829133": the medical record number glued to "MR", in capitals, 6+ digits (an
        // "MR1234" is as often a merge request).
        const e = idTokenAt(t, le, true, true);
        if (e > 0 && digitRun(t, le) >= 6) next = take(ctx, le, e, "MRN");
      }
      // A header's `X-` before a cue (`X-Patient-Id: 4829133`, `X-MRN:`, `X-Patient-Name:`):
      // the rest of the name is read as the word.
      if (next <= i && ae - i === 1 && (c | 32) === 120 && t.charCodeAt(ae) === 45) {
        if (headerCueAt(t, ae + 1)) next = ae + 1;
      }
      // "job-mrn4829133", "job-ssn536221234": the label after a '-' inside an id, which the
      // word read on through, is read as the token it starts (under a technical key only
      // `ssn`: no record-number cue is read there).
      if (next <= i && we > ae) next = labelAfterDash(t, ae, we, ctx.technical);
      if (next <= i) next = Math.max(ae, we, i + 1);
    }
    if (fast && (checked = checkRead(t, ae, next, checked)) < 0) return NEEDS_FULL_PATH;
    i = next;
  }
  return SCANNED;
}

const UUID_LENGTH = 36;
const H_MRN = hashOf("mrn");
const H_MR = hashOf("mr");
const H_SSN = hashOf("ssn");

/**
 * Where to resume after a word read on through '-' to we (its first part ending at ae) when no
 * rule took it: at its last part when that is `mrn` or `ssn` (`job-mrn4829133`,
 * `job-mrn-4829133`), so that the label is read with its value as it is after '_' or '.'
 * (`job_mrn4829133`); only at `ssn` under a technical key; -1 otherwise.
 */
function labelAfterDash(t: string, ae: number, we: number, technical: boolean): number {
  const s = we - 3;
  if (s <= ae || t.charCodeAt(s - 1) !== 45) return -1;
  const h = wordHash(t, s, we);
  return (h === H_MRN && !technical) || h === H_SSN ? s : -1;
}

/**
 * The SSN glued to its label at p (`ssn536221234`): 9 digits that the issuance rules allow
 * (published samples included: the label says what they are), then the end, a character
 * other than a letter, digit or '_' that leads on to no digit, or a request hash
 * (`ssn536221234-0123456789abcdef`). Returns end or -1.
 */
function gluedSsnAt(t: string, p: number): number {
  const e = p + 9;
  if (digitRun(t, p) !== 9 || !(endsClean(t, e) || hashTail(t, e))) return -1;
  return ssnIssuable(
      num3(t, p),
      (t.charCodeAt(p + 3) - 48) * 10 + t.charCodeAt(p + 4) - 48,
      num4(t, p + 5),
    )
    ? e
    : -1;
}

/** The 3-digit number at p. */
function num3(t: string, p: number): number {
  return (t.charCodeAt(p) - 48) * 100 + (t.charCodeAt(p + 1) - 48) * 10 + t.charCodeAt(p + 2) - 48;
}

/** The 4-digit number at p. */
function num4(t: string, p: number): number {
  return num3(t, p) * 10 + t.charCodeAt(p + 3) - 48;
}

/**
 * True when a request hash joined by '-' starts at q: 16 or more hex digits with a letter
 * among them (a run of digits alone is a number, not a hash), then no letter, digit or '_'
 * (`mrn4829133-0123456789abcdef`, a job id that appends one).
 */
function hashTail(t: string, q: number): boolean {
  if (t.charCodeAt(q) !== 45) return false;
  let e = q + 1;
  let letter = false;
  while (e < t.length && e - q <= 64) {
    const c = t.charCodeAt(e);
    if (isDigit(c)) e++;
    else if (isHex(c)) {
      letter = true;
      e++;
    } else break;
  }
  return letter && e - q - 1 >= 16 && !isWordChar(t.charCodeAt(e));
}

/**
 * A record number of 4-20 digits at p, no lone year 1900-2099, followed by a request hash
 * (hashTail): the number of a label that a job id carries on with. Returns its end or -1.
 */
function hashedIdAt(t: string, p: number): number {
  const len = digitRun(t, p);
  if (len < 4 || len > 20 || (len === 4 && isYear(t, p))) return -1;
  return hashTail(t, p + len) ? p + len : -1;
}

/** Length of the digit run at p. */
function digitRun(t: string, p: number): number {
  let e = p;
  while (e < t.length && e - p < 21 && isDigit(t.charCodeAt(e))) e++;
  return e - p;
}

/**
 * True when the word right before the UUID at p (past spaces, ':' and '#') announces PHI: the
 * token is then read as text after all.
 */
function cuedUuid(t: string, p: number): boolean {
  let e = p;
  while (e > 0 && p - e < 4) {
    const c = t.charCodeAt(e - 1);
    if (isSpace(c) || c === 58 || c === 35) e--;
    else break;
  }
  let s = e;
  while (s > 0 && e - s < 12 && isLetter(t.charCodeAt(s - 1))) s--;
  return s < e && cueBefore(t, p, p - s, UUID_CUES);
}

/** Words before a UUID-shaped token that make it worth reading as text after all. */
const UUID_CUES = cueList([
  ...PHONE_CUE_WORDS,
  "ssn",
  "security",
  "mrn",
  "record",
  "patient",
  "dob",
  "born",
  "account",
  "card",
  "member",
  "policy",
  "license",
  "passport",
]);

/**
 * True when t[p, p + 36) is a UUID in canonical form (8-4-4-4-12 hex digits, either case)
 * standing alone: not preceded by a hyphen and followed by neither a token character nor a
 * hyphen (so "x-<uuid>-5551234567" stays text to read).
 */
export function uuidAt(t: string, p: number): boolean {
  const e = p + UUID_LENGTH;
  if (e > t.length || (p > 0 && t.charCodeAt(p - 1) === 45)) return false;
  for (let k = p; k < e; k++) {
    const c = t.charCodeAt(k);
    const offset = k - p;
    if (offset === 8 || offset === 13 || offset === 18 || offset === 23) {
      if (c !== 45) return false;
    } else if (!isHex(c)) return false;
  }
  const after = t.charCodeAt(e);
  return !(after === 45 || isTokenChar(after));
}

/**
 * True when base64At() at a token would answer no segment from the token alone: an ASCII token
 * (classes `b64`, `length` characters) with no base64 punctuation after it is the whole
 * run, and a run shorter than 12, with no capital, or of capitals only is not decoded.
 */
export function notBase64(b64: number, length: number, after: number): boolean {
  if (b64 & 8 || isB64Joiner(after)) return false;
  return length < 12 || (b64 & 1) === 0 || b64 === 1;
}

/**
 * Whether the character d after an ASCII word of `length` letters takes the word off the
 * fast path: a word joiner (apostrophe, hyphen), base64 punctuation (the word may start a
 * base64 segment), or the '.' of a Cisco MAC (`face.b00c.cafe`).
 */
function isJoined(d: number, length: number): boolean {
  if (d >= 128) return d === 0x2019;
  const j = JOINERS[d]!;
  return j === 1 || (j === 2 && length === 4);
}

/** isJoined() for ASCII: 1 for joiners and base64 punctuation, 2 for '.'. */
const JOINERS = new Uint8Array(128);
for (const c of "'-+/=_") JOINERS[c.charCodeAt(0)] = 1;
JOINERS[46] = 2;

/**
 * A plain capitalised ASCII word [i, e) (letters only, nothing joined, fewer than 12):
 * what plainWord() does, minus the base64 and MAC checks it cannot need (base64 of text
 * mixes cases; a MAC needs its '.'). Returns where to resume.
 */
function asciiWord(ctx: TextCtx, i: number, e: number, hash: number): number {
  let flags = triggerFlags(hash);
  if (flags === 0 && e - i > 1 && isLowerAscii(ctx.t.charCodeAt(i + 1))) {
    // Only a word in title case can be a name; in capitals only its trigger flags matter.
    flags = wordFlags(hash);
  }
  // `DOE^JANE`, `ZARKOWSKI^QUENBY^^^MR`: an HL7 person name outside a segment.
  if (ctx.t.charCodeAt(e) === 94 && !ctx.technical) {
    const x = xpnNameAt(ctx, i, e);
    if (x > 0) return x;
  }
  if ((flags & (SLICE_FLAGS | W_NAME_CUE)) === 0) {
    // Only the name rules apply; most capitalised words fail their first tests, answered
    // here from the flags: a name is in title case (two letters or more), and is a
    // dictionary first name or surname, or a word that is no everyday word.
    if (ctx.technical || e - i === 1 || !mayStartName(flags)) return e;
  }
  const r = wordRules(ctx, i, e, hash, flags, true, true);
  return r > i ? r : e;
}

/** What matchNames() requires of a capitalised word's flags before it looks further. */
function mayStartName(f: number): boolean {
  if (f & W_FIRST) return true;
  if ((f & (W_LAST | W_AMBIGUOUS)) === W_LAST) return true;
  return (f & (W_FIRST | W_LAST | W_COMMON | W_AMBIGUOUS | W_NOT_NAME | W_SUFFIX)) === 0;
}

/** The hits so far as sorted, merged [start, end) pairs. */
function coveredRanges(ctx: TextCtx): number[] {
  const order: number[] = [];
  for (let k = 0; k < ctx.count; k++) order.push(k);
  const hs = ctx.hs;
  const he = ctx.he;
  order.sort((a, b) => hs[a]! - hs[b]!);
  const out: number[] = [];
  for (const k of order) {
    const last = out.length - 1;
    if (last > 0 && hs[k]! <= out[last]!) out[last] = Math.max(out[last]!, he[k]!);
    else out.push(hs[k]!, he[k]!);
  }
  return out;
}

/** Base64 characters that are not alphanumeric. */
function isB64Joiner(c: number): boolean {
  return c === 43 || c === 47 || c === 61 || c === 45 || c === 95;
}

/** MAC, IBAN and VIN shapes on the alphanumeric token [i, ae). */
function alnumChecks(ctx: TextCtx, i: number, ae: number): number {
  const t = ctx.t;
  const c = t.charCodeAt(i);
  const len = ae - i;
  // MAC forms that start with a letter or digit: aa-bb-.., aabb.ccdd.eeff (colons elsewhere).
  if (len === 2 && t.charCodeAt(ae) === 45 && isHex(c)) {
    const e = macAt(t, i);
    if (e > 0) return take(ctx, i, e, "MAC_ADDRESS");
  }
  if (len === 4 && t.charCodeAt(ae) === 46 && isHex(c)) {
    const e = ciscoMacAt(t, i);
    if (e > 0) return take(ctx, i, e, "MAC_ADDRESS");
  }
  if (
    len >= 4 && isDigit(t.charCodeAt(i + 2)) && isDigit(t.charCodeAt(i + 3)) && isLetter(c) &&
    isLetter(t.charCodeAt(i + 1))
  ) {
    const e = matchIban(ctx, i);
    if (e > 0) return e;
  }
  if (len === 17 && matchVin(ctx, i, ae)) return ae;
  return -1;
}

/** True when the word at p (after a header's `X-`) is a value or name cue. */
function headerCueAt(t: string, p: number): boolean {
  return wordAt(t, p) > p && (triggerFlags(wordAtHash) & (W_VALUE_CUE | W_NAME_CUE)) !== 0;
}

/**
 * A camelCase word [i, ae) that is no trigger, before a key's separator ('=', ':', a quote,
 * '>'): a cue may end it or follow a header's `x` (`lastPatient="…"`, `xPatientName=…`, as
 * `patientName=…` is read). `xCue`: the rest of the word after the `x` through all the rules;
 * otherwise the part from the last capital, through the name rules when it is a name cue.
 * Returns where to resume.
 */
function camelKey(ctx: TextCtx, i: number, ae: number): number {
  const t = ctx.t;
  const d = t.charCodeAt(ae);
  if (!(d === 61 || d === 58 || d === 34 || d === 39 || d === 62 || d === 92)) return ae;
  if (t.charCodeAt(i) === 120 && isUpperAscii(t.charCodeAt(i + 1))) {
    const h = wordHash(t, i + 1, ae);
    const f = triggerFlags(h);
    if (f & (W_VALUE_CUE | W_NAME_CUE)) {
      const e = wordRules(ctx, i + 1, ae, h, f, true);
      return e > i ? e : ae;
    }
  }
  let u = ae - 1;
  while (u > i && !isUpperAscii(t.charCodeAt(u))) u--;
  if (u === i) return ae;
  const h = wordHash(t, u, ae);
  const f = triggerFlags(h);
  if ((f & W_NAME_CUE) === 0) return ae;
  const e = matchNames(ctx, u, ae, f, h);
  return e > i ? e : ae;
}

/** Apostrophes and hyphens that may continue a word ("O'Brien", "Garcia-Roberson"). */
function isWordJoiner(c: number): boolean {
  return c === 39 || c === 45 || c === 0x2019;
}

/**
 * A letter token [i, ae) with nothing joined to it, hash `hash`, first character of class
 * `k`. Returns where scanning resumes (at least ae).
 */
function plainWord(
  ctx: TextCtx,
  i: number,
  ae: number,
  hash: number,
  k: number,
  nonAscii: boolean,
): number {
  const t = ctx.t;
  const len = ae - i;
  // Of the MAC, IBAN and VIN shapes only a Cisco MAC can be all letters (face.b00c.cafe).
  if (len === 4 && t.charCodeAt(ae) === 46 && isHex(t.charCodeAt(i))) {
    const e = ciscoMacAt(t, i);
    if (e > 0) return take(ctx, i, e, "MAC_ADDRESS");
  }
  if (len > 24) return ae;
  const capital = (k & C_UPPER) !== 0;
  // `DOE^JANE`, `ZARKOWSKI^QUENBY^^^MR`: an HL7 person name outside a segment.
  if (capital && t.charCodeAt(ae) === 94 && !ctx.technical) {
    const x = xpnNameAt(ctx, i, ae);
    if (x > 0) return x;
  }
  // Trigger words (a few hundred, small table) first; a capitalised word that is none of
  // them needs the dictionaries; a lower-case one matters only as a trigger.
  let flags = triggerFlags(hash);
  if (!capital) {
    if ((flags & CONTEXT_FLAGS) === 0) return camelKey(ctx, i, ae);
  } else if (flags === 0) flags = nonAscii ? nameFlags(t, i, ae, hash) : wordFlags(hash);
  const e = wordRules(ctx, i, ae, hash, flags, capital, true);
  return e > i ? e : ae;
}

/** The word tables for the letter word [i, we). */
function wordChecks(ctx: TextCtx, i: number, we: number, hash: number): number {
  if (we === i) return -1;
  // Letter words from here on. Most are ordinary lower-case words: one hash probe, no string.
  if (we - i > 24) return we;
  const capital = isUpperAt(ctx.t, i);
  // A lower-case word matters only as a trigger (cue, month, unit, ...): the small table.
  const flags = capital ? nameFlags(ctx.t, i, we, hash) : triggerFlags(hash);
  if (!capital && (flags & CONTEXT_FLAGS) === 0) return -1;
  return wordRules(ctx, i, we, hash, flags, capital);
}

/** The rules for a word [i, we) with its flags: cues, dates, units, streets, names. */
function wordRules(
  ctx: TextCtx,
  i: number,
  we: number,
  hash: number,
  flags: number,
  capital: boolean,
  plain = false,
): number {
  if (ctx.technical && (flags & W_VALUE_CUE) === 0) return -1;
  if ((flags & SLICE_FLAGS) === 0) return matchNames(ctx, i, we, flags, hash, plain);
  if (flags & W_VALUE_CUE) {
    // A database or ORM error's value dump (`Failing row contains (…)`, `[parameters: …]`),
    // under a technical key too: the marker announces data whatever its shape.
    if (isDumpWord(hash)) {
      const e = valueDumpAt(ctx, i, we, hash);
      if (e > 0) return e;
    }
    if ((hash === H_IDENTIFIER || hash === H_IDENTIFIERS) && !ctx.technical) {
      identifierValues(ctx, we);
    }
    const cues = CUE_INDEX.get(hash);
    if (cues !== undefined) {
      const e = tryCue(ctx, i, we, cues);
      if (e > 0) return e;
    }
  }
  if (ctx.technical) return -1;
  if (flags & W_MONTH) {
    const e = matchMonthDate(ctx, i, we);
    if (e > 0) return e;
  }
  if (flags & W_WEEKDAY) return take(ctx, i, we, "DATE");
  if (flags & W_UNIT) {
    const e = matchUnit(ctx, i, hash);
    if (e > 0) return e;
  }
  if (flags & W_STREET_PREFIX) {
    const street = matchWordStreet(ctx, i);
    if (street > 0) return street;
  }
  if (!capital && !(flags & W_NAME_CUE)) return -1;
  return matchNames(ctx, i, we, flags, hash, plain);
}

/** Flags that make a word worth a look even in lower case. */
const CONTEXT_FLAGS = W_CONTEXT;
/** Flags handled here before the name rules. */
const SLICE_FLAGS = W_VALUE_CUE | W_MONTH | W_WEEKDAY | W_UNIT | W_STREET_PREFIX;

// Register the trigger words with the hash table.
registerWords(CUES.map((c) => c.words[0]!), W_VALUE_CUE);
registerWords(["identifier", "identifiers"], W_VALUE_CUE);
registerWords(DUMP_WORDS, W_VALUE_CUE);
registerWords(CUES.flatMap((c) => c.words), W_CUE_WORD);
registerWords(MONTHS.keys(), W_MONTH);
registerWords(WEEKDAY_NAMES, W_WEEKDAY);
