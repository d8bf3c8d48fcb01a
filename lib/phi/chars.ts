/** Character classes on UTF-16 code units, branch-only (no regex, no allocation). */

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isUpperAscii = (c: number): boolean => c >= 65 && c <= 90;
export const isLowerAscii = (c: number): boolean => c >= 97 && c <= 122;
export const isAsciiLetter = (c: number): boolean => (c | 32) >= 97 && (c | 32) <= 122;
export const isHex = (c: number): boolean =>
  (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);

/** Letters of Latin-1, Latin Extended, Greek, Cyrillic and friends count as letters. */
export const isLetter = (c: number): boolean =>
  ((c | 32) >= 97 && (c | 32) <= 122) ||
  (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) ||
  (c >= 0x370 && c <= 0x52f) ||
  (c >= 0x1e00 && c <= 0x1fff);

export const isAlnum = (c: number): boolean => isDigit(c) || isLetter(c);
export const isWordChar = (c: number): boolean => isAlnum(c) || c === 95;
export const isSpace = (c: number): boolean => c === 32 || c === 9;
export const isWhite = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** Upper-case first letter, including accented capitals (Á, Ž, Ø, Greek and Cyrillic capitals). */
export function isUpperAt(t: string, i: number): boolean {
  const c = t.charCodeAt(i);
  if (c < 128) return c >= 65 && c <= 90;
  if (!isLetter(c)) return false;
  const ch = t[i]!;
  return ch !== ch.toLowerCase();
}
