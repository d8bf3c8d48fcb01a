/**
 * Two forms the token rules do not read, found from one native search per text:
 *
 * - e-mail addresses written to dodge a harvester: `jane.doe [at] example [dot] org`,
 *   `jane(at)example(dot)org`, `jane{at}example.org`, and with bare words
 *   `jane at example dot org` (bare only when every separator after the `at` is the word `dot`
 *   and the last label is a common top-level domain: prose says "at" and "dot" too);
 * - a lower-case dictionary name right after `patient` or `pt` (`patient jane doe`,
 *   `pt: john smith`): a first name that is no everyday word, then a surname if one follows;
 *   and lower-case dictionary names joined to a title or to `patient`/`pt` by '-', '_' or '.'
 *   (`dr-john-smith`, `patient_jane_doe`, `/blog/mrs.jane.doe`).
 *
 * The search is one linear regex of literal alternatives (no nested quantifier); each match
 * reads a bounded window around it (64 characters of local part, 253 of domain).
 */
import { hit, type TextCtx } from "../context.ts";
import {
  flagsAt,
  W_AMBIGUOUS,
  W_COMMON,
  W_FIRST,
  W_LAST,
  W_NOT_NAME,
  W_TRIGGER,
} from "../word_table.ts";

/**
 * Where one of the forms may start: a bracketed `at` (`[at]`, `( at )`), the word `dot`,
 * `patient`/`pt` (before a `_` too: `patient_jane_doe`), a title joined to a lower-case word by
 * '-', '_' or '.' (`dr-john-smith`), the dot of a common top-level domain (BARE_TLDS in lower
 * case: where `jane at example.org` ends; the word `at` is in every other sentence, and a native
 * search for ` at ` of its own cost about four times as much as this alternative); the case variants written out (a case-insensitive search cost about three
 * times as much), the word starts under one `\b` (a `\b` per form made the search about a fifth slower).
 */
const CANDIDATE =
  /[[({] {0,2}(?:at|AT) {0,2}[\])}]|\b(?:(?:dot|DOT)\b|(?:[Pp](?:atien)?t|PATIENT|PT)(?![0-9A-Za-z])|(?:[Dd]r|[Mm](?:rs?|s|x|iss)|[Pp]rof)[-_.](?=[a-z]))|\.(?:com|org|net|edu|gov|mil|io|co|us|uk|ca|de|fr|au|info|biz|me)\b/g;

/**
 * What a text holding an HL7 segment (`|`, a header with another separator), an X12 segment
 * (`*`, an ISA header) or a DICOM attribute (a tag of group 0008 or 0010, a keyword) must
 * contain (text.ts runs those detectors only then).
 */
