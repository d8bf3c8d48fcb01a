/**
 * Browser User-Agent strings (`Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36
 * (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36`): product tokens and comments that the
 * value rules read as PHI (`Macintosh` a surname, `OS X 10` an address, `Chrome/120.0.0.0` an
 * IPv4 address, `Chrome/120.0.6099.144` a phone). A User-Agent is logged with every request, so
 * these false findings would redact most access logs. A hit wholly inside one is dropped only
 * when it is one of those words or versions (productWords(): listed browser products and
 * platform words, known platform shapes); what stands beside it (a client address, a name after
 * it) and whatever else is written into one (a name after a cue, `dob/1955-03-02`, base64 of a
 * name, an e-mail, an SSN) are read as before.
 *
 * A User-Agent here is RFC 9110's grammar from a `Mozilla/` or `Dalvik/` product on: product
 * tokens (`name/version`) and parenthesised comments separated by spaces, with at least one
 * comment. A word without a version (`Mobile` in `Mobile Safari/537.36`) belongs to it only
 * when a product or comment follows, so words after the string (`… Safari/537.36 Jane Doe`)
 * stay outside.
 */
import type { TextCtx } from "../context.ts";
import type { PhiType } from "../types.ts";

/** Products a browser or Android User-Agent starts with. */
const LEADS = ["Mozilla/", "Dalvik/"];

/** Longest comment read: a browser's is under 100 characters. */
const MAX_COMMENT = 256;

const isTokenChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 ||
  c === 95 || c === 45;

/** End of the product name or version starting at p (p when there is none). */
function tokenEnd(t: string, p: number): number {
  let q = p;
  while (q < t.length && (isTokenChar(t.charCodeAt(q)) || (q > p && t.charCodeAt(q) === 43))) q++;
  return q;
}

/** End of the comment `(…)` starting at p, or -1 (no ')' on its line within MAX_COMMENT). */
function commentEnd(t: string, p: number): number {
  for (let q = p + 1; q < t.length && q - p <= MAX_COMMENT; q++) {
    const c = t.charCodeAt(q);
    if (c === 41) return q + 1;
    if (c === 40 || c === 10 || c === 13 || c === 34) return -1;
  }
  return -1;
}

/**
 * Where userAgentEnd() stopped reading. When it found no User-Agent, no lead before this point
 * starts one either: the tokens after it are the same, still without a comment (so a text of
 * `Mozilla/5.0 A/1 Mozilla/5.0 A/1 …` is read once, not from every lead).
 */
let readTo = 0;

/** End of the User-Agent whose lead product starts at p, or -1 when none starts there. */
function userAgentEnd(t: string, p: number): number {
  readTo = p + 1;
  const name = tokenEnd(t, p);
  const version = tokenEnd(t, name + 1);
  if (version === name + 1) return -1;
  let end = version;
  let q = version;
  let comments = 0;
  while (q < t.length) {
    let r = q;
    while (r < t.length && t.charCodeAt(r) === 32) r++;
    if (r === q) break;
    if (t.charCodeAt(r) === 40) {
      const c = commentEnd(t, r);
      if (c < 0) break;
      comments++;
      q = end = c;
      continue;
    }
    const c = t.charCodeAt(r);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90))) break;
    const n = tokenEnd(t, r);
    if (t.charCodeAt(n) === 47) {
      const v = tokenEnd(t, n + 1);
      if (v === n + 1) break;
      q = end = v;
    } else q = n;
  }
  readTo = q > readTo ? q : readTo;
  return comments > 0 ? end : -1;
}

/** The User-Agents of the text being read: starts and ends, in text order (reused). */
const starts: number[] = [];
const ends: number[] = [];

