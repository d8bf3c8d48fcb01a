/**
 * The text of a listing's search box (`/flags`, `/admin/users`, `GET /api/admin/users`), read one
 * way everywhere: control characters (NUL included, which the database refuses) become spaces,
 * and the ends are trimmed.
 *
 * Case: a search matches in any case, by one rule on both sides of a listing (the live flags are
 * matched here in JavaScript, the archived flags and the accounts by the database): every
 * character is lower-cased on its own, as Postgres's `lower()` does under a UTF-8 locale
 * (`lc_ctype`), and a final sigma ς is read as σ ({@link foldCase}; SQL:
 * {@link sqlFoldCase}). So ΟΔΟΣ, οδοσ and οδος match one another (JavaScript's `toLowerCase()`
 * makes a capital sigma ς at a word's end, `lower()` σ), and a dotted capital I (İ) is i
 * (`toLowerCase()` makes it i followed by a combining dot, `lower()` i). A database whose
 * `lc_ctype` is C lower-cases A-Z only: there only those match in any case.
 */
import { z } from "zod";

/** The search as listings match it. */
export function searchText(value: string): string {
  // deno-lint-ignore no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

/** {@link searchText} as a schema: at most `max` characters once read. */
export function searchSchema(max: number) {
  return z.string().transform(searchText).pipe(z.string().max(max));
}

/**
 * `text` with each character lower-cased on its own (Unicode's simple lower-case mapping, as
 * Postgres's `lower()` does under a UTF-8 locale) and ς read as σ: the one case rule of the
 * listings' searches, which {@link sqlFoldCase} applies in the database. (`toLowerCase()` differs
 * from the mapping character by character only for İ, U+0130, and Σ at a word's end.)
 */
export function foldCase(text: string): string {
  return text.replaceAll("\u0130", "i").toLowerCase().replaceAll("\u03c2", "\u03c3");
}

/** The SQL of {@link foldCase} applied to the expression `sql` (for a text column). */
export function sqlFoldCase(sql: string): string {
  return `translate(lower(${sql}), '\u03c2', '\u03c3')`;
}
