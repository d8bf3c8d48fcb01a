import assert from "node:assert/strict";
import { ConfigError, featureOverrideName, loadConfig } from "./config.ts";
import { MIN_EVENT_HISTORY_SIZE } from "./realtime/types.ts";

Deno.test("loadConfig() applies the documented defaults", () => {
  const config = loadConfig({});
  assert.equal(config.port, 8000);
  assert.equal(config.appEnv, "development");
  assert.equal(config.dataDir, "./.data");
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.rosMode, undefined);
  assert.equal(config.noNetwork, false);
  assert.equal(config.logLevel, "info");
  assert.equal(config.logFormat, "text");
  assert.equal(config.bodyLimitBytes, 1_048_576);
  assert.equal(config.analytics.retentionDays, 395);
});

Deno.test("loadConfig() names ROS_MODE and its allowed values for an unknown mode", () => {
  assert.throws(
    () => loadConfig({ ROS_MODE: "PANIC" }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.variable, "ROS_MODE");
      assert.equal(
        error.message,
        "Invalid configuration: ROS_MODE must be one of STANDBY, DEMO, LIVE",
      );
      return true;
    },
  );
});

Deno.test("loadConfig() never echoes the invalid value", () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: "mysql://secret-password@db" }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.variable, "DATABASE_URL");
      assert.ok(!error.message.includes("secret-password"));
      return true;
    },
  );
});

Deno.test("loadConfig() rejects bad booleans, ports and log levels by name", () => {
  for (
    const [variable, value] of [
      ["NO_NETWORK", "maybe"],
      ["PORT", "70000"],
      ["PORT", "eighty"],
      ["LOG_LEVEL", "verbose"],
      ["APP_ENV", "prod"],
      ["GOVERNANCE_MODE", "live"],
      ["REDIS_URL", "http://localhost"],
    ]
  ) {
    assert.throws(() => loadConfig({ [variable!]: value }), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(variable));
      assert.equal(error.variable, variable);
      return true;
    });
  }
});

Deno.test("loadConfig() accepts WORKER_CALLBACK_URL as an alias of WORKER_URL", () => {
  assert.equal(
    loadConfig({ WORKER_CALLBACK_URL: "http://worker:8001" }).workerUrl,
    "http://worker:8001",
  );
  assert.equal(loadConfig({ WORKER_URL: "http://w:1" }).workerUrl, "http://w:1");
});

Deno.test("loadConfig() requires ANALYTICS_IP_SALT outside development and JSON logs in production", () => {
  assert.throws(() => loadConfig({ APP_ENV: "production" }), /ANALYTICS_IP_SALT/);
  const config = loadConfig({
    APP_ENV: "production",
    PUBLIC_URL: "https://governance.hospital.org",
    ANALYTICS_IP_SALT: "a-long-random-salt-value",
    DATABASE_URL: "postgres://governance@db.internal:5432/researchflow",
  });
  assert.equal(config.logFormat, "json");
});

Deno.test("loadConfig() parses booleans in their common spellings", () => {
  assert.equal(loadConfig({ NO_NETWORK: "true" }).noNetwork, true);
  assert.equal(loadConfig({ NO_NETWORK: "1" }).noNetwork, true);
  assert.equal(loadConfig({ MOCK_ONLY: "yes" }).mockOnly, true);
  assert.equal(loadConfig({ MOCK_ONLY: "off" }).mockOnly, false);
});

Deno.test("loadConfig() collects FEATURE_<KEY> overrides and rejects non-boolean ones", () => {
  const config = loadConfig({ FEATURE_NEW_UI: "true", FEATURE_BETA_EXPORT: "false" });
  assert.deepEqual(config.featureOverrides, { FEATURE_NEW_UI: true, FEATURE_BETA_EXPORT: false });
  assert.throws(() => loadConfig({ FEATURE_NEW_UI: "on" }), /FEATURE_NEW_UI must be true or false/);
  assert.equal(featureOverrideName("new-ui.v2"), "FEATURE_NEW_UI_V2");
});

Deno.test("loadConfig() requires ADMIN_EMAIL and ADMIN_PASSWORD together", () => {
  assert.throws(() => loadConfig({ ADMIN_EMAIL: "admin@example.org" }), /ADMIN_PASSWORD/);
});

