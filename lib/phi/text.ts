/**
 * Scans one string: normalise, run the detectors, map the hits back to the original
 * offsets. Detectors only run when the cheap pre-filter finds something they could match.
 */
import type { Hit, TextCtx } from "./context.ts";
import { type Normalized, normalize } from "./normalize.ts";
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

const FLAG_DIGIT = 1;
const FLAG_AT = 2;
const FLAG_COLON = 4;
const FLAG_UPPER = 8;
const FLAG_OTHER = 16;
const FLAG_ALL = 31;

/** One pass over the text: which characters occur that some detector needs. */
function prefilter(t: string): number {
  let flags = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 65) {
      if (c >= 48 && c <= 57) flags |= FLAG_DIGIT;
      else if (c === 64) flags |= FLAG_AT;
      else if (c === 58) flags |= FLAG_COLON;
      else if (c === 37 || c === 38) flags |= FLAG_OTHER;
    } else if (c <= 90) flags |= FLAG_UPPER;
    else if (c > 127) flags |= FLAG_OTHER;
    else continue;
    if (flags === FLAG_ALL) break;
  }
  return flags;
}

const INNER_MODE: TextMode = { technical: false, whole: true };
const innerDetect = (decoded: string): Hit[] => detect(decoded, INNER_MODE, 1, prefilter(decoded));

/** Runs the detectors over already-normalised text. */
function detect(t: string, mode: TextMode, depth: number, flags: number): Hit[] {
  if (flags === 0) return [];
  const ctx: TextCtx = { t, n: t.length, technical: mode.technical, whole: mode.whole, hits: [] };
  if (depth === 0) ctx.inner = innerDetect;
  const checkpoint = mode.checkpoint;
  if (flags & FLAG_AT) detectEmails(ctx);
  if (flags & FLAG_COLON) {
    detectUrls(ctx);
    detectColonAddresses(ctx);
  } else if (t.includes("www.")) detectUrls(ctx);
  checkpoint?.();
  detectTokens(ctx);
  checkpoint?.();
  return ctx.hits;
}

/** Finds PHI spans in `text`, in original offsets, sorted and merged where they overlap. */
export function findSpans(text: string, mode: TextMode): Span[] {
  if (text.length === 0) return [];
  let flags = prefilter(text);
  // Lower-case ASCII words alone: no detector can match.
  if (flags === 0) return [];
  let norm: Normalized = { text, map: null };
  if (flags & FLAG_OTHER) {
    norm = normalize(text);
    if (norm.map !== null) flags = prefilter(norm.text);
  }
  const hits = detect(norm.text, mode, 0, flags);
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
