/**
 * Base64 segments: a run of the base64 alphabet that decodes to printable text is scanned
 * again (one level deep); if the decoded text holds PHI, the whole segment is reported.
 */
import { isAlnum, isDigit, isLowerAscii, isUpperAscii } from "../chars.ts";
import { hit, type TextCtx } from "../context.ts";

const MIN_RUN = 12;
const MAX_RUN = 8192;

function isB64(c: number): boolean {
  return isAlnum(c) && c < 128 || c === 43 || c === 47 || c === 61 || c === 45 || c === 95;
}

/**
 * Base64 alphabet classes: 1 capitals, 2 lower case, 4 digits, 8 `+ - / _`, 16 '='; 0 outside.
 */
const B64_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (isUpperAscii(c)) B64_CLASS[c] = 1;
  else if (isLowerAscii(c)) B64_CLASS[c] = 2;
  else if (isDigit(c)) B64_CLASS[c] = 4;
  else if (c === 61) B64_CLASS[c] = 16;
  else if (isB64(c)) B64_CLASS[c] = 8;
}

/** Sextet of each base64 character (standard and URL-safe alphabets), -1 for the rest. */
const SEXTET = new Int8Array(128).fill(-1);
for (let k = 0; k < 64; k++) {
  SEXTET["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(k)] = k;
}
SEXTET[45] = 62; // '-'
SEXTET[95] = 63; // '_'

const isPrintableByte = (b: number) => (b >= 32 && b < 127) || b === 9 || b === 10 || b === 13;

/** Decoded bytes of the current segment (reused: segments are at most MAX_RUN characters). */
const BYTES = new Uint8Array(MAX_RUN);

/**
 * Decodes standard or URL-safe base64 to a printable string (>= 95% printable ASCII bytes,
 * at least 6 bytes), or null. Same result as atob() after mapping `-_` to `+/`, but gives
 * up at the first byte that makes 95% unreachable: most runs that reach here (identifiers,
 * IBANs, hashes) are not base64 of text, and fail within a few bytes.
 */
export function decodePrintable(t: string, start: number, end: number): string | null {
  let length = end - start;
  while (length > 0 && t.charCodeAt(start + length - 1) === 61) length--;
  if (length % 4 === 1) return null;
  const total = (length * 3) >> 2;
  if (total < 6) return null;
  let bad = 0;
  let acc = 0;
  let bits = 0;
  let out = 0;
  for (let k = 0; k < length; k++) {
    const c = t.charCodeAt(start + k);
    const v = c < 128 ? SEXTET[c]! : -1;
    if (v < 0) return null; // '=' inside the run: atob() rejects it too
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const b = (acc >> bits) & 0xff;
      BYTES[out++] = b;
      if (!isPrintableByte(b) && (total - ++bad) / total < 0.95) return null;
    }
  }
  let decoded = "";
  for (let k = 0; k < out; k++) decoded += String.fromCharCode(BYTES[k]!);
  return decoded;
}

/**
 * At a '=' at p: the end of its run of '=' when that run is padding (nothing of the base64
 * alphabet follows it), -1 when more base64 follows: then the '=' joins a key to its value
 * (`state=eyJ…`), and the value is a segment of its own.
 */
function paddingEnd(t: string, p: number): number {
  let q = p;
  while (q < t.length && q - p < 3 && t.charCodeAt(q) === 61) q++;
  const c = t.charCodeAt(q);
  return c < 128 && B64_CLASS[c]! !== 0 ? -1 : q;
}

/**
 * A base64 segment starting at i (the start of an alphanumeric token): expands over the
 * base64 alphabet and, when the segment decodes to printable text in which `inner` finds
 * PHI, reports the segment with those types. Returns the segment end, so the caller skips
 * it; or, when the run is too short or too long or looks like plain words, ~end (negative):
 * the caller starts no other segment inside the run read (each character is read once).
 */
export function base64At(ctx: TextCtx, i: number, inner: (text: string) => TextCtx): number {
  const { t, n } = ctx;
  let e = i;
  let classes = 0;
  while (e < n && e - i <= MAX_RUN) {
    const c = t.charCodeAt(e);
    const k = c < 128 ? B64_CLASS[c]! : 0;
    if (k === 0) break;
    if (c === 61 && paddingEnd(t, e) < 0) break;
    classes |= k;
    e++;
  }
  const joined = (classes & 8) !== 0;
  classes &= 7;
  // Base64 of text mixes cases; plain words, numbers and hex hashes need no decoding.
  if (e - i < MIN_RUN || e - i > MAX_RUN || (classes & 1) === 0 || classes === 1) return ~e;
  // The lines of wrapped base64 are joined too; each is still read alone below.
  if (e - i >= MIN_WRAP && lineBreakLength(t, e) > 0) {
    joinWrapped(ctx, i, e, inner);
  }
  const decoded = decodePrintable(t, i, e);
  if (decoded !== null) {
    const found = inner(decoded);
    for (let k = 0; k < found.count; k++) hit(ctx, i, e, found.ht[k]!);
  } else if (joined) {
    separatedParts(ctx, i, e, inner);
  }
  return e;
}

