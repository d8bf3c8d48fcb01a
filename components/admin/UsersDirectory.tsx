/**
 * The accounts directory's controls on /admin/users: the search box, the results summary and the
 * page links (keyset paging in email order, the search kept). No JavaScript needed.
 */
import type { DirectoryPage } from "../../lib/auth/user_directory.ts";
import { DIRECTORY_SEARCH_MAX } from "../../lib/auth/user_directory.ts";
import { FieldError, fieldErrorAttrs, type FormError } from "../forms.tsx";
import { hrefOf, USERS_PAGE_SIZE, USERS_PATH, type UsersListing } from "./users_listing.ts";

const SEARCH_FIELD = "users-q";
const SEARCH_HINT = "users-q-hint";
/** The id of the results summary, which the accounts table is described by. */
export const USERS_SUMMARY_ID = "users-summary";

const count = (n: number) => n.toLocaleString("en-US");
const accounts = (n: number) => `${count(n)} account${n === 1 ? "" : "s"}`;

/** The hidden field that brings a form's sender back to the listing it was sent from. */
export function ReturnField({ listing }: { listing: UsersListing }) {
  return <input type="hidden" name="return" value={hrefOf(listing)} />;
}

/** The search form: by email or display name. */
export function UsersSearch(
  { listing, error }: { listing: UsersListing; error?: string | undefined },
) {
  const errors: FormError[] = error ? [{ message: error, field: SEARCH_FIELD }] : [];
  return (
    // The results come into view (and a screen reader starts at their summary); the fragment
    // also keeps this form apart from the add-account form, which posts to the same path.
    <form
      method="get"
      action={`${USERS_PATH}#${USERS_SUMMARY_ID}`}
      class="panel filter-form"
      role="search"
      aria-label="Search accounts"
    >
      <label for={SEARCH_FIELD}>Search accounts</label>
      <input
        type="search"
        id={SEARCH_FIELD}
        name="q"
        value={listing.q}
        maxLength={DIRECTORY_SEARCH_MAX}
        autocomplete="off"
        {...fieldErrorAttrs(errors, SEARCH_FIELD, SEARCH_HINT)}
      />
      <span class="field-hint" id={SEARCH_HINT}>
        Part of an email address or a name, in any case.
      </span>
      <FieldError errors={errors} field={SEARCH_FIELD} />
      <button type="submit" class="button">Search</button>
      {listing.q && (
        <>
          {" "}
          <a href={USERS_PATH}>Clear the search</a>
        </>
      )}
    </form>
  );
}

/**
 * What the table shows: how many accounts (and how many match the search), which of them; or,
 * after a failed action (`focused`), only the account it was about, with the way back.
 */
export function UsersSummary(
  { page, listing, focused }: { page: DirectoryPage; listing: UsersListing; focused: boolean },
) {
  if (focused) {
    return (
      <p id={USERS_SUMMARY_ID} role="status">
        Showing the account your change was about.{" "}
        <a href={hrefOf(listing)}>Back to the list of accounts</a>
      </p>
    );
  }
  const shown = page.users.length;
  const range = shown > 0 ? `${count(page.offset + 1)}–${count(page.offset + shown)}` : "";
  if (!listing.q) {
    return (
      <p id={USERS_SUMMARY_ID} role="status">
        {shown > 0 ? `Showing ${range} of ${accounts(page.total)}.` : "No accounts."}
      </p>
    );
  }
  if (page.matching === 0) {
    return (
      <p id={USERS_SUMMARY_ID} role="status">
        No account matches “<bdi>{listing.q}</bdi>” (of {accounts(page.total)}).{" "}
        <a href={USERS_PATH}>Show every account</a>
      </p>
    );
  }
  return (
    <p id={USERS_SUMMARY_ID} role="status">
      {count(page.matching)} of {accounts(page.total)} {page.matching === 1 ? "matches" : "match"}
      {" "}
      “<bdi>{listing.q}</bdi>”. Showing {range}.
    </p>
  );
}

/**
 * First, previous, this page, next and last: each keeps the search and leads to the summary (the
 * listing comes into view, not the top of the page).
 */
export function UsersPager({ page, listing }: { page: DirectoryPage; listing: UsersListing }) {
  const shown = page.users.length;
  if (shown === 0 || shown >= page.matching) return null;
  const to = (part: UsersListing) => hrefOf(part, [], USERS_SUMMARY_ID);
  const q = { q: listing.q };
  const pages = Math.ceil(page.matching / USERS_PAGE_SIZE);
  const current = Math.min(pages, Math.ceil((page.offset + shown) / USERS_PAGE_SIZE));
  return (
    <nav aria-label="Pages of accounts">
      <p>
        {page.previousBefore && (
          <>
            <a class="button" href={to(q)}>First page</a>{" "}
            <a class="button" href={to({ ...q, before: page.previousBefore })} rel="prev">
              Previous {USERS_PAGE_SIZE}
            </a>
            {" "}
          </>
        )}
        <a href={to(listing)} aria-current="page">
          Page {count(current)} of {count(pages)}
        </a>
        {page.nextAfter && (
          <>
            {" "}
            <a class="button" href={to({ ...q, after: page.nextAfter })} rel="next">
              Next {USERS_PAGE_SIZE}
            </a>{" "}
            <a class="button" href={to({ ...q, last: true })}>Last page</a>
          </>
        )}
      </p>
    </nav>
  );
}
