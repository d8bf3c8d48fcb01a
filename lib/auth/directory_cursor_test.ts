import assert from "node:assert/strict";
import { createDirectoryCursors, DIRECTORY_CURSOR_MAX } from "./directory_cursor.ts";
import { DIRECTORY_SEARCH_MAX, directorySearch } from "./user_directory.ts";

const SECRET = "directory-cursor-test-secret-0123";

Deno.test("a cursor opens to the email it was sealed with, under the same secret only", () => {
  const cursors = createDirectoryCursors(SECRET);
  const email = "jane.doe@example.org";
  const cursor = cursors.seal(email, "");
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.ok(!atob(cursor.replaceAll("-", "+").replaceAll("_", "/")).includes("example.org"));
  assert.equal(cursors.open(cursor, ""), email);
  // Another instance of the deployment (same secret) opens it; another deployment does not.
  assert.equal(createDirectoryCursors(SECRET).open(cursor, ""), email);
  assert.equal(createDirectoryCursors("another-secret-0123456789abc").open(cursor, ""), undefined);
  // Each seal is new (random IV): two cursors for one place are not linkable by equality.
  assert.notEqual(cursors.seal(email, ""), cursor);
});

Deno.test("a cursor opens only with the search it was sealed for", () => {
  const cursors = createDirectoryCursors(SECRET);
  const email = "jane.doe@example.org";
  const searched = cursors.seal(email, "doe");
  const plain = cursors.seal(email, "");
  assert.equal(cursors.open(searched, "doe"), email);
  assert.equal(cursors.open(plain, ""), email);
  // Another search, the search left out or added, a search that only starts alike: not ours.
  for (const other of ["", "do", "doe ", "doex", "DOE", "jane"]) {
    assert.equal(cursors.open(searched, other), undefined, JSON.stringify(other));
  }
  for (const other of ["doe", " ", "\n"]) {
    assert.equal(cursors.open(plain, other), undefined, JSON.stringify(other));
  }
  // The search is not carried in the cursor: it is no longer for a longer search.
  assert.equal(searched.length, plain.length);
});

Deno.test("a cursor cut short, edited or made up does not open", () => {
  const cursors = createDirectoryCursors(SECRET);
  const cursor = cursors.seal("someone@example.org", "");
  const edits = [
    "",
    "x",
    cursor.slice(0, -1),
    cursor.slice(1),
    cursor + "A",
    cursor.slice(0, 10) + (cursor[10] === "A" ? "B" : "A") + cursor.slice(11),
    cursor.replace(/[A-Za-z]/, "+"),
    btoa("someone@example.org"),
    "A".repeat(40),
    "A".repeat(DIRECTORY_CURSOR_MAX + 1),
  ];
  for (const edited of edits) assert.equal(cursors.open(edited, ""), undefined, edited);
});

Deno.test("the longest email with the longest search seals within DIRECTORY_CURSOR_MAX", () => {
  const cursors = createDirectoryCursors(SECRET);
  // 254 characters as the database counts them (code points), 4 bytes each in UTF-8.
  const email = `${"\u{1F600}".repeat(64)}@${"\u{1F600}".repeat(185)}.org`;
  assert.equal([...email].length, 254);
  // The longest search the API takes (100 UTF-16 units), of characters that take more bytes
  // once lower-cased (U+0130, 2 bytes in UTF-8, is i): the cursor's length does not depend on it.
  const search = directorySearch("\u{1F600}".repeat(DIRECTORY_SEARCH_MAX / 2));
  assert.equal(search.length, DIRECTORY_SEARCH_MAX);
  for (const bound of ["", search]) {
    const cursor = cursors.seal(email, bound);
    assert.ok(cursor.length <= DIRECTORY_CURSOR_MAX, `${cursor.length}`);
    assert.equal(cursors.open(cursor, bound), email);
  }
});

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The cursor with its last character's lowest bit flipped (a bit left over when its byte count is not a multiple of 3). */
function lastBitFlipped(cursor: string): string {
  const last = BASE64URL.indexOf(cursor.at(-1)!);
  return cursor.slice(0, -1) + BASE64URL[last ^ 1];
}

Deno.test("a cursor opens only as it was written: other trailing bits that decode to the same bytes do not", () => {
  const cursors = createDirectoryCursors(SECRET);
  // 12 bytes of IV, 19 of email and 16 of tag: 47 bytes, the last character holds 2 spare bits.
  const cursor = cursors.seal("someone@example.org", "");
  assert.equal(cursor.length, 63);
  assert.equal(cursors.open(cursor, ""), "someone@example.org");
  const variant = lastBitFlipped(cursor);
  assert.notEqual(variant, cursor);
  assert.equal(cursors.open(variant, ""), undefined, variant);
  // Padding is not part of a cursor either.
  assert.equal(cursors.open(cursor + "=", ""), undefined);
});