/** Base64 characters that also separate words in names and paths: `+ - / _`. */
function isSeparator(c: number): boolean {
  return c === 43 || c === 45 || c === 47 || c === 95;
}

/**
 * How many tails of one run separatedParts() decodes: each costs at most the run's length,
 * so a run of `a-a-a-…` is still read in linear time.
 */
const MAX_TAILS = 4;

/**
 * A run [i, e) holding `+ - / _` that decodes to no text: base64 behind a prefix
 * (`b-<base64>`, `/_islands/<base64>.js`, where the run decoded from the prefix is read at the
 * wrong offset), or before a suffix (`<base64>-v2`). Decoded instead, each reported with what
 * `inner` finds in it, as base64At() reports a run: the tail after each of the first
 * MAX_TAILS separators that has another after it (base64 with `+/` or `-_` of its own: the
 * first that decodes to text ends the search), then each part between two separators (or the
 * run's ends), 12+ characters of mixed case (base64 of plain ASCII text holds no `+ - / _`
 * but after a third byte `>`, `?` or `~`). The parts do not overlap: the run is read at most
 * MAX_TAILS + 2 times.
 */
function separatedParts(
  ctx: TextCtx,
  i: number,
  e: number,
  inner: (text: string) => TextCtx,
): void {
  const t = ctx.t;
  // Tails: from after a separator to the end of the run.
  let tails = 0;
  let last = -1;
  for (let p = i; p < e; p++) {
    if (!isSeparator(t.charCodeAt(p))) continue;
    if (
      last >= 0 && tails < MAX_TAILS && !isSeparator(t.charCodeAt(last + 1)) && e - last > MIN_RUN
    ) {
      tails++;
      if (decodedPart(ctx, last + 1, e, inner)) return;
    }
    last = p;
  }
  // Parts between separators.
  let s = i;
  for (let p = i; p <= e; p++) {
    if (p < e && !isSeparator(t.charCodeAt(p))) continue;
    if (p - s >= MIN_RUN) decodedPart(ctx, s, p, inner, true);
    s = p + 1;
  }
}

/**
 * Decodes [s, p) (a part of mixed case only, when `mixed`) and reports it with what `inner`
 * finds in it; true when it decodes to text.
 */
function decodedPart(
  ctx: TextCtx,
  s: number,
  p: number,
  inner: (text: string) => TextCtx,
  mixed = false,
): boolean {
  const t = ctx.t;
  if (mixed) {
    let classes = 0;
    for (let k = s; k < p; k++) {
      const c = t.charCodeAt(k);
      classes |= c < 128 ? B64_CLASS[c]! : 0;
    }
    classes &= 7;
    if ((classes & 1) === 0 || classes === 1) return false;
  }
  const decoded = decodePrintable(t, s, p);
  if (decoded === null) return false;
  const found = inner(decoded);
  for (let k = 0; k < found.count; k++) hit(ctx, s, p, found.ht[k]!);
  return true;
}

/**
 * The shortest line of wrapped base64: MIME writes 76 characters a line, PEM 64, some tools
 * 60, 72 or 32, and a hand-wrapped or fixed-column log any width (`fold -w 50`). At a width
 * that is no multiple of 4 the lines after the first do not even decode alone.
 */
const MIN_WRAP = 16;

/**
 * Length of the line break at p: 1 for LF, 2 for CR LF, and as JSON escapes them in a logged
 * JSON text (`\\n`, `\\r\\n`), 2 and 4; 0 for none.
 */
function lineBreakLength(t: string, p: number): number {
  const c = t.charCodeAt(p);
  if (c === 10) return 1;
  if (c === 13) return t.charCodeAt(p + 1) === 10 ? 2 : 0;
  if (c !== 92) return 0;
  const d = t.charCodeAt(p + 1);
  if (d === 110) return 2;
  return d === 114 && t.charCodeAt(p + 2) === 92 && t.charCodeAt(p + 3) === 110 ? 4 : 0;
}

