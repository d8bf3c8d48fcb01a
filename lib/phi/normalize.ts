/**
 * Normalisation before matching: NFKC per code point (full-width digits, odd hyphens and
 * spaces), zero-width characters stripped, percent-escapes, HTML entities and JSON string
 * escapes (`\n`, `\u00e9`, in text that went through JSON.stringify) decoded, and a '+' that
 * is a form-encoded space (`name=Mary+Smith`) read as one.
 * The result keeps, for every normalised character, the offset it came from, so a match in
 * the normalised text redacts the right characters of the original.
 */

import { C_B64, C_DIGIT, C_LETTER, CLS, isDigit, isLowerAscii, isUpperAscii } from "./chars.ts";

export interface Normalized {
  text: string;
  /** map[i] = offset in the original of normalised char i; map[text.length] = original length. Null when identical. */
  map: Int32Array | null;
}

const ZERO_WIDTH = new Set([
  0x00ad,
  0x034f,
  0x061c,
  0x115f,
  0x1160,
  0x17b4,
  0x17b5,
  0x180e,
  0x200b,
  0x200c,
  0x200d,
  0x200e,
  0x200f,
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2060,
  0x2061,
  0x2062,
  0x2063,
  0x2064,
  0xfeff,
]);

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  commat: "@",
  period: ".",
  hyphen: "-",
  dash: "-",
  // A space, not '-': an editor writes these dashes between phrases and ranges as well as
  // between digit groups, and as '-' they glued their neighbours into one token
  // (`j.doe@example.org&mdash;call` read `example.org-call`, `10.1.2.3&ndash;10.1.2.9` one
  // address). `536&ndash;22&ndash;1234` still reads as an SSN: its rules take a space between
  // the groups.
  ndash: " ",
  mdash: " ",
  minus: "-",
  plus: "+",
  lpar: "(",
  rpar: ")",
  colon: ":",
  sol: "/",
  num: "#",
  comma: ",",
  lowbar: "_",
};

const foldCache = new Map<number, string>();

/** The normalised form of one non-ASCII code point ("" when it is to be stripped). */
function foldCodePoint(cp: number): string {
  const cached = foldCache.get(cp);
  if (cached !== undefined) return cached;
  let out: string;
  if (ZERO_WIDTH.has(cp) || (cp >= 0xfe00 && cp <= 0xfe0f)) out = "";
  else if ((cp >= 0x2010 && cp <= 0x2015) || cp === 0x2212 || cp === 0x2043) out = "-";
  else if (cp === 0x2028 || cp === 0x2029 || cp === 0x0085) out = "\n";
  else {
    out = String.fromCodePoint(cp).normalize("NFKC");
    // NFKC keeps some spaces as themselves; any remaining Unicode space becomes ASCII space.
    if (/^\s$/u.test(out)) out = " ";
    // NFKC maps full-width and mathematical digits but not those of other scripts (Arabic-Indic
    // `٥٣٦`, Devanagari `५३६`): every decimal digit is read as its ASCII digit, so that the
    // digit rules see `SSN ٥٣٦-٢٢-١٢٣٤`.
    else if (DECIMAL_DIGIT.test(out)) {
      out = String.fromCharCode(48 + digitValue(out.codePointAt(0)!));
    } else if (out.length === 1 && out.charCodeAt(0) >= 0x2010 && out.charCodeAt(0) <= 0x2015) {
      out = "-";
    }
  }
  if (foldCache.size < 8192) foldCache.set(cp, out);
  return out;
}

/** One decimal digit (Unicode category Nd), of any script. */
const DECIMAL_DIGIT = /^\p{Nd}$/u;
const isDecimalDigit = (cp: number) => DECIMAL_DIGIT.test(String.fromCodePoint(cp));

/**
 * The value of the decimal digit cp. Unicode encodes each script's digits as a run of ten
 * code points from 0 to 9, and runs that touch (the mathematical digits) are whole runs of ten,
 * so the offset from the start of the contiguous run, modulo 10, is the value.
 */
