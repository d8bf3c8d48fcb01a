/** URLs with a host (`scheme://host...` and `www.host...`); Safe Harbor bars URLs. */
import { isAlnum, isAsciiLetter, isDigit } from "../chars.ts";
import { hit, type TextCtx } from "../context.ts";

const MAX_URL = 2048;

/** Characters that end a URL in running text. */
function endsUrl(c: number): boolean {
  return c <= 32 || c === 34 || c === 39 || c === 60 || c === 62 || c === 96 || c === 123 ||
    c === 125 || c === 124 || c === 92 || c === 94;
}

function isHostChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 45 || c === 95;
}

/** The text before normalisation and the offset map of the text being scanned (see detectUrls). */
let rawText = "";
let rawMap: Int32Array | null = null;

/**
 * True when the URL ends at t[e] (c): a character that ends a URL in running text, written as
 * itself. One decoded from a percent-escape or a form-encoded '+' (`Quenby%20Zarkowski`,
 * `Mary+Smith`) is part of the raw run of URL characters and does not end it.
 */
function endsAt(e: number, c: number): boolean {
  if (!endsUrl(c)) return false;
  if (rawMap === null) return true;
  const r = rawText.charCodeAt(rawMap[e]!);
  return r !== 37 && r !== 43;
}

/**
 * True when a '|' at p continues the URL that starts at `start`: in a query value (FHIR token
 * search, `?identifier=http://hospital.example.org/mrn|4829133`, is `system|value`) when no
 * '|' stands before the URL on its line (an HL7 field separator, a table's column).
 */
function pipeInValue(t: string, start: number, p: number): boolean {
  if (p + 1 >= t.length) return false;
  const next = t.charCodeAt(p + 1);
  if (endsUrl(next) && next !== 124) return false;
  for (let k = start - 1; k >= 0 && start - k <= 256; k--) {
    const c = t.charCodeAt(k);
    if (c === 124) return false;
    if (c === 10 || c === 13) break;
  }
  return true;
}

/**
 * From the start of the host, returns the end of the URL, or -1 when there is no host.
 * `start` is where the URL starts (its scheme or "www.").
 */
function urlEnd(t: string, n: number, start: number, hostStart: number, needDot: boolean): number {
  let h = hostStart;
  // userinfo@ is part of the URL (and often a credential).
  for (let k = h; k < n && k - h < 128; k++) {
    const c = t.charCodeAt(k);
    if (c === 64) {
      if (k > h) h = k + 1;
      break;
    }
    if (endsUrl(c) || c === 47 || c === 63 || c === 35) break;
  }
  let e = h;
  let dot = false;
  if (t.charCodeAt(e) === 91) {
    let close = e + 1;
    while (close < n && close - e < 48 && t.charCodeAt(close) !== 93) close++;
    if (t.charCodeAt(close) !== 93) return -1;
    e = close + 1;
    dot = true;
  } else {
    while (e < n && e - h < 253 && isHostChar(t.charCodeAt(e))) {
      if (t.charCodeAt(e) === 46) dot = true;
      e++;
    }
  }
  if (e === h || (needDot && !dot)) return -1;
  // In a query value: after a '?' and a '=' in the URL, or a URL that is itself the value of
  // a query parameter (`?identifier=http://…`).
  let inValue = start > 0 && t.charCodeAt(start - 1) === 61;
  let query = false;
  let pipes = -1;
  while (e < n && e - hostStart < MAX_URL) {
    const c = t.charCodeAt(e);
    if (c === 63) query = true;
    else if (c === 61 && query) inValue = true;
    else if (endsAt(e, c)) {
      if (c !== 124 || !inValue) break;
      if (pipes < 0) pipes = pipeInValue(t, start, e) ? 1 : 0;
      if (pipes === 0) break;
    }
    e++;
  }
  // Trailing sentence punctuation is not part of the URL.
  while (e > h) {
    const c = t.charCodeAt(e - 1);
    if (
      c === 46 || c === 44 || c === 59 || c === 58 || c === 33 || c === 63 || c === 41 || c === 93
    ) e--;
    else break;
  }
  return e;
}

/**
 * Finds `scheme://host` and `www.host` URLs. `raw` and `map` are the text before
 * normalisation and normalize()'s offset map (null when the text was not changed): a URL
 * ends where the raw run of URL characters ends, so an encoded space never ends it.
 */
export function detectUrls(ctx: TextCtx, raw = "", map: Int32Array | null = null): void {
  rawText = raw;
  rawMap = map;
  try {
    findUrls(ctx);
  } finally {
    rawText = "";
    rawMap = null;
  }
}

function findUrls(ctx: TextCtx): void {
  const { t, n } = ctx;
  let p = t.indexOf("://");
  let covered = 0;
  while (p >= 0) {
    let s = p;
    while (s > 0 && p - s < 16) {
      const c = t.charCodeAt(s - 1);
      if (isAlnum(c) || c === 43 || c === 45 || c === 46) s--;
      else break;
    }
    while (s < p && !isAsciiLetter(t.charCodeAt(s))) s++;
    if (s < p && s >= covered) {
      const e = urlEnd(t, n, s, p + 3, false);
      if (e > p + 3) {
        hit(ctx, s, e, "URL");
        covered = e;
        p = t.indexOf("://", e);
        continue;
      }
    }
    p = t.indexOf("://", p + 3);
  }
  let w = t.indexOf("www.");
  while (w >= 0) {
    const before = w === 0 ? 32 : t.charCodeAt(w - 1);
    if (w >= covered && !isAlnum(before) && before !== 47 && before !== 46) {
      const e = urlEnd(t, n, w, w, true);
      // "www." plus at least "x.yz".
      if (e >= w + 8 && !isDigit(t.charCodeAt(w + 4))) {
        hit(ctx, w, e, "URL");
        covered = e;
        w = t.indexOf("www.", e);
        continue;
      }
    }
    w = t.indexOf("www.", w + 4);
  }
}
