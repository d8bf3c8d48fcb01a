/**
 * The scanner's fast paths against the straightforward code they replaced or skip: the
 * single token pass against the full path (bits, normalisation, the e-mail, URL and colon
 * passes, then the token pass), word reads against a character walk, in-place cue
 * matching, hand-written base64 decoding and the address-line punctuation scan must give
 * the same answers on every input. Random inputs from a fixed seed, drawn from pieces that
 * hit the edge cases (joiners, possessives, non-ASCII letters and capitals, escapes,
 * colons, window edges).
 */
import assert from "node:assert/strict";
import { C_DIGIT, C_LETTER, CLS, isLetter } from "./chars.ts";
import {
  cueAfter,
  cueBefore,
  cueList,
  hasCue,
  readsAt,
  TextCtx,
  windowAfter,
  windowBefore,
} from "./context.ts";
import { wordAt, wordAtHash } from "./read.ts";
import { changesAt, foldable, normalize } from "./normalize.ts";
import { base64At, decodePrintable } from "./detectors/base64.ts";
import {
  ADDRESS_CUE_ANYWHERE,
  ADDRESS_CUES,
  boxAt,
  hasUrlOrPunctuation,
  houseNumberEnd,
  militaryPostAt,
  shipPrefixAt,
} from "./detectors/address.ts";
import { cardDigitsValid, cardValid, npiValid, npiValidAt } from "./checksums.ts";
import { colonMayMatch, detectColonAddresses } from "./detectors/network.ts";
import { NEEDS_FULL_PATH, notBase64, scanTokens } from "./detectors/words.ts";
import { detectEmails } from "./detectors/email.ts";
import { detectUrls } from "./detectors/url.ts";
import { detectObfuscated, STRUCTURED } from "./detectors/obfuscated.ts";
import { interesting, textBits, X_AT, X_COLON, X_INTERESTING, X_NORMALIZE, X_WWW } from "./text.ts";
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
  "\\",
  "\\n",
  "\\\\n",
  "\\u0040",
  "\\u00e9",
  "\\ud83d",
  "\\ude00",
  '\\"',
];

function text(next: () => number, pieces: number): string {
  let s = "";
  for (let k = 0; k < pieces; k++) s += PIECES[Math.floor(next() * PIECES.length)]!;
  return s;
}

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
  for (let round = 0; round < 2000; round++) {
    const t = text(next, 1 + Math.floor(next() * 12));
    for (let p = 0; p <= t.length; p++) {
      const [e, h] = referenceWord(t, p);
      assert.equal(wordAt(t, p), e, `${JSON.stringify(t)} at ${p}`);
      if (e > p) assert.equal(wordAtHash, h, `${JSON.stringify(t)} at ${p}`);
    }
  }
});

Deno.test("textBits() says what the prefilters and passes look for", () => {
  const next = random(11);
  for (let round = 0; round < 3000; round++) {
    const t = text(next, 1 + Math.floor(next() * 10));
    const bits = textBits(t);
    const needsWork = [...t].some((ch) => {
      const c = ch.charCodeAt(0);
      return (c > 126 || c === 37 || c === 38 || c === 92 || c === 43) && foldable(c);
    });
    assert.equal((bits & X_INTERESTING) !== 0, /[0-9A-Z@:%&\u0080-\uffff]/.test(t), t);
    assert.equal(interesting(t), (bits & X_INTERESTING) !== 0, t);
    assert.equal((bits & X_NORMALIZE) !== 0, needsWork, JSON.stringify(t));
    assert.equal((bits & X_AT) !== 0, t.includes("@"), t);
    assert.equal((bits & X_COLON) !== 0, t.includes(":"), t);
    assert.equal((bits & X_WWW) !== 0, t.includes("www."), t);
  }
});

Deno.test("changesAt() is true somewhere exactly when normalize() changes the text", () => {
  const next = random(29);
  for (let round = 0; round < 5000; round++) {
    const t = text(next, 1 + Math.floor(next() * 10));
    let changes = false;
    for (let i = 0; i < t.length; i++) if (changesAt(t, i)) changes = true;
    assert.equal(changes, normalize(t).map !== null, JSON.stringify(t));
  }
});

