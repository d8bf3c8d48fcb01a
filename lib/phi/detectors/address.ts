/**
 * Street addresses: number + street name + suffix (US), street name + house number
 * (European), unit designators (Apt, Suite), PO and military boxes, then the lines that
 * follow an address (unit, city, region, country and postal code) as one block.
 */
import { isAlnum, isDigit, isLetter, isSpace, isUpperAt } from "../chars.ts";
import { cueBefore, cueList, hit, readsAt, type TextCtx } from "../context.ts";
import { rangeHash, wordAt, wordAtHash } from "../read.ts";
import {
  registerWords,
  setHas,
  triggerFlags,
  triggerFlagsAt,
  W_ENDING,
  W_PARTICLE,
  W_STREET_PREFIX,
  W_SUFFIX,
  W_UNIT,
  wordHash,
  wordSet,
} from "../word_table.ts";

export const STREET_SUFFIXES = new Set([
  "brooks",
  "forks",
  "fork",
  "tunnel",
  "manors",
  "cliff",
  "cliffs",
  "ways",
  "wall",
  "throughway",
  "views",
  "walks",
  "well",
  "burgs",
  "centers",
  "circles",
  "club",
  "commons",
  "coves",
  "crest",
  "crossroad",
  "drives",
  "estate",
  "extensions",
  "fall",
  "field",
  "flat",
  "ford",
  "forest",
  "glens",
  "greens",
  "groves",
  "harbors",
  "hollow",
  "inlet",
  "islands",
  "junctions",
  "keys",
  "knoll",
  "lakes",
  "land",
  "lights",
  "loaf",
  "lock",
  "locks",
  "meadow",
  "mountains",
  "neck",
  "orchard",
  "parks",
  "parkways",
  "passage",
  "pine",
  "plain",
  "points",
  "ramp",
  "rapid",
  "ridges",
  "river",
  "roads",
  "shoal",
  "shores",
  "spring",
  "spurs",
  "squares",
  "streets",
  "trace",
  "valleys",
  "street",
  "st",
  "str",
  "avenue",
  "ave",
  "av",
  "road",
  "rd",
  "boulevard",
  "blvd",
  "lane",
  "ln",
  "drive",
  "dr",
  "court",
  "ct",
  "courts",
  "way",
  "place",
  "pl",
  "terrace",
  "ter",
  "circle",
  "cir",
  "parkway",
  "pkwy",
  "highway",
  "hwy",
  "square",
  "sq",
  "trail",
  "trl",
  "loop",
  "pass",
  "row",
  "alley",
  "crossing",
  "xing",
  "path",
  "pike",
  "plaza",
  "crescent",
  "cres",
  "close",
  "grove",
  "gardens",
  "green",
  "hill",
  "hills",
  "heights",
  "park",
  "point",
  "ridge",
  "run",
  "view",
  "walk",
  "harbor",
  "harbour",
  "turnpike",
  "expressway",
  "freeway",
  "mews",
  "villages",
  "village",
  "unions",
  "union",
  "gateway",
  "creek",
  "forges",
  "forge",
  "ports",
  "port",
  "station",
  "stravenue",
  "spur",
  "summit",
  "junction",
  "manor",
  "meadows",
  "mill",
  "mills",
  "mission",
  "motorway",
  "overpass",
  "ranch",
  "shoals",
  "shore",
  "springs",
  "vista",
  "wells",
  "estates",
  "extension",
  "falls",
  "ferry",
  "fields",
  "flats",
  "fords",
  "fort",
  "glen",
  "haven",
  "island",
  "isle",
  "key",
  "knolls",
  "lake",
  "landing",
  "light",
  "lodge",
  "mall",
  "mount",
  "mountain",
  "oval",
  "pines",
  "plains",
  "prairie",
  "rapids",
  "rest",
  "route",
  "skyway",
  "stream",
  "track",
  "trafficway",
  "underpass",
  "valley",
  "viaduct",
  "ville",
  "brook",
  "burg",
  "bypass",
  "camp",
  "canyon",
  "cape",
  "causeway",
  "center",
  "centre",
  "common",
  "corner",
  "corners",
  "cove",
  "curve",
  "dale",
  "dam",
  "divide",
  "bridge",
  "bluff",
  "bluffs",
  "bottom",
  "branch",
  "arcade",
  "radial",
]);

/** Unit designators; "Apt. 117" alone is part of an address. */
export const UNIT_WORDS = new Set([
  "apt",
  "apartment",
  "suite",
  "ste",
  "unit",
  "flat",
  "bldg",
  "building",
  "floor",
  "fl",
  "room",
  "rm",
  "lot",
  "box",
]);

