/**
 * A hash table of trigger words (cues, months, units, dictionary names) keyed by a hash of
 * the lower-cased word, so the word pass can look a word up without allocating a string.
 * Only words whose hash is present are sliced and checked exactly; most words are not.
 */

/** Flags a word can carry. */
export const W_FIRST = 1;
export const W_LAST = 2;
export const W_AMBIGUOUS = 4;
export const W_NAME_CUE = 8;
export const W_VALUE_CUE = 16;
export const W_MONTH = 32;
export const W_WEEKDAY = 64;
export const W_UNIT = 128;
export const W_STREET_PREFIX = 256;
export const W_COMMON = 512;
export const W_NOT_NAME = 1024;
export const W_SUFFIX = 2048;
export const W_PARTICLE = 4096;
export const W_ENDING = 8192;
/** Any word of a cue phrase (so a phrase is compared only when every word could match). */
export const W_CUE_WORD = 16384;

const SIZE = 1 << 17;
const MASK = SIZE - 1;
const keys = new Uint32Array(SIZE);
const values = new Uint16Array(SIZE);

/** FNV-1a over t[s, e) with ASCII letters folded to lower case. Never 0. */
export function wordHash(t: string, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let k = s; k < e; k++) {
    let c = t.charCodeAt(k);
    if (c >= 65 && c <= 90) c |= 32;
    h ^= c;
    h = Math.imul(h, 0x01000193);
  }
  h >>>= 0;
  return h === 0 ? 1 : h;
}

/** Flags of the word with hash h (0 when absent). */
export function wordFlags(h: number): number {
  let slot = h & MASK;
  for (;;) {
    const k = keys[slot]!;
    if (k === h) return values[slot]!;
    if (k === 0) return 0;
    slot = (slot + 1) & MASK;
  }
}

/** Flags of the word t[s, e). */
export function flagsAt(t: string, s: number, e: number): number {
  return wordFlags(wordHash(t, s, e));
}

/** Adds `flag` to each (lower-case) word. */
export function registerWords(words: Iterable<string>, flag: number): void {
  for (const word of words) {
    const h = wordHash(word, 0, word.length);
    let slot = h & MASK;
    for (;;) {
      const k = keys[slot]!;
      if (k === h) {
        values[slot] = values[slot]! | flag;
        break;
      }
      if (k === 0) {
        keys[slot] = h;
        values[slot] = flag;
        break;
      }
      slot = (slot + 1) & MASK;
    }
  }
}

/** Hash of a lower-case word, as wordHash() computes it on text. */
export const hashOf = (word: string): number => wordHash(word, 0, word.length);
