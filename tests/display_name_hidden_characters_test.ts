/**
 * A display name holding control characters (a terminal's escape sequence, a bell), text-direction
 * controls (a right-to-left override turns the rest of the line around) or invisible
 * characters (a zero-width space) is refused by the API, create and change, and nothing is stored:
 * such names are shown as the actor in the governance and audit logs, where they would make one
 * person look like another or rewrite the line they are printed on. PGlite.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { assertDisplayNamesRefused } from "./helpers/display_names.ts";

const NAMES = [
  "Adm\u202enimda \u200bJane",
  "Jane\u0007\u001b[31mDoe",
  "\u2067Jane Doe\u2069",
  "Jane\u200f Doe",
  "Jane\u2028Doe",
];

Deno.test("POST and PATCH /api/admin/users refuse a display name with control, text-direction or invisible characters, and store nothing", async () => {
  await withTestApp((app) =>
    assertDisplayNamesRefused(app, NAMES, ({ label, problem }) => {
      assert.equal(
        problem.detail,
        "Display name: a person's name only, without control characters, text-direction " +
          "marks or invisible characters",
        label,
      );
    })
  );
});