/** Words that start a street name in other languages ("Via Roma 131", "ul. Północna 73"). */
export const STREET_PREFIXES = new Set([
  "via",
  "viale",
  "piazza",
  "corso",
  "strada",
  "rua",
  "rue",
  "avenida",
  "avda",
  "av",
  "calle",
  "carrer",
  "camino",
  "paseo",
  "plaza",
  "praça",
  "travessa",
  "largo",
  "ul",
  "ulica",
  "al",
  "aleja",
  "os",
  "nám",
  "boulevard",
  "chemin",
  "allée",
  "impasse",
  "quai",
  "route",
  "cite",
  "cité",
]);

/** Endings of street names in Nordic, German, Dutch, Baltic, Hungarian and Slavic languages. */
const STREET_ENDINGS = [
  "katu",
  "kuja",
  "tie",
  "polku",
  "vej",
  "gade",
  "stræde",
  "strasse",
  "straße",
  "strase",
  "weg",
  "gasse",
  "gatan",
  "gata",
  "gate",
  "veien",
  "vegen",
  "vägen",
  "väg",
  "vei",
  "laan",
  "straat",
  "gracht",
  "plein",
  "utca",
  "út",
  "útja",
  "tér",
  "allee",
  "platz",
  "ring",
  "damm",
  "stien",
  "braut",
  "stræti",
  "straeti",
  "vegur",
  "centret",
  "ulice",
  "ulica",
  "iela",
  "tänav",
  "mäe",
];

/** Particles allowed inside street and place names. */
const PARTICLE_LIST = [
  "de",
  "la",
  "del",
  "della",
  "delle",
  "dei",
  "da",
  "do",
  "dos",
  "das",
  "di",
  "du",
  "des",
  "le",
  "les",
  "van",
  "von",
  "der",
  "den",
  "het",
  "y",
  "e",
  "i",
  "am",
  "an",
  "im",
  "op",
  "nan",
  "and",
  "of",
  "the",
  "u",
];
const PARTICLES = wordSet(PARTICLE_LIST);

export const ADDRESS_CUES = cueList([
  "address",
  "lives at",
  "live at",
  "living at",
  "located at",
  "moved to",
  "located on",
  "meet",
  "drops you off at",
  "send it to",
  "ship to",
  "deliver to",
  "residence",
  "resides at",
]);

/** Any address cue anywhere in a text (a linear alternation of literals). */
export const ADDRESS_CUE_ANYWHERE =
  /address|lives? at|living at|located|moved to|meet|drops you|send it|ship to|deliver|resid/i;

/** End of the letter word at p (letters, inner apostrophes and hyphens), or p. */
export function wordEnd(t: string, p: number): number {
  return wordAt(t, p);
}

/**
 * Street endings keyed by a hash of their characters read backwards (ASCII letters folded,
 * as wordHash() folds them), so the endings of a word are tried by extending one hash
 * from its last character instead of hashing each suffix anew.
 */
const ENDING_SLOTS = 256;
const ENDING_KEYS = new Int32Array(ENDING_SLOTS);
const ENDING_WORDS: string[] = new Array(ENDING_SLOTS).fill("");

const foldAscii = (c: number) => (c >= 65 && c <= 90 ? c | 32 : c);

function reverseHash(word: string): number {
  let h = 0x811c9dc5;
  for (let k = word.length - 1; k >= 0; k--) {
    h = Math.imul(h ^ foldAscii(word.charCodeAt(k)), 0x01000193);
  }
  return h | 0 || 1;
}

/** True when the word t[s, e) ends in a street ending ("Koskikatu", "Søndergade"), leaving at least two letters before it. */
function endsWithStreetEnding(t: string, s: number, e: number): boolean {
  const longest = Math.min(8, e - s - 2);
  let h = 0x811c9dc5;
  for (let k = 1; k <= longest; k++) {
    h = Math.imul(h ^ foldAscii(t.charCodeAt(e - k)), 0x01000193);
    if (k < 2) continue;
    const key = h | 0 || 1;
    let slot = key & (ENDING_SLOTS - 1);
    for (let probe = ENDING_KEYS[slot]!; probe !== 0; probe = ENDING_KEYS[slot]!) {
      if (probe === key && endingAt(t, e - k, ENDING_WORDS[slot]!)) return true;
      slot = (slot + 1) & (ENDING_SLOTS - 1);
    }
  }
  return false;
}

/** True when t from s reads `ending` (ASCII letters folded). */
function endingAt(t: string, s: number, ending: string): boolean {
  for (let k = 0; k < ending.length; k++) {
    if (foldAscii(t.charCodeAt(s + k)) !== ending.charCodeAt(k)) return false;
  }
  return true;
}

