/**
 * Value dumps: database and ORM error texts that print the values of a row, a key or a query
 * after a fixed marker, with no key a value rule could use. What follows such a marker is data,
 * never code, so it is redacted whole (the SQL, the error class and the constraint name stay):
 *
 * - Postgres: the row after `Failing row contains (` (NOT NULL and CHECK violations print every
 *   column); the values after `Key (<columns>)=(` when the key has two columns or more (one
 *   column is left to the cue rules: `Key (mrn)=(…)` is an MRN, `Key (flag_key)=(…)` a flag);
 *   the quoted input after `invalid input syntax for [type] <t>:`, `invalid input value for enum
 *   <t>:`, `value too long for type <t>:` and `value out of range:`, and in `value "<v>" is out
 *   of range for type <t>`;
 * - ORMs and drivers: the list after `[parameters:` (SQLAlchemy), and the list after
 *   `parameters`, `params` or `bindings` with `:` or `=` and an opening bracket (`[`, `(` or `{`)
 *   when an SQL word (`select`, `insert`, `update`, `delete`, `upsert`, `sql`) stands in the
 *   2,048 characters before the marker (TypeORM's `-- PARAMETERS: [`, knex's `bindings: [`,
 *   Sequelize's `sql: …, parameters: [`, Prisma's `params=[`).
 *
 * A dump of nothing but small integers (up to 3 digits), nulls and booleans names no one
 * (`bindings: [ 1, 50 ]`, a limit and an offset) and is left alone. Scans are bounded: to the
 * closing bracket (nesting and, in ORM lists, quotes followed), at most CAP characters; an
 * unclosed dump is redacted up to the cap. The rule that consumed a dump returns its end, so the
 * token pass goes on after it and every character is read once.
 */
import { isAlnum, isDigit, isLetter, isSpace } from "../chars.ts";
import { readsAt, take, type TextCtx } from "../context.ts";
import type { PhiType } from "../types.ts";
import { hashOf, setHas, wordSet } from "../word_table.ts";

/**
 * The type a dump is reported as. A dump is a whole record (names, dates, numbers together), so
 * no value type fits; SENSITIVE_KEY says the value is sensitive because of what announces it,
 * as a value under a sensitive key is, whatever its shape.
 */
export const DUMP_TYPE: PhiType = "SENSITIVE_KEY";

/** Most characters of one dump read and redacted. */
export const CAP = 4096;
/** Most characters of a key detail's column list. */
const KEY_COLUMNS = 256;

/** The words that start a marker (the token pass hands them to valueDumpAt()). */
export const DUMP_WORDS = [
  "failing",
  "key",
  "invalid",
  "value",
  "parameters",
  "params",
  "bindings",
];

const H_FAILING = hashOf("failing");
const H_KEY = hashOf("key");
const H_INVALID = hashOf("invalid");
const H_VALUE = hashOf("value");
const H_PARAMETERS = hashOf("parameters");
const H_PARAMS = hashOf("params");
const H_BINDINGS = hashOf("bindings");

/** True when `hash` is one of DUMP_WORDS (a few comparisons). */
export function isDumpWord(hash: number): boolean {
  return hash === H_KEY || hash === H_VALUE || hash === H_FAILING || hash === H_INVALID ||
    hash === H_PARAMETERS || hash === H_PARAMS || hash === H_BINDINGS;
}

/**
 * The dump announced by the marker word [i, we) with hash `hash`: adds a DUMP_TYPE hit over the
 * values and returns where the token pass resumes (the end of the values), or -1 when no dump
 * is there.
 */
