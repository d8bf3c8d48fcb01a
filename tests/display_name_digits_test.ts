/**
 * A display name with a long number is refused whatever script its digits are written in: the
 * review stored "Quenby Zarkowski ５３６２２１２３４" (full-width), "… ٥٣٦٢٢١٢٣٤" (Arabic-Indic)
 * and "… ７７４１２９３" in users.display_name while the ASCII "… 536221234" was refused, because
 * the rule counted ASCII digits only. Create and change both refuse them and store nothing. PGlite.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { createUser, signInAs } from "./helpers/auth.ts";

const NUMBERS = ["５３６２２１２３４", "٥٣٦٢٢١٢٣٤", "７７４１２９３", "۵۳۶۲۲۱۲۳۴", "536221234"];
const NAMES = NUMBERS.map((number) => `Quenby Zarkowski ${number}`);

Deno.test("POST and PATCH /api/admin/users refuse a long number in full-width or Arabic-Indic digits, and store nothing", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const user = await createUser(app, { role: "RESEARCHER", displayName: "Dana Other" });
    for (const [i, displayName] of NAMES.entries()) {
      for (
        const [path, method, body] of [
          ["/api/admin/users", "POST", {
            email: `u${i}@example.org`,
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
        const text = await response.text();
        assert.equal(response.status, 400, `${method} ${displayName}`);
        const problem = JSON.parse(text) as { code: string; errors: { path: string }[] };
        assert.equal(problem.code, "VALIDATION_FAILED");
        assert.deepEqual(problem.errors.map((e) => e.path), ["$.displayName"]);
        assert.ok(!text.includes(NUMBERS[i]!), "the refusal does not quote the number");
      }
    }
    const rows = await app.db.query<{ display_name: string }>("SELECT display_name FROM users");
    const stored = rows.map((row) => row.display_name);
    for (const name of NAMES) assert.ok(!stored.includes(name), name);
    assert.ok(stored.includes("Dana Other"));
  });
});