/** Skips spaces and tabs. */
function skipSpaces(t: string, p: number): number {
  while (p < t.length && isSpace(t.charCodeAt(p))) p++;
  return p;
}

/** A house number at p: 1-5 digits, optional letter or '.', e.g. "12", "12B", "19.". */
export function houseNumberEnd(t: string, p: number): number {
  let e = p;
  while (e < t.length && e - p < 5 && isDigit(t.charCodeAt(e))) e++;
  if (e === p || isDigit(t.charCodeAt(e))) return -1;
  const c = t.charCodeAt(e);
  if (isLetter(c) && !isLetter(t.charCodeAt(e + 1))) e++;
  else if (c === 46 && !isAlnum(t.charCodeAt(e + 1))) e++;
  else if (isLetter(c)) return -1;
  return e;
}

/** Hash of the word found by the last wordEndHash() call. */
let endHash = 0;

/** wordEnd(t, p), setting endHash to the word's hash (as wordHash() computes it). */
function wordEndHash(t: string, p: number): number {
  const e = wordAt(t, p);
  endHash = wordAtHash;
  return e;
}

/** What readStreetWords() read (module state rather than an object per call). */
const street = {
  end: 0,
  words: 0,
  suffixEnd: -1,
  streetish: false,
  capital: true,
  capitalSuffixEnd: -1,
};

/**
 * Street words from p: up to 6 words (particles allowed). `streetish` when the first word is
 * a street prefix ("Via", "ul.") or the last one has a street ending ("-katu", "-strasse");
 * `capital` when every word is capitalised (or a particle); `capitalSuffixEnd` the end of the
 * last street suffix up to which every word is (the words after it may be the sentence's own:
 * "1420 Oakwood Ave now"). Fills `street`.
 */
function readStreetWords(t: string, p: number): typeof street {
  let q = p;
  let words = 0;
  let suffixEnd = -1;
  let prefixed = false;
  let lastStart = p;
  let lastWordEnd = p;
  let capital = true;
  let capitalSuffixEnd = -1;
  let lastEnd = p;
  while (words < 6) {
    let we = wordEndHash(t, q);
    let h = endHash;
    // Ordinal street names: "E 14th Street", "1st Ave".
    let ordinal = false;
    if (we === q) {
      const ord = ordinalAt(t, q);
      if (ord > 0) {
        we = ord;
        ordinal = true;
        h = wordHash(t, q, we);
      }
    }
    if (we === q) break;
    // "St George's Road": the possessive belongs to the street name.
    const apostrophe = t.charCodeAt(we);
    if ((apostrophe === 39 || apostrophe === 0x2019) && (t.charCodeAt(we + 1) | 32) === 115) {
      h = Math.imul(h ^ apostrophe, 0x01000193);
      h = Math.imul(h ^ foldAscii(t.charCodeAt(we + 1)), 0x01000193);
      we += 2;
    }
    let end = we;
    if (t.charCodeAt(end) === 46) end++;
    const f = triggerFlags((h >>> 0) || 1);
    if (words === 0 && f & W_STREET_PREFIX) prefixed = true;
    lastStart = q;
    lastWordEnd = we;
    if (!ordinal && !isUpperAt(t, q) && (f & (W_PARTICLE | W_STREET_PREFIX)) === 0) capital = false;
    words++;
    lastEnd = end;
    if (words > 1 && f & W_SUFFIX) {
      suffixEnd = end;
      if (capital) capitalSuffixEnd = end;
    }
    const next = skipSpaces(t, end);
    if (next === end && t.charCodeAt(end - 1) !== 46) break;
    if (!isLetter(t.charCodeAt(next)) && ordinalAt(t, next) < 0) break;
    q = next;
  }
  const endingLast = words > 0 && endsWithStreetEnding(t, lastStart, lastWordEnd);
  street.end = lastEnd;
  street.words = words;
  street.suffixEnd = suffixEnd;
  street.streetish = prefixed || endingLast;
  street.capital = capital;
  street.capitalSuffixEnd = capitalSuffixEnd;
  return street;
}

/** An ordinal at p ("1st", "14th", "22nd", "3rd"); returns its end or -1. */
function ordinalAt(t: string, p: number): number {
  let d = p;
  while (d < t.length && d - p < 4 && isDigit(t.charCodeAt(d))) d++;
  if (d === p) return -1;
  const sfx = (t.charCodeAt(d) | 32) * 256 + (t.charCodeAt(d + 1) | 32);
  const ordinal = sfx === 0x7374 || sfx === 0x6e64 || sfx === 0x7264 || sfx === 0x7468;
  return ordinal && !isLetter(t.charCodeAt(d + 2)) ? d + 2 : -1;
}