export function valueDumpAt(ctx: TextCtx, i: number, we: number, hash: number): number {
  const t = ctx.t;
  if (hash === H_FAILING) {
    // `Failing row contains (4829133, Quenby, Zarkowski, 1955-03-02, null).`
    let p = phrase(t, we, "row");
    if (p > 0) p = phrase(t, p, "contains");
    if (p < 0) return -1;
    p = skipSpaces(t, p);
    return t.charCodeAt(p) === 40 ? rowDump(ctx, p + 1) : -1;
  }
  if (hash === H_KEY) {
    // `Key (last_name, first_name)=(Zarkowski, Quenby) already exists.`
    const p = skipSpaces(t, we);
    if (p - we > 2 || t.charCodeAt(p) !== 40) return -1;
    const v = multiColumnKey(t, p + 1);
    return v > 0 ? rowDump(ctx, v) : -1;
  }
  if (hash === H_INVALID) {
    // `invalid input syntax for type date: "19550302x"`, `invalid input value for enum sex: "X"`.
    let p = phrase(t, we, "input");
    if (p < 0) return -1;
    const q = phrase(t, p, "syntax");
    p = q > 0 ? q : phrase(t, p, "value");
    if (p > 0) p = phrase(t, p, "for");
    return p > 0 ? afterTypeName(ctx, p) : -1;
  }
  if (hash === H_VALUE) return valueMessage(ctx, we);
  // `[parameters: {...}]`, `bindings: [...]`, `"bindings":[...]`, `params=[...]`.
  const open = listOpener(t, we);
  if (open < 0) return -1;
  const sqlAlchemy = hash === H_PARAMETERS && i > 0 && t.charCodeAt(i - 1) === 91;
  if (!sqlAlchemy && !sqlBefore(ctx, i)) return -1;
  return listDump(ctx, open + 1);
}

/** After `value`: `too long for type <t>: "v"`, `out of range: "v"`, `"v" is out of range`. */
function valueMessage(ctx: TextCtx, we: number): number {
  const t = ctx.t;
  let p = phrase(t, we, "too");
  if (p > 0) {
    p = phrase(t, p, "long");
    if (p > 0) p = phrase(t, p, "for");
    if (p > 0) p = phrase(t, p, "type");
    return p > 0 ? afterTypeName(ctx, p) : -1;
  }
  p = phrase(t, we, "out");
  if (p > 0) {
    p = phrase(t, p, "of");
    if (p > 0) p = phrase(t, p, "range");
    if (p < 0 || t.charCodeAt(p) !== 58) return -1;
    return quotedDump(ctx, skipSpaces(t, p + 1));
  }
  // `value "12345678901" is out of range for type integer`: a short value, read to the quote
  // that the wording follows.
  p = skipSpaces(t, we);
  if (p === we || t.charCodeAt(p) !== 34) return -1;
  const s = p + 1;
  const last = Math.min(t.length, s + 256);
  for (let k = s; k < last; k++) {
    if (t.charCodeAt(k) === 34 && readsAt(t, k + 1, " is out of range")) {
      return dump(ctx, s, k);
    }
  }
  return -1;
}

/**
 * After `for [type|enum]`: a type name (up to 100 characters on the line, no quote) then ':'
 * and a quoted value.
 */
function afterTypeName(ctx: TextCtx, p: number): number {
  const t = ctx.t;
  const last = Math.min(t.length, p + 100);
  for (let k = p; k < last; k++) {
    const c = t.charCodeAt(k);
    if (c === 58) return quotedDump(ctx, skipSpaces(t, k + 1));
    if (c === 34 || c === 10 || c === 13) return -1;
  }
  return -1;
}

/**
 * The quoted value at p (`"…"`, or `\"…\"` inside a JSON string): Postgres prints the input
 * as it was, quotes included, so the value ends at a quote followed by no letter or digit.
 * Unclosed, it is redacted up to the cap.
 */
function quotedDump(ctx: TextCtx, p: number): number {
  const t = ctx.t;
  const escaped = t.charCodeAt(p) === 92 && t.charCodeAt(p + 1) === 34;
  if (!escaped && t.charCodeAt(p) !== 34) return -1;
  const s = escaped ? p + 2 : p + 1;
  const last = Math.min(t.length, s + CAP);
  let k = s;
  for (; k < last; k++) {
    const c = t.charCodeAt(k);
    if (escaped ? c === 92 && t.charCodeAt(k + 1) === 34 : c === 34) {
      if (!isAlnum(t.charCodeAt(k + (escaped ? 2 : 1)))) break;
    }
  }
  return dump(ctx, s, k);
}

/**
 * A Postgres row or key tuple from s (after its '('): values printed as they are, unquoted, so
 * only parentheses nest; a ')' at the tuple's own level closes it when what follows ends the
 * message (see closesRow), otherwise it belongs to a value.
 */
