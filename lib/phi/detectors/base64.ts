/**
 * Base64 segments: a run of the base64 alphabet that decodes to printable text is scanned
 * again (one level deep); if the decoded text holds PHI, the whole segment is reported.
 */
import { isAlnum, isDigit, isLowerAscii, isUpperAscii } from "../chars.ts";
import { type Hit, hit, type TextCtx } from "../context.ts";

const MIN_RUN = 12;
const MAX_RUN = 8192;

function isB64(c: number): boolean {
  return isAlnum(c) && c < 128 || c === 43 || c === 47 || c === 61 || c === 45 || c === 95;
}

/** Decodes standard or URL-safe base64 to a printable string, or null. */
function decodePrintable(run: string): string | null {
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

/**
 * A base64 segment starting at i (the start of an alphanumeric token): expands over the
 * base64 alphabet and, when the segment decodes to printable text in which `inner` finds
 * PHI, reports the segment with those types. Returns the segment end (or -1 when the
 * segment is too short or looks like plain words), so the caller skips it.
 */
export function base64At(ctx: TextCtx, i: number, inner: (text: string) => Hit[]): number {
  const { t, n } = ctx;
  let e = i;
  let classes = 0;
  while (e < n && e - i <= MAX_RUN) {
    const c = t.charCodeAt(e);
    if (!isB64(c)) break;
    if (isUpperAscii(c)) classes |= 1;
    else if (isLowerAscii(c)) classes |= 2;
    else if (isDigit(c)) classes |= 4;
    e++;
  }
  // Base64 of text mixes cases; plain words, numbers and hex hashes need no decoding.
  if (e - i < MIN_RUN || e - i > MAX_RUN || (classes & 1) === 0 || classes === 1) return -1;
  const decoded = decodePrintable(t.slice(i, e));
  if (decoded !== null) {
    for (const h of inner(decoded)) hit(ctx, i, e, h.type);
  }
  return e;
}
