/** Check-digit and issuance rules used to confirm candidates (pure, allocation-free where it matters). */

/** Luhn over the digits of `s` between start and end (non-digits skipped). */
export function luhnValid(s: string, start = 0, end = s.length, seed = 0): boolean {
  let sum = seed;
  let double = false;
  let digits = 0;
  for (let i = end - 1; i >= start; i--) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
    digits++;
  }
  return digits > 0 && sum % 10 === 0;
}

/** NPI: 10 digits starting 1 or 2, Luhn over "80840" + the number (the prefix adds 24). */
export function npiValid(digits: string): boolean {
  if (digits.length !== 10) return false;
  const first = digits.charCodeAt(0);
  if (first !== 49 && first !== 50) return false;
  return luhnValid(digits, 0, 10, 24);
}

/** npiValid() of the 10 digits at t[i] (no slice). */
export function npiValidAt(t: string, i: number): boolean {
  const first = t.charCodeAt(i);
  if (first !== 49 && first !== 50) return false;
  return luhnValid(t, i, i + 10, 24);
}

/** SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000; known samples excluded. */
export function ssnValid(area: number, group: number, serial: number): boolean {
  if (!ssnIssuable(area, group, serial)) return false;
  const joined = area * 1_000_000 + group * 10_000 + serial;
  return !SSN_SAMPLES.has(joined);
}

/**
 * SSA rules alone: area not 000, 666 or 900-999; group not 00; serial not 0000. The published
 * samples pass: after an SSN label (`SSN 219-09-9999`) a sample is what the label says it is;
 * standing alone it is an example (ssnValid()).
 */
export function ssnIssuable(area: number, group: number, serial: number): boolean {
  return !(area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0);
}

/** Numbers published as examples (Woolworth wallet card, SSA pamphlets, the classic 123-45-6789). */
const SSN_SAMPLES = new Set([78051120, 219099999, 457555462, 123456789]);

/**
 * Whether a card number of n digits whose first 2, 3, 4 and 6 digits read p2, p3, p4 and p6
 * has the prefix and length of some issuer.
 */
function issuerPlausible(p2: number, p3: number, p4: number, p6: number, n: number): boolean {
  return (p2 >= 40 && p2 <= 49 && (n === 13 || n === 16 || n === 19)) || // Visa
    (((p2 >= 51 && p2 <= 55) || (p6 >= 222100 && p6 <= 272099)) && n === 16) || // Mastercard
    ((p2 === 34 || p2 === 37) && n === 15) || // Amex
    ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) && n >= 16) || // Discover
    (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p4 === 3095) &&
      n >= 14) || // Diners
    (p2 === 35 && n >= 16) || // JCB (3528-3589 today; generators use all of 35xx)
    ((p4 === 2131 || p4 === 1800) && n === 15) || // JCB (old)
    (p2 === 62 && n >= 16) || // UnionPay
    ((p2 === 50 || (p2 >= 56 && p2 <= 69) || p4 === 604) && n >= 12); // Maestro
}

/** Card number: issuer prefix and length plausible, then Luhn. `digits` holds digits only. */
export function cardValid(digits: string): boolean {
  const n = digits.length;
  if (n < 12 || n > 19) return false;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  const p3 = Number(digits.slice(0, 3));
  const p6 = Number(digits.slice(0, 6));
  const issuer = issuerPlausible(p2, p3, p4, p6, n);
  return issuer && luhnValid(digits);
}

/** cardValid() of the first n digit values in `d` (no string). */
export function cardDigitsValid(d: Uint8Array, n: number): boolean {
  if (n < 12 || n > 19) return false;
  const p2 = d[0]! * 10 + d[1]!;
  const p3 = p2 * 10 + d[2]!;
  const p4 = p3 * 10 + d[3]!;
  const p6 = (p4 * 10 + d[4]!) * 10 + d[5]!;
  const issuer = issuerPlausible(p2, p3, p4, p6, n);
  if (!issuer) return false;
  let sum = 0;
  let double = false;
  for (let k = n - 1; k >= 0; k--) {
    let v = d[k]!;
    if (double) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}

/** IBAN: mod 97 == 1 over the rearranged, letter-expanded string. `s` is upper-case alphanumerics. */
export function ibanValid(s: string): boolean {
  if (s.length < 15 || s.length > 34) return false;
  // Check digits run 02-98; 00, 01 and 99 are never issued.
  const check = s.slice(2, 4);
  if (check === "00" || check === "01" || check === "99") return false;
  const expected = IBAN_LENGTHS[s.slice(0, 2)];
  if (expected !== undefined && expected !== s.length) return false;
  let rem = 0;
  const n = s.length;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt((k + 4) % n);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** The IBAN length for a country code, when known. */
export function ibanLength(country: string): number | undefined {
  return IBAN_LENGTHS[country];
}

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

const VIN_VALUES: Record<string, number> = {
  A: 1,
  B: 2,
  C: 3,
  D: 4,
  E: 5,
  F: 6,
  G: 7,
  H: 8,
  J: 1,
  K: 2,
  L: 3,
  M: 4,
  N: 5,
  P: 7,
  R: 9,
  S: 2,
  T: 3,
  U: 4,
  V: 5,
  W: 6,
  X: 7,
  Y: 8,
  Z: 9,
};
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** VIN check digit (position 9) per 49 CFR 565. `vin` is 17 upper-case characters. */
export function vinCheckDigitValid(vin: string): boolean {
  if (vin.length !== 17) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const ch = vin[i]!;
    const c = ch.charCodeAt(0);
    const value = c >= 48 && c <= 57 ? c - 48 : VIN_VALUES[ch];
    if (value === undefined) return false;
    sum += value * VIN_WEIGHTS[i]!;
  }
  const check = sum % 11;
  return vin[8] === (check === 10 ? "X" : String(check));
}

/** The check character a VIN should carry at position 9 (used by the corpus generator). */
export function vinCheckDigit(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const ch = vin[i]!;
    const c = ch.charCodeAt(0);
    const value = c >= 48 && c <= 57 ? c - 48 : (VIN_VALUES[ch] ?? 0);
    sum += value * VIN_WEIGHTS[i]!;
  }
  const check = sum % 11;
  return check === 10 ? "X" : String(check);
}
