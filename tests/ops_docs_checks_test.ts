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

Deno.test("ROTATION.md has a section for every key of the Kubernetes Secret, and README.md links it", async () => {
  const { parse } = await import("yaml");
  const secret = parse(await read("deploy/kubernetes/secret.example.yaml"));
  const keys = Object.keys(secret.stringData);
  assert.ok(keys.includes("ANALYTICS_IP_SALT") && keys.includes("METRICS_TOKEN"), keys.join());
  const rotation = await read("docs/operations/ROTATION.md");
  const headings = [...rotation.matchAll(/^## (.*)$/gm)].map((m) => m[1]!);
  for (const key of keys) {
    assert.ok(headings.some((h) => h.includes(`\`${key}\``)), `no section for ${key}`);
  }
  assert.ok(headings.some((h) => /API tokens/.test(h)), "API tokens");
  // The keyed digests a new ANALYTICS_IP_SALT changes, by the labels the code derives them with.
  for (
    const [file, name] of <Array<[string, string]>> [["lib/auth/lock_keys.ts", "LOCK_KEYS_LABEL"], [
      "lib/http/rate_window.ts",
      "RATE_KEYS_LABEL",
    ]]
  ) {
    const label = (await read(file)).match(new RegExp(`${name} = "([^"]+)"`))?.[1];
    assert.ok(label && rotation.includes(`\`${label}\``), `${file}: ${label}`);
  }
  assert.match(await read("docs/operations/README.md"), /\[ROTATION\.md\]\(ROTATION\.md\)/);
});

Deno.test("every alert's runbook section exists; alerts sent to TROUBLESHOOTING.md name one", async () => {
  const { parse } = await import("yaml");
  const alerts = parse(await read("deploy/prometheus/alerts.yaml")) as {
    groups: Array<{ rules: Array<{ alert: string; annotations: { runbook: string } }> }>;
  };
  const rules = alerts.groups.flatMap((group) => group.rules);
  assert.ok(rules.length >= 10);
  for (const { alert, annotations: { runbook } } of rules) {
    // `path`, or `path (Section)`, or `path (Section: a hint)`.
    const parts = runbook.match(/^(\S+)(?: \(([^):]+)(?::[^)]*)?\))?$/);
    assert.ok(parts, `${alert}: runbook "${runbook}"`);
    const [, path, section] = parts;
    if (path === "docs/operations/TROUBLESHOOTING.md") {
      assert.ok(section, `${alert}: names TROUBLESHOOTING.md without a section`);
    }
    if (!section) continue;
    const headings = [...(await read(path!)).matchAll(/^#+ (.*)$/gm)].map((m) => m[1]!);
    assert.ok(headings.some((h) => h.startsWith(section)), `${alert}: no "${section}" in ${path}`);
  }
});
