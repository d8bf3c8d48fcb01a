/**
 * Which part of the accounts directory /admin/users shows (a search, a page boundary), read from
 * its query or from a form's `return` field, and the links to it. Pure: no I/O.
 *
 * A `return` field is only ever a /admin/users listing: it is parsed here and the link rebuilt
 * from the parameters this module knows (never echoed), so a form cannot be made to send the
 * administrator anywhere else (no open redirect).
 */
import { z } from "zod";
import { searchSchema } from "../../lib/validation/search.ts";
import { DIRECTORY_SEARCH_MAX } from "../../lib/auth/user_directory.ts";

/** Accounts per page. */
export const USERS_PAGE_SIZE = 50;

/** The users page's path. */
export const USERS_PATH = "/admin/users";

/** A part of the directory: a search and at most one boundary. */
export interface UsersListing {
  /** The search as typed (trimmed); empty: every account. */
  q: string;
  after?: string;
  before?: string;
  last?: boolean;
}

/** What the search box says about a search it refused (never the search itself). */
export const SEARCH_TOO_LONG =
  `Search: at most ${DIRECTORY_SEARCH_MAX} characters of an email or a name. The whole list is ` +
  "shown instead.";

const Search = searchSchema(DIRECTORY_SEARCH_MAX);
// An account id, as the page's links name it; anything else names no boundary (the first page).
const Boundary = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);

/** The listing a query names; a search too long is dropped (`error`), a bad boundary ignored. */
export function listingOf(
  query: (name: string) => string | undefined,
): { listing: UsersListing; error?: string } {
  const search = Search.safeParse(query("q") ?? "");
  const after = Boundary.safeParse(query("after"));
  const before = Boundary.safeParse(query("before"));
  const listing: UsersListing = {
    q: search.success ? search.data : "",
    ...(after.success
      ? { after: after.data }
      : before.success
      ? { before: before.data }
      : query("last") === "1"
      ? { last: true }
      : {}),
  };
  return search.success ? { listing } : { listing, error: SEARCH_TOO_LONG };
}

/**
 * The link to `listing`, with `extra` parameters (a notice) after its own, to `#fragment` in it
 * when given.
 */
export function hrefOf(
  listing: UsersListing,
  extra: [string, string][] = [],
  fragment?: string,
): string {
  const params = new URLSearchParams();
  if (listing.q) params.set("q", listing.q);
  if (listing.after) params.set("after", listing.after);
  else if (listing.before) params.set("before", listing.before);
  else if (listing.last) params.set("last", "1");
  for (const [name, value] of extra) params.append(name, value);
  const query = params.toString();
  return `${USERS_PATH}${query ? `?${query}` : ""}${fragment ? `#${fragment}` : ""}`;
}

/**
 * The listing a form's `return` field names: a /admin/users link (as {@link hrefOf} makes), its
 * search within bounds; anything else (another path or host, a search too long) is the plain
 * first page.
 */
export function returnListing(value: string | undefined): UsersListing {
  const plain = { q: "" };
  if (value === undefined || value.length > 1000) return plain;
  const match = /^\/admin\/users(?:\?([^#]*))?$/.exec(value);
  if (!match) return plain;
  const params = new URLSearchParams(match[1] ?? "");
  const { listing, error } = listingOf((name) => params.get(name) ?? undefined);
  return error ? plain : listing;
}
