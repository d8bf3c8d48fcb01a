import assert from "node:assert/strict";
import {
  EVERY_FLAG,
  FLAG_SEARCH_MAX,
  flagMatches,
  hrefOf,
  listingOf,
  listPage,
  PAGE_NUMBER_MAX,
  pageWindow,
  returnListing,
  SEARCH_TOO_LONG,
} from "./listing.ts";

const query = (params: Record<string, string>) => (name: string) => params[name];

Deno.test("listingOf: the search trimmed, control characters as spaces; page numbers or 1", () => {
  assert.deepEqual(listingOf(query({})), { listing: EVERY_FLAG });
  assert.deepEqual(
    listingOf(query({ q: "  Beta\u0000search ", page: "3", archived_page: "12" })).listing,
    { q: "Beta search", page: 3, archivedPage: 12 },
  );
  for (const bad of ["0", "-1", "2.5", "abc", "1e3", " 2", "", "9".repeat(21)]) {
    assert.deepEqual(
      listingOf(query({ page: bad, archived_page: bad })).listing,
      EVERY_FLAG,
      JSON.stringify(bad),
    );
  }
  // A number beyond any list is kept: the page shown is the last (pageWindow).
  assert.equal(listingOf(query({ page: "9".repeat(20) })).listing.page, PAGE_NUMBER_MAX);
  const long = listingOf(query({ q: "x".repeat(FLAG_SEARCH_MAX + 1), page: "2" }));
  assert.deepEqual(long, { listing: { q: "", page: 2, archivedPage: 1 }, error: SEARCH_TOO_LONG });
  assert.ok(!SEARCH_TOO_LONG.includes("x"));
  assert.equal(listingOf(query({ q: "x".repeat(FLAG_SEARCH_MAX) })).error, undefined);
});

Deno.test("hrefOf and returnListing: a /flags link both ways; anything else is the first page", () => {
  assert.equal(hrefOf(EVERY_FLAG), "/flags");
  const listing = { q: "a&b #c", page: 2, archivedPage: 3 };
  const href = hrefOf(listing);
  assert.equal(href, "/flags?q=a%26b+%23c&page=2&archived_page=3");
  assert.equal(
    hrefOf({ ...listing, q: "" }, "archived-heading"),
    "/flags?page=2&archived_page=3#archived-heading",
  );
  assert.deepEqual(returnListing(href), listing);
  for (
    const other of [
      undefined,
      "",
      "//evil.example/flags",
      "https://evil.example/flags?page=2",
      "/flagsX?page=2",
      "/flags/../logout",
      "/flags?page=2#x",
      `/flags?q=${"y".repeat(FLAG_SEARCH_MAX + 1)}&page=2`,
      `/flags?page=2&${"z".repeat(1000)}`,
    ]
  ) {
    assert.deepEqual(returnListing(other), EVERY_FLAG, String(other));
  }
});

Deno.test("pageWindow: a page beyond the last is the last; an empty list has one page", () => {
  assert.deepEqual(pageWindow(1, 0, 50), { page: 1, pages: 1, offset: 0 });
  assert.deepEqual(pageWindow(3, 120, 50), { page: 3, pages: 3, offset: 100 });
  assert.deepEqual(pageWindow(4, 120, 50), { page: 3, pages: 3, offset: 100 });
  assert.deepEqual(pageWindow(1e20, 100, 50), { page: 2, pages: 2, offset: 50 });
  assert.deepEqual(pageWindow(0, 100, 50), { page: 1, pages: 2, offset: 0 });
});

Deno.test("listPage: key or description, any case, the list's order kept; counts and window", () => {
  const flags = Array.from({ length: 120 }, (_, i) => ({
    key: `flag.${String(i + 1).padStart(3, "0")}`,
    description: (i + 1) % 7 === 0 ? `Oncology Ward ${i + 1}` : null,
  }));
  const first = listPage(flags, "", 1);
  assert.equal(first.items.length, 50);
  assert.deepEqual([first.total, first.matching, first.page, first.pages, first.offset], [
    120,
    120,
    1,
    3,
    0,
  ]);
  const last = listPage(flags, "", 9);
  assert.deepEqual(last.items.map((f) => f.key), flags.slice(100).map((f) => f.key));
  assert.equal(last.page, 3);
  const found = listPage(flags, " oncology WARD ", 1);
  assert.equal(found.matching, 17);
  assert.deepEqual(found.items.map((f) => f.key).slice(0, 2), ["flag.007", "flag.014"]);
  assert.deepEqual(listPage(flags, "FLAG.11", 1).items.length, 10);
  // Nothing matches: one empty page.
  const none = listPage(flags, "%", 4);
  assert.deepEqual([none.items, none.matching, none.page, none.pages], [[], 0, 1, 1]);
  assert.equal(flagMatches({ key: "a.b", description: null }, ""), true);
});

Deno.test("listingOf and hrefOf: a page number of up to 20 digits is kept as an integer its link reads back", () => {
  for (const digits of ["99999999999999999999", "12345678901234567890", "9007199254740993"]) {
    const { listing } = listingOf(query({ page: digits, archived_page: digits }));
    assert.ok(Number.isSafeInteger(listing.page), digits);
    assert.ok(Number.isSafeInteger(listing.archivedPage), digits);
    const href = hrefOf(listing);
    assert.match(href, /^\/flags\?page=[0-9]+&archived_page=[0-9]+$/, href);
    assert.deepEqual(returnListing(href), listing, href);
  }
});
