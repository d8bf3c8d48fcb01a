/**
 * The listing controls of /flags: the search box, the summaries of the live and archived lists,
 * and their page links (each keeps the search and the other list's page). No JavaScript needed.
 */
import {
  FLAG_SEARCH_MAX,
  FLAGS_PAGE_SIZE,
  FLAGS_PATH,
  type FlagsListing,
  hrefOf,
  type ListedPage,
} from "../../lib/flags/listing.ts";
import { FieldError, fieldErrorAttrs, type FormError } from "../forms.tsx";

const SEARCH_FIELD = "flags-q";
const SEARCH_HINT = "flags-q-hint";
/** The id of the live flags' summary, which their table is described by. */
export const FLAGS_SUMMARY_ID = "flags-summary";
/** The id of the archived flags' summary, which their table is described by. */
export const ARCHIVED_SUMMARY_ID = "archived-summary";
/** The archived flags' heading: their page links lead there. */
export const ARCHIVED_HEADING_ID = "archived-heading";

const count = (n: number) => n.toLocaleString("en-US");

/** The hidden field that brings a form's sender back to the listing it was sent from. */
export function ReturnField({ listing }: { listing: FlagsListing }) {
  return <input type="hidden" name="return" value={hrefOf(listing)} />;
}

/** The search form: part of a key or a description, in any case; both lists show what matches. */
export function FlagsSearch(
  { listing, error }: { listing: FlagsListing; error?: string | undefined },
) {
  const errors: FormError[] = error ? [{ message: error, field: SEARCH_FIELD }] : [];
  return (
    // The results come into view (a screen reader starts at their summary); the fragment also
    // keeps this form apart from the create form, which posts to the same path.
    <form
      method="get"
      action={`${FLAGS_PATH}#${FLAGS_SUMMARY_ID}`}
      class="panel filter-form"
      role="search"
      aria-label="Search flags"
    >
      <label for={SEARCH_FIELD}>Search flags</label>
      <input
        type="search"
        id={SEARCH_FIELD}
        name="q"
        value={listing.q}
        maxLength={FLAG_SEARCH_MAX}
        autocomplete="off"
        {...fieldErrorAttrs(errors, SEARCH_FIELD, SEARCH_HINT)}
      />
      <span class="field-hint" id={SEARCH_HINT}>
        Part of a key or a description, in any case. Live and archived flags alike.
      </span>
      <FieldError errors={errors} field={SEARCH_FIELD} />
      <button type="submit" class="button">Search</button>
      {listing.q && (
        <>
          {" "}
          <a href={FLAGS_PATH}>Clear the search</a>
        </>
      )}
    </form>
  );
}

/** How the summary names the items of one list ("5,000 flags", "1 archived flag"). */
type Noun = (n: number) => string;
export const liveFlags: Noun = (n) => `${count(n)} flag${n === 1 ? "" : "s"}`;
export const archivedFlags: Noun = (n) => `${count(n)} archived flag${n === 1 ? "" : "s"}`;

/**
 * What a list shows: how many (and how many match the search), which of them. Nothing when the
 * list is empty, searched or not (the list's own "No flags" says so). `status` (the live list's
 * summary, where the search form leads) makes it the page's status message.
 */
export function ListSummary<T>(
  { id, listed, q, noun, order, status }: {
    id: string;
    status?: boolean;
    listed: ListedPage<T>;
    q: string;
    noun: Noun;
    /** How the list is ordered ("by key"). */
    order: string;
  },
) {
  const shown = listed.items.length;
  const range = `${count(listed.offset + 1)}–${count(listed.offset + shown)}`;
  // An empty list says so itself ("No flags yet."): "None of 0 flags match" beside it, with a
  // link to show every flag, would offer a list that does not exist.
  if (listed.total === 0) return null;
  if (!q) {
    return (
      <p id={id} role={status ? "status" : undefined}>
        Showing {range} of {noun(listed.total)}, {order}.
      </p>
    );
  }
  if (listed.matching === 0) {
    return (
      <p id={id} role={status ? "status" : undefined}>
        None of {noun(listed.total)} {listed.total === 1 ? "matches" : "match"} “<bdi>{q}</bdi>”.
        {" "}
        <a href={FLAGS_PATH}>Show every flag</a>
      </p>
    );
  }
  return (
    <p id={id} role={status ? "status" : undefined}>
      {count(listed.matching)} of {noun(listed.total)} {listed.matching === 1 ? "matches" : "match"}
      {" "}
      “<bdi>{q}</bdi>”. Showing {range}, {order}.
    </p>
  );
}

/**
 * First, previous, this page, next and last of one list: each keeps the search and the other
 * list's page, and leads to `fragment` (the list's summary or heading: the listing comes into
 * view, not the top of the page). `rel` marks the live list's neighbours only (one pair on a page).
 */
export function Pager<T>(
  { listed, listing, label, turn, fragment, rel }: {
    listed: ListedPage<T>;
    listing: FlagsListing;
    label: string;
    /** The listing with this list at `page`. */
    turn: (listing: FlagsListing, page: number) => FlagsListing;
    fragment?: string;
    rel?: boolean;
  },
) {
  if (listed.pages <= 1) return null;
  const to = (page: number) => hrefOf(turn(listing, page), fragment);
  return (
    <nav aria-label={label}>
      <p>
        {listed.page > 1 && (
          <>
            <a class="button" href={to(1)}>First page</a>{" "}
            <a class="button" href={to(listed.page - 1)} rel={rel ? "prev" : undefined}>
              Previous {FLAGS_PAGE_SIZE}
            </a>
            {" "}
          </>
        )}
        <a href={to(listed.page)} aria-current="page">
          Page {count(listed.page)} of {count(listed.pages)}
        </a>
        {listed.page < listed.pages && (
          <>
            {" "}
            <a class="button" href={to(listed.page + 1)} rel={rel ? "next" : undefined}>
              Next {FLAGS_PAGE_SIZE}
            </a>{" "}
            <a class="button" href={to(listed.pages)}>Last page</a>
          </>
        )}
      </p>
    </nav>
  );
}
