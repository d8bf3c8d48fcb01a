/** Shared state of one text scan and the in-place cue matching the detectors share. */
import type { PhiType } from "./types.ts";
import { C_LETTER, CLS, isLetter } from "./chars.ts";

/** A match in normalised coordinates, [s, e). */
export interface Hit {
  s: number;
  e: number;
  type: PhiType;
}

/**
 * Shared state of one text scan: the normalised text, the mode, and the hits found so far.
 * One instance per nesting level (the text, and base64-decoded text inside it) is reused
 * for every text, so a scan allocates no context; hits go to parallel arrays that grow to
 * the most hits seen.
 */
export class TextCtx {
  t = "";
  n = 0;
  /** The value sits under a technical key: ambiguous detectors (dates, numbers, names) stay off. */
  technical = false;
  /** The text is a whole JSON string value (a bare 9-digit value may be an SSN, say). */
  whole = false;
  /** Scans decoded base64 text and returns its context (absent inside a decoded segment: one level only). */
  inner: ((text: string) => TextCtx) | undefined = undefined;
  /** Whether the text holds an address cue: -1 until first needed, then 0 or 1. */
  addressCue = -1;
  /** Whether the text holds the word `given` (a name key): -1 until first needed, then 0 or 1. */
  givenKey = -1;
  /** Words starting before this offset belong to an address block already found. */
  wordsRead = 0;
  /** Number of hits. */
  count = 0;
  /** Hit starts, ends and types, in the order found. */
  hs = new Int32Array(64);
  he = new Int32Array(64);
  ht: PhiType[] = [];

  /** Starts a scan of `t`. */
  reset(t: string, technical: boolean, whole: boolean): void {
    this.t = t;
    this.n = t.length;
    this.technical = technical;
    this.whole = whole;
    this.addressCue = -1;
    this.givenKey = -1;
    this.wordsRead = 0;
    this.count = 0;
  }

  /** Lets go of the text, and of hit arrays grown for a long text. */
  release(): void {
    this.t = "";
    if (this.hs.length > KEEP_HITS) {
      this.hs = new Int32Array(64);
      this.he = new Int32Array(64);
      this.ht = [];
      this.count = 0;
    }
  }

  /** Doubles the hit arrays. */
  grow(): void {
    const size = this.hs.length * 2;
    const hs = new Int32Array(size);
    hs.set(this.hs);
    this.hs = hs;
    const he = new Int32Array(size);
    he.set(this.he);
    this.he = he;
  }
}

/** Hit capacity kept between texts. */
const KEEP_HITS = 1 << 14;

/** Adds a hit. */
export function hit(ctx: TextCtx, s: number, e: number, type: PhiType): void {
  const k = ctx.count;
  if (k === ctx.hs.length) ctx.grow();
  ctx.hs[k] = s;
  ctx.he[k] = e;
  ctx.ht[k] = type;
  ctx.count = k + 1;
}

/** Adds a hit and returns its end (for matchers that hand back where scanning resumes). */
export function take(ctx: TextCtx, s: number, e: number, type: PhiType): number {
  hit(ctx, s, e, type);
  return e;
}

/** Lower-cased window of up to `before` characters ending at `pos`. */
export function windowBefore(t: string, pos: number, before: number): string {
  return t.slice(Math.max(0, pos - before), pos).toLowerCase();
}

/** Lower-cased window of up to `after` characters starting at `pos`. */
export function windowAfter(t: string, pos: number, after: number): string {
  return t.slice(pos, Math.min(t.length, pos + after)).toLowerCase();
}

/** True when `window` contains any cue as a whole word (cues are lower-case). */
export function hasCue(window: string, cues: readonly string[]): boolean {
  for (const cue of cues) {
    let from = 0;
    for (;;) {
      const at = window.indexOf(cue, from);
      if (at < 0) break;
      const before = at === 0 ? 32 : window.charCodeAt(at - 1);
      const after = at + cue.length >= window.length ? 32 : window.charCodeAt(at + cue.length);
      if (!isLetter(before) && !isLetter(after)) return true;
      from = at + 1;
    }
  }
  return false;
}

/** Lower-case form of each code unit below U+2000 when it is one code unit, else -1. */
const FOLD = new Int32Array(0x2000);
for (let c = 0; c < 0x2000; c++) {
  const lower = String.fromCharCode(c).toLowerCase();
  FOLD[c] = lower.length === 1 ? lower.charCodeAt(0) : -1;
}