/** True when the word at p is a street prefix, particle-free street word or has a street ending. */
function streetWordAt(t: string, p: number): boolean {
  const we = wordEndHash(t, p);
  if (we === p) return false;
  return (triggerFlags((endHash >>> 0) || 1) & (W_STREET_PREFIX | W_ENDING)) !== 0 ||
    endsWithStreetEnding(t, p, we);
}

/** Whether the text holds any address cue (computed once per text). */
function textHasAddressCue(ctx: TextCtx): boolean {
  if (ctx.addressCue < 0) ctx.addressCue = ADDRESS_CUE_ANYWHERE.test(ctx.t) ? 1 : 0;
  return ctx.addressCue === 1;
}

/**
 * An address cue as whole words within `before` characters before i. (Every cue holds an
 * alternative of ADDRESS_CUE_ANYWHERE, so a text the regex finds nothing in has no cue
 * here either: this needs no text-wide test first.)
 */
function addressCueBefore(ctx: TextCtx, i: number, before: number): boolean {
  return cueBefore(ctx.t, i, before, ADDRESS_CUES);
}

/** A unit designator at p ("Apt. 117", "Suite 464", "Unit 5022 Box 1225", "#12"). Returns end or -1. */
export function unitAt(t: string, p: number): number {
  const we = wordEndHash(t, p);
  // Hash first: most words are no unit, and the hash needs no slice.
  if (we === p || !setHas(UNIT_SET, (endHash >>> 0) || 1)) return -1;
  let q = we;
  if (t.charCodeAt(q) === 46) q++;
  q = skipSpaces(t, q);
  if (t.charCodeAt(q) === 35) q = skipSpaces(t, q + 1);
  const e = houseNumberEnd(t, q);
  if (e < 0) return -1;
  // "Unit 5022 Box 1225", "PSC 3294, Box 9168".
  let r = skipSpaces(t, t.charCodeAt(e) === 44 ? e + 1 : e);
  if (readsAt(t, r, "box")) {
    r = skipSpaces(t, r + 3);
    const b = houseNumberEnd(t, r);
    if (b > 0) return b;
  }
  return e;
}

/** Military and PO boxes at p: "PSC 3294, Box 9168", "P.O. Box 242", "PO Box 12". */
export function boxAt(t: string, p: number): number {
  let q = -1;
  if (readsAt(t, p, "p.o. box")) q = p + 8;
  else if (readsAt(t, p, "p.o.box")) q = p + 7;
  else if (readsAt(t, p, "po box")) q = p + 6;
  else if (readsAt(t, p, "psc ")) {
    const e = houseNumberEnd(t, p + 4);
    if (e < 0) return -1;
    const r = skipSpaces(t, t.charCodeAt(e) === 44 ? e + 1 : e);
    if (!readsAt(t, r, "box")) return e;
    q = r + 3;
  }
  if (q < 0) return -1;
  return houseNumberEnd(t, skipSpaces(t, q));
}

/** "APO AE 12345", "FPO AP 93757", "DPO AA 51065" at p. */
export function militaryPostAt(t: string, p: number): number {
  // /^[afd]po a[aep] $/ on the seven characters at p, lower-cased.
  if (p + 7 > t.length) return -1;
  const c0 = t.charCodeAt(p) | 32;
  const c5 = t.charCodeAt(p + 5) | 32;
  if (
    !(c0 === 97 || c0 === 102 || c0 === 100) || !readsAt(t, p + 1, "po a") ||
    !(c5 === 97 || c5 === 101 || c5 === 112) || t.charCodeAt(p + 6) !== 32
  ) return -1;
  const e = skipSpaces(t, p + 7);
  let d = e;
  while (d < t.length && d - e < 5 && isDigit(t.charCodeAt(d))) d++;
  return d - e === 5 && !isAlnum(t.charCodeAt(d)) ? d : -1;
}

