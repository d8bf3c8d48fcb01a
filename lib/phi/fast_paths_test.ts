/**
 * The scanner's fast paths against the straightforward code they replaced: token arrays,
 * word reads from the lexer, in-place cue matching, hand-written base64 decoding and the
 * address-line punctuation scan must give the same answers on every input. Random inputs
 * from a fixed seed, drawn from pieces that hit the edge cases (joiners, possessives,
 * non-ASCII letters and capitals, escapes, window edges).
 */
import assert from "node:assert/strict";
import { C_DIGIT, C_LETTER, C_UPPER, CLS, isLetter } from "./chars.ts";
import { cueAfter, cueBefore, cueList, hasCue, windowAfter, windowBefore } from "./context.ts";
import {
  K_ASCII_WORD,
  K_DIGIT,
  K_LOWER,
  K_UPPER,
  Lexed,
  useLexer,
  wordAt,
  wordAtHash,
  X_AT,
  X_COLON,
  X_INTERESTING,
  X_NORMALIZE,
  X_WWW,
} from "./lexer.ts";
import { foldable } from "./normalize.ts";
import { decodePrintable } from "./detectors/base64.ts";
import { hasUrlOrPunctuation } from "./detectors/address.ts";
import { wordHash } from "./word_table.ts";

/** Mulberry32: a small seeded generator, so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "phone",
  "PHONE",
  "Tel",
  "tel.",
  " ",
  "  ",
  "\t",
  "\n",
  ",",
  ".",
  ":",
  "@",
  "%41",
  "&#64;",
  "-",
  "'",
  "\u2019",
  "'s",
  "O'Brien",
  "Garcia-Roberson",
  "driver's",
  "i'm",
  "ss#",
  "www.",
  "www",
  "wwwx.",
  "http",
  "https",
  "HTTPS://",
  "é",
  "É",
  "Ö",
  "ß",
  "Ω",
  "İ",
  "€",
  "\u00a0",
  "Krisztián",
  "ABC",
  "a1b2",
  "12",
  "1988",
  "415-555-0132",
  "x",
  "Lives At",
  "drops you off at",
  "residence",
  "social security",
  "tél",
  "TÉL",
  "\u200b",
  "+",
  "/",
  "=",
  "_",
  "face",
  "7",
];

function text(next: () => number, pieces: number): string {
  let s = "";
  for (let k = 0; k < pieces; k++) s += PIECES[Math.floor(next() * PIECES.length)]!;
  return s;
}

const alnum = (c: number) => c < 0x2000 && (CLS[c]! & (C_LETTER | C_DIGIT)) !== 0;

Deno.test("lexer: tokens, their leading letters, hashes and kinds match a character walk", () => {
  const next = random(7);
  const lx = new Lexed();
  for (let round = 0; round < 3000; round++) {
    const t = text(next, 1 + Math.floor(next() * 14));
    lx.lex(t);
    let k = 0;
    let i = 0;
    while (i < t.length) {
      if (!alnum(t.charCodeAt(i))) {
        i++;
        continue;
      }
      let e = i;
      while (e < t.length && alnum(t.charCodeAt(e))) e++;
      let le = i;
      while (le < e && (CLS[t.charCodeAt(le)]! & C_LETTER) !== 0) le++;
      const c = t.charCodeAt(i);
      const kind = (CLS[c]! & C_DIGIT) ? K_DIGIT : (CLS[c]! & C_UPPER) ? K_UPPER : K_LOWER;
      const ascii = /^[A-Za-z][a-z]*$/.test(t.slice(i, e));
      assert.equal(lx.start[k], i, JSON.stringify(t));
      assert.equal(lx.end[k], e, JSON.stringify(t));
      assert.equal(lx.lettersEnd[k], le, JSON.stringify(t));
      assert.equal(lx.kind[k]! & (K_DIGIT | K_UPPER | K_LOWER), kind, JSON.stringify(t));
      assert.equal((lx.kind[k]! & K_ASCII_WORD) !== 0, ascii, JSON.stringify(t));
      if (kind !== K_DIGIT) assert.equal(lx.hash[k], wordHash(t, i, le), JSON.stringify(t));
      k++;
      i = e;
    }
    assert.equal(lx.count, k, JSON.stringify(t));
  }
});

Deno.test("lexer: the text bits say what the prefilters and passes looked for", () => {
  const next = random(11);
  const lx = new Lexed();
  for (let round = 0; round < 3000; round++) {
    const t = text(next, 1 + Math.floor(next() * 10));
    lx.lex(t);
    const needsWork = [...t].some((ch) => {
      const c = ch.charCodeAt(0);
      return (c > 126 || c === 37 || c === 38) && foldable(c);
    });
    assert.equal((lx.bits & X_INTERESTING) !== 0, /[0-9A-Z@:%&\u0080-\uffff]/.test(t), t);
    assert.equal((lx.bits & X_NORMALIZE) !== 0, needsWork, JSON.stringify(t));
    assert.equal((lx.bits & X_AT) !== 0, t.includes("@"), t);
    assert.equal((lx.bits & X_COLON) !== 0, t.includes(":"), t);
    // Where detectUrls() could start a www URL (nothing alphanumeric, '/' or '.' before
    // "www."), the lexer must have said so.
    const www = [...t.matchAll(/www\./g)].some((m) => {
      const before = m.index === 0 ? 32 : t.charCodeAt(m.index - 1);
      return !alnum(before) && before !== 47 && before !== 46;
    });
    if (www) assert.ok((lx.bits & X_WWW) !== 0, JSON.stringify(t));
  }
});

/** wordEnd() and wordHash() as they were, character by character. */
function referenceWord(t: string, p: number): [number, number] {
  let e = p;
  while (e < t.length) {
    const c = t.charCodeAt(e);
    if (isLetter(c)) e++;
    else if ((c === 39 || c === 45 || c === 0x2019) && e > p && isLetter(t.charCodeAt(e + 1))) {
      const s1 = t.charCodeAt(e + 1);
      if (c !== 45 && (s1 === 115 || s1 === 83) && !isLetter(t.charCodeAt(e + 2))) break;
      e++;
    } else break;
  }
  return [e, wordHash(t, p, e)];
}

