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
import { Lexed, useLexer, X_AT, X_COLON, X_INTERESTING, X_NORMALIZE, X_WWW } from "./lexer.ts";

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

const INNER_MODE: TextMode = { technical: false, whole: true };
const innerDetect = (decoded: string): Hit[] => {
  INNER.lex(decoded);
  return detect(decoded, INNER_MODE, 1, INNER);
};

/** One lexer per level: the text, and base64-decoded text inside it. */
const OUTER = new Lexed();
const INNER = new Lexed();

/** Runs the detectors over already-normalised, lexed text. */
function detect(t: string, mode: TextMode, depth: number, lx: Lexed): Hit[] {
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
  const previous = useLexer(lx);
  try {
    scan(ctx, lx, mode.checkpoint);
  } finally {
    useLexer(previous);
  }
  return ctx.hits;
}

/** The passes over one text. */
function scan(ctx: TextCtx, lx: Lexed, checkpoint: (() => void) | undefined): void {
  // The passes anchored on '@', ':' and "www." run only when the lexer saw one.
  const bits = lx.bits;
  if (bits & X_AT) detectEmails(ctx);
  if (bits & (X_COLON | X_WWW)) detectUrls(ctx);
  if (bits & X_COLON) detectColonAddresses(ctx);
  checkpoint?.();
  detectTokens(ctx, lx);
  checkpoint?.();
}

/** Finds PHI spans in `text`, in original offsets, sorted and merged where they overlap. */
export function findSpans(text: string, mode: TextMode): Span[] {
  if (text.length === 0) return [];
  try {
    return spansOf(text, mode);
  } finally {
    OUTER.release();
    INNER.release();
  }
}

function spansOf(text: string, mode: TextMode): Span[] {
  OUTER.lex(text);
  // Lower-case ASCII words and punctuation alone: no detector can match.
  if ((OUTER.bits & X_INTERESTING) === 0) return [];
  let norm: Normalized = { text, map: null };
  if (OUTER.bits & X_NORMALIZE) {
    norm = normalize(text);
    if (norm.map !== null) OUTER.lex(norm.text);
  }
  const hits = detect(norm.text, mode, 0, OUTER);
  if (hits.length === 0) return [];
  const map = norm.map;
  const spans: Span[] = new Array(hits.length);
  for (let k = 0; k < hits.length; k++) {
    const h = hits[k]!;
    spans[k] = {
      start: map === null ? h.s : map[h.s]!,
      end: map === null ? h.e : map[h.e]!,
      type: h.type,
    };
  }
  // By start, longest first, stable. A sentence has a handful of hits: insertion sort (no
  // comparator calls); a log text may have thousands: the built-in sort.
  if (spans.length > 16) spans.sort(bySpan);
  else {
    for (let k = 1; k < spans.length; k++) {
      const span = spans[k]!;
      let j = k - 1;
      while (j >= 0 && bySpan(spans[j]!, span) > 0) {
        spans[j + 1] = spans[j]!;
        j--;
      }
      spans[j + 1] = span;
    }
  }
  return spans;
}

const bySpan = (a: Span, b: Span) => a.start - b.start || b.end - a.end;

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
