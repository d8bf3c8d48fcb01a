/**
 * The accounts directory of /admin/users: one page of accounts in email order, found by a search
 * of email or display name, with counts. Keyset paging (no OFFSET): a page starts after, or ends
 * before, a boundary account named by its id, so that no email goes into a link; a boundary that
 * names no account (removed meanwhile, or made up) is the first page.
 *
 * GET /api/admin/users reads the same directory forward only (`list`), after a position
 * given as an email (the API seals it into its cursor, lib/auth/directory_cursor.ts): the page
 * after an account removed meanwhile still starts right after where it was, so a client following
 * the cursors gets every account that stayed exactly once. Read-only; runs on any
 * {@link Queryable} (the pool, embedded PGlite).
 */
import type { Queryable } from "../db/mod.ts";
import { toUser, type User, USER_COLUMNS, type UserRow } from "./store.ts";
import { foldCase, searchText, sqlFoldCase } from "../validation/search.ts";

/** The longest search; a longer one is refused by the page's schema before it gets here. */
export const DIRECTORY_SEARCH_MAX = 100;

/** Accounts per page at most, for the page and the API. */
export const DIRECTORY_LIMIT_MAX = 200;

/**
 * A search as the directory matches it: control characters (NUL included, which the database
 * refuses) as spaces, trimmed, each character lower-cased on its own and ς as σ ({@link foldCase},
 * as the database folds the columns it compares). Empty: every account.
 */
export function directorySearch(search: string | undefined): string {
  return foldCase(searchText(search ?? ""));
}

/** Which page of the directory to read. */
export interface DirectoryQuery {
  /** Matched case-insensitively anywhere in the email or the display name; empty: every account. */
  search?: string;
  /** The page after this account (by email order), or before it, or the last page. */
  after?: string;
  before?: string;
  last?: boolean;
  /** Accounts per page (1 to 200). */
  limit: number;
}

/** Which accounts to read forward (the API): those after a position, in email order. */
export interface DirectoryListQuery {
  /** As {@link DirectoryQuery.search}. */
  search?: string;
  /** The email of the account the previous part ended with (it need not exist any more). */
  afterEmail?: string;
  /** Accounts at most (1 to {@link DIRECTORY_LIMIT_MAX}). */
  limit: number;
}

export interface DirectoryList {
  users: User[];
  /** Accounts the search matches, all told (every account without a search). */
  matching: number;
  /** The email of the last account listed, when more matching accounts come after it. */
  nextAfterEmail?: string;
}

export interface DirectoryPage {
  users: User[];
  /** Every account, and those the search matches (equal without a search). */
  total: number;
  matching: number;
  /** How many matching accounts come before this page (its first is number offset + 1). */
  offset: number;
  /** The boundaries of the neighbouring pages (ids), when there are any. */
  previousBefore?: string;
  nextAfter?: string;
}

type DirectoryRow = UserRow;
const COLUMNS = USER_COLUMNS;
// A plain substring test ($1 folded by directorySearch, the columns by sqlFoldCase, one rule):
// no LIKE wildcards to escape.
const MATCHES = `($1 = '' OR strpos(${sqlFoldCase("email")}, $1) > 0 OR ` +
  `strpos(${sqlFoldCase("display_name")}, $1) > 0)`;
const EMAIL_OF = (param: string) => `(SELECT email FROM users WHERE id = ${param})`;

function clampLimit(limit: number): number {
  return Math.min(DIRECTORY_LIMIT_MAX, Math.max(1, Math.trunc(limit)));
}

