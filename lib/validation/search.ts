/**
 * The text of a listing's search box (`/flags`, `/admin/users`, `GET /api/admin/users`), read one
 * way everywhere: control characters (NUL included, which the database refuses) become spaces,
 * and the ends are trimmed.
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
