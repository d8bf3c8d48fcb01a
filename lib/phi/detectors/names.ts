/**
 * Person names: after a cue (honorific, "my name is", "patient", "Dear", ...) any
 * capitalised words; elsewhere a dictionary first name followed by a surname-like word
 * ("First Last"), double-barrelled dictionary surnames and lists of dictionary surnames.
 * The dictionaries are the 1990 US Census lists (names_data.ts).
 */
import { isLetter, isSpace, isUpperAt } from "../chars.ts";
import { hit, type TextCtx } from "../context.ts";
import { FIRST_NAMES, LAST_NAMES } from "../names_data.ts";
import { STREET_SUFFIXES, wordEnd } from "./address.ts";

const FIRST = new Set(FIRST_NAMES.split(" "));
const LAST = new Set(LAST_NAMES.split(" "));

/** True when the lower-case word is a dictionary first name or surname. */
export function isKnownName(lower: string): boolean {
  return FIRST.has(lower) || LAST.has(lower);
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
  ["contact"],
  ["mother"],
  ["father"],
  ["son"],
  ["daughter"],
  ["wife"],
  ["husband"],
];
const CUE_FIRST = new Map<string, string[][]>();
for (const phrase of NAME_CUES) {
  const list = CUE_FIRST.get(phrase[0]!) ?? [];
  list.push(phrase);
  list.sort((a, b) => b.length - a.length);
  CUE_FIRST.set(phrase[0]!, list);
}

/** First names that are also everyday words; they need a dictionary surname after them. */
const AMBIGUOUS_FIRST = new Set([
  "will",
  "may",
  "june",
  "april",
  "august",
  "grant",
  "mark",
  "bill",
  "art",
  "guy",
  "pat",
  "hope",
  "faith",
  "joy",
  "max",
  "page",
  "rose",
  "don",
  "sunny",
  "dawn",
  "summer",
  "autumn",
  "chase",
  "love",
  "ray",
  "king",
  "young",
  "long",
  "rich",
  "major",
  "price",
  "lane",
  "sky",
  "star",
  "iris",
  "ivy",
  "jean",
  "china",
  "india",
  "paris",
  "georgia",
  "virginia",
  "carolina",
  "dakota",
  "austin",
  "london",
  "florence",
  "so",
  "an",
  "do",
  "in",
  "see",
  "lou",
  "in",
  "le",
  "ok",
  "else",
  "german",
  "france",
  "holland",
  "sale",
  "else",
  "tech",
  "gay",
  "wan",
  "kiss",
  "sung",
  "son",
  "ma",
  "chi",
  "in",
  "said",
  "sherry",
  "brandy",
  "ginger",
  "pearl",
  "ruby",
  "crystal",
  "amber",
  "jade",
  "robin",
  "destiny",
  "misty",
  "precious",
  "charity",
  "glory",
  "merry",
  "miles",
  "chance",
  "royal",
  "early",
  "man",
  "worth",
  "cash",
  "sterling",
]);

/** Capitalised words that never continue a name. */
const NOT_NAME = new Set([
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
]);

function skipSpaces(t: string, p: number): number {
  while (p < t.length && isSpace(t.charCodeAt(p))) p++;
  return p;
}

/** An initial at p ("J." or "J"), returns its end or -1. */
function initialAt(t: string, p: number): number {
  if (!isUpperAt(t, p) || isLetter(t.charCodeAt(p + 1))) return -1;
  return t.charCodeAt(p + 1) === 46 ? p + 2 : p + 1;
}

/**
 * Reads up to `max` name tokens (capitalised words, initials) at p. Returns the end of the
 * last word token, or -1 when the first token is not name-like.
 */
function nameTokensEnd(t: string, p: number, max: number): number {
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
    const we = wordEnd(t, q);
    if (we - q < 2) break;
    const lower = t.slice(q, we).toLowerCase();
    if (NOT_NAME.has(lower)) break;
    end = we;
    const next = skipSpaces(t, we);
    if (next === we || !isUpperAt(t, next)) break;
    q = next;
  }
  return end;
}