function rowDump(ctx: TextCtx, s: number): number {
  const t = ctx.t;
  const last = Math.min(t.length, s + CAP);
  let depth = 0;
  let k = s;
  for (; k < last; k++) {
    const c = t.charCodeAt(k);
    if (c === 40) depth++;
    else if (c === 41) {
      if (depth > 0) depth--;
      else if (closesRow(t, k + 1)) break;
    }
  }
  return dump(ctx, s, k);
}

/**
 * True when the text after a row's ')' at p ends the message: the end, a line break, a quote or
 * a backslash (the message inside a string), a ';', ']' or '}'; a '.' followed by no letter or
 * digit; or the wording of a key detail (` already exists`, ` is not present`, ` is still
 * referenced`, ` is duplicated`, ` conflicts with`).
 */
function closesRow(t: string, p: number): boolean {
  if (p >= t.length) return true;
  const c = t.charCodeAt(p);
  if (c === 46) return !isAlnum(t.charCodeAt(p + 1));
  if (
    c === 10 || c === 13 || c === 34 || c === 39 || c === 92 || c === 59 || c === 93 || c === 125
  ) return true;
  return c === 32 &&
    (readsAt(t, p + 1, "already") || readsAt(t, p + 1, "is ") || readsAt(t, p + 1, "conflicts"));
}

/**
 * The column list of a key detail from s (after `Key (`): names (double-quoted ones may hold
 * anything), expressions in parentheses, separated by commas. Returns where the values start
 * (after `)=(`) when there are two columns or more, else -1. At most KEY_COLUMNS characters
 * and one line, and never past another `Key (` (which is read on its own): each character is
 * read by one column list, so a text of `Key (a, Key (a, …` costs one read of it.
 */
function multiColumnKey(t: string, s: number): number {
  const last = Math.min(t.length, s + KEY_COLUMNS);
  let depth = 0;
  let commas = 0;
  let quoted = false;
  for (let k = s; k < last; k++) {
    const c = t.charCodeAt(k);
    if (c === 10 || c === 13) return -1;
    if (quoted) {
      if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 40) {
      if (keyBefore(t, k)) return -1;
      depth++;
    } else if (c === 44 && depth === 0) commas++;
    else if (c === 41) {
      if (depth > 0) {
        depth--;
        continue;
      }
      if (t.charCodeAt(k + 1) !== 61 || t.charCodeAt(k + 2) !== 40) return -1;
      return commas > 0 ? k + 3 : -1;
    }
  }
  return -1;
}

/** True when the '(' at p follows the word `key` and at most 2 spaces (`Key (`). */
function keyBefore(t: string, p: number): boolean {
  let b = p;
  while (b > 0 && p - b < 2 && isSpace(t.charCodeAt(b - 1))) b--;
  return readsAt(t, b - 3, "key") && !isLetter(t.charCodeAt(b - 4));
}

/**
 * After a list marker word ending at we: a closing quote (`"bindings":`, `'params':`,
 * `\"bindings\":`), ':' or '=', spaces, then '[', '(' or '{'. Returns the opener's position or
 * -1.
 */
function listOpener(t: string, we: number): number {
  let p = we;
  const c = t.charCodeAt(p);
  if (c === 34 || c === 39) p++;
  else if (c === 92 && t.charCodeAt(p + 1) === 34) p += 2;
  p = skipSpaces(t, p);
  const sep = t.charCodeAt(p);
  if (sep !== 58 && sep !== 61) return -1;
  p = skipSpaces(t, p + 1);
  const o = t.charCodeAt(p);
  return o === 91 || o === 40 || o === 123 ? p : -1;
}

/**
 * An ORM's list from s (after its opener), as Python and JavaScript print them: strings in
 * single or double quotes (a quote opens one only where no letter or digit precedes it, so the
 * apostrophe of O'Brien does not), backslash escapes, brackets of any kind nested. Ends at the
 * bracket that closes the opener.
 */
function listDump(ctx: TextCtx, s: number): number {
  const t = ctx.t;
  const last = Math.min(t.length, s + CAP);
  let depth = 0;
  let quote = 0;
  let k = s;
  for (; k < last; k++) {
    const c = t.charCodeAt(k);
    if (c === 92) {
      k++;
      continue;
    }
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if ((c === 34 || c === 39) && !isAlnum(t.charCodeAt(k - 1))) quote = c;
    else if (c === 91 || c === 40 || c === 123) depth++;
    else if (c === 93 || c === 41 || c === 125) {
      if (depth === 0) break;
      depth--;
    }
  }
  return dump(ctx, s, Math.min(k, last));
}

