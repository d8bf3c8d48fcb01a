/**
 * The lexer: one pass over a text that cuts it into tokens (maximal runs of letters and
 * digits) kept in typed arrays, and notes which characters occur (digits, capitals, '@',
 * ':', escapes, characters normalisation may change). The detectors then walk tokens
 * instead of characters, and the passes a text cannot need (no '@': no e-mail) are skipped.
 *
 * One lexer per nesting level (the text, and base64-decoded text inside it); its arrays
 * grow to the longest text seen and are reused, so lexing allocates nothing.
 */
import { C_DIGIT, C_LETTER, C_UPPER, CLS } from "./chars.ts";
import { foldable } from "./normalize.ts";
import { triggerFlags, W_CONTEXT, wordFlags } from "./word_table.ts";

/** Text bits: some character a detector needs (`[0-9A-Z@:%&]` or non-ASCII). */
export const X_INTERESTING = 32;
/** Text bits: a character normalisation may change ('%', '&', a foldable non-ASCII one). */
export const X_NORMALIZE = 2;
/** Text bits: an '@'. */
export const X_AT = 4;
/** Text bits: a ':'. */
export const X_COLON = 8;
/** Text bits: the token `www` followed by '.'. */
export const X_WWW = 16;

/** Token kinds: the first character is a digit / an upper-case / a lower-case letter. */
export const K_DIGIT = 1;
export const K_UPPER = 2;
export const K_LOWER = 4;
/** Token kinds: ASCII letters, the first of either case and the rest lower case. */
export const K_ASCII_WORD = 8;
/**
 * Token kinds: a lower-case ASCII word that is no trigger (no W_CONTEXT flag) and has
 * nothing joined to it: the word pass has nothing to do there.
 */
export const K_SKIP = 16;

const ALNUM = C_LETTER | C_DIGIT;
/** Token capacity kept between texts (about 800 KB of arrays). */
const KEEP_TOKENS = 1 << 15;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Per code unit below U+2000: letter or digit, letter, digit, upper case, "interesting". */
const L_ALNUM = 1;
const L_LETTER = 2;
const L_DIGIT = 4;
const L_UPPER = 8;
/** Same bit as X_INTERESTING: digits, capitals and non-ASCII letters. */
const L_INTERESTING = X_INTERESTING;
const LT = new Uint8Array(0x2000);
for (let c = 0; c < 0x2000; c++) {
  const k = CLS[c]!;
  let v = 0;
  if (k & ALNUM) v |= L_ALNUM;
  if (k & C_LETTER) v |= L_LETTER;
  if (k & C_DIGIT) v |= L_DIGIT | L_INTERESTING;
  if (k & C_UPPER) v |= L_UPPER | L_INTERESTING;
  if (c >= 128 && (k & ALNUM)) v |= L_INTERESTING;
  LT[c] = v;
}
/** X_* bits of ASCII punctuation. */
const PUNCT = new Uint8Array(128);
PUNCT[58] = X_COLON | X_INTERESTING;
PUNCT[37] = X_NORMALIZE | X_INTERESTING;
PUNCT[38] = X_NORMALIZE | X_INTERESTING;
PUNCT[64] = X_AT | X_INTERESTING;

/** Per code unit below U+2000: the hash input (ASCII capitals folded to lower case). */
const FOLD = new Uint16Array(0x2000);
for (let c = 0; c < 0x2000; c++) FOLD[c] = c >= 65 && c <= 90 ? c | 32 : c;

/** Tokens of one text. */
export class Lexed {
  /** The text lexed last. */
  text = "";
  /** Number of tokens. */
  count = 0;
  /** Index of the token looked up last (lookups are mostly near it). */
  cursor = 0;
  /** X_* bits of the text. */
  bits = 0;
  /** Token start, end (exclusive), and end of its leading letters (the start when digit-led). */
  start = new Int32Array(64);
  end = new Int32Array(64);
  lettersEnd = new Int32Array(64);
  /** wordHash() of the leading letters (as wordHash() returns it: unsigned, never 0). */
  hash = new Float64Array(64);
  /** K_* bits. */
  kind = new Uint8Array(64);
  /** Full word flags of the leading letters, looked up on first need (-1 until then). */
  flags = new Int32Array(64);

  /**
   * Lets go of arrays grown for a long text (a megabyte of log needs 12 MB of them), so
   * that one long text does not keep them for the life of the process.
   */
  release(): void {
    // Nor the text itself (detectors only look it up while they run).
    this.text = "";
    if (this.start.length <= KEEP_TOKENS) return;
    this.start = new Int32Array(64);
    this.end = new Int32Array(64);
    this.lettersEnd = new Int32Array(64);
    this.hash = new Float64Array(64);
    this.kind = new Uint8Array(64);
    this.flags = new Int32Array(64);
    this.count = 0;
  }