/** A postal code at p: 3-6 digits, 12345-6789, 123 45, 12-345, 1234 AB, A1A 1A1. Returns end or -1. */
export function postalCodeAt(t: string, p: number): number {
  const n = t.length;
  let d = p;
  while (d < n && d - p < 7 && isDigit(t.charCodeAt(d))) d++;
  const len = d - p;
  if (len >= 1) {
    if (isLetter(t.charCodeAt(d))) return -1;
    const c = t.charCodeAt(d);
    if (c === 45 && len >= 2) {
      let e = d + 1;
      while (e < n && e - d - 1 < 4 && isDigit(t.charCodeAt(e))) e++;
      if (e - d - 1 >= 3 && !isAlnum(t.charCodeAt(e))) return e;
    }
    if (c === 32 && len === 3) {
      let e = d + 1;
      while (e < n && e - d - 1 < 3 && isDigit(t.charCodeAt(e))) e++;
      if (e - d - 1 === 2 && !isAlnum(t.charCodeAt(e))) return e;
    }
    if (c === 32 && len === 4) {
      const a = t.charCodeAt(d + 1);
      const b = t.charCodeAt(d + 2);
      if (a >= 65 && a <= 90 && b >= 65 && b <= 90 && !isAlnum(t.charCodeAt(d + 3))) return d + 3;
    }
    return len >= 3 && len <= 6 && !isAlnum(c) ? d : -1;
  }
  // Canadian A1A 1A1 and UK-style outward/inward codes: both start with a capital and a
  // digit within the first three characters (checked first: the regex needs a slice).
  const c0 = t.charCodeAt(p);
  const c1 = t.charCodeAt(p + 1);
  if (!(c0 >= 65 && c0 <= 90)) return -1;
  if (!isDigit(c1) && !(c1 >= 65 && c1 <= 90 && isDigit(t.charCodeAt(p + 2)))) return -1;
  const m = /^[A-Z]\d[A-Z] ?\d[A-Z]\d\b|^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b/.exec(
    t.slice(p, p + 9),
  );
  return m === null ? -1 : p + m[0].length;
}

/** Word character as `\w` in a non-Unicode regex. */
function isAsciiWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122) || c === 95;
}

/**
 * True when t[s, e) holds any of `:@?!;"`, `http`/`https` ending at a word boundary, or
 * `www.` (case-insensitive): what `/[:@?!;"]|https?\b|www\./i` finds, without a slice.
 */
export function hasUrlOrPunctuation(t: string, s: number, e: number): boolean {
  for (let k = s; k < e; k++) {
    const c = t.charCodeAt(k);
    if (c === 58 || c === 64 || c === 63 || c === 33 || c === 59 || c === 34) return true;
    const l = c | 32;
    if (l === 104 && k + 4 <= e) {
      if (
        (t.charCodeAt(k + 1) | 32) === 116 && (t.charCodeAt(k + 2) | 32) === 116 &&
        (t.charCodeAt(k + 3) | 32) === 112
      ) {
        const a = k + 4 < e ? t.charCodeAt(k + 4) : -1;
        if (a < 0 || !isAsciiWordChar(a)) return true;
        if ((a | 32) === 115) {
          if (k + 5 >= e || !isAsciiWordChar(t.charCodeAt(k + 5))) return true;
        }
      }
    } else if (l === 119 && k + 4 <= e) {
      if (
        (t.charCodeAt(k + 1) | 32) === 119 && (t.charCodeAt(k + 2) | 32) === 119 &&
        t.charCodeAt(k + 3) === 46
      ) return true;
    }
  }
  return false;
}

/** True when [s, e) reads like an address line: unit, box, city, region, country, postcode. */
function addressLine(t: string, s: number, e: number, seen: number): boolean {
  if (e <= s || e - s > 64) return false;
  // What addressBlock() saw while finding the line end: `:@?!;"` rules it out; "ht" or "ww"
  // may be a URL (checked exactly); neither, and it holds no URL or punctuation.
  if (seen & SEEN_PUNCT) return false;
  if (seen & SEEN_URLISH && hasUrlOrPunctuation(t, s, e)) return false;
  let words = 0;
  let p = s;
  let sawPostal = false;
  while (p < e) {
    const c = t.charCodeAt(p);
    if (isSpace(c) || c === 44 || c === 40 || c === 41 || c === 46 || c === 45) {
      p++;
      continue;
    }
    const digit = isDigit(c);
    const pe = digit || sawPostal === false ? postalCodeAt(t, p) : -1;
    if (digit || pe > 0) {
      const ue = pe > 0 ? pe : houseNumberEnd(t, p);
      if (ue < 0) return false;
      sawPostal = true;
      p = ue;
      continue;
    }
    const we = wordAt(t, p);
    if (we === p) return false;
    if (!isUpperAt(t, p)) {
      const h = wordAtHash;
      if (!setHas(PARTICLES, h) && !setHas(UNIT_SET, h)) return false;
    }
    words++;
    if (words > 6) return false;
    p = we;
  }
  return words > 0 || sawPostal;
}

/** Line scan classes: line ends (LF, CR, comma), punctuation no address line holds, 'h' and 'w'. */
const LINE_END = 1;
const SEEN_PUNCT = 2;
const SEEN_URLISH = 4;
const LINE_CHARS = new Uint8Array(128);
LINE_CHARS[10] = LINE_CHARS[13] = LINE_CHARS[44] = LINE_END;
for (const c of ':@?!;"') LINE_CHARS[c.charCodeAt(0)] = SEEN_PUNCT;
for (const c of "hHwW") LINE_CHARS[c.charCodeAt(0)] = SEEN_URLISH;

