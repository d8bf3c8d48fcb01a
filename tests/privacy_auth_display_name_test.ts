/**
 * A display name is a person's name and nothing else: the API (create and change), the
 * /admin/users form and `deno task user create --name` refuse one in which the PHI scanner finds
 * anything but a name (an MRN, a date, a phone number, an email…), naming the field and the
 * identifier types, never the value; real names, accented and hyphenated ones too, are accepted.
 * A change of name is recorded in the audit log as a change (not the names: the log cannot be
 * purged). PGlite, and the command on an embedded database of its own.
 */
import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { createUser, signInAs } from "./helpers/auth.ts";
import { migrateForCli, runUserCli } from "./helpers/user_cli.ts";

const PHI_NAMES = [
  "Jane Doe MRN 00482913 DOB 03/14/1962",
  "Bob (caring for Marisol Quintanilla, MRN 77342291, 617-555-0148)",
  "Jane Doe jane.doe@example.org",
  "Jane Doe 1 Main Street Apt 4",
];

const REAL_NAMES = [
  "Jane Doe",
  "María José García-López",
  "O'Brien, Patrick",
  "Dr. Ahmed Khan",
  "Florence Nightingale",
  "Jean-Luc Picard, RN",
  "Ward clerk",
];

async function storedNames(app: TestApp): Promise<string[]> {
  const rows = await app.db.query<{ display_name: string }>("SELECT display_name FROM users");
  return rows.map((row) => row.display_name);
}

Deno.test("POST /api/admin/users refuses a display name with an MRN, date, phone or email, and stores nothing", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    for (const [i, displayName] of PHI_NAMES.entries()) {
      const response = await app.request("/api/admin/users", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ email: `phi${i}@example.org`, displayName, role: "RESEARCHER" }),
      });
      assert.equal(response.status, 400, displayName);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      const body = await response.text();
      const problem = JSON.parse(body) as {
        code: string;
        detail: string;
        errors: { path: string; message: string }[];
      };
      assert.equal(problem.code, "VALIDATION_FAILED");
      assert.match(problem.detail, /^Display name: a person's name only/);
      assert.deepEqual(problem.errors.map((e) => e.path), ["$.displayName"]);
      assert.match(problem.errors[0]!.message, /found: /);
      assert.doesNotMatch(problem.errors[0]!.message, /PERSON_NAME/);
      for (const part of ["00482913", "77342291", "617-555-0148", "Quintanilla", "jane.doe"]) {
        assert.ok(!body.includes(part), `the refusal quotes ${part}`);
      }
    }
    assert.ok(!(await storedNames(app)).some((name) => PHI_NAMES.includes(name)));
  });
});

Deno.test("POST /api/admin/users accepts real names, accented, hyphenated and titled ones too", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    for (const [i, displayName] of REAL_NAMES.entries()) {
      const response = await app.request("/api/admin/users", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ email: `real${i}@example.org`, displayName, role: "RESEARCHER" }),
      });
      assert.equal(response.status, 201, displayName);
      await response.body?.cancel();
    }
    const names = await storedNames(app);
    for (const name of REAL_NAMES) assert.ok(names.includes(name), name);
  });
});

Deno.test("PATCH /api/admin/users/{id} refuses a PHI display name and keeps the old one", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const user = await createUser(app, { role: "RESEARCHER", displayName: "Dana Other" });
    for (const displayName of PHI_NAMES) {
      const response = await app.request(`/api/admin/users/${user.id}`, {
        method: "PATCH",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ displayName }),
      });
      assert.equal(response.status, 400, displayName);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      const problem = await response.json() as { code: string; errors: { path: string }[] };
      assert.equal(problem.code, "VALIDATION_FAILED");
      assert.deepEqual(problem.errors.map((e) => e.path), ["$.displayName"]);
    }
    const [row] = await app.db.query<{ display_name: string }>(
      "SELECT display_name FROM users WHERE id = $1",
      [user.id],
    );
    assert.equal(row!.display_name, "Dana Other");
    const entries = await app.db.query("SELECT 1 FROM audit_log WHERE action = 'user.update'");
    assert.equal(entries.length, 0, "a refused change is not audited");
  });
});

Deno.test("/admin/users add-account form marks a PHI display name on its field, without quoting it", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const typed = PHI_NAMES[0]!;
    const response = await app.request("/admin/users", {
      method: "POST",
      headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams([
        ["csrf_token", admin.csrfToken],
        ["email", "clerk@example.org"],
        ["display_name", typed],
        ["role", "STEWARD"],
      ]).toString(),
    });
    assert.equal(response.status, 400);
    const html = await response.text();
    const tag = /<input[^>]*\sid="new-user-name"[^>]*>/.exec(html)?.[0] ?? "";
    assert.match(tag, /aria-invalid="true"/);
    assert.match(tag, /aria-describedby="new-user-name-error"/);
    const message = /<span class="field-error" id="new-user-name-error">([\s\S]*?)<\/span>/
      .exec(html)?.[1]?.replace(/<[^>]*>/g, "").replaceAll("&#39;", "'") ?? "";
    assert.match(message, /^Display name: a person's name only.*\(found: [A-Z_, ]+\)\.$/);
    assert.doesNotMatch(message, /00482913|03\/14\/1962/);
    assert.match(html, /<a href="#new-user-name">/);
    const email = /<input[^>]*\sid="new-user-email"[^>]*>/.exec(html)?.[0] ?? "";
    assert.doesNotMatch(email, /aria-invalid/);
    assert.ok(!(await storedNames(app)).includes(typed));
  });
});

Deno.test("a name change is audited as user.update naming the changed field, never the names", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const user = await createUser(app, { role: "RESEARCHER", displayName: "Dana Other" });
    const response = await app.request(`/api/admin/users/${user.id}`, {
      method: "PATCH",
      headers: admin.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ displayName: "Dana Renamed" }),
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    const rows = await app.db.query<{ before: unknown; after: unknown }>(
      "SELECT before, after FROM audit_log WHERE action = 'user.update' AND target_id = $1",
      [user.id],
    );
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.before, { role: "RESEARCHER", active: true });
    assert.deepEqual(rows[0]!.after, {
      role: "RESEARCHER",
      active: true,
      changed: ["displayName"],
    });
    assert.doesNotMatch(JSON.stringify(rows[0]), /Dana/);
  });
});

Deno.test("deno task user create --name refuses a PHI display name and creates no account", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "rf_cli_name_" });
  try {
    const env = { DATA_DIR: dataDir };
    await migrateForCli(env);
    const refused = await runUserCli(env, [
      "create",
      "clerk@example.org",
      "--role",
      "STEWARD",
      "--name",
      PHI_NAMES[1]!,
    ]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /^Display name: a person's name only.*\(found: [A-Z_, ]+\)\n$/);
    assert.doesNotMatch(refused.stderr, /77342291|617-555-0148|Quintanilla/);
    const list = await runUserCli(env, ["list"]);
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout, /clerk@example\.org/);
    const accepted = await runUserCli(env, [
      "create",
      "clerk@example.org",
      "--role",
      "STEWARD",
      "--name",
      "María José García-López",
    ]);
    assert.equal(accepted.code, 0, accepted.stderr);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