  private grow(size: number): void {
    const bigger = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.start = bigger(this.start);
    this.end = bigger(this.end);
    this.lettersEnd = bigger(this.lettersEnd);
    const hash = new Float64Array(size);
    hash.set(this.hash);
    this.hash = hash;
    const kind = new Uint8Array(size);
    kind.set(this.kind);
    this.kind = kind;
    this.flags = bigger(this.flags);
  }

  /** Cuts `t` into tokens and sets `bits`. */
  lex(t: string): void {
    const n = t.length;
    // At most one token per two characters, plus one.
    if (this.start.length < (n >> 1) + 2) this.grow((n >> 1) + 64);
    const start = this.start;
    const end = this.end;
    const lettersEnd = this.lettersEnd;
    const hashes = this.hash;
    const kinds = this.kind;
    const flags = this.flags;
    let count = 0;
    let bits = 0;
    let i = 0;
    while (i < n) {
      const c = t.charCodeAt(i);
      const x = c < 0x2000 ? LT[c]! : 0;
      if ((x & L_ALNUM) === 0) {
        // Punctuation, spaces, symbols: what the passes and normalisation need to know.
        if (c < 128) bits |= PUNCT[c]!;
        else {
          bits |= X_INTERESTING;
          if (foldable(c)) bits |= X_NORMALIZE;
        }
        i++;
        continue;
      }
      const s = i;
      bits |= x & L_INTERESTING;
      let h = FNV_OFFSET;
      let kind: number;
      let le = -1;
      i++;
      if (x & L_DIGIT) {
        kind = K_DIGIT;
        le = s;
        while (i < n) {
          const d = t.charCodeAt(i);
          const y = d < 0x2000 ? LT[d]! : 0;
          if ((y & L_ALNUM) === 0) break;
          bits |= y & L_INTERESTING;
          i++;
        }
      } else {
        h = Math.imul(h ^ FOLD[c]!, FNV_PRIME);
        kind = x & L_UPPER ? K_UPPER : K_LOWER;
        if (c < 128) kind |= K_ASCII_WORD;
        // Lower-case ASCII letters (the common case), hashed as they are read.
        let d = i < n ? t.charCodeAt(i) : 0;
        while (d >= 97 && d <= 122) {
          h = Math.imul(h ^ d, FNV_PRIME);
          i++;
          d = i < n ? t.charCodeAt(i) : 0;
        }
        if (d < 0x2000 && (LT[d]! & L_ALNUM) !== 0) {
          // Anything else in the token: no longer a plain ASCII word.
          kind &= ~K_ASCII_WORD;
          while (i < n) {
            const e = t.charCodeAt(i);
            const y = e < 0x2000 ? LT[e]! : 0;
            if ((y & L_ALNUM) === 0) break;
            bits |= y & L_INTERESTING;
            if (le < 0) {
              if (y & L_LETTER) h = Math.imul(h ^ FOLD[e]!, FNV_PRIME);
              else le = i;
            }
            i++;
          }
        }
        if (le < 0) le = i;
        if ((kind & (K_ASCII_WORD | K_LOWER)) === (K_ASCII_WORD | K_LOWER)) {
          // Lower-case words are looked up in the trigger table here, once: most are no
          // trigger. Not joined: an apostrophe, hyphen or base64 punctuation after it, or the
          // '.' of a Cisco MAC (four letters), sends it the full way.
          const j = i < n ? t.charCodeAt(i) : 0;
          if (
            !(j === 39 || j === 45 || j === 0x2019 || j === 43 || j === 47 || j === 61 ||
              j === 95 ||
              (j === 46 && i - s === 4)) &&
            (i - s > 24 || (triggerFlags((h >>> 0) || 1) & W_CONTEXT) === 0)
          ) kind |= K_SKIP;
          // "www." (lower case, as URLs are searched): the only place a www URL can start.
          if (i - s === 3 && j === 46 && h === WWW_HASH && t.startsWith("www", s)) bits |= X_WWW;
        }
      }
      start[count] = s;
      end[count] = i;
      lettersEnd[count] = le;
      hashes[count] = (h >>> 0) || 1;
      kinds[count] = kind;
      flags[count] = -1;
      count++;
    }
    this.text = t;
    this.count = count;
    this.cursor = 0;
    this.bits = bits;
  }