function digitValue(cp: number): number {
  const known = digitValues.get(cp);
  if (known !== undefined) return known;
  let start = cp;
  while (cp - start < 60 && isDecimalDigit(start - 1)) start--;
  const value = (cp - start) % 10;
  digitValues.set(cp, value);
  return value;
}
/** Values of the digits met so far: at most the ~700 Nd code points, so no cap (foldCache's
 * can fill with other characters first). */
const digitValues = new Map<number, number>();

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** The byte the percent escape read last by percentAt() stands for. */
let percentByte = 0;

/**
 * Length of the percent escape at i that stands for a printable ASCII byte (in percentByte):
 * 3 for `%40`; 5 or 7 for an escape encoded again, `%2540` or `%252540` (`%25` is the '%' of
 * the inner escape: a value percent-encoded twice, as a URL inside a query string is). 0 when
 * there is none.
 */
function percentAt(s: string, i: number): number {
  const hi = hexValue(s.charCodeAt(i + 1));
  const lo = hexValue(s.charCodeAt(i + 2));
  if (hi < 0 || lo < 0) return 0;
  let byte = hi * 16 + lo;
  let length = 3;
  while (byte === 37 && length < 7) {
    const h = hexValue(s.charCodeAt(i + length));
    const l = hexValue(s.charCodeAt(i + length + 1));
    if (h < 0 || l < 0 || h * 16 + l < 32 || h * 16 + l >= 127) break;
    byte = h * 16 + l;
    length += 2;
  }
  if (byte < 32 || byte >= 127) return 0;
  percentByte = byte;
  return length;
}

/** The text the JSON escape read last by escapeAt() stands for. */
let escapeText = "";

