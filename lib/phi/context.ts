/** Shared state of one text scan: the normalised text, the mode, and the hits found so far. */
import type { PhiType } from "./types.ts";
import { isLetter } from "./chars.ts";

/** A match in normalised coordinates, [s, e). */
export interface Hit {
  s: number;
  e: number;
  type: PhiType;
}

export interface TextCtx {
  t: string;
  n: number;
  /** The value sits under a technical key: ambiguous detectors (dates, numbers, names) stay off. */
  technical: boolean;
  /** The text is a whole JSON string value (a bare 9-digit value may be an SSN, say). */
  whole: boolean;
  hits: Hit[];
  /** Scans decoded base64 text (absent inside a decoded segment: one level only). */
  inner: ((text: string) => Hit[]) | undefined;
  /** Whether the text holds an address cue; computed on first need. */
  addressCue: boolean | undefined;
}

/** Adds a hit. */
export function hit(ctx: TextCtx, s: number, e: number, type: PhiType): void {
  ctx.hits.push({ s, e, type });
}

/** Adds a hit and returns its end (for matchers that hand back where scanning resumes). */
export function take(ctx: TextCtx, s: number, e: number, type: PhiType): number {
  ctx.hits.push({ s, e, type });
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
