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

/** Flags of the few hundred trigger words (cues, units, street words); the rest are names. */
export const W_TRIGGER = W_NAME_CUE | W_VALUE_CUE | W_MONTH | W_WEEKDAY | W_UNIT |
  W_STREET_PREFIX | W_SUFFIX | W_PARTICLE | W_ENDING | W_NOT_NAME | W_CUE_WORD;

/** Flags that make a word worth a look even in lower case. */
export const W_CONTEXT = W_VALUE_CUE | W_MONTH | W_WEEKDAY | W_UNIT | W_STREET_PREFIX | W_NAME_CUE;

// Two open-addressing tables, key and value side by side (one cache line per probe):
// - the full table holds every word (35,000, mostly dictionary names): 512 KB, so a probe
//   often misses the CPU caches;
// - the trigger table holds only words with a W_TRIGGER flag (with all their flags): a few
//   hundred words in 16 KB, which stays in L1. Lower-case words and the rule checks that
//   ask "is this a cue / street word / unit" only probe this one.
const SIZE = 1 << 16;
const MASK = SIZE - 1;
const table = new Int32Array(2 * SIZE);
/**
 * A 32 KB bit set in front of the full table (one bit per key, from hash bits the slot does
 * not use): a word whose bit is clear is certainly absent, and most capitalised words that
 * are no dictionary word (places, brands, rare names) are answered without touching the
 * 512 KB table. One key in eight shares a bit with some dictionary word.
 */
const FILTER_BITS = 1 << 18;
const filter = new Int32Array(FILTER_BITS >> 5);
const filterBit = (h: number) => (h >>> 14) & (FILTER_BITS - 1);
const TRIGGER_SIZE = 1 << 11;
const TRIGGER_MASK = TRIGGER_SIZE - 1;
const triggers = new Int32Array(2 * TRIGGER_SIZE);

/**
 * A 4096-bit filter in front of the trigger table for lower-case words: a word whose bit is
 * clear has no W_CONTEXT flag, which most words of running text are answered by.
 */
const CONTEXT_FILTER = new Int32Array(128);

/** False when the word with hash h is certainly no W_CONTEXT word. */
export function mayBeContext(h: number): boolean {
  return (CONTEXT_FILTER[h >>> 25]! & (1 << ((h >>> 20) & 31))) !== 0;
}

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
  const bit = filterBit(h);
  if ((filter[bit >> 5]! & (1 << (bit & 31))) === 0) return 0;
  const key = h | 0;
  let slot = h & MASK;
  for (;;) {
    const k = table[2 * slot]!;
    if (k === key) return table[2 * slot + 1]!;
    if (k === 0) return 0;
    slot = (slot + 1) & MASK;
  }
}

/**
 * Latin letters with diacritics folded to their ASCII letter, lower case ("é" to "e", "Ł" to
 * "l", "Ø" to "o"), by code unit below U+2000; 0 for the rest. The name dictionaries are ASCII
 * (the census lists), so "José García" is looked up as "jose garcia".
 */
const DIACRITIC_FOLD = new Uint8Array(0x2000);
for (let c = 0xc0; c < 0x2000; c++) {
  if (c > 0x24f && (c < 0x1e00 || c > 0x1eff)) continue;
  const base = String.fromCharCode(c).normalize("NFD").charCodeAt(0) | 32;
  if (base >= 97 && base <= 122) DIACRITIC_FOLD[c] = base;
}
for (
  const [letters, ascii] of [["łŁ", "l"], ["øØ", "o"], ["đĐ", "d"], ["ħĦ", "h"], ["ŧŦ", "t"], [
    "ı",
    "i",
  ]]
) {
  for (const ch of letters!) DIACRITIC_FOLD[ch.charCodeAt(0)] = ascii!.charCodeAt(0);
}

/**
 * Flags the name rules take from a word's folded spelling, when it is a dictionary name: not
 * W_COMMON ("Bašić" is no "basic": an accented word that is no name stays an unknown word).
 */
const NAME_FLAGS = W_FIRST | W_LAST | W_AMBIGUOUS;

/**
 * Flags of the word t[s, e) with hash h (as wordHash() computes it), for the name rules: a word
 * with a diacritic that is no dictionary name as written is looked up with its Latin letters
 * folded to ASCII too ("José", "Peña", "Łukasz" as "jose", "pena", "lukasz"), and takes the
 * name flags found there. ASCII words cost one scan of their characters.
 */
