/**
 * Production and staging need DATABASE_URL: without it the app ran on a throwaway embedded PGlite
 * in each pod (its own mode, audit log and administrator), and every pod reported ready. A single
 * instance on the embedded database under DATA_DIR is kept, as an explicit choice:
 * EMBEDDED_DATABASE=true. Development runs on the embedded database without it.
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

/** The least a production start needs besides its database. */
const PRODUCTION = {
  APP_ENV: "production",
  PUBLIC_URL: "https://governance.example.org",
  ANALYTICS_IP_SALT: "0123456789abcdef0123",
};
const POSTGRES = "postgres://app:secret@db.internal:5432/governance";

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("the configuration was accepted");
}

Deno.test("production without DATABASE_URL stops the start with one line naming DATABASE_URL and the opt-in", () => {
  for (const env of [PRODUCTION, { ...PRODUCTION, DATABASE_URL: "" }]) {
    const error = refusal(env);
    assert.equal(error.variable, "DATABASE_URL");
    assert.match(error.message, /^Invalid configuration: DATABASE_URL must be set in production/);
    assert.match(error.message, /EMBEDDED_DATABASE=true/);
    assert.ok(!error.message.includes("\n"));
  }
  // Opting out is not opting in.
  assert.equal(refusal({ ...PRODUCTION, EMBEDDED_DATABASE: "false" }).variable, "DATABASE_URL");
});

Deno.test("production with DATABASE_URL, or on purpose on the embedded database (EMBEDDED_DATABASE=true), starts", () => {
  const server = loadConfig({ ...PRODUCTION, DATABASE_URL: POSTGRES });
  assert.equal(server.databaseUrl, POSTGRES);

  const embedded = loadConfig({ ...PRODUCTION, EMBEDDED_DATABASE: "true", DATA_DIR: "/data" });
  assert.equal(embedded.databaseUrl, undefined);
  assert.equal(embedded.dataDir, "/data");
});

Deno.test("EMBEDDED_DATABASE=true together with DATABASE_URL is refused in every environment (which one is meant?)", () => {
  for (const env of [{ APP_ENV: "development" }, PRODUCTION]) {
    const error = refusal({ ...env, DATABASE_URL: POSTGRES, EMBEDDED_DATABASE: "true" });
    assert.equal(error.variable, "EMBEDDED_DATABASE");
    assert.ok(!error.message.includes("secret"), "the URL is never repeated");
  }
  assert.equal(refusal({ EMBEDDED_DATABASE: "yes please" }).variable, "EMBEDDED_DATABASE");
});

/** The least a staging start needs besides its database. */
const STAGING = { APP_ENV: "staging", ANALYTICS_IP_SALT: PRODUCTION.ANALYTICS_IP_SALT };

Deno.test("staging without DATABASE_URL stops the start with the same one line as production, naming staging", () => {
  for (
    const env of [STAGING, { ...STAGING, DATABASE_URL: "" }, {
      ...STAGING,
      EMBEDDED_DATABASE: "false",
    }]
  ) {
    const error = refusal(env);
    assert.equal(error.variable, "DATABASE_URL");
    assert.equal(
      error.message,
      "Invalid configuration: DATABASE_URL must be set in staging (or set EMBEDDED_DATABASE=true " +
        "to run a single instance on the embedded database under DATA_DIR)",
    );
  }
});

Deno.test("staging with DATABASE_URL, or on purpose on the embedded database, starts", () => {
  assert.equal(loadConfig({ ...STAGING, DATABASE_URL: POSTGRES }).databaseUrl, POSTGRES);
  const embedded = loadConfig({ ...STAGING, EMBEDDED_DATABASE: "true", DATA_DIR: "/data" });
  assert.equal(embedded.databaseUrl, undefined);
  assert.equal(embedded.dataDir, "/data");
  const error = refusal({ ...STAGING, DATABASE_URL: POSTGRES, EMBEDDED_DATABASE: "true" });
  assert.equal(error.variable, "EMBEDDED_DATABASE");
});

Deno.test("development without DATABASE_URL still runs on the embedded database", () => {
  assert.equal(loadConfig({}).databaseUrl, undefined);
  assert.equal(loadConfig({ APP_ENV: "development" }).databaseUrl, undefined);
});

Deno.test("compose.yaml's stack (APP_ENV=staging) sets DATABASE_URL itself, not from .env", async () => {
  const compose = await Deno.readTextFile(new URL("../compose.yaml", import.meta.url));
  const app = compose.slice(compose.indexOf("  app:"), compose.indexOf("\n  postgres:"));
  assert.match(app, /^ {6}APP_ENV: staging$/m);
  const url = /^ {6}DATABASE_URL: (postgres:\/\/\S+)$/m.exec(app)?.[1];
  assert.ok(url, "the app service's environment sets DATABASE_URL");
  assert.equal(loadConfig({ ...STAGING, DATABASE_URL: url }).databaseUrl, url);
});

Deno.test("neither the image nor the Kubernetes manifests set EMBEDDED_DATABASE (several pods would each have a database of their own)", async () => {
  for (
    const file of [
      "../Dockerfile",
      "../deploy/kubernetes/deployment.yaml",
      "../deploy/kubernetes/configmap.yaml",
      "../deploy/kubernetes/secret.example.yaml",
      "../deploy/kubernetes/migrate-job.yaml",
      "../deploy/kubernetes/restore-prepare-job.yaml",
      "../deploy/kubernetes/migrate-secret.example.yaml",
    ]
  ) {
    const lines = (await Deno.readTextFile(new URL(file, import.meta.url))).split("\n")
      .filter((line) => !line.trim().startsWith("#"));
    assert.ok(!lines.some((line) => line.includes("EMBEDDED_DATABASE")), file);
  }
});

Deno.test(".env.example describes EMBEDDED_DATABASE for staging and production, where loadConfig honours it", async () => {
  const example = await Deno.readTextFile(new URL("../.env.example", import.meta.url));
  const lines = example.split("\n");
  const at = lines.findIndex((line) => line.startsWith("EMBEDDED_DATABASE="));
  assert.ok(at > 0, ".env.example lists EMBEDDED_DATABASE");
  let start = at;
  while (start > 0 && lines[start - 1]!.startsWith("#") && !lines[start - 1]!.startsWith("# ---")) {
    start--;
  }
  const comment = lines.slice(start, at).join(" ");
  assert.match(comment, /staging/i);
  assert.match(comment, /production/i);
  assert.doesNotMatch(comment, /production only/i);
  for (const appEnv of ["staging", "production"]) {
    const config = loadConfig({ ...PRODUCTION, APP_ENV: appEnv, EMBEDDED_DATABASE: "true" });
    assert.equal(config.databaseUrl, undefined, appEnv);
  }
});