  /** Index of the token starting at p, or -1. */
  tokenAt(p: number): number {
    const count = this.count;
    if (count === 0) return -1;
    const start = this.start;
    let k = this.cursor;
    if (start[k]! < p) {
      do k++; while (k < count && start[k]! < p);
      if (k === count) return -1;
    } else if (start[k]! > p) {
      do k--; while (k >= 0 && start[k]! > p);
      if (k < 0) return -1;
    }
    if (start[k] !== p) return -1;
    this.cursor = k;
    return k;
  }
}

/** The lexer of the text the detectors are working on (null between scans). */
let current: Lexed | null = null;

/** Makes `lx` the current lexer; returns the previous one (to restore after a nested scan). */
export function useLexer(lx: Lexed | null): Lexed | null {
  const previous = current;
  current = lx;
  return previous;
}

/** wordHash() of the word found by the last wordAt() call. */
export let wordAtHash = 0;

/**
 * wordEnd(t, p) (letters with inner apostrophes and hyphens), also setting wordAtHash to the
 * word's wordHash(). At a token start of the current text this reads the lexer's arrays; a
 * word joined by an apostrophe or hyphen, or any other position, is read character by
 * character.
 */
export function wordAt(t: string, p: number): number {
  const lx = current;
  if (lx !== null && lx.text === t) {
    const k = lx.tokenAt(p);
    if (k >= 0) {
      if (lx.kind[k]! & K_DIGIT) {
        wordAtHash = EMPTY_HASH;
        return p;
      }
      const le = lx.lettersEnd[k]!;
      const j = le < lx.end[k]! ? 0 : t.charCodeAt(le);
      if (j !== 39 && j !== 45 && j !== 0x2019) {
        wordAtHash = lx.hash[k]!;
        return le;
      }
    }
  }
  return wordAtSlow(t, p);
}

/** wordFlags() of token k's leading letters (hash h), looked up once per token. */
export function tokenFlags(lx: Lexed, k: number, h: number): number {
  let f = lx.flags[k]!;
  if (f < 0) {
    f = triggerFlags(h);
    if (f === 0) f = wordFlags(h);
    lx.flags[k] = f;
  }
  return f;
}

/** wordFlags(h) of the word with hash h starting at p, cached when p starts a token. */
export function wordFlagsAt(t: string, p: number, h: number): number {
  const lx = current;
  if (lx !== null && lx.text === t) {
    const k = lx.tokenAt(p);
    if (k >= 0 && lx.hash[k] === h && (lx.kind[k]! & K_DIGIT) === 0) return tokenFlags(lx, k, h);
  }
  return wordFlags(h);
}

/** wordHash(t, s, e): from the lexer when [s, e) is a token's leading letters. */
export function rangeHash(t: string, s: number, e: number): number {
  const lx = current;
  if (lx !== null && lx.text === t) {
    const k = lx.tokenAt(s);
    if (k >= 0 && lx.lettersEnd[k] === e && (lx.kind[k]! & K_DIGIT) === 0) return lx.hash[k]!;
  }
  let h = FNV_OFFSET;
  for (let q = s; q < e; q++) {
    const c = t.charCodeAt(q);
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), FNV_PRIME);
  }
  return (h >>> 0) || 1;
}

/** wordAt() character by character. */
function wordAtSlow(t: string, p: number): number {
  const n = t.length;
  let e = p;
  let h = FNV_OFFSET;
  while (e < n) {
    const c = t.charCodeAt(e);
    const letter = c < 0x2000 && (CLS[c]! & C_LETTER) !== 0;
    if (letter) {
      h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), FNV_PRIME);
      e++;
    } else if (
      (c === 39 || c === 45 || c === 0x2019) && e > p && isLetterCode(t.charCodeAt(e + 1))
    ) {
      // A possessive "'s" is not part of the word ("Thomas's daughter").
      const s1 = t.charCodeAt(e + 1);
      if (c !== 45 && (s1 === 115 || s1 === 83) && !isLetterCode(t.charCodeAt(e + 2))) break;
      h = Math.imul(h ^ c, FNV_PRIME);
      e++;
    } else break;
  }
  wordAtHash = (h >>> 0) || 1;
  return e;
}

const isLetterCode = (c: number) => c < 0x2000 && (CLS[c]! & C_LETTER) !== 0;

/** wordHash() of the empty word. */
const EMPTY_HASH = FNV_OFFSET >>> 0;

/** FNV-1a of "www" as the lexer computes it (before the unsigned conversion). */
const WWW_HASH = (() => {
  let h = FNV_OFFSET;
  for (let k = 0; k < 3; k++) h = Math.imul(h ^ 119, FNV_PRIME);
  return h;
})();