/** After a cue phrase starting at p (first word ends at we), the start of the name or -1. */
function afterCue(t: string, we: number, phrase: string[]): number {
  let q = we;
  for (let k = 1; k < phrase.length; k++) {
    q = skipSpaces(t, q);
    const e = wordEnd(t, q);
    if (e === q || t.slice(q, e).toLowerCase() !== phrase[k]) return -1;
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

/** Names at the word [i, we) (lower-case `lower`). Returns the end of a hit or -1. */
export function matchNames(ctx: TextCtx, i: number, we: number, lower: string): number {
  const t = ctx.t;
  if (HONORIFICS.has(lower)) {
    let q = we;
    if (t.charCodeAt(q) === 46) q++;
    const start = skipSpaces(t, q);
    if (start > q || t.charCodeAt(q - 1) === 46) {
      const end = nameTokensEnd(t, start, 4);
      if (end > 0) {
        hit(ctx, i, end, "PERSON_NAME");
        return end;
      }
    }
  }
  const phrases = CUE_FIRST.get(lower);
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
  if (!isUpperAt(t, i)) return -1;
  // Double-barrelled surname: "Garcia-Roberson".
  const dash = t.indexOf("-", i);
  if (dash > i && dash < we) {
    const a = lower.slice(0, dash - i);
    const b = lower.slice(dash - i + 1);
    if (LAST.has(a) && LAST.has(b) && isUpperAt(t, dash + 1)) {
      hit(ctx, i, we, "PERSON_NAME");
      return we;
    }
  }
  const first = FIRST.has(lower);
  const last = LAST.has(lower);
  if (!first && !last) return -1;
  // First [Initial] Last.
  let q = skipSpaces(t, we);
  if (q > we) {
    const init = initialAt(t, q);
    if (init > 0) q = skipSpaces(t, init);
    if (isUpperAt(t, q)) {
      const e2 = wordEnd(t, q);
      const second = t.slice(q, e2).toLowerCase();
      if (e2 - q >= 2 && !NOT_NAME.has(second) && !STREET_SUFFIXES.has(second)) {
        const secondLast = LAST.has(second) || secondLastByDash(second);
        if (
          (first && secondLast) ||
          (first && !AMBIGUOUS_FIRST.has(lower) && !FIRST.has(second)) ||
          (first && !AMBIGUOUS_FIRST.has(lower) && init > 0)
        ) {
          const end = nameTokensEnd(t, q, 2);
          hit(ctx, i, end > 0 ? end : e2, "PERSON_NAME");
          return end > 0 ? end : e2;
        }
      }
    }
  }
  // Lists of surnames: "Davis, Reynolds and Williamson".
  if (last && t.charCodeAt(we) === 44) {
    const end = surnameList(t, we);
    if (end > 0) {
      hit(ctx, i, end, "PERSON_NAME");
      return end;
    }
  }
  return -1;
}

function secondLastByDash(lower: string): boolean {
  const dash = lower.indexOf("-");
  return dash > 0 && LAST.has(lower.slice(0, dash)) && LAST.has(lower.slice(dash + 1));
}

/** ", Last and Last" / ", Last, Last and Last" after a surname; returns end or -1. */
function surnameList(t: string, p: number): number {
  let q = p;
  let count = 1;
  for (let guard = 0; guard < 4; guard++) {
    if (t.charCodeAt(q) === 44) q++;
    q = skipSpaces(t, q);
    let joined = false;
    if (t.startsWith("and ", q)) {
      q = skipSpaces(t, q + 4);
      joined = true;
    }
    const e = wordEnd(t, q);
    if (e === q || !isUpperAt(t, q) || !LAST.has(t.slice(q, e).toLowerCase())) return -1;
    count++;
    q = e;
    if (joined) return count >= 3 ? e : -1;
    if (t.charCodeAt(q) !== 44 && !t.startsWith(" and ", q)) return -1;
  }
  return -1;
}
