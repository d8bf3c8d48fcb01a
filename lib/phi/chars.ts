/**
 * Character classes on UTF-16 code units through one lookup table (no regex, no
 * allocation): the scanner's inner loops call these for every character.
 */

export const C_DIGIT = 1;
export const C_UPPER = 2;
export const C_LOWER = 4;
export const C_HEX = 8;
export const C_B64 = 16;
export const C_SPACE = 32;
export const C_LETTER = C_UPPER | C_LOWER;

const TABLE_SIZE = 0x2000;
/** Classes of code units below U+2000 (Latin, Greek, Cyrillic, Latin Extended Additional). */
export const CLS = new Uint8Array(TABLE_SIZE);
for (let c = 0; c < TABLE_SIZE; c++) {
  let v = 0;
  if (c >= 48 && c <= 57) v |= C_DIGIT | C_HEX | C_B64;
  else if (c >= 65 && c <= 90) v |= C_UPPER | C_B64;
  else if (c >= 97 && c <= 122) v |= C_LOWER | C_B64;
  else if (
    (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) || (c >= 0x370 && c <= 0x52f) ||
    (c >= 0x1e00 && c < TABLE_SIZE)
  ) {
    const ch = String.fromCharCode(c);
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    if (ch !== lower) v |= C_UPPER;
    else if (ch !== upper || /\p{L}/u.test(ch)) v |= C_LOWER;
  }
  if ((c >= 65 && c <= 70) || (c >= 97 && c <= 102)) v |= C_HEX;
  if (c === 43 || c === 47 || c === 61 || c === 45 || c === 95) v |= C_B64;
  if (c === 32 || c === 9) v |= C_SPACE;
  CLS[c] = v;
}

/** Class bits of code unit c (0 above the table). */
export const cls = (c: number): number => (c < TABLE_SIZE ? CLS[c]! : 0);

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isUpperAscii = (c: number): boolean => c >= 65 && c <= 90;
export const isLowerAscii = (c: number): boolean => c >= 97 && c <= 122;
export const isAsciiLetter = (c: number): boolean => (c | 32) >= 97 && (c | 32) <= 122;
export const isHex = (c: number): boolean => c < 128 && (CLS[c]! & C_HEX) !== 0;
export const isLetter = (c: number): boolean => c < TABLE_SIZE && (CLS[c]! & C_LETTER) !== 0;
export const isAlnum = (c: number): boolean =>
  c < TABLE_SIZE && (CLS[c]! & (C_LETTER | C_DIGIT)) !== 0;
export const isWordChar = (c: number): boolean => c === 95 || isAlnum(c);
export const isSpace = (c: number): boolean => c === 32 || c === 9;
export const isWhite = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** Upper-case letter at t[i], accented capitals included (Á, Ž, Ø, Greek and Cyrillic). */
export function isUpperAt(t: string, i: number): boolean {
  const c = t.charCodeAt(i);
  return c < TABLE_SIZE && (CLS[c]! & C_UPPER) !== 0;
}

/** Lower-case letter at t[i], accented ones included. */
export function isLowerAt(t: string, i: number): boolean {
  const c = t.charCodeAt(i);
  return c < TABLE_SIZE && (CLS[c]! & C_LOWER) !== 0;
}