/** Drops ctx's hits that lie wholly inside a User-Agent in its text. */
export function dropUserAgentHits(ctx: TextCtx): void {
  const t = ctx.t;
  // Every lead ends in '/': one search for the first slash turns away most texts (a third of
  // the cost of searching for each lead).
  const slash = t.indexOf("/");
  if (slash < 0) return;
  starts.length = 0;
  ends.length = 0;
  for (const lead of LEADS) {
    let from = slash - lead.length + 1;
    if (from < 0) continue;
    for (;;) {
      const p = t.indexOf(lead, from);
      if (p < 0) break;
      // The lead product starts a token (`XMozilla/` is another product).
      const before = p === 0 ? 32 : t.charCodeAt(p - 1);
      const end = isTokenChar(before) ? -1 : userAgentEnd(t, p);
      if (end < 0) {
        from = readTo > p + 1 ? readTo : p + 1;
        continue;
      }
      // A `Dalvik/` string inside a `Mozilla/` one is read again; its range lies inside.
      starts.push(p);
      ends.push(end);
      from = end;
    }
  }
  if (starts.length === 0) return;
  if (starts.length > 1) sortRanges();
  let kept = 0;
  for (let k = 0; k < ctx.count; k++) {
    const s = ctx.hs[k]!;
    const e = ctx.he[k]!;
    // The last User-Agent starting at or before the hit: the only one that can hold it, as
    // the ranges do not overlap (one inside another is held by the outer one too).
    let lo = 0;
    let hi = starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= s) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at >= 0 && e <= ends[at]! && productWords(t, starts[at]!, s, e, ctx.ht[k]!)) continue;
    ctx.hs[kept] = s;
    ctx.he[kept] = e;
    ctx.ht[kept] = ctx.ht[k]!;
    kept++;
  }
  ctx.count = kept;
}

/**
 * The words of browser and platform products that the value rules read as a name or a place
 * (`Macintosh` a surname). Closed: a word not listed here stays found. None is 12 characters
 * or longer, so none is a base64 segment (those are reported with the decoded text's types):
 * a hit from decoded base64 is never dropped.
 */
const PRODUCT_WORDS = new Set([
  "Macintosh",
  "Mac",
  "Intel",
  "PPC",
  "Gecko",
  "KHTML",
  "like",
  "Safari",
  "Chrome",
  "Chromium",
  "Firefox",
  "Windows",
  "Win64",
  "Win32",
  "WOW64",
  "Linux",
  "Android",
  "iPhone",
  "iPad",
  "iPod",
  "Ubuntu",
  "Fedora",
  "Debian",
  "X11",
  "CrOS",
  "Mobile",
  "Version",
  "AppleWebKit",
  "Mozilla",
  "Dalvik",
  "Edge",
  "Edg",
  "EdgA",
  "EdgiOS",
  "Opera",
  "OPR",
  "CriOS",
  "FxiOS",
  "Trident",
  "Presto",
  "Build",
  "CPU",
  "OS",
  "NT",
  "U",
  "rv",
  "wv",
  "x64",
  "x86_64",
  "arm64",
  "Tablet",
  "Touch",
  "Wayland",
  "Vivaldi",
  "YaBrowser",
  "Silk",
  "Kindle",
  "Tizen",
  "KaiOS",
  "Pixel",
]);

/** Products whose `name/version` a browser writes (`Chrome/120.0.0.0`, read as an IP). */
const VERSIONED_PRODUCTS = new Set([
  "Mozilla",
  "Dalvik",
  "AppleWebKit",
  "Gecko",
  "Safari",
  "Chrome",
  "Chromium",
  "Firefox",
  "Version",
  "Mobile",
  "Edge",
  "Edg",
  "EdgA",
  "EdgiOS",
  "OPR",
  "Opera",
  "CriOS",
  "FxiOS",
  "Trident",
  "Presto",
  "SamsungBrowser",
  "YaBrowser",
  "Vivaldi",
  "HeadlessChrome",
  "Silk",
  "UCBrowser",
  "Electron",
  "Goanna",
  "Build",
  "rv",
]);

/**
 * A platform as a comment entry writes it (`Intel Mac OS X 10_15_7`, `Windows NT 10.0`,
 * `Android 14`, `CPU iPhone OS 17_1_2 like Mac OS X`): `OS X 10` reads as an address.
 */
const PLATFORM =
  /^(?:(?:Intel |PPC )?Mac OS X(?: [\d_.]+)?|(?:CPU (?:iPhone )?OS [\d_]+ like Mac OS X)|Windows NT [\d.]+|Windows Phone [\d.]+|Android [\d.]+|CrOS \w+ [\d.]+|Linux(?: x86_64| i686| armv\w+| aarch64)?)$/;

/**
 * Whether a hit [s, e) of `type` inside the User-Agent starting at `ua` is what its products
 * and platform read as, and only that:
 * - a date, phone or IP address: a version of digits and dots right after the `/` of a
 *   browser product (VERSIONED_PRODUCTS) in product position, not inside a comment
 *   (`Chrome/120.0.0.0`); or a version inside a comment entry that is a platform (PLATFORM);
 * - a name, a place or a nationality: one listed word (PRODUCT_WORDS), with only listed
 *   words, versions and separators before it in its comment entry or product list (no cue:
 *   `patient: Macintosh` is a name);
 * - an address: inside a comment entry that is a platform (`Mac OS X 10_15_7`).
 * Anything else (a date after `dob/`, a name after a cue, a street, base64 of PHI) is no part
 * of a browser's User-Agent and stays found: every rule asks for words and shapes a base64
 * segment cannot have.
 */