/** The segments addressBlock() found last, as [start, end) pairs (at most five). */
export const blockSegments = new Int32Array(10);

/**
 * The lines and comma segments that follow an address ending at e (unit, city, region,
 * country and postcode), at most five, into blockSegments as [start, end) pairs; returns
 * how many numbers it wrote. Kept apart so that the redacted text keeps its line breaks.
 */
export function addressBlock(t: string, e: number): number {
  const segments = blockSegments;
  let count = 0;
  let end = e;
  for (let step = 0; step < 5; step++) {
    let p = end;
    if (t.charCodeAt(p) === 46) p++;
    p = skipSpaces(t, p);
    const c = t.charCodeAt(p);
    let lineStart: number;
    if (c === 44) {
      lineStart = skipSpaces(t, p + 1);
    } else if (c === 10 || c === 13) {
      let q = p;
      let newlines = 0;
      while (q < t.length) {
        const d = t.charCodeAt(q);
        if (d === 10) newlines++;
        if (d === 10 || d === 13 || isSpace(d) || d === 62 || d === 63) q++;
        else break;
      }
      if (newlines > 2) break;
      lineStart = q;
    } else if (isLetter(c) && p > end) {
      // Same line: "Apt. 117 Mogyorósbánya Hungary".
      lineStart = p;
    } else break;
    let lineEnd = lineStart;
    let seen = 0;
    while (lineEnd < t.length && lineEnd - lineStart < 65) {
      const d = t.charCodeAt(lineEnd);
      if (d < 128) {
        const x = LINE_CHARS[d]!;
        if (x !== 0) {
          if (x & LINE_END) break;
          if (x & SEEN_PUNCT) seen |= SEEN_PUNCT;
          else {
            // 'h' before 't' ("http"), 'w' before 'w' ("www.").
            const next = t.charCodeAt(lineEnd + 1) | 32;
            if (next === ((d | 32) === 104 ? 116 : 119)) seen |= SEEN_URLISH;
          }
        }
      }
      lineEnd++;
    }
    // Trailing sentence period and spaces are not part of the line.
    let trimmed = lineEnd;
    while (
      trimmed > lineStart &&
      (isSpace(t.charCodeAt(trimmed - 1)) || t.charCodeAt(trimmed - 1) === 46)
    ) {
      trimmed--;
    }
    if (!addressLine(t, lineStart, trimmed, seen)) break;
    segments[count++] = lineStart;
    segments[count++] = trimmed;
    end = trimmed;
  }
  return count;
}

/**
 * Records an address [s, e) and the block that follows. Returns e, not the block end, so
 * the passes still look at the numbers the block covers (an SSN after a comma, a phone, a
 * postcode); when the block ended by itself (not at its fifth line), its words are not
 * read again (they are the address's own words: cities, regions, countries).
 */
function addressHit(ctx: TextCtx, s: number, e: number): number {
  hit(ctx, s, e, "STREET_ADDRESS");
  const count = addressBlock(ctx.t, e);
  for (let k = 0; k < count; k += 2) {
    hit(ctx, blockSegments[k]!, blockSegments[k + 1]!, "STREET_ADDRESS");
  }
  if (count > 0 && count < blockSegments.length && blockSegments[count - 1]! > ctx.wordsRead) {
    ctx.wordsRead = blockSegments[count - 1]!;
  }
  return e;
}

