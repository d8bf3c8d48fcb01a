/**
 * Scans one string: one pass over the text that reads each token where it stands and runs
 * the rules at the tokens that can start a match. A text holding what that pass cannot
 * handle alone ('@', ':' or "www.", which need the e-mail, URL and colon passes first, or a
 * character normalisation may change) takes the full path: note the characters it holds,
 * normalise, run those passes, then the token pass; hits are mapped back to the original
 * offsets.
 */
import { hit, TextCtx } from "./context.ts";
import { forgetWord } from "./read.ts";
import { controlEscape, foldable, normalize } from "./normalize.ts";
import { detectEmails } from "./detectors/email.ts";
import { detectUrls } from "./detectors/url.ts";
import { detectColonAddresses } from "./detectors/network.ts";
import { NEEDS_FULL_PATH, scanTokens } from "./detectors/words.ts";
import { detectHl7Segments } from "./detectors/hl7.ts";
import { detectX12Segments } from "./detectors/x12.ts";
import { detectDicom } from "./detectors/dicom.ts";
import { detectDelimitedColumns, mayHoldTable } from "./detectors/columns.ts";
import { dropUserAgentHits } from "./detectors/user_agent.ts";
import { identifierNames, identifierView } from "./detectors/identifiers.ts";
import { detectObfuscated } from "./detectors/obfuscated.ts";
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

/** Text bits: some character a detector needs (`[0-9A-Z@:%&]` or non-ASCII). */
export const X_INTERESTING = 1;
/** Text bits: a character normalisation may change ('%', '&', '\\', '+', a foldable non-ASCII one). */
export const X_NORMALIZE = 2;
/** Text bits: an '@'. */
export const X_AT = 4;
/** Text bits: a ':'. */
export const X_COLON = 8;
/** Text bits: "www." (where a www URL can start). */
export const X_WWW = 16;

/** The X_* bits of a text (the full path's prefilter). */
export function textBits(t: string): number {
  let bits = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 128) bits |= ASCII_BITS[c]!;
    else {
      bits |= X_INTERESTING;
      if ((bits & X_NORMALIZE) === 0 && foldable(c)) bits |= X_NORMALIZE;
    }
  }
  if (t.includes("www.")) bits |= X_WWW;
  return bits;
}

/** The X_* bits of each ASCII character. */
const ASCII_BITS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII_BITS[c] = X_INTERESTING;
for (let c = 65; c <= 90; c++) ASCII_BITS[c] = X_INTERESTING;
ASCII_BITS[64] = X_AT | X_INTERESTING;
ASCII_BITS[58] = X_COLON | X_INTERESTING;
ASCII_BITS[37] = ASCII_BITS[38] = X_NORMALIZE | X_INTERESTING;
// A JSON escape (`\n`, `\u00e9`): decoding one adds no character a detector needs that the
// text does not already hold (the hex digits of `\u0040` are digits).
ASCII_BITS[92] = X_NORMALIZE;
// A form-encoded space (`name=Mary+Smith`).
ASCII_BITS[43] = X_NORMALIZE;

/**
 * True when t holds a character some detector needs (X_INTERESTING): a digit, a capital,
 * '@', ':', '%', '&' or anything beyond ASCII. Stops at the first one (a sentence's first
 * letter, usually); reads all of a text of lower-case words and punctuation, which no
 * detector can match.
 */
export function interesting(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 128 || INTERESTING[c] === 1) return true;
  }
  return false;
}
const INTERESTING = new Uint8Array(128);
for (const c of "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ@:%&") INTERESTING[c.charCodeAt(0)] = 1;

/** One context per level: the text, and base64-decoded text inside it. */
const OUTER = new TextCtx();
const INNER = new TextCtx();
/** The spaced reading of a whole identifier value (see detectors/identifiers.ts). */
const VIEW = new TextCtx();

/** Scans base64-decoded text (one level deep: no base64 inside it, no normalisation). */
function innerDetect(decoded: string): TextCtx {
  INNER.reset(decoded, false, true);
  // As in detect(): lower-case words and punctuation alone hold nothing (a wrapped block of
  // base64 decodes to up to 6 KB of such text at once).
  if (interesting(decoded)) passes(INNER, textBits(decoded), undefined, "", null);
  return INNER;
}
OUTER.inner = innerDetect;

/**
 * The e-mail, URL and colon passes the bits call for, then the token pass. `raw` and `map`:
 * the text before normalisation and the offset map to it (null when unchanged).
 */
function passes(
  ctx: TextCtx,
  bits: number,
  checkpoint: (() => void) | undefined,
  raw: string,
  map: Int32Array | null,
): void {
  if (bits & X_AT) detectEmails(ctx);
  if (bits & (X_COLON | X_WWW)) detectUrls(ctx, raw, map);
  if (bits & X_COLON) detectColonAddresses(ctx);
  checkpoint?.();
  scanTokens(ctx, false);
}