function productWords(t: string, ua: number, s: number, e: number, type: PhiType): boolean {
  switch (type) {
    case "IP_ADDRESS":
    case "PHONE":
    case "DATE": {
      if (!digitsAndDots(t, s, e)) return false;
      const entry = commentEntry(t, ua, s);
      if (entry !== null) return PLATFORM.test(t.slice(entry[0], entry[1]).trim());
      if (t.charCodeAt(s - 1) !== 47) return false;
      let p = s - 1;
      while (p > ua && s - p <= 32 && isTokenChar(t.charCodeAt(p - 1))) p--;
      return VERSIONED_PRODUCTS.has(t.slice(p, s - 1));
    }
    case "PERSON_NAME":
    case "LOCATION":
    case "NATIONALITY":
    case "ZIP_CODE":
      return PRODUCT_WORDS.has(t.slice(s, e)) && onlyProductWordsBefore(t, ua, s);
    case "STREET_ADDRESS": {
      const entry = commentEntry(t, ua, s);
      return entry !== null && e <= entry[1] && PLATFORM.test(t.slice(entry[0], entry[1]).trim());
    }
    default:
      return false;
  }
}

/** Whether [s, e) is digits and dots only (`120.0.0.0`), at least one digit. */
function digitsAndDots(t: string, s: number, e: number): boolean {
  if (e <= s) return false;
  for (let p = s; p < e; p++) {
    const c = t.charCodeAt(p);
    if (!((c >= 48 && c <= 57) || c === 46)) return false;
  }
  return true;
}

/**
 * The comment entry holding offset s (between `(` or `;` and `;` or `)`), or null when s is
 * in product position. Comments hold no parenthesis and are at most MAX_COMMENT characters:
 * the nearest one before s tells, read back at most that far (a User-Agent of thousands of
 * products costs a bounded read a hit).
 */
function commentEntry(t: string, ua: number, s: number): [number, number] | null {
  let from = -1;
  for (let p = s - 1; p >= ua && s - p <= MAX_COMMENT; p--) {
    const c = t.charCodeAt(p);
    if (c === 41) return null;
    if (c === 59 && from < 0) from = p + 1;
    if (c === 40) {
      if (from < 0) from = p + 1;
      let to = s;
      while (to < t.length && t.charCodeAt(to) !== 59 && t.charCodeAt(to) !== 41) to++;
      return [from, to];
    }
  }
  return null;
}

/**
 * Whether only listed product words, versions (`Name/1.2`, `10_15_7`), spaces and the
 * separators `(`, `)`, `;`, `,` stand between the User-Agent's lead and s, back to the start
 * of s's comment entry or to the last comment before s in product position: a cue word
 * (`patient`, `name=`) before a listed word makes it a name again.
 */
function onlyProductWordsBefore(t: string, ua: number, s: number): boolean {
  let p = s;
  // Bounded like a comment: a longer run of words before s keeps the hit.
  while (p > ua && s - p <= MAX_COMMENT) {
    const c = t.charCodeAt(p - 1);
    if (c === 40 || c === 59 || c === 41) return true;
    if (c === 32 || c === 44) {
      p--;
      continue;
    }
    if (!isTokenChar(c) && c !== 47) return false;
    let q = p;
    while (q > ua && (isTokenChar(t.charCodeAt(q - 1)) || t.charCodeAt(q - 1) === 47)) q--;
    const word = t.slice(q, p);
    const slash = word.indexOf("/");
    const name = slash < 0 ? word : word.slice(0, slash);
    // A version alone (`10_15_7`, `14.1`), a listed word or a listed product's version.
    if (!(/^[\d_.]+$/.test(name) || PRODUCT_WORDS.has(name) || VERSIONED_PRODUCTS.has(name))) {
      return false;
    }
    p = q;
  }
  return p <= ua;
}

/** Sorts the ranges by start, dropping one that lies inside another. */
function sortRanges(): void {
  const order = starts.map((_, k) => k).sort((a, b) =>
    starts[a]! - starts[b]! || ends[b]! - ends[a]!
  );
  const s: number[] = [];
  const e: number[] = [];
  for (const k of order) {
    if (e.length > 0 && ends[k]! <= e[e.length - 1]!) continue;
    s.push(starts[k]!);
    e.push(ends[k]!);
  }
  starts.length = 0;
  ends.length = 0;
  starts.push(...s);
  ends.push(...e);
}