/** Code unit of the 4 hex digits at i, or -1. */
function hex4(s: string, i: number): number {
  const a = hexValue(s.charCodeAt(i));
  const b = hexValue(s.charCodeAt(i + 1));
  const c = hexValue(s.charCodeAt(i + 2));
  const d = hexValue(s.charCodeAt(i + 3));
  return a < 0 || b < 0 || c < 0 || d < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

/**
 * The control character a JSON escape letter stands for (`n`, `r`, `t`, `b`, `f`), or "" for
 * any other character.
 */
export function controlEscape(letter: number): string {
  switch (letter) {
    case 110:
      return "\n";
    case 114:
      return "\r";
    case 116:
      return "\t";
    case 98:
      return "\b";
    case 102:
      return "\f";
  }
  return "";
}

/**
 * Length of the JSON string escape at i (s[i] is '\\'), its meaning in escapeText; 0 when
 * there is none. `\\n`, `\\r`, `\\t`, `\\b`, `\\f`, `\\"`, `\\/` and `\\uXXXX` (a surrogate
 * pair as one code point); also `\\\\n` and the other letter escapes with the backslash doubled:
 * a JSON string inside a JSON string, encoded twice. `\\\\` itself is left as it is.
 */
function escapeAt(s: string, i: number): number {
  let lead = 1;
  let c = s.charCodeAt(i + 1);
  if (c === 92) {
    lead = 2;
    c = s.charCodeAt(i + 2);
  }
  const control = controlEscape(c);
  if (control !== "") {
    escapeText = control;
    return lead + 1;
  }
  switch (c) {
    case 34:
    case 47:
      // A doubled backslash before a quote or slash is an escaped backslash, then the quote.
      if (lead === 2) return 0;
      escapeText = c === 34 ? '"' : "/";
      return 2;
    case 117: {
      const at = i + lead + 1;
      const unit = hex4(s, at);
      if (unit < 0) return 0;
      if (unit >= 0xd800 && unit < 0xdc00 && s.charCodeAt(at + 4) === 92) {
        // A surrogate pair: `\\ud83d\\ude00` (or both doubled).
        const next = at + 4 + lead;
        if (s.charCodeAt(next - 1) === 92 && s.charCodeAt(next) === 117) {
          const low = hex4(s, next + 1);
          if (low >= 0xdc00 && low < 0xe000) {
            escapeText = foldCodePoint(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
            return next + 5 - i;
          }
        }
      }
      escapeText = unit < 127
        ? String.fromCharCode(unit)
        : unit >= 0xd800 && unit < 0xe000
        ? String.fromCharCode(unit)
        : foldCodePoint(unit);
      return lead + 5;
    }
  }
  return 0;
}

/**
 * Where the escape of the run of backslashes starting at i stands: pairs of backslashes are
 * escaped backslashes, so the escape is made by the last one (an odd run) or the last two
 * (an even run, a doubled escape). Returns its start.
 */
function runEscapeStart(s: string, i: number): number {
  let e = i;
  while (s.charCodeAt(e) === 92) e++;
  const k = e - i;
  return k <= 2 ? i : e - (k & 1 ? 1 : 2);
}

const isAsciiAlnum = (c: number) => c < 128 && (CLS[c]! & (C_LETTER | C_DIGIT)) !== 0;
/** The base64 alphabet (standard and URL-safe) and '=': what a form-encoded value is made of. */
const isRunChar = (c: number) => c < 128 && (CLS[c]! & C_B64) !== 0;
/** The longest run plusAt() reads: a longer one is a blob, not a form value. */
const MAX_PLUS_RUN = 1024;

/**
 * A piece of a form value between its punctuation that reads as a word or number: digits,
 * or letters (`mary`, `Mary`, `MARY`, `McDonald`) then digits (`v2`). A base64 run mixes
 * cases at random (`eyJwYXRp`), and a '+' in it is part of the data.
 */
function wordPiece(s: string, a: number, b: number): boolean {
  let k = a;
  while (k < b && isUpperAscii(s.charCodeAt(k))) k++;
  const uppers = k - a;
  let m = k;
  while (m < b && isLowerAscii(s.charCodeAt(m))) m++;
  const lowers = m - k;
  k = m;
  // A second hump: Mc/Mac/De/Di + a capital (McDonald, DeShawn).
  if (uppers === 1 && lowers >= 1 && lowers <= 2 && k < b && isUpperAscii(s.charCodeAt(k))) {
    k++;
    const h = k;
    while (k < b && isLowerAscii(s.charCodeAt(k))) k++;
    if (k === h) return false;
  }
  while (k < b && isDigit(s.charCodeAt(k))) k++;
  return k === b;
}

/** The run plusAt() read last (in plusText): its bounds, first '=', '/' or '?', and whether its '+' are spaces. */
let plusText = "";
let plusStart = 0;
let plusEnd = 0;
let plusKey = -1;
let plusWords = false;

/** Reads the run of form-value characters around the '+' at i (see plusAt). */
function readPlusRun(s: string, i: number): void {
  let a = i;
  while (a > 0 && i - a < MAX_PLUS_RUN && isRunChar(s.charCodeAt(a - 1))) a--;
  let b = i + 1;
  while (b < s.length && b - i < MAX_PLUS_RUN && isRunChar(s.charCodeAt(b))) b++;
  plusText = s;
  plusStart = a;
  plusEnd = b;
  plusKey = a > 0 && s.charCodeAt(a - 1) === 63 ? a : -1;
  // A run cut short, or longer than the limit, is no form value: the same answer for every
  // '+' in it, wherever the reading started.
  plusWords = !(a > 0 && isRunChar(s.charCodeAt(a - 1))) && !isRunChar(s.charCodeAt(b)) &&
    b - a <= MAX_PLUS_RUN;
  for (let k = a; plusWords && k < b;) {
    const c = s.charCodeAt(k);
    if (!isAsciiAlnum(c)) {
      if (plusKey < 0 && (c === 61 || c === 47)) plusKey = k;
      k++;
      continue;
    }
    let e = k + 1;
    while (e < b && isAsciiAlnum(s.charCodeAt(e))) e++;
    if (!wordPiece(s, k, e)) plusWords = false;
    k = e;
  }
  // The local part of an e-mail address (`jane+tag@example.org`) keeps its '+', also when its
  // '@' is percent-encoded (`jane+doe%40example.org`, `%2540`): read as a space, the '+' would
  // cut the address and leave its first part outside the redaction.
  if (plusWords) {
    for (let k = b; k < s.length && k - b < 64; k++) {
      const c = s.charCodeAt(k);
      if (c === 64 || (c === 37 && encodedAtSign(s, k))) {
        plusWords = false;
        break;
      }
      if (!isRunChar(c) && c !== 46 && c !== 37) break;
    }
  }
}

/** True when the '%' at k starts an encoded '@': `%40`, or encoded again (`%2540`, `%252540`). */
function encodedAtSign(s: string, k: number): boolean {
  let j = k + 1;
  while (j - k < 16 && s.charCodeAt(j) === 50 && s.charCodeAt(j + 1) === 53) j += 2;
  return s.charCodeAt(j) === 52 && s.charCodeAt(j + 1) === 48;
}

/**
 * True when the '+' at i is a form-encoded space (`q=415+555+0132`, `name=Mary+Smith`,
 * `/patients/Mary+Smith`): between two letters or digits, after a '=', '/' or '?' in its run
 * of form-value characters, in a run whose pieces all read as words or numbers (a base64 run
 * keeps its '+', and so do `a+b`, `1+1=2`, `C++`, `+1 415…` and `jane+tag@…`).
 */
function plusAt(s: string, i: number): boolean {
  if (i === 0 || !isAsciiAlnum(s.charCodeAt(i - 1)) || !isAsciiAlnum(s.charCodeAt(i + 1))) {
    return false;
  }
  if (!(i >= plusStart && i < plusEnd && s === plusText)) readPlusRun(s, i);
  return plusWords && plusKey >= 0 && plusKey < i;
}

/** True when code unit c may change under normalisation (letters below U+2000 do not). */
export function foldable(c: number): boolean {
  if (c <= 126) return c === 37 || c === 38 || c === 92 || c === 43;
  return !(c < 0x2000 && (CLS[c]! & C_LETTER) !== 0);
}

/** True when the string needs the slow path: a foldable character, '%', '&', '\\' or '+'. */
function needsWork(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c > 126 || c === 37 || c === 38 || c === 92 || c === 43) && foldable(c)) return true;
  }
  return false;
}