export function createUserDirectory(db: Queryable) {
  async function rows(
    search: string,
    limit: number,
    boundary?: { id: string; side: "after" | "before" } | "last",
  ): Promise<DirectoryRow[]> {
    if (boundary === undefined) {
      return await db.query<DirectoryRow>(
        `SELECT ${COLUMNS} FROM users WHERE ${MATCHES} ORDER BY email LIMIT $2`,
        [search, limit],
      );
    }
    if (boundary === "last") {
      const found = await db.query<DirectoryRow>(
        `SELECT ${COLUMNS} FROM users WHERE ${MATCHES} ORDER BY email DESC LIMIT $2`,
        [search, limit],
      );
      return found.reverse();
    }
    if (boundary.side === "after") {
      return await db.query<DirectoryRow>(
        `SELECT ${COLUMNS} FROM users WHERE ${MATCHES} AND email > ${EMAIL_OF("$3")}
          ORDER BY email LIMIT $2`,
        [search, limit, boundary.id],
      );
    }
    const found = await db.query<DirectoryRow>(
      `SELECT ${COLUMNS} FROM users WHERE ${MATCHES} AND email < ${EMAIL_OF("$3")}
        ORDER BY email DESC LIMIT $2`,
      [search, limit, boundary.id],
    );
    return found.reverse();
  }

  return {
    /** One page of the accounts the search matches, in email order, and the counts. */
    async page(query: DirectoryQuery): Promise<DirectoryPage> {
      const search = directorySearch(query.search);
      const limit = clampLimit(query.limit);
      let found: DirectoryRow[];
      if (query.last) found = await rows(search, limit, "last");
      else if (query.after) found = await rows(search, limit, { id: query.after, side: "after" });
      else if (query.before) {
        found = await rows(search, limit, { id: query.before, side: "before" });
        // Fewer than a page before it (accounts removed meanwhile): the first page, full.
        if (found.length < limit) found = await rows(search, limit);
      } else found = await rows(search, limit);
      // A boundary naming no account, or nothing after it: the first page rather than nothing.
      if (found.length === 0 && (query.after || query.before || query.last)) {
        found = await rows(search, limit);
      }
      const [counts] = await db.query<{ total: number; matching: number; before: number }>(
        `SELECT count(*)::int AS total,
                (count(*) FILTER (WHERE ${MATCHES}))::int AS matching,
                (count(*) FILTER (WHERE ${MATCHES} AND email < $2))::int AS before
           FROM users`,
        [search, found[0]?.email ?? ""],
      );
      const total = counts?.total ?? 0;
      const matching = counts?.matching ?? 0;
      const offset = found.length > 0 ? counts?.before ?? 0 : 0;
      const first = found[0];
      const last = found.at(-1);
      return {
        users: found.map(toUser),
        total,
        matching,
        offset,
        ...(first && offset > 0 ? { previousBefore: first.id } : {}),
        ...(last && offset + found.length < matching ? { nextAfter: last.id } : {}),
      };
    },

    /**
     * Up to `limit` accounts the search matches after `afterEmail` (from the first without it), in
     * email order, and how many match in all. One more row is read to tell whether any follow.
     */
    async list(query: DirectoryListQuery): Promise<DirectoryList> {
      const search = directorySearch(query.search);
      const limit = clampLimit(query.limit);
      const [found, counted] = await Promise.all([
        query.afterEmail === undefined
          ? db.query<DirectoryRow>(
            `SELECT ${COLUMNS} FROM users WHERE ${MATCHES} ORDER BY email LIMIT $2`,
            [search, limit + 1],
          )
          : db.query<DirectoryRow>(
            `SELECT ${COLUMNS} FROM users WHERE ${MATCHES} AND email > $3 ORDER BY email LIMIT $2`,
            [search, limit + 1, query.afterEmail],
          ),
        db.query<{ matching: number }>(
          `SELECT count(*)::int AS matching FROM users WHERE ${MATCHES}`,
          [search],
        ),
      ]);
      const listed = found.slice(0, limit);
      const last = listed.at(-1);
      return {
        users: listed.map(toUser),
        matching: counted[0]?.matching ?? 0,
        ...(last && found.length > limit ? { nextAfterEmail: last.email } : {}),
      };
    },

    /** The account `id`, or undefined. */
    async find(id: string): Promise<User | undefined> {
      const [row] = await db.query<DirectoryRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [
        id,
      ]);
      return row ? toUser(row) : undefined;
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
