/**
 * Word reads for the rules: the word at a position (letters with inner apostrophes and
 * hyphens) and its hash, read straight from the text. Rules run at a few candidate offsets
 * per text, so reading a word where it is needed costs less than keeping every word of
 * every text in arrays in case a rule asks.
 */
import { C_LETTER, CLS } from "./chars.ts";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** wordHash() of the word found by the last wordAt() call. */
export let wordAtHash = 0;

/** True when code unit c is a letter (below U+2000, as the class table knows them). */
const isLetterCode = (c: number) => c < 0x2000 && (CLS[c]! & C_LETTER) !== 0;

/** Whether the word found by the last wordAt() call has an inner apostrophe or hyphen. */
export let wordAtJoined = false;

/** Whether the word found by the last wordAt() call has a letter beyond ASCII. */
export let wordAtWide = false;

/** The last wordAt() call: its text, position and answers (rules often ask twice). */
let memoText = "";
let memoAt = -1;
let memoEnd = 0;
let memoHash = 0;
let memoJoined = false;
let memoWide = false;

/**
 * End of the word at p: letters with inner apostrophes and hyphens ("O'Brien",
 * "Garcia-Roberson"; a possessive "'s" is not part of the word), or p when no letter is
 * there. Sets wordAtHash to the word's wordHash() and wordAtJoined.
 */
export function wordAt(t: string, p: number): number {
  if (p === memoAt && t === memoText) {
    wordAtHash = memoHash;
    wordAtJoined = memoJoined;
    wordAtWide = memoWide;
    return memoEnd;
  }
  const n = t.length;
  let e = p;
  let h = FNV_OFFSET;
  let joined = false;
  let wide = false;
  while (e < n) {
    const c = t.charCodeAt(e);
    if (c >= 97 && c <= 122) {
      h = Math.imul(h ^ c, FNV_PRIME);
      e++;
    } else if (c >= 65 && c <= 90) {
      h = Math.imul(h ^ (c | 32), FNV_PRIME);
      e++;
    } else if (c >= 128 && isLetterCode(c)) {
      h = Math.imul(h ^ c, FNV_PRIME);
      wide = true;
      e++;
    } else if (
      (c === 39 || c === 45 || c === 0x2019) && e > p && isLetterCode(t.charCodeAt(e + 1))
    ) {
      // A possessive "'s" is not part of the word ("Thomas's daughter").
      const s1 = t.charCodeAt(e + 1);
      if (c !== 45 && (s1 === 115 || s1 === 83) && !isLetterCode(t.charCodeAt(e + 2))) break;
      h = Math.imul(h ^ c, FNV_PRIME);
      joined = true;
      e++;
    } else break;
  }
  wordAtHash = memoHash = (h >>> 0) || 1;
  wordAtJoined = memoJoined = joined;
  wordAtWide = memoWide = wide;
  memoText = t;
  memoAt = p;
  memoEnd = e;
  return e;
}

/** Forgets the text wordAt() remembers (so that it does not outlive the scan). */
export function forgetWord(): void {
  memoText = "";
  memoAt = -1;
}

/** wordHash(t, s, e): FNV-1a over t[s, e) with ASCII capitals folded. Never 0. */
export function rangeHash(t: string, s: number, e: number): number {
  let h = FNV_OFFSET;
  for (let q = s; q < e; q++) {
    const c = t.charCodeAt(q);
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), FNV_PRIME);
  }
  return (h >>> 0) || 1;
}
