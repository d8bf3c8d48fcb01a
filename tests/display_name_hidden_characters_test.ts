/**
 * A display name holding control characters (a terminal's escape sequence, a bell), text-direction
 * controls (a right-to-left override turns the rest of the line around) or invisible
 * characters (a zero-width space) is refused by the API, create and change, and nothing is stored:
 * such names are shown as the actor in the governance and audit logs, where they would make one
 * person look like another or rewrite the line they are printed on. PGlite.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { createUser, signInAs } from "./helpers/auth.ts";

const NAMES = [
  "Adm\u202enimda \u200bJane",
  "Jane\u0007\u001b[31mDoe",
  "\u2067Jane Doe\u2069",
  "Jane\u200f Doe",
  "Jane\u2028Doe",
];

Deno.test("POST and PATCH /api/admin/users refuse a display name with control, text-direction or invisible characters, and store nothing", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const user = await createUser(app, { role: "RESEARCHER", displayName: "Dana Other" });
    for (const [i, displayName] of NAMES.entries()) {
      for (
        const [path, method, body] of [
          ["/api/admin/users", "POST", {
            email: `hidden${i}@example.org`,
            role: "RESEARCHER",
            displayName,
          }],
          [`/api/admin/users/${user.id}`, "PATCH", { displayName }],
        ] as const
      ) {
        const response = await app.request(path, {
          method,
          headers: admin.headers({ "content-type": "application/json" }),
          body: JSON.stringify(body),
        });
        const label = `${method} ${JSON.stringify(displayName)}`;
        assert.equal(response.status, 400, label);
        const problem = await response.json() as {
          code: string;
          detail: string;
          errors: { path: string; message: string }[];
        };
        assert.equal(problem.code, "VALIDATION_FAILED", label);
        assert.equal(
          problem.detail,
          "Display name: a person's name only, without control characters, text-direction " +
            "marks or invisible characters",
          label,
        );
        assert.deepEqual(problem.errors.map((e) => e.path), ["$.displayName"], label);
      }
    }
    const rows = await app.db.query<{ display_name: string }>("SELECT display_name FROM users");
    const stored = rows.map((row) => row.display_name);
    for (const name of NAMES) assert.ok(!stored.includes(name), JSON.stringify(name));
    assert.ok(stored.includes("Dana Other"), "the old name is kept");
  });
});