/** Number-led street address at digit-run start i. Returns end or -1. */
export function matchStreetAddress(ctx: TextCtx, i: number): number {
  const t = ctx.t;
  let p = houseNumberEnd(t, i);
  if (p < 0) return -1;
  if (!isSpace(t.charCodeAt(p))) return -1;
  p = skipSpaces(t, p);
  // "22829 Jagerij 64", "580 60 Balsham Road": a second number before the street name.
  if (isDigit(t.charCodeAt(p))) {
    const second = houseNumberEnd(t, p);
    if (second < 0 || !isSpace(t.charCodeAt(second))) return -1;
    p = skipSpaces(t, second);
  }
  if (!isLetter(t.charCodeAt(p))) return -1;
  // Cheap gate before reading words: a capitalised first word, a street word, or an address
  // cue somewhere in the text ("lives at 255 hersnapvej 18").
  if (!isUpperAt(t, p) && !streetWordAt(t, p) && !textHasAddressCue(ctx)) return -1;
  // An HTTP status line (`502 Bad Gateway`, `HTTP/1.1 502 Bad Gateway`) is no street.
  if (readsAt(t, p, "bad gateway") && !isAlnum(t.charCodeAt(p + 11))) return -1;
  const words = readStreetWords(t, p);
  if (words.words === 0) return -1;
  // Capitalised words up to a street suffix, or any words after an address cue; with no cue, a
  // lower-case word after the suffix ends the street ("1420 Oakwood Ave via ambulance").
  let suffixEnd = words.capital ? words.suffixEnd : -1;
  if (suffixEnd < 0 && words.suffixEnd > 0) {
    suffixEnd = addressCueBefore(ctx, i, 40) ? words.suffixEnd : words.capitalSuffixEnd;
  }
  if (suffixEnd > 0) {
    let end = suffixEnd;
    // Optional house number after the suffix ("Pentelis Str. 35") and a unit.
    const unitStart = skipSpaces(t, t.charCodeAt(end) === 44 ? end + 1 : end);
    const unitEnd = unitAt(t, unitStart);
    if (unitEnd > 0) end = unitEnd;
    return addressHit(ctx, i, end);
  }
  // European order: street words then a house number.
  const q = skipSpaces(t, words.end);
  if (q > words.end && isDigit(t.charCodeAt(q)) && words.words <= 5) {
    const e = houseNumberEnd(t, q);
    if (e > 0 && (words.streetish || words.capital)) {
      let end = e;
      const unitStart = skipSpaces(t, t.charCodeAt(end) === 44 ? end + 1 : end);
      const unitEnd = unitAt(t, unitStart);
      if (unitEnd > 0) end = unitEnd;
      if (words.streetish || addressCueBefore(ctx, i, 40) || lineLed(t, i)) {
        return addressHit(ctx, i, end);
      }
    }
  }
  if (words.streetish && words.capital && words.words <= 4) {
    return addressHit(ctx, i, words.end);
  }
  // "lives at 17985 The Beeches": after an address cue, a number and capitalised words.
  if (words.capital && words.words <= 4 && addressCueBefore(ctx, i, 24)) {
    return addressHit(ctx, i, words.end);
  }
  return -1;
}

/** True when only spaces, '>' or '?' precede i on its line (an address block's street line). */
function lineLed(t: string, i: number): boolean {
  let p = i - 1;
  while (p >= 0) {
    const c = t.charCodeAt(p);
    if (c === 10 || c === 13) return true;
    if (!(isSpace(c) || c === 62 || c === 63)) return false;
    p--;
  }
  return true;
}

/** Word-led street ("Via Roma 131", "Villacher Strasse 89", "ul. Północna 73") at word start p. */
export function matchWordStreet(ctx: TextCtx, p: number): number {
  const t = ctx.t;
  const words = readStreetWords(t, p);
  if (!words.streetish || !words.capital || words.words === 0 || words.words > 5) return -1;
  const q = skipSpaces(t, words.end);
  if (q === words.end || !isDigit(t.charCodeAt(q))) return -1;
  const e = houseNumberEnd(t, q);
  if (e < 0) return -1;
  let end = e;
  const unitStart = skipSpaces(t, t.charCodeAt(end) === 44 ? end + 1 : end);
  const unitEnd = unitAt(t, unitStart);
  if (unitEnd > 0) end = unitEnd;
  return addressHit(ctx, p, end);
}

/** Unit, box or military post at word start p, extended over its block. */
export function matchUnit(ctx: TextCtx, p: number, hash: number): number {
  const t = ctx.t;
  let e = setHas(UNIT_SET, hash) ? unitAt(t, p) : -1;
  if (e < 0 && setHas(BOX_SET, hash)) e = boxAt(t, p);
  if (e < 0 && setHas(MILITARY_SET, hash)) e = militaryPostAt(t, p);
  if (e < 0 && setHas(SHIP_SET, hash)) {
    // "USNS Bergman", "USS Lorenzen" followed by an FPO line.
    if (shipPrefixAt(t, p)) {
      const we = wordEnd(t, skipSpaces(t, wordEnd(t, p)));
      const nl = skipSpaces(t, we);
      if (t.charCodeAt(nl) === 10 && militaryPostAt(t, skipSpaces(t, nl + 1)) > 0) e = we;
    }
  }
  if (e < 0) return -1;
  return addressHit(ctx, p, e);
}

/**
 * /^US[SN]?[SNV]? [A-Z]/ on the six characters at p ("USS Lorenzen", "USNS Bergman"). (A
 * six-character window cannot hold "USCGC X".) Greedy is exact here: a letter the optional
 * classes take can never be the space that follows them.
 */
export function shipPrefixAt(t: string, p: number): boolean {
  if (t.charCodeAt(p) !== 85 || t.charCodeAt(p + 1) !== 83) return false;
  let j = p + 2;
  let c = t.charCodeAt(j);
  if (c === 83 || c === 78) c = t.charCodeAt(++j);
  if (c === 83 || c === 78 || c === 86) c = t.charCodeAt(++j);
  if (c !== 32 || j + 2 > p + 6) return false;
  const d = t.charCodeAt(j + 1);
  return d >= 65 && d <= 90;
}

