/**
 * Text settings are read like every other kind: surrounding white space is dropped and a value
 * of white space only counts as unset. Secrets (ADMIN_PASSWORD, ANALYTICS_IP_SALT,
 * METRICS_TOKEN) are kept as written, since a space can be part of one, but white space alone is
 * unset and the salt's length does not count surrounding white space. HOST is checked at start.
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

const STAGING = {
  APP_ENV: "staging",
  ANALYTICS_IP_SALT: "Zq3v9XkT2mW8rB5nL1pY7cD4fG6hJ0sA",
  DATABASE_URL: "postgres://governance:Kp7rT2vX9mQ4@db.internal:5432/researchflow",
};

const PASSWORD = "9vW!r2kQ#pL7mZ4xT1bN";

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail("the configuration was accepted");
}

Deno.test("HOST: surrounding white space is dropped, white space alone is the default", () => {
  assert.equal(loadConfig({ HOST: " 0.0.0.0 " }).host, "0.0.0.0");
  assert.equal(loadConfig({ HOST: "127.0.0.1\n" }).host, "127.0.0.1");
  for (const raw of [" ", "\t", "  \n"]) {
    assert.equal(loadConfig({ HOST: raw }).host, "0.0.0.0", JSON.stringify(raw));
  }
});

Deno.test("HOST: an IP address or a host name is accepted as written", () => {
  for (
    const host of [
      "0.0.0.0",
      "127.0.0.1",
      "::",
      "::1",
      "[::]",
      "fe80::1%eth0",
      "localhost",
      "app.internal",
      "no-such-host.invalid",
      "governance-0.governance.default.svc.cluster.local",
      "compose_app_1",
    ]
  ) {
    assert.equal(loadConfig({ HOST: host }).host, host);
  }
});

Deno.test("HOST: anything else stops the start with one line, not at listen", () => {
  for (
    const host of [
      "bad host",
      "0.0.0.0 0",
      "http://localhost",
      "localhost:8000",
      "a..b",
      "-a.b",
      "[::",
    ]
  ) {
    const error = refusal({ HOST: host });
    assert.equal(error.variable, "HOST", host);
    assert.equal(
      error.message,
      "Invalid configuration: HOST must be an IP address or a host name (letters, digits, - and _, " +
        "separated by dots)",
    );
  }
});

Deno.test("DATA_DIR, SENTRY_ENVIRONMENT and SENTRY_RELEASE: trimmed, white space alone is unset", () => {
  const trimmed = loadConfig({
    DATA_DIR: " /data ",
    SENTRY_ENVIRONMENT: " staging-eu ",
    SENTRY_RELEASE: "\tresearchflow-governance@1.2.3 ",
  });
  assert.equal(trimmed.dataDir, "/data");
  assert.equal(trimmed.sentry.environment, "staging-eu");
  assert.equal(trimmed.sentry.release, "researchflow-governance@1.2.3");
  const blank = loadConfig(
    { DATA_DIR: "  ", SENTRY_ENVIRONMENT: " ", SENTRY_RELEASE: " " },
    { version: "1.2.3" },
  );
  assert.equal(blank.dataDir, "./.data");
  assert.equal(blank.sentry.environment, "development");
  assert.equal(blank.sentry.release, "researchflow-governance@1.2.3");
});

Deno.test("ADMIN_EMAIL: white space alone counts as unset, surrounding white space is dropped", () => {
  const unset = loadConfig({ ADMIN_EMAIL: " ", ADMIN_PASSWORD: "" });
  assert.equal(unset.auth.adminEmail, undefined);
  assert.equal(unset.auth.adminPassword, undefined);
  const config = loadConfig({ ADMIN_EMAIL: " admin@hospital.org\n", ADMIN_PASSWORD: PASSWORD });
  assert.equal(config.auth.adminEmail, "admin@hospital.org");
});

Deno.test("ADMIN_PASSWORD: kept as written (spaces can be part of it), white space alone is unset", () => {
  const spaced = ` ${PASSWORD} `;
  const config = loadConfig({ ADMIN_EMAIL: "admin@hospital.org", ADMIN_PASSWORD: spaced });
  assert.equal(config.auth.adminPassword, spaced);
  assert.equal(
    loadConfig({ ADMIN_EMAIL: "", ADMIN_PASSWORD: "   " }).auth.adminPassword,
    undefined,
  );
  const error = refusal({ ADMIN_EMAIL: "admin@hospital.org", ADMIN_PASSWORD: "   " });
  assert.equal(
    error.message,
    "Invalid configuration: ADMIN_PASSWORD must be set together with ADMIN_EMAIL",
  );
});

Deno.test("ANALYTICS_IP_SALT: white space alone is unset, refused outside development", () => {
  for (const salt of [" ".repeat(16), " ".repeat(40), "\t\n"]) {
    const error = refusal({ ...STAGING, ANALYTICS_IP_SALT: salt });
    assert.equal(
      error.message,
      "Invalid configuration: ANALYTICS_IP_SALT must be set outside development",
    );
  }
  assert.equal(loadConfig({ ANALYTICS_IP_SALT: "   " }).analytics.ipSalt, undefined);
});

Deno.test("ANALYTICS_IP_SALT: surrounding white space does not count toward its 16 characters", () => {
  const error = refusal({ ...STAGING, ANALYTICS_IP_SALT: `  ${"k".repeat(15)}  ` });
  assert.equal(
    error.message,
    "Invalid configuration: ANALYTICS_IP_SALT must be at least 16 characters",
  );
  // Kept as written: trimming a salt in use would change every visitor's hash.
  const salt = ` ${"Zq3v9XkT2mW8rB5n"} `;
  assert.equal(loadConfig({ ...STAGING, ANALYTICS_IP_SALT: salt }).analytics.ipSalt, salt);
});

Deno.test("METRICS_TOKEN: white space alone counts as unset (scraping then needs METRICS_ALLOW_IPS)", () => {
  assert.equal(loadConfig({ METRICS_TOKEN: "    " }).metrics.token, undefined);
});
