/** IPv6 and MAC addresses, anchored on ':' (and '-'/'.' MAC forms from the word pass). */
import { isDigit, isHex, isWordChar } from "../chars.ts";
import { hit, type TextCtx } from "../context.ts";

const MAX_SIDE = 45;

function isV6Char(c: number): boolean {
  return isHex(c) || c === 58 || c === 46;
}

/** Strict IPv6 check of t[s, e): hex groups, at most one '::', optional trailing IPv4. */
function ipv6Valid(t: string, s: number, e: number): boolean {
  let groups = 0;
  let compressed = false;
  let digits = 0;
  let i = s;
  if (t.charCodeAt(i) === 58) {
    if (t.charCodeAt(i + 1) !== 58) return false;
    compressed = true;
    i += 2;
  }
  while (i < e) {
    let j = i;
    let hasDot = false;
    while (j < e && t.charCodeAt(j) !== 58) {
      if (t.charCodeAt(j) === 46) hasDot = true;
      j++;
    }
    const len = j - i;
    if (hasDot) {
      // Embedded IPv4 must be last and counts as two groups.
      if (j !== e || !ipv4Valid(t, i, j)) return false;
      groups += 2;
      digits += len;
      i = j;
      break;
    }
    if (len < 1 || len > 4) return false;
    for (let k = i; k < j; k++) if (isDigit(t.charCodeAt(k))) digits++;
    groups++;
    if (j === e) {
      i = j;
      break;
    }
    // j is a ':'.
    if (t.charCodeAt(j + 1) === 58) {
      if (compressed) return false;
      compressed = true;
      i = j + 2;
      if (i === e) break;
    } else {
      i = j + 1;
      if (i === e) return false;
    }
  }
  if (groups > 8 || (!compressed && groups !== 8) || (compressed && groups > 7)) return false;
  // "::1" and "a::b" carry no identity; require some substance.
  return groups >= 3 && digits > 0;
}

/** Dotted-quad check of t[s, e). */
export function ipv4Valid(t: string, s: number, e: number): boolean {
  let parts = 0;
  let i = s;
  while (i <= e) {
    let j = i;
    let v = 0;
    while (j < e && isDigit(t.charCodeAt(j))) {
      v = v * 10 + t.charCodeAt(j) - 48;
      j++;
    }
    const len = j - i;
    if (len < 1 || len > 3 || v > 255) return false;
    parts++;
    if (j === e) break;
    if (t.charCodeAt(j) !== 46) return false;
    i = j + 1;
  }
  return parts === 4;
}

/** MAC as six hex pairs joined by one consistent separator, starting at s. Returns end or -1. */
export function macAt(t: string, s: number): number {
  const sep = t.charCodeAt(s + 2);
  if (sep !== 58 && sep !== 45) return -1;
  for (let k = 0; k < 6; k++) {
    const p = s + k * 3;
    if (!isHex(t.charCodeAt(p)) || !isHex(t.charCodeAt(p + 1))) return -1;
    if (k < 5 && t.charCodeAt(p + 2) !== sep) return -1;
  }
  const e = s + 17;
  return e < t.length && (isWordChar(t.charCodeAt(e)) || t.charCodeAt(e) === sep) ? -1 : e;
}

/** Cisco-style MAC `aabb.ccdd.eeff` at s. Returns end or -1. */
export function ciscoMacAt(t: string, s: number): number {
  for (let k = 0; k < 3; k++) {
    const p = s + k * 5;
    for (let q = 0; q < 4; q++) if (!isHex(t.charCodeAt(p + q))) return -1;
    if (k < 2 && t.charCodeAt(p + 4) !== 46) return -1;
  }
  const e = s + 14;
  return e < t.length && (isWordChar(t.charCodeAt(e)) || t.charCodeAt(e) === 46) ? -1 : e;
}

/** The extent colonMayMatch() read last, [extentStart, extentEnd) (module state: no object per ':'). */
let extentStart = 0;
let extentEnd = 0;

/**
 * Reads the run of address characters around the ':' at p into [extentStart, extentEnd): at
 * most MAX_SIDE on each side, without a trailing '.' or single ':' (they belong to the
 * sentence) or a leading '.' (it cannot start an address). Returns whether it could hold an
 * address: bounded on both sides, 6 characters or more (when no ':' of a text could, the
 * colon pass finds nothing there).
 */
export function colonMayMatch(t: string, p: number): boolean {
  const n = t.length;
  let s = p;
  while (s > 0 && p - s < MAX_SIDE && isV6Char(t.charCodeAt(s - 1))) s--;
  let e = p + 1;
  while (e < n && e - p < MAX_SIDE && isV6Char(t.charCodeAt(e))) e++;
  while (e > p + 1 && t.charCodeAt(e - 1) === 46) e--;
  if (e > p + 1 && t.charCodeAt(e - 1) === 58 && t.charCodeAt(e - 2) !== 58) e--;
  while (s < p && t.charCodeAt(s) === 46) s++;
  extentStart = s;
  extentEnd = e;
  const boundedLeft = s === 0 || !isWordChar(t.charCodeAt(s - 1));
  const boundedRight = e >= n || !isWordChar(t.charCodeAt(e));
  return boundedLeft && boundedRight && e - s >= 6;
}

/** Finds IPv6 and colon-separated MAC addresses around each ':'. */
export function detectColonAddresses(ctx: TextCtx): void {
  const t = ctx.t;
  let p = t.indexOf(":");
  while (p >= 0) {
    const bounded = colonMayMatch(t, p);
    const s = extentStart;
    const e = extentEnd;
    if (bounded) {
      if (e - s === 17 && macAt(t, s) === e) {
        hit(ctx, s, e, "MAC_ADDRESS");
      } else if (!ctx.technical && ipv6Valid(t, s, e)) {
        hit(ctx, s, e, "IP_ADDRESS");
      }
    }
    p = t.indexOf(":", Math.max(e, p + 1));
  }
}
