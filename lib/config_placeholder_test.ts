import assert from "node:assert/strict";
import { ConfigError, loadConfig, PLACEHOLDER_PREFIX } from "./config.ts";

const SECRET_EXAMPLE = new URL("../deploy/kubernetes/secret.example.yaml", import.meta.url);

/** A valid production environment with real-looking secrets. */
const PRODUCTION = {
  APP_ENV: "production",
  PUBLIC_URL: "https://governance.hospital.org",
  ANALYTICS_IP_SALT: "Zq3v9XkT2mW8rB5nL1pY7cD4fG6hJ0sA",
  ADMIN_EMAIL: "admin@hospital.org",
  ADMIN_PASSWORD: "9vW!r2kQ#pL7mZ4xT1bN",
  METRICS_TOKEN: "5f0c3e9a1b7d2c8e4f6a0b3c9d1e7f2a8b4c6d0e",
  DATABASE_URL: "postgres://governance:Kp7rT2vX9mQ4@db.internal:5432/researchflow",
  REDIS_URL: "rediss://:Hs8nW3cB6yF1@redis.internal:6380",
};

/** The `stringData` entries of the shipped Secret example (flat `KEY: value` lines). */
async function secretExample(): Promise<Record<string, string>> {
  const text = await Deno.readTextFile(SECRET_EXAMPLE);
  const body = text.slice(text.indexOf("stringData:"));
  const entries: Record<string, string> = {};
  for (const match of body.matchAll(/^ {2}([A-Z_]+): *(.*)$/gm)) {
    entries[match[1]!] = match[2]!.trim().replace(/^"(.*)"$/, "$1");
  }
  return entries;
}

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail("the configuration was accepted");
}

function assertPlaceholderRefusal(env: Record<string, string>, variable: string, value: string) {
  const error = refusal(env);
  assert.equal(error.variable, variable);
  assert.equal(
    error.message,
    `Invalid configuration: ${variable} is still the example placeholder`,
  );
  assert.ok(!error.message.includes(value), "the value is not echoed");
}

Deno.test("loadConfig() accepts real secrets in production (the base of the tests below)", () => {
  const config = loadConfig(PRODUCTION);
  assert.equal(config.auth.adminPassword, PRODUCTION.ADMIN_PASSWORD);
  assert.equal(config.metrics.token, PRODUCTION.METRICS_TOKEN);
});

Deno.test("loadConfig() refuses a replace-with-… secret in staging and production, naming the variable, never the value", () => {
  const cases: Array<[string, string]> = [
    ["ADMIN_PASSWORD", "replace-with-a-long-random-password"],
    ["ANALYTICS_IP_SALT", "replace-with-32-random-bytes-base64"],
    ["METRICS_TOKEN", "replace-with-openssl-rand-hex-32-output"],
    // Short ones are named as placeholders too, not as too short.
    ["METRICS_TOKEN", "replace-with-a-random-token"],
    ["ADMIN_PASSWORD", "Replace-With-x"],
    ["DATABASE_URL", "postgres://researchflow:replace-with-the-password@db:5432/researchflow"],
    ["DATABASE_URL", "postgres://replace-with-user:Kp7rT2vX9mQ4@db:5432/researchflow"],
    ["REDIS_URL", "redis://:replace-with-the-redis-password@redis:6379"],
  ];
  for (const appEnv of ["staging", "production"]) {
    for (const [variable, value] of cases) {
      assertPlaceholderRefusal(
        { ...PRODUCTION, APP_ENV: appEnv, [variable]: value },
        variable,
        value,
      );
    }
  }
});

Deno.test("loadConfig() refuses the other example secrets shipped in the repository outside development", () => {
  const cases: Array<[string, string]> = [
    ["ANALYTICS_IP_SALT", "bench-salt-0123456789abcdef"],
    // An earlier secret.example.yaml and docs/configuration.md.
    ["DATABASE_URL", "postgres://USER:PASSWORD@postgres:5432/researchflow"],
    ["DATABASE_URL", "postgres://user:pass@host:5432/db"],
  ];
  for (const [variable, value] of cases) {
    assertPlaceholderRefusal({ ...PRODUCTION, [variable]: value }, variable, value);
  }
  // compose.yaml's local stack (APP_ENV defaults to staging there) keeps starting.
  const compose = "postgres://researchflow:researchflow@postgres:5432/researchflow";
  assert.equal(loadConfig({ ...PRODUCTION, DATABASE_URL: compose }).databaseUrl, compose);
});

Deno.test("loadConfig() accepts placeholders in development (a local copy of the example starts)", () => {
  const config = loadConfig({
    APP_ENV: "development",
    ADMIN_EMAIL: "admin@example.org",
    ADMIN_PASSWORD: "replace-with-a-long-random-password",
    METRICS_TOKEN: "replace-with-openssl-rand-hex-32-output",
  });
  assert.equal(config.auth.adminPassword, "replace-with-a-long-random-password");
});

Deno.test("secret.example.yaml: every placeholder trips the placeholder rule, not a length rule", async () => {
  const example = await secretExample();
  assert.ok(Object.keys(example).length >= 6, "the stringData entries were read");
  const placeholders = Object.entries(example).filter(([, value]) =>
    value.toLowerCase().includes(PLACEHOLDER_PREFIX)
  );
  assert.deepEqual(
    placeholders.map(([variable]) => variable).sort(),
    ["ADMIN_PASSWORD", "ANALYTICS_IP_SALT", "DATABASE_URL", "METRICS_TOKEN"],
  );
  for (const [variable, value] of placeholders) {
    assertPlaceholderRefusal({ ...PRODUCTION, [variable]: value }, variable, value);
  }
  // The whole example, as copied, stops a production start on a placeholder.
  const copied = refusal({ ...example, APP_ENV: "production" });
  assert.match(copied.message, /^Invalid configuration: [A-Z_]+ is still the example placeholder$/);
  // In development every value passes every other rule (lengths, URLs, spaces).
  const config = loadConfig({ ...example, APP_ENV: "development" });
  assert.equal(config.metrics.token, example.METRICS_TOKEN);
});
