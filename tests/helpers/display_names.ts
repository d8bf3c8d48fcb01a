/**
 * The display-name refusal tests' common round: each name is sent to POST /api/admin/users (a new
 * account) and PATCH /api/admin/users/:id (an existing one, "Dana Other"); every answer must be
 * 400 VALIDATION_FAILED at `$.displayName`, and afterwards none of the names is stored while the
 * old one is kept. `check` asserts what else a refusal must (or must not) say.
 */
import assert from "node:assert/strict";
import { createUser, signInAs } from "./auth.ts";
import type { TestApp } from "./app.ts";

export interface DisplayNameRefusal {
  /** `POST "name"` or `PATCH "name"`, for assertion messages. */
  label: string;
  /** The refusal's body, as sent. */
  text: string;
  problem: { code: string; detail: string; errors: { path: string; message: string }[] };
}

export async function assertDisplayNamesRefused(
  app: TestApp,
  names: readonly string[],
  check: (refusal: DisplayNameRefusal, index: number) => void = () => {},
): Promise<void> {
  const admin = await signInAs(app, "ADMIN");
  const user = await createUser(app, { role: "RESEARCHER", displayName: "Dana Other" });
  for (const [i, displayName] of names.entries()) {
    const attempts = [
      ["/api/admin/users", "POST", {
        email: `refused${i}@example.org`,
        role: "RESEARCHER",
        displayName,
      }],
      [`/api/admin/users/${user.id}`, "PATCH", { displayName }],
    ] as const;
    for (const [path, method, body] of attempts) {
      const response = await app.request(path, {
        method,
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify(body),
      });
      const label = `${method} ${JSON.stringify(displayName)}`;
      const text = await response.text();
      assert.equal(response.status, 400, label);
      const problem = JSON.parse(text) as DisplayNameRefusal["problem"];
      assert.equal(problem.code, "VALIDATION_FAILED", label);
      assert.deepEqual(problem.errors.map((e) => e.path), ["$.displayName"], label);
      check({ label, text, problem }, i);
    }
  }
  const rows = await app.db.query<{ display_name: string }>("SELECT display_name FROM users");
  const stored = rows.map((row) => row.display_name);
  for (const name of names) assert.ok(!stored.includes(name), JSON.stringify(name));
  assert.ok(stored.includes("Dana Other"), "the old name is kept");
}