const PLACE_CUES = wordSet(["in", "at", "from", "to", "near"]);

/**
 * "in Acquapendente 1021", "in ÖVERTURINGEN 840 24": a place then a postcode, after a
 * locative preposition. Reports the postcode as ZIP_CODE and the place as LOCATION.
 */
export function matchPlacePostcode(ctx: TextCtx, i: number): number {
  const t = ctx.t;
  const e = postalCodeAt(t, i);
  if (e < 0 || e - i < 3) return -1;
  // Walk back over 1-4 capitalised words.
  let p = i;
  let words = 0;
  let placeStart = -1;
  while (words < 4) {
    let q = p;
    while (q > 0 && isSpace(t.charCodeAt(q - 1))) q--;
    if (q === p && words > 0) break;
    let s = q;
    while (s > 0 && (isLetter(t.charCodeAt(s - 1)) || t.charCodeAt(s - 1) === 45)) s--;
    if (s === q) break;
    const h = rangeHash(t, s, q);
    const f = triggerFlags(h);
    if (words > 0 && setHas(PLACE_CUES, h)) {
      hit(ctx, placeStart, i - 1, "LOCATION");
      hit(ctx, i, e, "ZIP_CODE");
      return e;
    }
    if (!isUpperAt(t, s) && (f & W_PARTICLE) === 0) break;
    placeStart = s;
    words++;
    p = s;
  }
  return -1;
}

/**
 * "Villacher Strasse 89", "Koskikatu 25", "Erzsébet tér 19.": capitalised words ending in a
 * street word, then the house number at digit-run start i. Returns end or -1.
 */
export function matchStreetBefore(ctx: TextCtx, i: number): number {
  const t = ctx.t;
  if (i < 3 || !isSpace(t.charCodeAt(i - 1)) || !isLetter(t.charCodeAt(i - 2))) return -1;
  const e = houseNumberEnd(t, i);
  if (e < 0 || e - i > 5 || isLetter(t.charCodeAt(skipSpaces(t, e)))) return -1;
  // The word just before the number must carry a street ending.
  let s = i - 1;
  while (s > 0 && isSpace(t.charCodeAt(s - 1))) s--;
  let ws = s;
  while (ws > 0 && (isLetter(t.charCodeAt(ws - 1)) || t.charCodeAt(ws - 1) === 45)) ws--;
  if (ws === s) return -1;
  if (!endsWithStreetEnding(t, ws, s) && !(s - ws >= 3 && triggerFlagsAt(t, ws, s) & W_ENDING)) {
    return -1;
  }
  // Up to three more capitalised words before it belong to the street name.
  let start = ws;
  for (let k = 0; k < 3; k++) {
    let q = start;
    while (q > 0 && isSpace(t.charCodeAt(q - 1))) q--;
    if (q === start) break;
    let b = q;
    while (b > 0 && isLetter(t.charCodeAt(b - 1))) b--;
    if (b === q || !isUpperAt(t, b)) break;
    start = b;
  }
  if (!isUpperAt(t, start)) return -1;
  let end = e;
  const unitStart = skipSpaces(t, t.charCodeAt(end) === 44 ? end + 1 : end);
  const unitEnd = unitAt(t, unitStart);
  if (unitEnd > 0) end = unitEnd;
  return addressHit(ctx, start, end);
}

const UNIT_SET = wordSet(UNIT_WORDS);
const BOX_SET = wordSet(["p", "po", "psc"]);
const MILITARY_SET = wordSet(["apo", "fpo", "dpo"]);
const SHIP_SET = wordSet(["us", "uss", "usns", "usnv", "uscgc"]);

// Register the trigger words with the word pass's hash table.
registerWords(UNIT_WORDS, W_UNIT);
registerWords(
  ["p", "po", "psc", "apo", "fpo", "dpo", "us", "uss", "usns", "usnv", "uscgc"],
  W_UNIT,
);
registerWords(STREET_PREFIXES, W_STREET_PREFIX);
registerWords(STREET_SUFFIXES, W_SUFFIX);
registerWords(PARTICLE_LIST, W_PARTICLE);
registerWords(STREET_ENDINGS, W_ENDING);
for (const ending of STREET_ENDINGS) {
  const key = reverseHash(ending);
  let slot = key & (ENDING_SLOTS - 1);
  while (ENDING_KEYS[slot] !== 0) slot = (slot + 1) & (ENDING_SLOTS - 1);
  ENDING_KEYS[slot] = key;
  ENDING_WORDS[slot] = ending;
}