Deno.test("wordAt() agrees with the character walk at every position", () => {
  const next = random(13);
  const lx = new Lexed();
  for (let round = 0; round < 2000; round++) {
    const t = text(next, 1 + Math.floor(next() * 12));
    lx.lex(t);
    const previous = useLexer(lx);
    try {
      for (let p = 0; p <= t.length; p++) {
        const [e, h] = referenceWord(t, p);
        assert.equal(wordAt(t, p), e, `${JSON.stringify(t)} at ${p}`);
        if (e > p) assert.equal(wordAtHash, h, `${JSON.stringify(t)} at ${p}`);
      }
    } finally {
      useLexer(previous);
    }
  }
});

Deno.test("cueBefore()/cueAfter() agree with slicing, lower-casing and searching", () => {
  const cues = ["phone", "tel", "ss#", "social security", "tél", "lives at", "drops you off at"];
  const list = cueList(cues);
  const next = random(17);
  for (let round = 0; round < 20000; round++) {
    const t = text(next, 1 + Math.floor(next() * 10));
    const pos = Math.floor(next() * (t.length + 3));
    const width = [5, 12, 24, 48][round % 4]!;
    assert.equal(
      cueBefore(t, pos, width, list),
      hasCue(windowBefore(t, pos, width), cues),
      `${JSON.stringify(t)} before ${pos}`,
    );
    assert.equal(
      cueAfter(t, pos, width, list),
      hasCue(windowAfter(t, pos, width), cues),
      `${JSON.stringify(t)} after ${pos}`,
    );
  }
});

/** The base64 decoding the scanner used before: atob() and a printable share. */
function referenceDecode(run: string): string | null {
  let s = run.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (s.length % 4 === 1) return null;
  s += "===".slice(0, (4 - (s.length % 4)) % 4);
  let decoded: string;
  try {
    decoded = atob(s);
  } catch {
    return null;
  }
  if (decoded.length < 6) return null;
  let printable = 0;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) printable++;
  }
  return printable / decoded.length >= 0.95 ? decoded : null;
}

Deno.test("decodePrintable() gives atob()'s answer, printable text or null", () => {
  const next = random(19);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_";
  for (let round = 0; round < 20000; round++) {
    let run: string;
    if (round % 2) {
      // Base64 of text, sometimes unpadded, URL-safe or truncated.
      const plain = Array.from(
        { length: 4 + (round % 40) },
        () => String.fromCharCode(32 + Math.floor(next() * (round % 3 ? 95 : 100))),
      ).join("");
      run = btoa(plain);
      if (round % 5 === 0) run = run.replace(/=+$/, "");
      if (round % 7 === 0) run = run.replace(/\+/g, "-").replace(/\//g, "_");
      if (round % 11 === 0) run = run.slice(0, -1);
    } else {
      run = Array.from(
        { length: 12 + (round % 30) },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join("");
    }
    const padded = `..${run}..`;
    assert.equal(decodePrintable(padded, 2, 2 + run.length), referenceDecode(run), run);
  }
});

Deno.test('hasUrlOrPunctuation() finds what /[:@?!;"]|https?\\b|www\\./i finds', () => {
  const next = random(23);
  const parts = ["h", "t", "p", "s", "H", "T", "P", "S", "w", "W", ".", "a", " ", "_", "1", ":"];
  for (let round = 0; round < 50000; round++) {
    let line = "";
    for (let k = 0; k < 1 + (round % 14); k++) line += parts[Math.floor(next() * parts.length)]!;
    if (round % 3 === 0) line = "http" + line;
    if (round % 5 === 0) line += "https";
    if (round % 7 === 0) line = "www" + line;
    const t = `xx${line}yy`;
    assert.equal(
      hasUrlOrPunctuation(t, 2, 2 + line.length),
      /[:@?!;"]|https?\b|www\./i.test(line),
      JSON.stringify(line),
    );
  }
});
