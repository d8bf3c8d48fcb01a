/**
 * deploy/kubernetes/configmap.yaml against lib/config.ts: it names only variables the start reads
 * (a misspelt key would be ignored without a word), every value it ships is the default unless the
 * manifest sets it on purpose for a cluster, and it lists the job settings an operator rolling out
 * must see (JOB_RETENTION_DAYS deletes finished jobs; docs/operations/DEPLOYMENT.md asks to set it
 * before rolling out when something reads old jobs). .env.example is checked against the schema in
 * tests/governance_docs_test.ts; the placeholders the start refuses in lib/config_security_test.ts.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { parse } from "yaml";
import { loadConfig } from "../lib/config.ts";

const ROOT = new URL("../", import.meta.url);

/** The ConfigMap's data, as Kubernetes hands it to the pods (every value a string). */
async function configMapData(): Promise<Record<string, string>> {
  const manifest = parse(
    await Deno.readTextFile(new URL("deploy/kubernetes/configmap.yaml", ROOT)),
  ) as { kind: string; data: Record<string, unknown> };
  assert.equal(manifest.kind, "ConfigMap");
  for (const [name, value] of Object.entries(manifest.data)) {
    assert.equal(typeof value, "string", `${name} must be quoted: a ConfigMap holds strings`);
  }
  return manifest.data as Record<string, string>;
}

/** The variables lib/config.ts reads (the names of its env schema; it is not exported). */
async function configVariables(): Promise<Set<string>> {
  const source = await Deno.readTextFile(new URL("lib/config.ts", ROOT));
  const start = source.indexOf("const envSchema = z.object({");
  const end = source.indexOf("\n});", start);
  assert.ok(start >= 0 && end > start, "envSchema found in lib/config.ts");
  return new Set(
    [...source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*): /gm)].map((m) => m[1]!),
  );
}

/** What the ConfigMap sets for the cluster rather than leaving at the default. */
const SET_ON_PURPOSE = new Set([
  "APP_ENV",
  "PUBLIC_URL",
  "GOVERNANCE_MODE",
  "TRUST_PROXY",
  "TRUSTED_PROXY_IPS",
]);

/** A production start (the Secret's values and the site-specific ones filled in). */
const PRODUCTION = {
  APP_ENV: "production",
  PUBLIC_URL: "https://governance.hospital.example",
  ANALYTICS_IP_SALT: "Zq3v9XkT2mW8rB5nL1pY7cD4fG6hJ0sA",
  DATABASE_URL: "postgres://governance@db.internal:5432/researchflow",
};

Deno.test("the Kubernetes ConfigMap names only variables lib/config.ts reads", async () => {
  const variables = await configVariables();
  assert.ok(variables.has("JOB_RETENTION_DAYS") && variables.has("PORT"), "schema parsed");
  const data = await configMapData();
  assert.deepEqual(Object.keys(data).filter((name) => !variables.has(name)), []);
});

Deno.test("the Kubernetes ConfigMap lists the job settings, at their defaults", async () => {
  const data = await configMapData();
  const defaults = loadConfig(PRODUCTION).jobs;
  assert.equal(Number(data.JOB_RETENTION_DAYS), defaults.retentionDays);
  assert.equal(Number(data.JOB_STALL_AFTER_MINUTES), defaults.stallAfterMinutes);
});

Deno.test("every value the Kubernetes ConfigMap ships is the default, but those set for the cluster", async () => {
  const data = await configMapData();
  const base = loadConfig(PRODUCTION);
  const differ = Object.entries(data)
    .filter(([name]) => !SET_ON_PURPOSE.has(name))
    .filter(([name, value]) =>
      !isDeepStrictEqual(loadConfig({ ...PRODUCTION, [name]: value }), base)
    )
    .map(([name]) => name);
  assert.deepEqual(differ, [], "ConfigMap values that are not the default");
});
