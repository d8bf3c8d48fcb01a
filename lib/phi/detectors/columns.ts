/**
 * Delimited exports (CSV, TSV, `;` and `|` separated) with a header row: the columns a header
 * names as a person's identifier are redacted in the rows under it, whatever they hold.
 *
 * An export that fails often logs its first rows, and `4829133,Zarkowski,Quenby,19550302` holds
 * a record number, a name no dictionary lists and a compact date no value rule reads without a
 * cue. The header is that cue: `mrn,last,first,dob`. A header is a line of two or more short
 * names separated by one delimiter, one of which names an identifier (the sensitive key names of
 * lib/phi/keys.ts, and `last`, `first`, `given`, `family`, `middle` for name parts; a bare `name`
 * only beside another such column, since flag and package listings have names too). The rows
 * under it are the following lines with the same number of cells; a blank line or another count
 * ends the table.
 *
 * A Markdown table (a `|` header with its rule line `|---|---|` under it) is read as Markdown
 * renders it: `\|` is a pipe inside a cell, a quote is text, and a row with more or fewer cells
 * than the header is still a row (renderers drop the extra cells and leave missing ones empty);
 * a blank line or a line without a pipe ends it.
 */
import { hit, type TextCtx } from "../context.ts";
import { compactKey, sensitiveKeyType } from "../keys.ts";
import type { PhiType } from "../types.ts";

const CR = 13;
const QUOTE = 34;
const DELIMITERS = [9, 44, 59, 124]; // tab , ; |
/** Each ASCII code's bit among DELIMITERS (0 for none): one lookup per character of a line. */
const DELIMITER_BIT = new Uint8Array(128);
for (const [k, delim] of DELIMITERS.entries()) DELIMITER_BIT[delim] = 1 << k;

/**
 * Name parts that are columns of a person's name in an export header, not keys elsewhere; and
 * `patient`, the column a clinical table lists its patients under (a JSON `patient` key is
 * read by the value rules instead, as the cue before its text).
 */
const NAME_PART_HEADERS = new Set([
  "last",
  "first",
  "given",
  "family",
  "middle",
  "lastname",
  "patient",
]);

/** A header cell: a short name (`mrn`, `Birth Date`, `patient_id`), perhaps quoted. */
const HEADER_CELL = /^"?[A-Za-z_][A-Za-z0-9_ .-]{0,39}"?$/;

/** Cells that hold nothing to redact. */
const EMPTY_VALUES = new Set(["", "null", "NULL", "NA", "N/A", "\\N", '""']);

/** Most cells in a header: wider lines are data, not a header we can use. */
const MAX_COLUMNS = 64;

/** The type a header cell names, or null. */
function columnType(cell: string, others: readonly string[]): PhiType | null {
  const name = cell.replaceAll('"', "").trim();
  const type = sensitiveKeyType(name);
  if (type !== null) return type;
  const compact = compactKey(name);
  if (NAME_PART_HEADERS.has(compact)) return "PERSON_NAME";
  if (compact === "name" && others.some((o) => o !== cell && sensitiveKeyType(o) !== null)) {
    return "PERSON_NAME";
  }
  return null;
}

/**
 * [start, end) of each cell of line [s, e) split on `delim`, quotes respected; in a Markdown
 * table (`markdown`) quotes are text and `\|` is no delimiter.
 */
function cells(
  t: string,
  s: number,
  e: number,
  delim: number,
  markdown: boolean,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = s;
  let quoted = false;
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i);
    if (c === QUOTE && !markdown) quoted = !quoted;
    else if (c === delim && !quoted && !(markdown && t.charCodeAt(i - 1) === BACKSLASH)) {
      out.push([start, i]);
      start = i + 1;
      if (out.length > MAX_COLUMNS) return out;
    }
  }
  out.push([start, e]);
  return out;
}

/** How many cells line [s, e) has split on `delim` (cells() without building them). */
function cellCount(t: string, s: number, e: number, delim: number, markdown: boolean): number {
  let count = 1;
  let quoted = false;
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i);
    if (c === QUOTE && !markdown) quoted = !quoted;
    else if (
      c === delim && !quoted && !(markdown && t.charCodeAt(i - 1) === BACKSLASH) &&
      ++count > MAX_COLUMNS + 1
    ) return count;
  }
  return count;
}

const PIPE = 124;
const BACKSLASH = 92;

/** Where a Markdown row [s, e) starts past its leading '|' (s when there is none). */
function pipeStart(t: string, s: number, e: number): number {
  let a = s;
  while (a < e && (t.charCodeAt(a) === 32 || t.charCodeAt(a) === 9)) a++;
  return a < e && t.charCodeAt(a) === PIPE ? a + 1 : s;
}

/** Where a Markdown row [s, e) ends before its trailing '|' (e when there is none). */
function pipeEnd(t: string, s: number, e: number): number {
  let b = e;
  while (b > s && (t.charCodeAt(b - 1) === 32 || t.charCodeAt(b - 1) === 9)) b--;
  // An escaped pipe at the end (`| a \|`) is the last cell's text.
  return b > s && t.charCodeAt(b - 1) === PIPE && t.charCodeAt(b - 2) !== BACKSLASH ? b - 1 : e;
}