Deno.test("loadConfig() applies the account rules to ADMIN_EMAIL and ADMIN_PASSWORD at start", () => {
  const ok = { ADMIN_EMAIL: "admin@example.org", ADMIN_PASSWORD: "correct horse battery" };
  assert.equal(loadConfig(ok).auth.adminEmail, "admin@example.org");
  // 14 characters, but only two different ones: account creation would refuse it half-way
  // through the start, with a stack trace.
  assert.throws(
    () => loadConfig({ ...ok, ADMIN_PASSWORD: "aaaaaaaaaaaaab" }),
    (error: unknown) =>
      error instanceof ConfigError && error.variable === "ADMIN_PASSWORD" &&
      /varied/.test(error.message) && !error.message.includes("aaaa"),
  );
  assert.throws(
    () => loadConfig({ ...ok, ADMIN_PASSWORD: "x".repeat(1025) }),
    (error: unknown) => error instanceof ConfigError && error.variable === "ADMIN_PASSWORD",
  );
  for (const email of ["admin", "admin@", "a b@example.org", `${"a".repeat(250)}@example.org`]) {
    assert.throws(
      () => loadConfig({ ...ok, ADMIN_EMAIL: email }),
      (error: unknown) => error instanceof ConfigError && error.variable === "ADMIN_EMAIL",
      email,
    );
  }
});

Deno.test("loadConfig() reads an empty boolean as unset: its default applies", () => {
  const config = loadConfig({ STRICT_PHI_ON_UPLOAD: "", ALLOW_UPLOADS: " ", NO_NETWORK: "" });
  assert.equal(config.strictPhiOnUpload, true, "the safeguard stays on");
  assert.equal(config.allowUploads, false);
  assert.equal(config.noNetwork, false);
  assert.equal(loadConfig({ STRICT_PHI_ON_UPLOAD: "false" }).strictPhiOnUpload, false);
});

Deno.test("EVENT_HISTORY_SIZE cannot go below what the event bus assumes every instance keeps", () => {
  // The Redis bus checks for trimmed entries only after reads of at least this many.
  assert.equal(
    loadConfig({ EVENT_HISTORY_SIZE: String(MIN_EVENT_HISTORY_SIZE) }).realtime.historySize,
    MIN_EVENT_HISTORY_SIZE,
  );
  assert.throws(
    () => loadConfig({ EVENT_HISTORY_SIZE: String(MIN_EVENT_HISTORY_SIZE - 1) }),
    ConfigError,
  );
});

Deno.test("loadConfig() refuses a SENTRY_RELEASE or SENTRY_ENVIRONMENT the PHI scanner reads as PHI", () => {
  // `name@1.0.0.beta` and `dev@laptop.local` have an e-mail address's shape: every Sentry event
  // carries them, so the scrub would drop every event (and SentryEventsDroppedForPhi would fire).
  const cases = [
    ["SENTRY_RELEASE", "researchflow-governance@1.0.0.beta", "researchflow-governance@1.2.3"],
    ["SENTRY_ENVIRONMENT", "dev@laptop.local", "production"],
  ] as const;
  for (const [variable, value, example] of cases) {
    // With or without a DSN: turning Sentry on later must not be what stops the start.
    for (const dsn of [{}, { SENTRY_DSN: "https://0123456789abcdef@sentry.example/42" }]) {
      assert.throws(
        () => loadConfig({ ...dsn, [variable]: value }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.variable, variable);
          assert.match(error.message, /is read as EMAIL by the PHI scanner/);
          assert.match(error.message, /every Sentry event would be dropped/);
          assert.ok(error.message.includes(example), "the line shows a form that works");
          assert.ok(!error.message.includes(value), "the value is never echoed");
          assert.ok(!error.message.includes(value.split("@")[1]!), "nor a part of it");
          return true;
        },
      );
    }
  }
});

