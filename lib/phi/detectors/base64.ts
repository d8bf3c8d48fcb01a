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

/** Finds base64 segments whose decoded text `inner` reports PHI in. */
export function detectBase64(ctx: TextCtx, inner: (text: string) => Hit[]): void {
  const { t, n } = ctx;
  let i = 0;
  while (i < n) {
    if (!isB64(t.charCodeAt(i))) {
      i++;
      continue;
    }
    let e = i;
    let upper = false;
    let lower = false;
    let digit = false;
    while (e < n && isB64(t.charCodeAt(e))) {
      const c = t.charCodeAt(e);
      if (isUpperAscii(c)) upper = true;
      else if (isLowerAscii(c)) lower = true;
      else if (isDigit(c)) digit = true;
      e++;
    }
    // Base64 of text mixes cases; plain words, numbers and hex hashes do not need decoding.
    if (e - i >= MIN_RUN && e - i <= MAX_RUN && upper && (lower || digit)) {
      const decoded = decodePrintable(t.slice(i, e));
      if (decoded !== null) {
        const found = inner(decoded);
        for (const h of found) hit(ctx, i, e, h.type);
      }
    }
    i = e;
  }
}