/** A cue list compiled for matching in place: cues (lower-case) indexed by first code unit. */
export interface CueList {
  readonly cues: readonly string[];
  /** Cues by first code unit, for ASCII first letters. */
  readonly ascii: ReadonlyArray<readonly string[] | undefined>;
  /** Cues by first code unit, for the others. */
  readonly byFirst: ReadonlyMap<number, readonly string[]>;
}

/** Compiles lower-case cues (each starting with a letter) for cueBefore() and cueAfter(). */
export function cueList(cues: readonly string[]): CueList {
  const byFirst = new Map<number, string[]>();
  const ascii: Array<string[] | undefined> = new Array(128).fill(undefined);
  for (const cue of cues) {
    const first = cue.charCodeAt(0);
    const list = (first < 128 ? ascii[first] : byFirst.get(first)) ?? [];
    list.push(cue);
    if (first < 128) ascii[first] = list;
    else byFirst.set(first, list);
  }
  return { cues, ascii, byFirst };
}

const foldedLetter = (f: number) => f >= 0 && (CLS[f]! & C_LETTER) !== 0;

/** True when t[p] needs the slicing form (its lower case is not one code unit below U+2000). */
const unfoldable = (c: number) => c >= 0x2000 || FOLD[c]! < 0;

/**
 * hasCue(t.slice(lo, hi).toLowerCase(), cues) without the slice: a cue starts with a letter,
 * so it can only match where a letter run of the window starts; the window edges count as
 * boundaries. Falls back to the slicing form when a character's lower case is not one code
 * unit below U+2000 anywhere in the window (rare: the fold table would not be exact there).
 */
function cueIn(t: string, lo: number, hi: number, list: CueList): boolean {
  let prevLetter = false;
  for (let p = lo; p < hi; p++) {
    const c = t.charCodeAt(p);
    let f: number;
    let letter: boolean;
    if (c < 128) {
      f = c >= 65 && c <= 90 ? c | 32 : c;
      letter = f >= 97 && f <= 122;
    } else {
      if (unfoldable(c)) return hasCue(t.slice(lo, hi).toLowerCase(), list.cues);
      f = FOLD[c]!;
      letter = (CLS[f]! & C_LETTER) !== 0;
    }
    if (letter && !prevLetter) {
      const cues = f < 128 ? list.ascii[f] : list.byFirst.get(f);
      if (cues !== undefined) {
        for (let m = 0; m < cues.length; m++) {
          const cue = cues[m]!;
          const end = p + cue.length;
          if (end > hi) continue;
          let k = 1;
          while (k < cue.length && FOLD[t.charCodeAt(p + k)] === cue.charCodeAt(k)) k++;
          if (k === cue.length && (end === hi || !foldedLetter(FOLD[t.charCodeAt(end)]!))) {
            // A match: the answer, unless the rest of the window calls for the slicing form.
            for (let q = p + 1; q < hi; q++) {
              const d = t.charCodeAt(q);
              if (d >= 128 && unfoldable(d)) {
                return hasCue(t.slice(lo, hi).toLowerCase(), list.cues);
              }
            }
            return true;
          }
        }
      }
    }
    prevLetter = letter;
  }
  return false;
}

/**
 * True when t[p, p + lit.length) reads `lit` (lower-case ASCII) with ASCII capitals
 * folded: what lower-casing a window and comparing gives for literals with no 'i' or 'k'
 * (the only ASCII letters non-ASCII characters lower-case to).
 */
export function readsAt(t: string, p: number, lit: string): boolean {
  if (p < 0 || p + lit.length > t.length) return false;
  for (let k = 0; k < lit.length; k++) {
    const c = t.charCodeAt(p + k);
    if ((c >= 65 && c <= 90 ? c | 32 : c) !== lit.charCodeAt(k)) return false;
  }
  return true;
}

/** True when a cue stands as whole words within `before` characters before pos. */
export function cueBefore(t: string, pos: number, before: number, list: CueList): boolean {
  return cueIn(t, Math.max(0, pos - before), Math.min(pos, t.length), list);
}

/** True when a cue stands as whole words within `after` characters from pos. */
export function cueAfter(t: string, pos: number, after: number, list: CueList): boolean {
  return cueIn(t, pos, Math.min(t.length, pos + after), list);
}