/** True when line [s, e) is a Markdown table's rule (`|---|:--:|`): '-', ':', '|' and spaces. */
function ruleLine(t: string, s: number, e: number): boolean {
  let dash = false;
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i);
    if (c === 45) dash = true;
    else if (c !== 58 && c !== PIPE && c !== 32 && c !== 9) return false;
  }
  return dash;
}

/** End of the line starting at s (before CR LF or LF). */
function lineEnd(t: string, s: number): number {
  const lf = t.indexOf("\n", s);
  const e = lf < 0 ? t.length : lf;
  return e > s && t.charCodeAt(e - 1) === CR ? e - 1 : e;
}

/** Start of the line after the one starting at s, or -1 at the last line. */
function nextLine(t: string, s: number): number {
  const lf = t.indexOf("\n", s);
  return lf < 0 ? -1 : lf + 1;
}

/**
 * The header's delimiter and column types, or null when line [s, e) is no usable header or
 * when the first row under it, [rowStart, rowEnd), cannot be one of its rows.
 */
function readHeader(
  t: string,
  s: number,
  e: number,
  rowStart: number,
  rowEnd: number,
): { delim: number; types: Array<PhiType | null>; count: number; markdown: boolean } | null {
  // Which delimiters the line holds, read once (a search past the line's end, for each line,
  // would make a long log quadratic).
  let present = 0;
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i);
    if (c < 128) present |= DELIMITER_BIT[c]!;
  }
  for (const [k, delim] of DELIMITERS.entries()) {
    if ((present & (1 << k)) === 0) continue;
    // A Markdown table's header (`| mrn | dob |`): the cells between the outer pipes; its
    // first row may be the rule under it (`|---|---|`).
    let hs = s;
    let he = e;
    let rs = rowStart;
    let re = rowEnd;
    let markdown = false;
    if (delim === PIPE) {
      hs = pipeStart(t, s, e);
      he = pipeEnd(t, hs, e);
      rs = pipeStart(t, rowStart, rowEnd);
      re = pipeEnd(t, rs, rowEnd);
      markdown = ruleLine(t, rowStart, rowEnd);
    }
    const spans = cells(t, hs, he, delim, markdown);
    if (spans.length < 2 || spans.length > MAX_COLUMNS) continue;
    // A header's rows have as many cells. When no later delimiter could make another header,
    // a first row with another count leaves nothing to redact: no need to read the names (a
    // line of prose with commas, "Court, municipal, and license clerk", passes as a header).
    if (
      (present >> (k + 1)) === 0 && cellCount(t, rs, re, delim, markdown) !== spans.length
    ) return null;
    const names = spans.map(([a, b]) => t.slice(a, b).trim());
    if (!names.every((n) => HEADER_CELL.test(n))) continue;
    const types = names.map((n) => columnType(n, names));
    if (types.every((type) => type === null)) continue;
    return { delim, types, count: spans.length, markdown };
  }
  return null;
}

/** Hits for the identifier columns of every delimited table with a header in ctx's text. */
export function detectDelimitedColumns(ctx: TextCtx): void {
  const t = ctx.t;
  let s = 0;
  while (s >= 0 && s < t.length) {
    const e = lineEnd(t, s);
    let next = nextLine(t, s);
    // A header needs a row under it.
    const rowEnd = next >= 0 && next < t.length ? lineEnd(t, next) : -1;
    const header = e > s && rowEnd > next ? readHeader(t, s, e, next, rowEnd) : null;
    if (header !== null) {
      // The rows under it: same delimiter, same number of cells.
      while (next >= 0 && next < t.length) {
        const rowEnd = lineEnd(t, next);
        if (rowEnd === next) break;
        let rs = next;
        let re = rowEnd;
        if (header.delim === PIPE) {
          // A Markdown table: the cells between the outer pipes, its rule passed over.
          if (ruleLine(t, next, rowEnd)) {
            next = nextLine(t, next);
            continue;
          }
          rs = pipeStart(t, next, rowEnd);
          re = pipeEnd(t, rs, rowEnd);
        }
        const spans = cells(t, rs, re, header.delim, header.markdown);
        if (header.markdown ? rs === next && spans.length === 1 : spans.length !== header.count) {
          break;
        }
        const width = spans.length < header.count ? spans.length : header.count;
        for (let k = 0; k < width; k++) {
          const type = header.types[k];
          if (type === null || type === undefined) continue;
          const [a, b] = spans[k]!;
          if (EMPTY_VALUES.has(t.slice(a, b).trim())) continue;
          hit(ctx, a, b, type);
        }
        next = nextLine(t, next);
      }
    }
    s = next;
  }
}

/** Whether a text may hold a table this detector reads: a line break and a delimiter. */
export function mayHoldTable(t: string): boolean {
  if (t.indexOf("\n") < 0) return false;
  return t.indexOf(",") >= 0 || t.indexOf("\t") >= 0 || t.indexOf(";") >= 0 ||
    t.indexOf("|") >= 0;
}
