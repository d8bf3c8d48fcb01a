/**
 * Scans one string: normalise, run the detectors, map the hits back to the original
 * offsets. Detectors only run when the cheap pre-filter finds something they could match.
 */
import type { Hit, TextCtx } from "./context.ts";
import { normalize, type Normalized } from "./normalize.ts";
import { detectEmails } from "./detectors/email.ts";
import { detectUrls } from "./detectors/url.ts";
import { detectColonAddresses } from "./detectors/network.ts";
import { detectTokens } from "./detectors/words.ts";
import type { PhiType } from "./types.ts";

/** A match in original offsets. */
export interface Span {
  start: number;
  end: number;
  type: PhiType;
}

/** How a string is scanned. */
export interface TextMode {
  /** Under a technical key: ambiguous detectors stay off. */
  technical: boolean;
  /** The string is a whole value (not a line of a log). */
  whole: boolean;
  /** Called between detector passes; throws when the time budget is spent. */
  checkpoint?: () => void;
}

/** Characters some detector needs (digits, capitals, '@', ':', escapes, non-ASCII). */
const INTERESTING = /[0-9A-Z@:%&\u0080-\uffff]/;
/** Characters normalisation may change. */
const NEEDS_NORMALIZING = /[%&\u0080-\uffff]/;

const INNER_MODE: TextMode = { technical: false, whole: true };
const innerDetect = (decoded: string): Hit[] => detect(decoded, INNER_MODE, 1);

/** Runs the detectors over already-normalised text. */
function detect(t: string, mode: TextMode, depth: number): Hit[] {
  // One object shape for every context (optional fields set up front keep V8 monomorphic).
  const ctx: TextCtx = {
    t,
    n: t.length,
    technical: mode.technical,
    whole: mode.whole,
    hits: [],
    inner: depth === 0 ? innerDetect : undefined,
    addressCue: undefined,
  };
  const checkpoint = mode.checkpoint;
  detectEmails(ctx);
  detectUrls(ctx);
  detectColonAddresses(ctx);
  checkpoint?.();
  detectTokens(ctx);
  checkpoint?.();
  return ctx.hits;
}

/** Finds PHI spans in `text`, in original offsets, sorted and merged where they overlap. */
export function findSpans(text: string, mode: TextMode): Span[] {
  // Lower-case ASCII words and punctuation alone: no detector can match.
  if (text.length === 0 || !INTERESTING.test(text)) return [];
  const norm: Normalized = NEEDS_NORMALIZING.test(text) ? normalize(text) : { text, map: null };
  const hits = detect(norm.text, mode, 0);
  if (hits.length === 0) return [];
  const map = norm.map;
  const spans: Span[] = hits.map((h) => ({
    start: map === null ? h.s : map[h.s]!,
    end: map === null ? h.e : map[h.e]!,
    type: h.type,
  }));
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  return spans;
}

/** The distinct types in a list of spans. */
export function spanTypes(spans: Span[]): PhiType[] {
  const types: PhiType[] = [];
  for (const span of spans) if (!types.includes(span.type)) types.push(span.type);
  return types;
}

/** Replaces each span (overlaps merged, first type wins) with `[REDACTED:<TYPE>]`. */
export function applySpans(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  let out = "";
  let cursor = 0;
  let i = 0;
  while (i < spans.length) {
    const first = spans[i]!;
    let end = first.end;
    let j = i + 1;
    while (j < spans.length && spans[j]!.start < end) {
      end = Math.max(end, spans[j]!.end);
      j++;
    }
    const start = Math.max(first.start, cursor);
    if (end > start) {
      out += text.slice(cursor, start) + `[REDACTED:${first.type}]`;
      cursor = end;
    }
    i = j;
  }
  return out + text.slice(cursor);
}