Deno.test("colonMayMatch(): a text whose colons may not match gets no colon hit", () => {
  const next = random(31);
  const parts = ["a", "f", "0", "9", ":", "::", ".", " ", "x", "-", "1", "ab", "ff:", "12:34"];
  const ctx = new TextCtx();
  for (let round = 0; round < 20000; round++) {
    let t = "";
    for (let k = 0; k < 2 + (round % 24); k++) t += parts[Math.floor(next() * parts.length)]!;
    ctx.reset(t, false, false);
    detectColonAddresses(ctx);
    let may = false;
    for (let p = t.indexOf(":"); p >= 0; p = t.indexOf(":", p + 1)) {
      if (colonMayMatch(t, p)) may = true;
    }
    if (!may) assert.equal(ctx.count, 0, JSON.stringify(t));
  }
});

/** The hits of `t` through the full path (as text.ts runs it), as comparable strings. */
function fullPathHits(ctx: TextCtx, t: string): string[] {
  let bits = textBits(t);
  if ((bits & X_INTERESTING) === 0) return [];
  let s = t;
  if (bits & X_NORMALIZE) {
    const norm = normalize(t);
    if (norm.map !== null) {
      s = norm.text;
      bits = textBits(s);
    }
  }
  ctx.reset(s, false, false);
  if (bits & X_AT) detectEmails(ctx);
  if (bits & (X_COLON | X_WWW)) detectUrls(ctx);
  if (bits & X_COLON) detectColonAddresses(ctx);
  scanTokens(ctx, false);
  return hitsOf(ctx);
}

function hitsOf(ctx: TextCtx): string[] {
  const out: string[] = [];
  for (let k = 0; k < ctx.count; k++) out.push(`${ctx.hs[k]}-${ctx.he[k]}:${ctx.ht[k]}`);
  return out;
}

/** Pieces that make the rules fire: cues, names, numbers, addresses, punctuation. */
const RULE_PIECES = [
  ...PIECES,
  "My name is ",
  "Dr. ",
  "Anna ",
  "Smith",
  "Davis, Reynolds and Williamson",
  "lives at 12 Main Street",
  "Apt. 4",
  "\n",
  "call 415-555-0132",
  "born in 1985",
  "March 3, 1985",
  "aged 35",
  "MRN: 12345",
  "zip 90210",
  "SGVsbG8gSmFuZSBEb2UgNDE1LTU1NS0wMTMy",
  "1.2.3.4",
  "fe80::1:2:3",
  "a@b.co",
  "http://x.org",
  "%40",
  "&amp;",
  "€",
  "\u201c",
  " 4111 1111 1111 1111 ",
  "123-45-6789",
  "501-23-4567",
  "Villacher Strasse 89",
  "monday",
  "i am italian",
];

