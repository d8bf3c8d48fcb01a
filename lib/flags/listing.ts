/**
 * Which part of the flags /flags shows: a search (part of a key or a description, in any case),
 * the page of the live flags and the page of the archived flags, read from the page's query or
 * from a form's `return` field; the links to it; and one page of a list. Pure: no I/O.
 *
 * A `return` field is only ever a /flags listing: it is parsed here and the link rebuilt from the
 * parameters this module knows (never echoed), so a form cannot send anyone elsewhere.
 */
import { z } from "zod";
import { foldCase, searchSchema } from "../validation/search.ts";

/** Flags per page, live and archived alike. */
export const FLAGS_PAGE_SIZE = 50;

/** The longest search; a longer one is refused (the whole list is shown, with a field error). */
export const FLAG_SEARCH_MAX = 100;

/** The flags page's path. */
export const FLAGS_PATH = "/flags";

/** What /flags shows: a search and a page of each list (1-based). */
export interface FlagsListing {
  /** The search as typed (trimmed); empty: every flag. */
  q: string;
  /** The page of the live flags (`page`). */
  page: number;
  /** The page of the archived flags (`archived_page`). */
  archivedPage: number;
}

/** The first page of every flag. */
export const EVERY_FLAG: FlagsListing = { q: "", page: 1, archivedPage: 1 };

/** What the search box says about a search it refused (never the search itself). */
export const SEARCH_TOO_LONG =
  `Search: at most ${FLAG_SEARCH_MAX} characters of a key or a description. Every flag is ` +
  "shown instead.";

const Search = searchSchema(FLAG_SEARCH_MAX);
/**
 * The highest page number a listing keeps: a larger one (up to 20 digits) is read as this one,
 * which its links write back digit for digit (a 20-digit number read as it is loses precision and
 * is written back as 21 digits or in exponent form, which reads as the first page).
 */
export const PAGE_NUMBER_MAX = Number.MAX_SAFE_INTEGER;

// A page number as the links write it; a number beyond the last page is the last page (see
// pageWindow), anything else (0, -1, 2.5, abc, 21 digits) the first.
const PageNumber = z.string().regex(/^[0-9]{1,20}$/)
  .transform((digits) => Math.min(PAGE_NUMBER_MAX, Number(digits)))
  .pipe(z.number().min(1));

const pageOf = (value: string | undefined) => {
  const parsed = PageNumber.safeParse(value);
  return parsed.success ? parsed.data : 1;
};

/** The listing a query names; a search too long is dropped (`error`), a bad page is the first. */
export function listingOf(
  query: (name: string) => string | undefined,
): { listing: FlagsListing; error?: string } {
  const search = Search.safeParse(query("q") ?? "");
  const listing: FlagsListing = {
    q: search.success ? search.data : "",
    page: pageOf(query("page")),
    archivedPage: pageOf(query("archived_page")),
  };
  return search.success ? { listing } : { listing, error: SEARCH_TOO_LONG };
}

/** The link to `listing` (to `#fragment` in it, when given). */
export function hrefOf(listing: FlagsListing, fragment?: string): string {
  const params = new URLSearchParams();
  if (listing.q) params.set("q", listing.q);
  if (listing.page > 1) params.set("page", String(listing.page));
  if (listing.archivedPage > 1) params.set("archived_page", String(listing.archivedPage));
  const query = params.toString();
  return `${FLAGS_PATH}${query ? `?${query}` : ""}${fragment ? `#${fragment}` : ""}`;
}

/**
 * The listing a form's `return` field names: a /flags link (as {@link hrefOf} makes), its search
 * within bounds; anything else (another path or host, a search too long) is the first page.
 */
export function returnListing(value: string | undefined): FlagsListing {
  if (value === undefined || value.length > 1000) return EVERY_FLAG;
  const match = /^\/flags(?:\?([^#]*))?$/.exec(value);
  if (!match) return EVERY_FLAG;
  const params = new URLSearchParams(match[1] ?? "");
  const { listing, error } = listingOf((name) => params.get(name) ?? undefined);
  return error ? EVERY_FLAG : listing;
}

/** One page of a list, and where it is in the list. */
export interface ListedPage<T> {
  items: T[];
  /** Every item, and those the search matches (equal without a search). */
  total: number;
  matching: number;
  /** The page shown (1-based; the last one when a later one was asked for) and how many. */
  page: number;
  pages: number;
  /** How many matching items come before this page (its first is number offset + 1). */
  offset: number;
}

/**
 * The page `page` of `matching` items, `size` a page: a page beyond the last is the last (a list
 * with nothing in it has one, empty, page).
 */
export function pageWindow(
  page: number,
  matching: number,
  size: number = FLAGS_PAGE_SIZE,
): { page: number; pages: number; offset: number } {
  const pages = Math.max(1, Math.ceil(matching / size));
  const shown = Math.min(pages, Math.max(1, Math.trunc(page)));
  return { page: shown, pages, offset: (shown - 1) * size };
}

/**
 * The search as matched: each character lower-cased on its own ({@link foldCase}), the rule the
 * store's `lower()` follows for the archived flags, so a search matches both lists alike.
 */
export function needleOf(search: string): string {
  return foldCase(search.trim());
}

/** Whether the flag's key or description holds `needle` (see {@link needleOf}); '' holds. */
export function flagMatches(
  flag: { key: string; description: string | null },
  needle: string,
): boolean {
  return needle === "" || foldCase(flag.key).includes(needle) ||
    foldCase(flag.description ?? "").includes(needle);
}

/** The page `page` of the flags (in their order) that the search `q` matches. */
export function listPage<T extends { key: string; description: string | null }>(
  flags: readonly T[],
  q: string,
  page: number,
  size: number = FLAGS_PAGE_SIZE,
): ListedPage<T> {
  const needle = needleOf(q);
  const found = needle === "" ? flags : flags.filter((flag) => flagMatches(flag, needle));
  const window = pageWindow(page, found.length, size);
  return {
    items: found.slice(window.offset, window.offset + size),
    total: flags.length,
    matching: found.length,
    ...window,
  };
}