/** End of the run of base64 characters (padding included) starting at p. */
function runEnd(t: string, p: number): number {
  let q = p;
  while (q < t.length && q - p <= MAX_RUN) {
    const c = t.charCodeAt(q);
    if (c >= 128 || B64_CLASS[c]! === 0) break;
    q++;
  }
  return q;
}

/**
 * Wrapped base64 (MIME, PEM): a run [i, e) of width e - i ending its line, and the lines after
 * it of the same width, the last one perhaps shorter, each all base64. Decoded line by line, a
 * field that straddles a line break (`ssn 53` | `6-22-…`) is in neither half: the lines are
 * joined and decoded as one text, in pieces of whole lines up to MAX_RUN characters, and each
 * piece that holds PHI is reported whole. A piece decodes the whole groups of 4 characters it
 * holds; the 1-3 left over (a width that is no multiple of 4) start the next piece.
 *
 * The join only adds: the caller still reads every line alone, as before the join was read
 * (a piece that decodes to no text, accented UTF-8 under the printable share or a '=' inside,
 * hid the names in its lines when the block was skipped; and a field that ends a line, `ssn
 * 536-22-1234` before a line starting with a digit, is no field in the joined text). The end
 * of each joined block is remembered (joinedTo), so its other lines are not joined again:
 * a text is joined at most once a line. A run is no block's first line when it is one line
 * alone, ends in '=' (only a block's last line does) or is no text alone (bytes, a key:
 * answered before the lines after it are read).
 */
function joinWrapped(
  ctx: TextCtx,
  i: number,
  e: number,
  inner: (text: string) => TextCtx,
): void {
  const t = ctx.t;
  const width = e - i;
  if ((i > joinedFrom && i < joinedTo && t === joinedText) || t.charCodeAt(e - 1) === 61) return;
  // The first line's whole groups of 4 (all of it at a width that is a multiple of 4).
  if (decodePrintable(t, i, i + (width & ~3)) === null) return;
  let pieceStart = i;
  let pieceEnd = i;
  let joined = "";
  let lines = 0;
  let s = i;
  let q = e;
  let closed = false;
  // Characters of the block so far (a whole block of base64 is a multiple of 4).
  let total = 0;
  for (;;) {
    if (joined.length + (q - s) > MAX_RUN) {
      // The piece is full: decode its whole groups of 4 and start the next with the rest (none
      // at a width that is a multiple of 4), which ends the line before this one.
      const rest = joined.length & 3;
      decodePiece(ctx, pieceStart, pieceEnd, joined.slice(0, joined.length - rest), inner);
      pieceStart = rest === 0 ? s : pieceEnd - rest;
      joined = joined.slice(joined.length - rest);
    }
    joined += t.slice(s, q);
    pieceEnd = q;
    total += q - s;
    lines++;
    // A shorter line ends the block; so does a line that is not all base64, and one ending in
    // '=' (padding comes only at the end).
    if (q - s < width || closed || t.charCodeAt(q - 1) === 61) break;
    const br = lineBreakLength(t, q);
    if (br === 0) break;
    const ns = q + br;
    const nq = runEnd(t, ns);
    if (nq === ns || nq - ns > width) break;
    // A line's run ends the line or the text; the last one's may end at the quote or tag that
    // closes the field holding the block (`"body":"…\nNi0yMi0x…="`), or at a space when it
    // is whole base64 (a multiple of 4 characters: a word of prose after the block is not).
    if (nq < t.length && lineBreakLength(t, nq) === 0) {
      const c = t.charCodeAt(nq);
      const space = c === 32 || c === 9;
      if (c !== 34 && c !== 39 && c !== 60 && !(space && (total + nq - ns) % 4 === 0)) break;
      closed = true;
    }
    s = ns;
    q = nq;
  }
  joinedText = t;
  joinedFrom = i;
  joinedTo = q;
  if (lines >= 2) decodePiece(ctx, pieceStart, q, joined, inner);
}

/**
 * The text, start and end of the last wrapped block joined (see joinWrapped()). The lines
 * after its first are not joined again; its first line is, as the next pass over the text
 * (or the next scan of the same text) reads it again from there.
 */
let joinedText = "";
let joinedFrom = 0;
let joinedTo = 0;

/**
 * Decodes one piece of a wrapped block (`joined`, its lines without their breaks, spanning
 * [start, end) of the text) and reports the piece whole with each type found in it, if it
 * decodes to text.
 */
