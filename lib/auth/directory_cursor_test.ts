import assert from "node:assert/strict";
import { createDirectoryCursors, DIRECTORY_CURSOR_MAX } from "./directory_cursor.ts";

const SECRET = "directory-cursor-test-secret-0123";

Deno.test("a cursor opens to the email it was sealed with, under the same secret only", () => {
  const cursors = createDirectoryCursors(SECRET);
  const email = "jane.doe@example.org";
  const cursor = cursors.seal(email);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.ok(!atob(cursor.replaceAll("-", "+").replaceAll("_", "/")).includes("example.org"));
  assert.equal(cursors.open(cursor), email);
  // Another instance of the deployment (same secret) opens it; another deployment does not.
  assert.equal(createDirectoryCursors(SECRET).open(cursor), email);
  assert.equal(createDirectoryCursors("another-secret-0123456789abc").open(cursor), undefined);
  // Each seal is new (random IV): two cursors for one place are not linkable by equality.
  assert.notEqual(cursors.seal(email), cursor);
});

Deno.test("a cursor cut short, edited or made up does not open", () => {
  const cursors = createDirectoryCursors(SECRET);
  const cursor = cursors.seal("someone@example.org");
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
  for (const edited of edits) assert.equal(cursors.open(edited), undefined, edited);
});

Deno.test("the longest email seals within DIRECTORY_CURSOR_MAX", () => {
  const cursors = createDirectoryCursors(SECRET);
  // 254 characters as the database counts them (code points), 4 bytes each in UTF-8.
  const email = `${"\u{1F600}".repeat(64)}@${"\u{1F600}".repeat(185)}.org`;
  assert.equal([...email].length, 254);
  const cursor = cursors.seal(email);
  assert.ok(cursor.length <= DIRECTORY_CURSOR_MAX, `${cursor.length}`);
  assert.equal(cursors.open(cursor), email);
});
