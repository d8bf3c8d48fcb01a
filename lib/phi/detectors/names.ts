/**
 * Person names: after a cue (honorific, "my name is", "patient", "Dear", ...) any
 * capitalised words; elsewhere a dictionary first name followed by a surname-like word
 * ("First Last"), double-barrelled dictionary surnames and lists of dictionary surnames.
 * The dictionaries are the 1990 US Census lists (names_data.ts).
 */
import { isLetter, isLowerAt, isSpace, isUpperAt } from "../chars.ts";
import { hit, type TextCtx } from "../context.ts";
import { AMBIGUOUS_NAMES, COMMON_WORDS, FIRST_NAMES, LAST_NAMES } from "../names_data.ts";
import { wordAt, wordAtHash, wordAtJoined } from "../read.ts";
import {
  flagsAt,
  HashIndex,
  hashOf,
  registerWords,
  setHas,
  triggerFlags,
  W_AMBIGUOUS,
  W_COMMON,
  W_CUE_WORD,
  W_FIRST,
  W_LAST,
  W_NAME_CUE,
  W_NOT_NAME,
  W_SUFFIX,
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
 * Reads up to `max` name tokens (capitalised words, initials) at p. Returns the end of the
 * last word token, or -1 when the first token is not name-like.
 */
function nameTokensEnd(t: string, p: number, max: number, lenient = false): number {
  let q = p;
  let end = -1;
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
    // After an honorific the first word is the name whatever it is ("Mrs. West").
    if (!(lenient && end < 0) && triggerFlags(wordAtHash) & W_NOT_NAME) break;
    end = we;
    const next = skipSpaces(t, we);
    if (next === we || !isUpperAt(t, next)) break;
    q = next;
  }
  return end;
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
    if (setHas(HONORIFIC_SET, hash)) {
      let q = we;
      if (t.charCodeAt(q) === 46) q++;
      const start = skipSpaces(t, q);
      if (start > q || t.charCodeAt(q - 1) === 46) {
        const end = nameTokensEnd(t, start, 4, true);
        if (end > 0) {
          hit(ctx, i, end, "PERSON_NAME");
          return end;
        }
      }
    }
    const phrases = CUE_FIRST.get(hash);
    if (phrases !== undefined) {
      for (const phrase of phrases) {
        const start = afterCue(t, we, phrase);
        if (start < 0) continue;
        const end = nameTokensEnd(t, start, 4);
        if (end > 0) {
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
      a & W_LAST && b & W_LAST && (strongLast(a) || strongLast(b)) && isUpperAt(t, dash + 1)
    ) {
      hit(ctx, i, we, "PERSON_NAME");
      return we;
    }
  }
  // Outside cues a name is written in title case ("Anna", not "ANNA" or "RO").
  if (!isLowerAt(t, i + 1)) return -1;
  const first = strongFirst(flags);
  const last = strongLast(flags);
  const unknown = (flags & (W_FIRST | W_LAST)) === 0 && unknownWord(flags);
  if (!first && !last && !unknown && !(flags & W_FIRST)) return -1;
  // First [Initial] Last.
  let q = skipSpaces(t, we);
  if (q > we && q - we < 3) {
    const init = initialAt(t, q);
    if (init > 0) q = skipSpaces(t, init);
    if (isUpperAt(t, q)) {
      const e2 = wordAt(t, q);
      const f2 = wordFlags(wordAtHash);
      const secondOk = e2 - q >= 2 && (f2 & (W_NOT_NAME | W_SUFFIX)) === 0;
      const secondLast = strongLast(f2) || (wordAtJoined && secondLastByDash(t, q, e2));
      // A middle initial after a first name ("Jane Q Doe") makes the next capitalised word
      // the surname even when it is also an everyday word.
      const byInitial = init > 0 && first && isLowerAt(t, q + 1);
      if (
        secondOk &&
        (byInitial || (first && (secondLast || unknownWord(f2))) ||
          (flags & W_FIRST && secondLast) || (unknown && secondLast))
      ) {
        const end = nameTokensEnd(t, q, 2);
        hit(ctx, i, end > 0 ? end : e2, "PERSON_NAME");
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
  if (first || last) {
    hit(ctx, i, we, "PERSON_NAME");
    return we;
  }
  return -1;
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
