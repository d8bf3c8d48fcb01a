/**
 * E-mail addresses, anchored on '@' and expanded by bounded loops on both sides: linear even
 * on `a@a@a@...` (a regex with `[...]+@` would backtrack quadratically there).
 */
import { isAlnum, isAsciiLetter } from "../chars.ts";
import { hit, type TextCtx } from "../context.ts";

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

function isLocalChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39;
}

function isDomainChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 45;
}

/** Finds e-mail addresses. */
export function detectEmails(ctx: TextCtx): void {
  const { t, n } = ctx;
  let at = t.indexOf("@");
  while (at >= 0) {
    let s = at;
    while (s > 0 && at - s < MAX_LOCAL && isLocalChar(t.charCodeAt(s - 1))) s--;
    while (s < at && t.charCodeAt(s) === 46) s++;
    let e = at + 1;
    while (e < n && e - at <= MAX_DOMAIN && isDomainChar(t.charCodeAt(e))) e++;
    while (e > at + 1 && (t.charCodeAt(e - 1) === 46 || t.charCodeAt(e - 1) === 45)) e--;
    if (s < at && e > at + 3) {
      let lastDot = e - 1;
      while (lastDot > at && t.charCodeAt(lastDot) !== 46) lastDot--;
      let tldOk = lastDot > at + 1 && e - lastDot - 1 >= 2;
      for (let k = lastDot + 1; tldOk && k < e; k++) tldOk = isAsciiLetter(t.charCodeAt(k));
      if (tldOk) {
        hit(ctx, s, e, "EMAIL");
        at = t.indexOf("@", e);
        continue;
      }
    }
    at = t.indexOf("@", at + 1);
  }
}