export function nameFlags(t: string, s: number, e: number, h: number): number {
  const f = wordFlags(h);
  if (f & (W_FIRST | W_LAST)) return f;
  let folded = 0x811c9dc5;
  let accented = false;
  for (let k = s; k < e; k++) {
    let c = t.charCodeAt(k);
    if (c >= 128) {
      c = c < 0x2000 ? DIACRITIC_FOLD[c]! : 0;
      // A letter with no ASCII form: no dictionary name spells it.
      if (c === 0) return f;
      accented = true;
    } else if (c >= 65 && c <= 90) c |= 32;
    folded = Math.imul(folded ^ c, 0x01000193);
  }
  if (!accented) return f;
  const g = wordFlags((folded >>> 0) || 1);
  return g & (W_FIRST | W_LAST) ? f | (g & NAME_FLAGS) : f;
}

/** Flags of the word with hash h when it is a trigger word (any W_TRIGGER flag), else 0. */
export function triggerFlags(h: number): number {
  const key = h | 0;
  let slot = h & TRIGGER_MASK;
  for (;;) {
    const k = triggers[2 * slot]!;
    if (k === key) return triggers[2 * slot + 1]!;
    if (k === 0) return 0;
    slot = (slot + 1) & TRIGGER_MASK;
  }
}

/** Trigger flags of the word t[s, e) (0 for a word that is no trigger). */
export function triggerFlagsAt(t: string, s: number, e: number): number {
  return triggerFlags(wordHash(t, s, e));
}

/** Sets the value of key h in an interleaved table, inserting it when absent. */
function put(tab: Int32Array, mask: number, h: number, update: (old: number) => number): number {
  const key = h | 0;
  let slot = h & mask;
  for (;;) {
    const k = tab[2 * slot]!;
    if (k === key || k === 0) {
      tab[2 * slot] = key;
      return tab[2 * slot + 1] = update(k === 0 ? 0 : tab[2 * slot + 1]!);
    }
    slot = (slot + 1) & mask;
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
    const all = put(table, MASK, h, (old) => old | flag);
    const bit = filterBit(h);
    filter[bit >> 5] = filter[bit >> 5]! | (1 << (bit & 31));
    // Trigger words keep their full flags in the small table too.
    if (all & W_TRIGGER) put(triggers, TRIGGER_MASK, h, () => all);
    if (all & W_CONTEXT) {
      CONTEXT_FILTER[h >>> 25] = CONTEXT_FILTER[h >>> 25]! | (1 << ((h >>> 20) & 31));
    }
  }
}

/** Hash of a lower-case word, as wordHash() computes it on text. */
export const hashOf = (word: string): number => wordHash(word, 0, word.length);

/**
 * A small set of lower-case words keyed by wordHash(): membership of a word in the text is
 * one hash over its characters and a probe, no slice or toLowerCase(). (Words are ASCII, so
 * folding ASCII capitals alone agrees with toLowerCase() on every word that can match.)
 */
export interface WordSet {
  readonly keys: Int32Array;
  readonly mask: number;
}

/** Builds a WordSet of (lower-case ASCII) words. */
export function wordSet(words: Iterable<string>): WordSet {
  const list = [...words];
  let size = 16;
  while (size < list.length * 4) size *= 2;
  const keys = new Int32Array(size);
  const mask = size - 1;
  for (const word of list) {
    const key = wordHash(word, 0, word.length) | 0;
    let slot = key & mask;
    while (keys[slot] !== 0 && keys[slot] !== key) slot = (slot + 1) & mask;
    keys[slot] = key;
  }
  return { keys, mask };
}

/** True when the word with hash h (as wordHash() returns it) is in the set. */
export function setHas(set: WordSet, h: number): boolean {
  const key = h | 0;
  const keys = set.keys;
  let slot = key & set.mask;
  for (;;) {
    const k = keys[slot]!;
    if (k === key) return true;
    if (k === 0) return false;
    slot = (slot + 1) & set.mask;
  }
}

/**
 * A map from word hashes to values (open addressing on the hash, values beside): a probe
 * in a small typed array instead of a Map lookup keyed by a number beyond the small
 * integers.
 */
export class HashIndex<T> {
  private readonly keys: Int32Array;
  private readonly values: Array<T | undefined>;
  private readonly mask: number;

  constructor(entries: ReadonlyMap<number, T>) {
    let size = 16;
    while (size < entries.size * 4) size *= 2;
    this.keys = new Int32Array(size);
    this.values = new Array(size).fill(undefined);
    this.mask = size - 1;
    for (const [h, value] of entries) {
      const key = h | 0;
      let slot = key & this.mask;
      while (this.keys[slot] !== 0 && this.keys[slot] !== key) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.values[slot] = value;
    }
  }

  /** The value of the word with hash h (as wordHash() returns it), or undefined. */
  get(h: number): T | undefined {
    const key = h | 0;
    const keys = this.keys;
    let slot = key & this.mask;
    for (;;) {
      const k = keys[slot]!;
      if (k === key) return this.values[slot];
      if (k === 0) return undefined;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** True when the word t[s, e) is in the set. */
export function setHasAt(set: WordSet, t: string, s: number, e: number): boolean {
  return setHas(set, wordHash(t, s, e));
}