/** Normalised-to-original offsets of the text scanned last (null when it was unchanged). */
let lastMap: Int32Array | null = null;
/** The original text of the scan whose offsets lastMap maps back to. */
let lastText = "";

/**
 * The original start of a hit at normalised offset `h`. An e-mail address right after a decoded
 * control escape (`C:\temp\nancy.smith@…`, where `\n` was read as a line break) takes the
 * escape too: its letter may be the address's first, and was left visible beside it.
 */
function originalStart(map: Int32Array, h: number, type: PhiType): number {
  const s = map[h]!;
  if (type !== "EMAIL" || h === 0 || map[h - 1] !== s - 2) return s;
  return lastText.charCodeAt(s - 2) === 92 && controlEscape(lastText.charCodeAt(s - 1)) !== ""
    ? s - 2
    : s;
}

/** Scans `text` into OUTER's hits (normalised offsets, lastMap to map them back). */
function detect(text: string, mode: TextMode): void {
  lastMap = null;
  lastText = text;
  const ctx = OUTER;
  ctx.reset(text, mode.technical, mode.whole);
  // Lower-case ASCII words and punctuation alone: no detector can match, but for a name in
  // identifier form after its cue (`patient_quenby_zarkowski`).
  if (!interesting(text)) {
    if (mode.whole && (text.indexOf("pt") >= 0 || text.indexOf("patient") >= 0)) {
      identifierNames(ctx, text, readsAsName);
    }
    // `jane(at)example(dot)org`, `patient jane doe`.
    detectObfuscated(ctx, false);
    return;
  }
  // '@', "://" and "www." call for the full path wherever they stand: in a text long enough
  // for it to matter, found by the native search before the token pass spends rules on it.
  if (
    (text.length > 40 &&
      (text.indexOf("@") >= 0 || text.indexOf("://") >= 0 || text.indexOf("www.") >= 0)) ||
    scanTokens(ctx, true) === NEEDS_FULL_PATH
  ) {
    ctx.count = 0;
    let bits = textBits(text);
    let t = text;
    if (bits & X_NORMALIZE) {
      const norm = normalize(text);
      if (norm.map !== null) {
        t = norm.text;
        lastMap = norm.map;
        bits = textBits(t);
      }
    }
    ctx.reset(t, mode.technical, mode.whole);
    passes(ctx, bits, mode.checkpoint, text, lastMap);
  }
  // Obfuscated e-mail addresses and lower-case names after `patient`/`pt`, and whether the
  // text may hold structured health data (one native search for both): HL7 v2 segments
  // (`PID|1||…||DOE^JANE^Q||19550302|F`), X12 segments (`NM1*IL*1*DOE*JANE~`), DICOM
  // attributes (`(0010,0010) PN [DOE^JANE]`), read by position or tag. A prose text holds none
  // of the characters or words that search looks for (STRUCTURED); then each detector's own.
  const structured = detectObfuscated(ctx, true);
  const t = ctx.t;
  if (structured) {
    if (t.indexOf("|") >= 0 || t.indexOf("MSH") >= 0) detectHl7Segments(ctx);
    if (t.indexOf("*") >= 0 || t.indexOf("ISA") >= 0) detectX12Segments(ctx);
    mode.checkpoint?.();
    detectDicom(ctx);
  }
  // A delimited export under a header row (`mrn,last,first,dob` then its rows).
  if (mayHoldTable(t)) detectDelimitedColumns(ctx);
  // A whole value in an identifier alphabet (`ssn_536_22_1234`, `patient.Quenby.Zarkowski`):
  // its separators read as spaces, its hits mapped back. The normalised text is read, so that
  // a value with a zero-width character, an entity, a percent-escape or another script's
  // digits (`ssn%5F536%5F22%5F1234`) is one too: its hits are in normalised offsets, which
  // sortHits() maps back through lastMap like every other hit's.
  if (mode.whole) identifierHits(ctx, t, mode);
  // The product names and versions of a browser User-Agent are no PHI, whatever they read as.
  if (ctx.count > 0) dropUserAgentHits(ctx);
  mode.checkpoint?.();
}

/** Adds the hits of the spaced reading of an identifier value t, and its identifier-form names. */
function identifierHits(ctx: TextCtx, t: string, mode: TextMode): void {
  const view = identifierView(t, readsAsName);
  if (view === undefined) return;
  if (view !== null) {
    VIEW.reset(view.text, mode.technical, true);
    scanTokens(VIEW, false);
    const map = view.map;
    for (let k = 0; k < VIEW.count; k++) {
      hit(ctx, map[VIEW.hs[k]!]!, map[VIEW.he[k]!]!, VIEW.ht[k]!);
    }
  }
  identifierNames(ctx, t, readsAsName, true);
}

/** Scans the spaced reading of an identifier's name run alone (see NameJudge). */
const NAMES = new TextCtx();

