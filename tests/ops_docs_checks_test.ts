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