Deno.test("the fast token pass gives the full path's hits wherever it does not defer", () => {
  const next = random(37);
  const ctx = new TextCtx();
  const full = new TextCtx();
  let deferred = 0;
  for (let round = 0; round < 20000; round++) {
    let t = "";
    for (let k = 0; k < 1 + Math.floor(next() * 12); k++) {
      t += RULE_PIECES[Math.floor(next() * RULE_PIECES.length)]!;
      if (next() < 0.5) t += " ";
    }
    if (!interesting(t)) {
      assert.deepEqual(fullPathHits(full, t), [], JSON.stringify(t));
      continue;
    }
    ctx.reset(t, false, false);
    if (scanTokens(ctx, true) === NEEDS_FULL_PATH) {
      deferred++;
      continue;
    }
    assert.deepEqual(hitsOf(ctx), fullPathHits(full, t), JSON.stringify(t));
  }
  // Both branches are exercised.
  assert.ok(deferred > 1000 && deferred < 19000, `${deferred} deferred`);
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

/** Random strings over `alphabet`, `count` of them, lengths 0-`max`. */
function strings(seed: number, alphabet: string[], count: number, max: number): string[] {
  const next = random(seed);
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    let s = "";
    for (let j = Math.floor(next() * (max + 1)); j > 0; j--) {
      s += alphabet[Math.floor(next() * alphabet.length)]!;
    }
    out.push(s);
  }
  return out;
}

Deno.test("a cue window before a position implies the text-wide address-cue regex", () => {
  const parts = [
    "address",
    "Address",
    "ADDR",
    "lives at",
    "live at",
    "LIVE  at",
    "living at",
    "located",
    "relocated",
    "moved to",
    "meet",
    "drops you",
    "send it",
    "ship to",
    "deliver",
    "resid",
    "İ",
    "ſ",
    "\u212a",
    " ",
    "\n",
    "a",
    "l",
    "x",
    "at",
    "to",
    "ship",
    "send",
  ];
  for (const t of strings(41, parts, 20000, 8)) {
    const regex = ADDRESS_CUE_ANYWHERE.test(t);
    // addressCueBefore() no longer asks the regex first: a cue as whole words implies it.
    for (let p = 0; p <= t.length; p += 3) {
      if (cueBefore(t, p, 40, ADDRESS_CUES)) assert.ok(regex, JSON.stringify(t));
    }
  }
});

Deno.test("readsAt() gives what lower-casing a window and comparing gave", () => {
  const lits = ["-year-old", " years old", " y/o", " yo ", "age of ", "she was ", "box", "po box"];
  const parts = [" ", "-", "y", "Y", "e", "E", "a", "r", "o", "l", "d", "s", "/", "b", "x", "İ"];
  const next = random(43);
  for (const t of strings(47, parts, 20000, 12)) {
    const lit = lits[Math.floor(next() * lits.length)]!;
    const p = Math.floor(next() * (t.length + 2)) - 1;
    const window = p < 0 ? "" : t.slice(p, p + 14).toLowerCase();
    assert.equal(readsAt(t, p, lit), p >= 0 && window.startsWith(lit), JSON.stringify([t, p]));
  }
});

Deno.test("shipPrefixAt() answers as /^US[SN]?[SNV]? [A-Z]/ on six characters", () => {
  for (const t of strings(53, ["U", "S", "N", "V", " ", "A", "x", "C", "G"], 20000, 8)) {
    for (let p = 0; p < t.length; p++) {
      assert.equal(
        shipPrefixAt(t, p),
        /^US[SN]?[SNV]? [A-Z]/.test(t.slice(p, p + 6)) || /^USCGC [A-Z]/.test(t.slice(p, p + 6)),
        JSON.stringify([t, p]),
      );
    }
  }
});

Deno.test("militaryPostAt() and boxAt() read what slicing and lower-casing read", () => {
  const parts = [
    "APO",
    "fpo",
    "Dpo",
    " ",
    "AE",
    "ap",
    "aa",
    "AX",
    "12345",
    "1234",
    "P.O. Box",
    "po box",
  ];
  for (const t of strings(67, [...parts, "PSC 12", ", Box 9", "p.o.box", "İ", "1"], 20000, 6)) {
    for (let p = 0; p < t.length; p++) {
      assert.equal(militaryPostAt(t, p), referenceMilitaryPost(t, p), JSON.stringify([t, p]));
      assert.equal(boxAt(t, p), referenceBox(t, p), JSON.stringify([t, p]));
    }
  }
});

/** militaryPostAt() as it was (slice, lower-case, regex). */
function referenceMilitaryPost(t: string, p: number): number {
  if (!/^[afd]po a[aep] $/.test(t.slice(p, p + 7).toLowerCase())) return -1;
  let e = p + 7;
  while (e < t.length && (t.charCodeAt(e) === 32 || t.charCodeAt(e) === 9)) e++;
  let d = e;
  while (d < t.length && d - e < 5 && t.charCodeAt(d) >= 48 && t.charCodeAt(d) <= 57) d++;
  const after = t.charCodeAt(d);
  const alnum = after < 0x2000 && (CLS[after]! & (C_LETTER | C_DIGIT)) !== 0;
  return d - e === 5 && !alnum ? d : -1;
}

/** boxAt() as it was (slice, lower-case, startsWith). */
function referenceBox(t: string, p: number): number {
  const head = t.slice(p, p + 8).toLowerCase();
  let q = -1;
  if (head.startsWith("p.o. box") || head.startsWith("p.o.box")) q = p + head.indexOf("box") + 3;
  else if (head.startsWith("po box")) q = p + 6;
  else if (head.startsWith("psc ")) {
    const e = houseNumberEnd(t, p + 4);
    if (e < 0) return -1;
    let r = t.charCodeAt(e) === 44 ? e + 1 : e;
    while (r < t.length && (t.charCodeAt(r) === 32 || t.charCodeAt(r) === 9)) r++;
    if (t.slice(r, r + 3).toLowerCase() !== "box") return e;
    q = r + 3;
  }
  if (q < 0) return -1;
  while (q < t.length && (t.charCodeAt(q) === 32 || t.charCodeAt(q) === 9)) q++;
  return houseNumberEnd(t, q);
}

Deno.test("cardDigitsValid() and npiValidAt() agree with the string checks", () => {
  const next = random(59);
  for (let round = 0; round < 50000; round++) {
    const n = 10 + Math.floor(next() * 11);
    let s = "";
    for (let k = 0; k < n; k++) s += String(Math.floor(next() * 10));
    if (round % 3 === 0) {
      s = ["4", "51", "2221", "34", "6011", "35", "62", "50", "0604"][round % 9]! + s;
    }
    s = s.slice(0, n);
    const d = new Uint8Array(19);
    for (let k = 0; k < Math.min(n, 19); k++) d[k] = s.charCodeAt(k) - 48;
    assert.equal(cardDigitsValid(d, n), cardValid(s), s);
    if (n >= 10) assert.equal(npiValidAt(`x${s}`, 1), npiValid(s.slice(0, 10)), s);
  }
});

Deno.test("notBase64() is true only where base64At() answers no segment (negative)", () => {
  const parts = ["a", "Z", "Q", "9", "x", "AB", "ab", "é", "-", "_", "+", "/", "=", " ", "."];
  const ctx = new TextCtx();
  const inner = new TextCtx();
  for (const t of strings(61, parts, 20000, 30)) {
    ctx.reset(t, false, false);
    // Each token start, with the classes the token pass computes.
    for (let i = 0; i < t.length; i++) {
      if (!isTokenStart(t, i)) continue;
      let e = i;
      let b64 = 0;
      while (e < t.length && isTokenCode(t.charCodeAt(e))) {
        const c = t.charCodeAt(e);
        b64 |= c >= 128 ? 8 : c <= 57 ? 4 : c <= 90 ? 1 : 2;
        e++;
      }
      if (notBase64(b64, e - i, t.charCodeAt(e))) {
        assert.ok(base64At(ctx, i, () => inner) < 0, JSON.stringify([t, i]));
      }
    }
  }
});

const isTokenCode = (c: number) => c < 0x2000 && (CLS[c]! & (C_LETTER | C_DIGIT)) !== 0;
const isTokenStart = (t: string, i: number) =>
  isTokenCode(t.charCodeAt(i)) && (i === 0 || !isTokenCode(t.charCodeAt(i - 1)));

Deno.test("detectObfuscated() with STRUCTURED finds the candidates alone and STRUCTURED.test()'s answer", () => {
  // The combined search must find what the candidate search alone finds, and tell the
  // structured formats apart, also when an address it skips over holds the only STRUCTURED
  // match (`jane(at)ISA(dot)org`).
  const parts = [
    "(at)",
    "[AT]",
    "{at}",
    "(at",
    " at ",
    " dot ",
    "(dot)",
    "dot",
    "DOT",
    "Dot",
    "pt",
    "Pt",
    "PT",
    "pt:",
    "patient",
    "Patient",
    "PATIENT",
    "Patients",
    "Physician",
    "MSH",
    "ISA",
    "(00",
    '"00',
    "|",
    "*",
    "Study",
    "Accession",
    "jane",
    "mary smith",
    // Titles a lower-case name may be joined to (`dr-john-smith`), beside `MSH`.
    "dr",
    "Mr",
    "mrs",
    "Ms",
    "MS",
    "M",
    "prof",
    "john",
    "doe",
    // Spaced brackets and the dot of a common top-level domain (`jane at example.org`).
    "( at )",
    "[ dot ]",
    ".org",
    "example",
    "org",
    "com",
    ".",
    " ",
    "x",
    "-",
    "_",
    "é",
  ];
  const alone = new TextCtx();
  const both = new TextCtx();
  const hitsOf = (ctx: TextCtx) =>
    Array.from({ length: ctx.count }, (_, k) => [ctx.hs[k], ctx.he[k], ctx.ht[k]]);
  for (const t of strings(67, parts, 20000, 12)) {
    for (const technical of [false, true]) {
      alone.reset(t, technical, false);
      both.reset(t, technical, false);
      assert.equal(detectObfuscated(alone, false), false);
      assert.equal(detectObfuscated(both, true), STRUCTURED.test(t), JSON.stringify(t));
      assert.deepEqual(hitsOf(both), hitsOf(alone), JSON.stringify(t));
    }
  }
});
