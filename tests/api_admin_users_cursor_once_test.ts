/**
 * GET /api/admin/users opens (decrypts) its cursor once: the query's schema opens it with the
 * search beside it and yields the email it holds, which the handler lists after. It was opened
 * twice, once in the schema's check and again in the handler.
 */
import assert from "node:assert/strict";
import { createDirectoryCursors, type DirectoryCursors } from "../lib/auth/directory_cursor.ts";
import { directorySearch } from "../lib/auth/user_directory.ts";
import { USERS_CURSOR_MESSAGE, usersQuery } from "../routes/api/admin.ts";

/** This deployment's cursors, counting the openings. */
function counted(): { cursors: DirectoryCursors; opened: () => number } {
  const real = createDirectoryCursors("users-cursor-once-secret-0123456789");
  let count = 0;
  return {
    cursors: {
      seal: real.seal,
      open(cursor, search) {
        count++;
        return real.open(cursor, search);
      },
    },
    opened: () => count,
  };
}

Deno.test("the users query opens a cursor once and yields the email it holds, with the search", () => {
  const { cursors, opened } = counted();
  const cursor = cursors.seal("user0042@example.org", directorySearch(" Smith "));
  const parsed = usersQuery(cursors).parse({ cursor, q: " Smith ", limit: "5" });
  assert.deepEqual(parsed, {
    limit: 5,
    q: "Smith",
    search: "smith",
    afterEmail: "user0042@example.org",
  });
  assert.equal(opened(), 1);
  // Without a cursor nothing is opened; the first page.
  assert.deepEqual(usersQuery(cursors).parse({}), { limit: 100, search: "" });
  assert.equal(opened(), 1);
});

Deno.test("a cursor that does not open is one problem at cursor; a bad field stops before opening", () => {
  const { cursors, opened } = counted();
  const cursor = cursors.seal("user0042@example.org", "");
  const other = usersQuery(cursors).safeParse({ cursor, q: "smith" });
  assert.equal(other.success, false);
  assert.deepEqual(other.error?.issues.map((i) => [i.path, i.message]), [[
    ["cursor"],
    USERS_CURSOR_MESSAGE,
  ]]);
  assert.equal(opened(), 1);
  const badLimit = usersQuery(cursors).safeParse({ cursor, limit: "0" });
  assert.deepEqual(badLimit.error?.issues.map((i) => i.path), [["limit"]]);
  assert.equal(opened(), 1);
});