Deno.test("loadConfig() keeps the release and environment forms Sentry recommends", () => {
  const sha = "3f786850e387550fdab836ed7e6dc881de23001b";
  for (
    const release of [
      "researchflow-governance@1.2.3",
      "researchflow-governance@1.0.0-beta",
      "researchflow-governance@1.2.3-rc.1+build.4829133",
      "researchflow-governance@2024.05.01",
      `researchflow-governance@${sha}`,
      sha,
      "ghcr.io/org/researchflow-governance:1.2.3",
      "v1.2.3",
    ]
  ) {
    assert.equal(loadConfig({ SENTRY_RELEASE: release }).sentry.release, release);
  }
  for (const environment of ["production", "staging", "staging-eu", "prod_eu.1", "qa"]) {
    assert.equal(loadConfig({ SENTRY_ENVIRONMENT: environment }).sentry.environment, environment);
  }
  const defaults = loadConfig(
    {
      APP_ENV: "staging",
      ANALYTICS_IP_SALT: "a-long-random-salt-value",
      EMBEDDED_DATABASE: "true",
    },
    {
      version: "0.1.0",
    },
  );
  assert.equal(defaults.sentry.release, "researchflow-governance@0.1.0");
  assert.equal(defaults.sentry.environment, "staging");
});

Deno.test("loadConfig() refuses a SENTRY_RELEASE or SENTRY_ENVIRONMENT the scrub would leave out", () => {
  // Outside 1-200 of A-Z a-z 0-9 _ . @ + : / - the scrub sends events without it: no release
  // means no regression alerts, silently.
  for (
    const [variable, value] of [
      ["SENTRY_RELEASE", "1.2.3 (build 5)"],
      ["SENTRY_RELEASE", `r@${"1".repeat(200)}`],
      ["SENTRY_ENVIRONMENT", "prod eu"],
      // A line break inside (surrounding white space is trimmed, lib/config_text_test.ts).
      ["SENTRY_ENVIRONMENT", "staging\neu"],
    ] as const
  ) {
    assert.throws(
      () => loadConfig({ [variable]: value }),
      (error: unknown) =>
        error instanceof ConfigError && error.variable === variable &&
        error.message.includes("must be 1-200 of A-Z a-z 0-9 _ . @ + : / -") &&
        !error.message.includes(value.trim()),
      `${variable}=${JSON.stringify(value)}`,
    );
  }
});

Deno.test("APP_BUILD names the build in config.build and in the default Sentry release", () => {
  for (const build of ["861dba0", "861dba0c1f2e3d4b5a69788f0e1d2c3b4a596877", "2026.11.23-1"]) {
    const config = loadConfig({ APP_BUILD: build }, { version: "0.1.0" });
    assert.equal(config.build, build);
    assert.equal(config.sentry.release, `researchflow-governance@0.1.0+${build}`);
  }
  const unset = loadConfig({}, { version: "0.1.0" });
  assert.equal(unset.build, undefined);
  assert.equal(unset.sentry.release, "researchflow-governance@0.1.0");
  assert.throws(() => loadConfig({ APP_BUILD: "a b" }), /APP_BUILD must be 1-64 of/);
});

Deno.test("loadConfig() stops at a REDIS_URL the Redis client would refuse, naming its form, without the value", () => {
  for (
    const value of [
      "redis://127.0.0.1:6379/abc",
      "redis://127.0.0.1:6379/1.5",
      "redis://:s3cret-pw@127.0.0.1:6379/-1",
      "redis://:%zz@127.0.0.1:6379",
    ]
  ) {
    assert.throws(() => loadConfig({ REDIS_URL: value }), (error: unknown) => {
      assert.ok(error instanceof ConfigError, value);
      assert.equal(error.variable, "REDIS_URL");
      assert.match(
        error.message,
        /redis\[s\]:\/\/\[\[user\]:password@\]host\[:port\]\[\/database number\]/,
      );
      assert.ok(!error.message.includes("s3cret-pw") && !error.message.includes("abc"));
      return true;
    }, value);
  }
  for (
    const value of [
      "redis://127.0.0.1:6379",
      "redis://127.0.0.1:6379/",
      "redis://127.0.0.1:6379/2",
      "rediss://user:p%40ss@cache.internal:6380/15",
    ]
  ) {
    assert.equal(loadConfig({ REDIS_URL: value }).redisUrl, value);
  }
});