/**
 * Decodes `&...;` at `i`: returns [decoded code point, length] or null. Numeric and a few
 * named entities only: enough to undo obfuscation such as `john&#64;example&period;com`.
 */
function decodeEntity(s: string, i: number): [number, number] | null {
  // The ';' within 12 characters, looked for there only: searching the rest of the text from
  // every '&' made a text of `&name=` pairs without a ';' quadratic (2 MB: 4 s, past any budget).
  let semi = -1;
  const last = Math.min(s.length, i + 13);
  for (let k = i + 1; k < last; k++) {
    if (s.charCodeAt(k) === 59) {
      semi = k;
      break;
    }
  }
  if (semi < 0) return null;
  const body = s.slice(i + 1, semi);
  if (body.charCodeAt(0) === 35) {
    const hex = body.charCodeAt(1) === 120 || body.charCodeAt(1) === 88;
    const digits = hex ? body.slice(2) : body.slice(1);
    if (digits.length === 0 || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return null;
    const cp = parseInt(digits, hex ? 16 : 10);
    if (!(cp > 0 && cp <= 0x10ffff)) return null;
    return [cp, semi - i + 1];
  }
  const named = NAMED_ENTITIES[body.toLowerCase()];
  return named === undefined ? null : [named.charCodeAt(0), semi - i + 1];
}

/**
 * True when the dash entity `&ndash;`/`&mdash;` at i (size characters) stands between two
 * digits inside a token a letter starts (`x536&ndash;22&ndash;1234`): the digit run before it
 * follows an ASCII letter, or follows another such dash that ended at `prevEnd`. Elsewhere
 * (`3&ndash;5`, `10.1.2.3&ndash;10.1.2.9`, `415-555-0132&ndash;…`) it stays a space.
 */
function gluedDigitDash(s: string, i: number, size: number, prevEnd: number): boolean {
  const name = s.charCodeAt(i + 1) | 32;
  if ((name !== 110 && name !== 109) || (s.charCodeAt(i + 2) | 32) !== 100) return false;
  if (!isDigit(s.charCodeAt(i + size))) return false;
  let k = i - 1;
  while (k >= 0 && i - k <= 8 && isDigit(s.charCodeAt(k))) k--;
  if (k === i - 1 || (k >= 0 && isDigit(s.charCodeAt(k)))) return false;
  if (k + 1 === prevEnd) return true;
  const c = s.charCodeAt(k) | 32;
  return k >= 0 && c >= 97 && c <= 122;
}

/**
 * True when normalize() would change the text at i (a '%' escape, an entity, a code point
 * that folds to something else): what its loop decides there, for a text that may need
 * no normalisation at all.
 */
export function changesAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (!foldable(c)) return false;
  if (c === 37) return percentAt(s, i) > 0;
  if (c === 38) return decodeEntity(s, i) !== null;
  if (c === 43) return plusAt(s, i);
  if (c === 92) {
    // Inside a run of backslashes the run's first one decides (normalize() reads runs whole).
    if (i > 0 && s.charCodeAt(i - 1) === 92) return false;
    return escapeAt(s, runEscapeStart(s, i)) > 0;
  }
  const cp = s.codePointAt(i)!;
  if (cp > 0xffff) return true;
  const folded = foldCodePoint(cp);
  return !(folded.length === 1 && folded.charCodeAt(0) === c);
}