/** Adds the hit for the dump [s, e) unless it is empty or names no one; returns e or -1. */
function dump(ctx: TextCtx, s: number, e: number): number {
  if (e <= s || harmless(ctx.t, s, e)) return -1;
  return take(ctx, s, e, DUMP_TYPE);
}

/** Items that name no one on their own. */
const HARMLESS_WORDS = wordSet(["null", "none", "nil", "undefined", "true", "false", "t", "f"]);

/**
 * True when t[s, e) holds only items that name no one: integers of up to 3 digits, nulls and
 * booleans, separated by commas and spaces (`1, 50`, `7, null, t`).
 */
function harmless(t: string, s: number, e: number): boolean {
  let k = s;
  let items = 0;
  while (k < e) {
    const c = t.charCodeAt(k);
    if (c === 44 || isSpace(c)) {
      k++;
      continue;
    }
    let q = c === 45 ? k + 1 : k;
    const ds = q;
    while (q < e && isDigit(t.charCodeAt(q))) q++;
    if (q > ds) {
      if (q - ds > 3) return false;
    } else {
      let h = 0x811c9dc5;
      while (q < e && isLetter(t.charCodeAt(q)) && q - k < 10) {
        h = Math.imul(h ^ (t.charCodeAt(q) | 32), 0x01000193);
        q++;
      }
      if (q === k || !setHas(HARMLESS_WORDS, (h >>> 0) || 1)) return false;
    }
    if (q < e && !(t.charCodeAt(q) === 44 || isSpace(t.charCodeAt(q)))) return false;
    items++;
    k = q;
  }
  return items > 0;
}

/** After spaces from p, the word `lit` (lower case, any case in the text): its end, or -1. */
function phrase(t: string, p: number, lit: string): number {
  const q = skipSpaces(t, p);
  if (q === p || q - p > 2 || !readsAt(t, q, lit) || isLetter(t.charCodeAt(q + lit.length))) {
    return -1;
  }
  return q + lit.length;
}

function skipSpaces(t: string, p: number): number {
  while (p < t.length && isSpace(t.charCodeAt(p))) p++;
  return p;
}

/** Words that make a text SQL: what ORMs print before the parameters they bound. */
const SQL_WORDS = wordSet(["select", "insert", "update", "delete", "upsert", "sql"]);
/** How far before a list marker an SQL word may stand. */
const SQL_WINDOW = 2048;

/**
 * What the last sqlBefore() calls read: in `ctx` during token pass `pass`, the text before `to`
 * from where it started, and the end of the last SQL word found there (-1 for none). The token
 * pass asks at increasing positions, so each character is read once per pass.
 */
const memo = { ctx: null as TextCtx | null, pass: -1, to: 0, last: -1 };
let pass = 0;

/** Starts a token pass (invalidates what sqlBefore() remembers). */
export function startDumpPass(): void {
  pass++;
}

/** True when an SQL word (SQL_WORDS, as a whole word) ends within SQL_WINDOW before p. */
function sqlBefore(ctx: TextCtx, p: number): boolean {
  const t = ctx.t;
  const from = Math.max(0, p - SQL_WINDOW);
  if (memo.ctx !== ctx || memo.pass !== pass || p < memo.to) {
    memo.ctx = ctx;
    memo.pass = pass;
    memo.to = from;
    memo.last = -1;
  }
  let k = Math.max(memo.to, from);
  // A word cut by the window's start is no whole word.
  while (k > 0 && k < p && isLetter(t.charCodeAt(k - 1))) k++;
  while (k < p) {
    if (!isLetter(t.charCodeAt(k))) {
      k++;
      continue;
    }
    const s = k;
    let h = 0x811c9dc5;
    while (k < p && isLetter(t.charCodeAt(k))) {
      const c = t.charCodeAt(k);
      if (k - s < 8) h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), 0x01000193);
      k++;
    }
    if (k - s <= 6 && k < p && setHas(SQL_WORDS, (h >>> 0) || 1)) memo.last = k;
  }
  memo.to = p;
  return memo.last >= 0 && memo.last > from;
}