function decodePiece(
  ctx: TextCtx,
  start: number,
  end: number,
  joined: string,
  inner: (text: string) => TextCtx,
): void {
  const decoded = decodePrintable(joined, 0, joined.length);
  if (decoded === null) return;
  const found = inner(decoded);
  for (let k = 0; k < found.count; k++) hit(ctx, start, end, found.ht[k]!);
}

/** Value of each hex digit (either case), -1 for the rest. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let k = 0; k < 16; k++) {
  HEX_VALUE["0123456789abcdef".charCodeAt(k)] = k;
  HEX_VALUE["0123456789ABCDEF".charCodeAt(k)] = k;
}

/** Value of each RFC 4648 base32 character (`A-Z2-7`), -1 for the rest. */
const BASE32_VALUE = new Int8Array(128).fill(-1);
for (let k = 0; k < 32; k++) BASE32_VALUE["ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".charCodeAt(k)] = k;

/**
 * True when the token classes (base64 classes: 1 capitals, 2 lower case, 4 digits, 8 beyond
 * ASCII) may be a hex run (digits with letters of one case) or a base32 run (capitals, with or
 * without digits).
 */
function mayBeHexOrBase32(classes: number): boolean {
  return classes === 4 || classes === 6 || classes === 5 || classes === 1;
}

/**
 * A whole token [i, e) of hex digits (even length) or of base32 (`A-Z2-7`, a length a base32
 * encoder writes, with or without its '=' padding after it; unused bits zero), 16 to MAX_RUN
 * characters (`classes`: its base64 classes, which the token pass tests first), that decodes to printable text (as base64 is: >= 95% printable ASCII bytes, 6
 * bytes or more) is scanned again as that text, one level deep; if it holds PHI, the run is
 * reported with those types. A hash, a random token or an upper-case word decodes to bytes
 * that are no text, mostly within the first few.
 */
export function hexOrBase32At(
  ctx: TextCtx,
  i: number,
  e: number,
  classes: number,
  inner: (text: string) => TextCtx,
): void {
  const t = ctx.t;
  const length = e - i;
  if (length < 16 || length > MAX_RUN || !mayBeHexOrBase32(classes)) return;
  let decoded: string | null = null;
  if (classes !== 1 && (length & 1) === 0) decoded = decodeHex(t, i, e);
  let end = e;
  if (decoded === null && (classes & 2) === 0) {
    decoded = decodeBase32(t, i, e);
    while (end < ctx.n && end - e < 6 && t.charCodeAt(end) === 61) end++;
  }
  if (decoded === null) return;
  const found = inner(decoded);
  for (let k = 0; k < found.count; k++) hit(ctx, i, end, found.ht[k]!);
}

/** Hex [i, e) decoded to printable text (see decodePrintable()), or null. */
function decodeHex(t: string, i: number, e: number): string | null {
  const total = (e - i) >> 1;
  let bad = 0;
  let out = 0;
  for (let k = i; k < e; k += 2) {
    const a = t.charCodeAt(k);
    const b = t.charCodeAt(k + 1);
    const hi = a < 128 ? HEX_VALUE[a]! : -1;
    const lo = b < 128 ? HEX_VALUE[b]! : -1;
    if (hi < 0 || lo < 0) return null;
    const byte = (hi << 4) | lo;
    BYTES[out++] = byte;
    if (!isPrintableByte(byte) && (total - ++bad) / total < 0.95) return null;
  }
  return bytesText(out);
}

/** Base32 [i, e) decoded to printable text (see decodePrintable()), or null. */
function decodeBase32(t: string, i: number, e: number): string | null {
  const length = e - i;
  // An encoder writes 8 characters per 5 bytes: a last group of 2, 4, 5 or 7 characters.
  const rest = length & 7;
  if (rest === 1 || rest === 3 || rest === 6) return null;
  const total = (length * 5) >> 3;
  let bad = 0;
  let acc = 0;
  let bits = 0;
  let out = 0;
  for (let k = i; k < e; k++) {
    const c = t.charCodeAt(k);
    const v = c < 128 ? BASE32_VALUE[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      const byte = (acc >> bits) & 0xff;
      BYTES[out++] = byte;
      if (!isPrintableByte(byte) && (total - ++bad) / total < 0.95) return null;
    }
  }
  // The bits left over are zero in what an encoder writes.
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return bytesText(out);
}

/** The first `count` bytes of BYTES as a string (one character per byte). */
function bytesText(count: number): string {
  let decoded = "";
  for (let k = 0; k < count; k++) decoded += String.fromCharCode(BYTES[k]!);
  return decoded;
}