const EMPTY = new Int32Array(0);

/** Normalises `s` for matching, keeping the offset map back to `s`. */
export function normalize(s: string): Normalized {
  if (!needsWork(s)) return { text: s, map: null };
  const n = s.length;
  let out = "";
  // Output can grow (NFKC expands ligatures and fractions); grow the map when it does. The
  // map is made at the first change: many texts that need a look (a '%', an '&', a '€')
  // come out unchanged, and then the original is returned with no map.
  let map = EMPTY;
  let length = 0;
  const ensure = (extra: number) => {
    if (length + extra + 1 > map.length) {
      const bigger = new Int32Array(Math.max(n + 16, (map.length + extra) * 2));
      bigger.set(map);
      map = bigger;
    }
  };
  const emit = (piece: string, origin: number) => {
    ensure(piece.length);
    out += piece;
    for (let k = 0; k < piece.length; k++) map[length++] = origin;
  };
  let runStart = 0;
  // Where the last dash entity read as '-' inside a token ended (see gluedDigitDash()).
  let lastGluedDash = -1;
  const flush = (end: number) => {
    if (end > runStart) {
      ensure(end - runStart);
      out += s.slice(runStart, end);
      for (let k = runStart; k < end; k++) map[length++] = k;
    }
  };
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (!foldable(c)) {
      i++;
      continue;
    }
    if (c === 37) {
      // ASCII escapes only: multi-byte UTF-8 escapes carry no identifier we match on.
      const length = percentAt(s, i);
      if (length > 0) {
        flush(i);
        emit(String.fromCharCode(percentByte), i);
        i += length;
        runStart = i;
      } else i++;
      continue;
    }
    if (c === 43) {
      if (plusAt(s, i)) {
        flush(i);
        emit(" ", i);
        runStart = i + 1;
      }
      i++;
      continue;
    }
    if (c === 92) {
      // A run of backslashes: its pairs are escaped backslashes, left as they are.
      const at = runEscapeStart(s, i);
      const length = escapeAt(s, at);
      if (length > 0) {
        flush(at);
        emit(escapeText, at);
        i = at + length;
        runStart = i;
      } else {
        i = at + 1;
        while (s.charCodeAt(i) === 92) i++;
      }
      continue;
    }
    if (c === 38) {
      const entity = decodeEntity(s, i);
      if (entity !== null) {
        const [cp, size] = entity;
        flush(i);
        if (cp === 32 && gluedDigitDash(s, i, size, lastGluedDash)) {
          // `x536&ndash;22&ndash;1234`: a dash inside a token glued to a letter joins its
          // digit groups, as a `-` or `&#8209;` there would.
          emit("-", i);
          lastGluedDash = i + size;
        } else emit(cp < 127 ? String.fromCharCode(cp) : foldCodePoint(cp), i);
        i += size;
        runStart = i;
      } else i++;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const folded = foldCodePoint(cp);
    if (width === 1 && folded.length === 1 && folded.charCodeAt(0) === c) {
      i++;
      continue;
    }
    flush(i);
    emit(folded, i);
    i += width;
    runStart = i;
  }
  if (map === EMPTY) return { text: s, map: null };
  flush(n);
  ensure(0);
  map[length] = n;
  return { text: out, map: map.subarray(0, length + 1) };
}
