/**
 * The rules between variables are checked in one order and only the first broken one is
 * named, so the order decides which variable an operator fixes first. docs/configuration.md
 * lists them; these tests hold the list, the code and each other to the same order.
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

/** A valid production environment: every rule below holds. */
const PRODUCTION: Readonly<Record<string, string>> = {
  APP_ENV: "production",
  PUBLIC_URL: "https://governance.hospital.org",
  ANALYTICS_IP_SALT: "Zq3v9XkT2mW8rB5nL1pY7cD4fG6hJ0sA",
  DATABASE_URL: "postgres://governance:Kp7rT2vX9mQ4@db.internal:5432/researchflow",
};

interface Rule {
  /** What docs/configuration.md's entry for the rule must contain. */
  readonly doc: string;
  /** Changes to {@link PRODUCTION} (undefined: unset) that break this rule and no other. */
  readonly breaks: Readonly<Record<string, string | undefined>>;
  readonly variable: string;
  /** The start of the expectation in the error. */
  readonly says: string;
}

/** Every rule between variables, in the order lib/config.ts checks them. */
const RULES: readonly Rule[] = [
  {
    doc: "`WORKER_CALLBACK_URL`",
    breaks: { WORKER_URL: "http://worker-a:8080", WORKER_CALLBACK_URL: "http://worker-b:8080" },
    variable: "WORKER_CALLBACK_URL",
    says: "must equal WORKER_URL",
  },
  {
    doc: "`EMBEDDED_DATABASE`",
    breaks: { EMBEDDED_DATABASE: "true" },
    variable: "EMBEDDED_DATABASE",
    says: "must not be true when DATABASE_URL is set",
  },
  {
    doc: "`ANALYTICS_IP_SALT`",
    breaks: { ANALYTICS_IP_SALT: undefined },
    variable: "ANALYTICS_IP_SALT",
    says: "must be set outside development",
  },
  {
    doc: "example placeholder",
    breaks: { METRICS_TOKEN: "replace-with-a-long-random-metrics-token" },
    variable: "METRICS_TOKEN",
    says: "is still the example placeholder",
  },
  {
    doc: "`TRUSTED_PROXY_IPS`",
    breaks: { TRUST_PROXY: "1" },
    variable: "TRUSTED_PROXY_IPS",
    says: "must list the proxies' addresses",
  },
  {
    doc: "`PUBLIC_URL`",
    breaks: { PUBLIC_URL: "http://governance.hospital.org" },
    variable: "PUBLIC_URL",
    says: "must be an https:// address in production",
  },
  {
    doc: "`ANALYTICS_IP_SALT`",
    breaks: { ANALYTICS_IP_SALT: "too-short" },
    variable: "ANALYTICS_IP_SALT",
    says: "must be at least 16 characters",
  },
  {
    doc: "`ADMIN_PASSWORD`",
    breaks: { ADMIN_EMAIL: "admin@hospital.org" },
    variable: "ADMIN_PASSWORD",
    says: "must be set together with ADMIN_EMAIL",
  },
  {
    doc: "`METRICS_TOKEN`",
    breaks: { METRICS_TOKEN: "short-token" },
    variable: "METRICS_TOKEN",
    says: "must be at least 32 characters",
  },
  {
    doc: "`DATABASE_URL`",
    breaks: { DATABASE_URL: undefined },
    variable: "DATABASE_URL",
    says: "must be set in production",
  },
  {
    doc: "`SENTRY_RELEASE`",
    breaks: { SENTRY_RELEASE: "researchflow-governance@1.0.0.beta" },
    variable: "SENTRY_RELEASE",
    says: "is read as EMAIL by the PHI scanner",
  },
  {
    doc: "`FEATURE_<KEY>`",
    breaks: { FEATURE_NEW_EXPORT: "maybe" },
    variable: "FEATURE_NEW_EXPORT",
    says: "must be true or false",
  },
];

function refusal(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail("the configuration was accepted");
}

function assertNames(error: ConfigError, rule: Rule, context: string): void {
  assert.equal(error.variable, rule.variable, context);
  assert.ok(
    error.message.startsWith(`Invalid configuration: ${rule.variable} ${rule.says}`),
    `${context}: ${error.message}`,
  );
}

Deno.test("the valid production environment of the order tests is accepted", () => {
  assert.equal(loadConfig(PRODUCTION).appEnv, "production");
});

Deno.test("each rule between variables, broken alone, is named", () => {
  for (const [index, rule] of RULES.entries()) {
    assertNames(refusal({ ...PRODUCTION, ...rule.breaks }), rule, `rule ${index + 1} alone`);
  }
});

Deno.test("of two broken rules between variables, the earlier in the documented order is named", () => {
  for (let index = 0; index + 1 < RULES.length; index++) {
    const first = RULES[index]!;
    const second = RULES[index + 1]!;
    const shared = Object.keys(first.breaks).filter((key) => key in second.breaks);
    assert.deepEqual(shared, [], `rules ${index + 1} and ${index + 2} break different variables`);
    assertNames(
      refusal({ ...PRODUCTION, ...first.breaks, ...second.breaks }),
      first,
      `rules ${index + 1} and ${index + 2}`,
    );
  }
});

Deno.test("docs/configuration.md lists every rule between variables, in the code's order", async () => {
  const doc = await Deno.readTextFile(new URL("../docs/configuration.md", import.meta.url));
  const start = doc.indexOf("Rules between variables");
  assert.ok(start >= 0, "the section is there");
  const section = doc.slice(start, doc.indexOf("\n## ", start));
  // Top-level numbered entries, each with its indented continuation lines, up to the first
  // paragraph after the list.
  const list = section.slice(section.indexOf("\n1. ")).split(/\n\n(?![ \d])/)[0]!;
  const entries = list.split(/\n(?=\d+\. )/).map((entry) => entry.trim()).filter(Boolean);
  assert.equal(entries.length, RULES.length, "as many entries as rules");
  for (const [index, rule] of RULES.entries()) {
    assert.ok(entries[index]!.startsWith(`${index + 1}. `), `entry ${index + 1} is numbered`);
    assert.ok(entries[index]!.includes(rule.doc), `entry ${index + 1} is about ${rule.doc}`);
  }
});