/** True when the free-text rule, with no cue, reads all of the spaced text as one name. */
function readsAsName(spaced: string): boolean {
  NAMES.reset(spaced, false, false);
  scanTokens(NAMES, false);
  for (let k = 0; k < NAMES.count; k++) {
    if (NAMES.ht[k] === "PERSON_NAME" && NAMES.hs[k] === 0 && NAMES.he[k] === spaced.length) {
      return true;
    }
  }
  return false;
}

/** The hits of the text scanned last, in original offsets, sorted: starts, ends, types. */
let sortedStart = new Int32Array(64);
let sortedEnd = new Int32Array(64);
const sortedType: PhiType[] = [];

/**
 * Copies OUTER's hits to the sorted arrays in original offsets, by start, longest first,
 * stable (so that of two hits over the same characters the first found names the type).
 * Returns their number.
 */
function sortHits(ctx: TextCtx): number {
  const count = ctx.count;
  if (count === 0) return 0;
  if (sortedStart.length < count) {
    sortedStart = new Int32Array(count * 2);
    sortedEnd = new Int32Array(count * 2);
  }
  const map = lastMap;
  const hs = ctx.hs;
  const he = ctx.he;
  const ht = ctx.ht;
  const ss = sortedStart;
  const se = sortedEnd;
  const st = sortedType;
  if (count <= 16) {
    // A sentence has a handful of hits: insertion sort, no comparator calls.
    for (let k = 0; k < count; k++) {
      const type = ht[k]!;
      const s = map === null ? hs[k]! : originalStart(map, hs[k]!, type);
      const e = map === null ? he[k]! : map[he[k]!]!;
      let j = k - 1;
      while (j >= 0 && (ss[j]! > s || (ss[j] === s && se[j]! < e))) {
        ss[j + 1] = ss[j]!;
        se[j + 1] = se[j]!;
        st[j + 1] = st[j]!;
        j--;
      }
      ss[j + 1] = s;
      se[j + 1] = e;
      st[j + 1] = type;
    }
    return count;
  }
  // A log text may have thousands: the built-in (stable) sort of their indexes.
  const order: number[] = new Array(count);
  for (let k = 0; k < count; k++) order[k] = k;
  const start = (k: number) => (map === null ? hs[k]! : originalStart(map, hs[k]!, ht[k]!));
  const end = (k: number) => (map === null ? he[k]! : map[he[k]!]!);
  order.sort((a, b) => start(a) - start(b) || end(b) - end(a));
  for (let k = 0; k < count; k++) {
    const h = order[k]!;
    ss[k] = start(h);
    se[k] = end(h);
    st[k] = ht[h]!;
  }
  return count;
}

/** Scans `text` and sorts its hits; returns their number. */
function scanSorted(text: string, mode: TextMode): number {
  if (text.length === 0) return 0;
  try {
    detect(text, mode);
    return sortHits(OUTER);
  } finally {
    OUTER.release();
    INNER.release();
    VIEW.release();
    forgetWord();
  }
}

/** Finds PHI spans in `text`, in original offsets, sorted by start (longest first). */
export function findSpans(text: string, mode: TextMode): Span[] {
  const count = scanSorted(text, mode);
  if (count === 0) return [];
  const spans: Span[] = new Array(count);
  for (let k = 0; k < count; k++) {
    spans[k] = { start: sortedStart[k]!, end: sortedEnd[k]!, type: sortedType[k]! };
  }
  return spans;
}

/** The distinct types found in `text`, in the order of their first span. */
export function textTypes(text: string, mode: TextMode): PhiType[] {
  const count = scanSorted(text, mode);
  const types: PhiType[] = [];
  for (let k = 0; k < count; k++) {
    const type = sortedType[k]!;
    if (!types.includes(type)) types.push(type);
  }
  return types;
}

/** `text` with each match replaced, as applySpans(text, findSpans(text, mode)) gives it. */
export function redactString(text: string, mode: TextMode): string {
  const count = scanSorted(text, mode);
  if (count === 0) return text;
  let out = "";
  let cursor = 0;
  let i = 0;
  while (i < count) {
    let end = sortedEnd[i]!;
    let j = i + 1;
    while (j < count && sortedStart[j]! < end) {
      if (sortedEnd[j]! > end) end = sortedEnd[j]!;
      j++;
    }
    const start = sortedStart[i]! > cursor ? sortedStart[i]! : cursor;
    if (end > start) {
      out += text.slice(cursor, start) + placeholder(sortedType[i]!);
      cursor = end;
    }
    i = j;
  }
  return out + text.slice(cursor);
}

/** `[REDACTED:<TYPE>]`, one string per type. */
const PLACEHOLDERS = new Map<PhiType, string>();
function placeholder(type: PhiType): string {
  let p = PLACEHOLDERS.get(type);
  if (p === undefined) {
    p = `[REDACTED:${type}]`;
    PLACEHOLDERS.set(type, p);
  }
  return p;
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
      out += text.slice(cursor, start) + placeholder(first.type);
      cursor = end;
    }
    i = j;
  }
  return out + text.slice(cursor);
}
