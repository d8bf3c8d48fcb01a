/**
 * The operations docs name readiness checks as the app reports them (`db`, not `database`) and
 * the DB_TIMEOUT runbook's first query stays in the app's own database.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));

Deno.test("TROUBLESHOOTING.md and alerts_test.yaml name only readiness checks the app has", async () => {
  const checks = [...(await read("lib/health/checks.ts")).matchAll(/name: "(\w+)"/g)]
    .map((m) => m[1]!).concat("flags");
  assert.ok(checks.includes("db"));
  const troubleshooting = await read("docs/operations/TROUBLESHOOTING.md");
  const tests = await read("deploy/prometheus/alerts_test.yaml");
  const named = [
    ...[...troubleshooting.matchAll(/check `(\w+)`|`(\w+)` readiness check/g)]
      .map((m) => m[1] ?? m[2]!),
    ...[...tests.matchAll(/check="(\w+)"/g)].map((m) => m[1]!),
  ];
  assert.ok(named.length >= 3);
  for (const name of named) assert.ok(checks.includes(name), `no readiness check named ${name}`);
});

Deno.test("TROUBLESHOOTING.md's DB_TIMEOUT queries of pg_stat_activity stay in the app's database", async () => {
  const troubleshooting = await read("docs/operations/TROUBLESHOOTING.md");
  const first = troubleshooting.match(/```sql\n([\s\S]*?)```/)![1]!;
  const byState = first.split("\n\n")[0]!;
  assert.match(byState, /FROM pg_stat_activity/);
  assert.match(byState, /datname = current_database\(\)/);
});

Deno.test("MODE_TOGGLE.md: STANDBY marks the admin forms and leaves them usable, as the pages do", async () => {
  const { ModeStandbyError } = await import("../lib/errors/mod.ts");
  // What the pages do: the notice invites filling in the forms, and nothing disables a button.
  const notice = await read("components/admin/StandbyNotice.tsx");
  assert.match(notice, /You can fill in the\s+forms/);
  for (const view of ["components/admin/UsersView.tsx", "components/admin/TokensView.tsx"]) {
    assert.doesNotMatch(await read(view), /\bdisabled\b(?!:)/, `${view} disables a control`);
  }
  const doc = (await read("docs/operations/MODE_TOGGLE.md")).replace(/\s+/g, " ");
  const start = doc.indexOf("The admin pages' forms");
  assert.ok(start >= 0, "the admin pages' sentences");
  const paragraph = doc.slice(start, doc.indexOf("Allowing analytics", start));
  assert.doesNotMatch(paragraph, /disable their buttons/);
  assert.match(paragraph, /marked, not disabled/);
  assert.match(paragraph, /stays usable/);
  const seconds = new ModeStandbyError().details.retryAfterSeconds;
  assert.ok(paragraph.includes(`\`Retry-After: ${seconds}\``), `Retry-After: ${seconds}`);
});