export const STRUCTURED = /[|*]|MSH|ISA|[("]00|Patient|Study|Accession|Physician/;

/**
 * CANDIDATE and STRUCTURED in one search: a text that needs both is read once (as two
 * regexes over every text, the scan of the presidio texts took about 3% longer). Leftmost
 * matches with the candidates first find the same candidates as CANDIDATE alone: no
 * candidate starts inside a STRUCTURED match (`|`, `*`, `MSH`, `ISA`, `(00`, `"00`,
 * `Patient`, `Study`, `Accession`, `Physician`), and `Patient` as a candidate is a
 * STRUCTURED match too.
 */
const CANDIDATE_OR_STRUCTURED = new RegExp(`${CANDIDATE.source}|${STRUCTURED.source}`, "g");

/** True when the match m of CANDIDATE_OR_STRUCTURED is one of STRUCTURED. */
function structuredMatch(m: string, c: number): boolean {
  if (m.length === 1 || m === "Patient") return true;
  if (c === 91 || c === 123) return false;
  // `(at)` is a candidate, `(00` is not.
  if (c === 40) return m.length === 3;
  // `.org` is a candidate.
  if (c === 46) return false;
  // `dot`, `pt`, `patient`, `dr-`, `prof-` and their case forms are candidates; `Physician`
  // is not.
  if (c === 100 || c === 68 || c === 112 || c === 80) return m === "Physician";
  // `mr-`, `Mrs_`, `ms.` are candidates; `MSH` is not.
  if (c === 109) return false;
  if (c === 77) return m === "MSH";
  return true;
}

/** Top-level domains the bare form takes (`jane at example dot org`). */
const BARE_TLDS = new Set([
  "com",
  "org",
  "net",
  "edu",
  "gov",
  "mil",
  "io",
  "co",
  "us",
  "uk",
  "ca",
  "de",
  "fr",
  "au",
  "info",
  "biz",
  "me",
]);

const isLocal = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 ||
  c === 95 || c === 45 || c === 43 || c === 37;
const isLabel = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45;
const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isLower = (c: number) => c >= 97 && c <= 122;

/** How an address is written: brackets, bare words (` dot `), a bare `at` and a dotted domain. */
const BRACKETS = 0;
const BARE_WORDS = 1;
const BARE_DOTTED = 2;

/**
 * The end of a `(dot)`, `[dot]`, `{dot}` (up to two spaces inside the brackets: `[ dot ]`) or
 * ` dot ` separator at i (spaces around), or -1.
 */
function dotSep(t: string, i: number, bareOnly: boolean): number {
  let k = i;
  while (k < t.length && k - i < 3 && t.charCodeAt(k) === 32) k++;
  const spaced = k > i;
  const o = t.charCodeAt(k);
  const bracket = o === 91 || o === 40 || o === 123;
  if (bareOnly && bracket) return -1;
  if (!bracket && !spaced) return -1;
  let w = bracket ? k + 1 : k;
  if (bracket) { while (w - k <= 2 && t.charCodeAt(w) === 32) w++; }
  if (
    (t.charCodeAt(w) | 32) !== 100 || (t.charCodeAt(w + 1) | 32) !== 111 ||
    (t.charCodeAt(w + 2) | 32) !== 116
  ) return -1;
  let e = w + 3;
  if (bracket) {
    const d = e;
    while (e - d < 2 && t.charCodeAt(e) === 32) e++;
    const c = t.charCodeAt(e);
    if (c !== 93 && c !== 41 && c !== 125) return -1;
    e++;
  } else if (isLabel(t.charCodeAt(e))) return -1;
  const s = e;
  while (e < t.length && e - s < 3 && t.charCodeAt(e) === 32) e++;
  if (!bracket && e === s) return -1;
  return e;
}

/**
 * The end of the domain starting at i (labels joined by `.` or a dot separator, the last
 * alphabetic and 2-24 long, 2+ labels), or -1. BARE_WORDS: only ` dot ` joins; BARE_DOTTED:
 * only `.` joins; both common TLDs only.
 */
function domainEnd(t: string, i: number, mode: number): number {
  const bare = mode !== BRACKETS;
  let k = i;
  let labels = 0;
  let lastStart = i;
  let end = -1;
  while (k < t.length && k - i <= 253) {
    const s = k;
    while (k < t.length && k - s < 63 && isLabel(t.charCodeAt(k))) k++;
    if (k === s) break;
    labels++;
    lastStart = s;
    end = k;
    if (mode !== BARE_WORDS && t.charCodeAt(k) === 46 && isLabel(t.charCodeAt(k + 1))) {
      k++;
      continue;
    }
    if (mode === BARE_DOTTED) break;
    const next = dotSep(t, k, bare);
    if (next < 0 || !isLabel(t.charCodeAt(next))) break;
    k = next;
  }
  if (labels < 2) return -1;
  const len = end - lastStart;
  if (len < 2 || len > 24) return -1;
  for (let q = lastStart; q < end; q++) if (!isLetter(t.charCodeAt(q))) return -1;
  if (bare && !BARE_TLDS.has(t.slice(lastStart, end).toLowerCase())) return -1;
  return end;
}

/** The start of the local part ending at e (1-64 local characters, a letter or digit first), or -1. */
function localStart(t: string, e: number): number {
  let s = e;
  while (s > 0 && e - s < 64 && isLocal(t.charCodeAt(s - 1))) s--;
  while (s < e && !isLabel(t.charCodeAt(s))) s++;
  return s < e ? s : -1;
}

/** An obfuscated address around the separator [as, ae) (`[at]` or the word `at`). */
function addressAt(ctx: TextCtx, as: number, ae: number, mode: number): number {
  const t = ctx.t;
  const bare = mode !== BRACKETS;
  let le = as;
  while (le > 0 && as - le < 3 && t.charCodeAt(le - 1) === 32) le--;
  if (bare && le === as) return -1;
  const s = localStart(t, le);
  if (s < 0 || (bare && s > 0 && isLocal(t.charCodeAt(s - 1)))) return -1;
  if (mode === BARE_DOTTED && !mailboxLike(t, s, le)) return -1;
  let d = ae;
  while (d < t.length && d - ae < 3 && t.charCodeAt(d) === 32) d++;
  if (bare && d === ae) return -1;
  const e = domainEnd(t, d, mode);
  if (e < 0) return -1;
  hit(ctx, s, e, "EMAIL");
  return e;
}

/** A bare-word address whose first ` dot ` starts at dot: its ` at ` is right before the label. */
function bareAddressAt(ctx: TextCtx, dot: number): number {
  const t = ctx.t;
  let k = dot;
  while (k > 0 && dot - k < 3 && t.charCodeAt(k - 1) === 32) k--;
  const labelEnd = k;
  while (k > 0 && labelEnd - k < 63 && isLabel(t.charCodeAt(k - 1))) k--;
  if (k === labelEnd) return -1;
  const labelStart = k;
  while (k > 0 && labelStart - k < 3 && t.charCodeAt(k - 1) === 32) k--;
  if (k === labelStart || k < 2) return -1;
  if ((t.charCodeAt(k - 1) | 32) !== 116 || (t.charCodeAt(k - 2) | 32) !== 97) return -1;
  if (k >= 3 && isLabel(t.charCodeAt(k - 3))) return -1;
  return addressAt(ctx, k - 2, k, BARE_WORDS);
}

/** Flags that make a lower-case word no name part (joined to a title, a bare mailbox). */
const NOT_PART = W_COMMON | W_NOT_NAME | W_TRIGGER;

/**
 * Whether the local part [s, e) before a bare `at` reads as a mailbox, not as a word of prose
 * ("meet at home.com", "works at acme.com", "node.js at example.com"): a dictionary first or
 * last name that is no everyday word, cue or month (`jane`, `jane42`), or parts joined by `.`,
 * `_`, `-` or `+`, each letters then digits, one of them a dictionary name that is no cue or
 * month (`jane.doe`, `j.smith`, `john_smith+clinic`; `v2.3`, `app.js`, `node.js` are none).
 */
function mailboxLike(t: string, s: number, e: number): boolean {
  let named = false;
  let p = s;
  while (p < e) {
    const ls = p;
    while (p < e && isLetter(t.charCodeAt(p))) p++;
    if (p === ls) return false;
    const le = p;
    while (p < e && t.charCodeAt(p) >= 48 && t.charCodeAt(p) <= 57) p++;
    const c = t.charCodeAt(p);
    if (p < e && c !== 46 && c !== 95 && c !== 45 && c !== 43) return false;
    const f = flagsAt(t, ls, le);
    if ((f & (W_FIRST | W_LAST)) !== 0 && (f & NOT_PART) === 0) {
      // One word alone must be no everyday word either (`mark`, `will`, `bill` are).
      if ((f & W_AMBIGUOUS) === 0 || ls > s || p < e) named = true;
    }
    p++;
  }
  return named;
}

/** The domain start found for the last `.tld` candidate of the text, and that candidate's dot. */
let memoDot = -1;
let memoStart = -1;

/**
 * A bare-`at` address whose domain holds the `.` of a common top-level domain at dot
 * (`jane at example.org`, `john.smith at mail.example.co.uk`): the domain read back from the
 * dot (once over a run of dotted labels: the start found from a `.tld` candidate before it in
 * the same run is reused), then ` at ` and a mailbox-like local part before it. Returns the
 * end, or -1.
 */
function dottedAddressAt(ctx: TextCtx, dot: number): number {
  const t = ctx.t;
  let k = dot;
  while (k > 0 && dot - k < 253) {
    const c = t.charCodeAt(k - 1);
    if (!isLabel(c) && c !== 46) break;
    k--;
    if (k === memoDot) {
      k = memoStart;
      break;
    }
  }
  memoDot = dot;
  memoStart = k;
  if (k === dot || !isLabel(t.charCodeAt(k)) || k < 4 || t.charCodeAt(k - 1) !== 32) return -1;
  const ds = k;
  while (k > 0 && ds - k < 3 && t.charCodeAt(k - 1) === 32) k--;
  if (k < 3 || (t.charCodeAt(k - 1) | 32) !== 116 || (t.charCodeAt(k - 2) | 32) !== 97) return -1;
  if (t.charCodeAt(k - 3) !== 32) return -1;
  return addressAt(ctx, k - 2, k, BARE_DOTTED);
}

/** Flags that make a lower-case word after the cue no name. */
const NOT_FIRST = W_AMBIGUOUS | W_COMMON | W_NOT_NAME | W_TRIGGER;

/**
 * A lower-case name joined to the title or cue [cs, j) by the '-', '_' or '.' at j, as a slug,
 * a file name or an identifier writes it (`dr-john-smith`, `mrs.jane.doe`,
 * `patient_jane_doe`, `/blog/dr-maria-garcia`): two or three parts, each joined by one of
 * those characters, each 2-24 lower-case letters (the first 3+), a dictionary first or last
 * name that is no everyday word, cue or month (an ambiguous one such as `smith` or `maria`
 * counts when another part is none), not glued to a digit or a capital. One part alone is no
 * name here: `dr-london`, `dr-austin-failover`, `ms.max`, `pt_min` are disaster-recovery sites,
 * metric names and point sizes. A title is taken with the name (as `Dr-John-Smith` is), a cue
 * is left as it is.
 */
function joinedLowerName(ctx: TextCtx, cs: number, j: number, title: boolean): void {
  const t = ctx.t;
  let p = j + 1;
  let parts = 0;
  let strong = false;
  let end = -1;
  while (parts < 3) {
    const s = p;
    while (p < t.length && p - s < 24 && isLower(t.charCodeAt(p))) p++;
    const c = t.charCodeAt(p);
    if (p - s < (parts === 0 ? 3 : 2) || isLetter(c) || (c >= 48 && c <= 57)) break;
    const f = flagsAt(t, s, p);
    if ((f & (W_FIRST | W_LAST)) === 0 || (f & NOT_PART) !== 0) break;
    if ((f & W_AMBIGUOUS) === 0) strong = true;
    parts++;
    end = p;
    if ((c !== 45 && c !== 95 && c !== 46) || !isLower(t.charCodeAt(p + 1))) break;
    p++;
  }
  if (parts < 2 || !strong) return;
  hit(ctx, title ? cs : j + 1, end, "PERSON_NAME");
}

/**
 * A lower-case dictionary name right after the cue [cs, ce) (`patient jane doe`), or joined to
 * it (`patient_jane_doe`, see joinedLowerName).
 */
function lowerNameAfter(ctx: TextCtx, cs: number, ce: number): void {
  const t = ctx.t;
  let k = ce;
  const j = t.charCodeAt(k);
  if ((j === 45 || j === 95 || j === 46) && isLower(t.charCodeAt(k + 1))) {
    joinedLowerName(ctx, cs, k, false);
    return;
  }
  const p = t.charCodeAt(k);
  if (p === 58 || p === 46) k++;
  const sp = k;
  while (k < t.length && k - sp < 3 && t.charCodeAt(k) === 32) k++;
  if (k === sp) return;
  const s = k;
  while (k < t.length && k - s < 24 && isLower(t.charCodeAt(k))) k++;
  if (k - s < 3 || isLabel(t.charCodeAt(k)) || t.charCodeAt(k) === 95) return;
  const f1 = flagsAt(t, s, k);
  if ((f1 & W_FIRST) === 0 || (f1 & NOT_FIRST) !== 0) return;
  let e = k;
  if (t.charCodeAt(k) === 32) {
    const s2 = k + 1;
    let q = s2;
    while (q < t.length && q - s2 < 24 && isLower(t.charCodeAt(q))) q++;
    if (q - s2 >= 2 && !isLabel(t.charCodeAt(q)) && t.charCodeAt(q) !== 95) {
      const f2 = flagsAt(t, s2, q);
      if ((f2 & W_LAST) !== 0 && (f2 & (W_COMMON | W_NOT_NAME | W_TRIGGER)) === 0) e = q;
    }
  }
  hit(ctx, s, e, "PERSON_NAME");
}

/**
 * Finds the forms above in ctx.t as hits (normalised offsets). With `structured`, returns
 * STRUCTURED.test(ctx.t), found by the same search; otherwise false.
 */
export function detectObfuscated(ctx: TextCtx, structured: boolean): boolean {
  const t = ctx.t;
  let re = structured ? CANDIDATE_OR_STRUCTURED : CANDIDATE;
  re.lastIndex = 0;
  memoDot = -1;
  let found = false;
  // An address skipped over may hold a STRUCTURED match: then test the text apart.
  let skipped = false;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    const s = m.index;
    const c = t.charCodeAt(s);
    if (re !== CANDIDATE && structuredMatch(m[0], c)) {
      found = true;
      // The rest of the text is searched for candidates only.
      const at = re.lastIndex;
      re = CANDIDATE;
      re.lastIndex = at;
      // `Patient` is a candidate too.
      if (m[0] !== "Patient") continue;
    }
    const e = s + m[0].length;
    let end = -1;
    if (c === 91 || c === 40 || c === 123) end = addressAt(ctx, s, e, BRACKETS);
    else if (ctx.technical) continue;
    else if (c === 46) end = dottedAddressAt(ctx, s);
    else if (isLetter(t.charCodeAt(e - 1))) {
      if ((c | 32) === 100) end = bareAddressAt(ctx, s);
      else lowerNameAfter(ctx, s, e);
    } else joinedLowerName(ctx, s, e - 1, true);
    if (end > 0) {
      re.lastIndex = end;
      if (!found) skipped = true;
    }
  }
  if (structured && !found && skipped) found = STRUCTURED.test(t);
  return found;
}
