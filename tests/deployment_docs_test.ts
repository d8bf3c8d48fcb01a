/**
 * DEPLOYMENT.md's "Changes that need attention" names the configuration changes that stop a start
 * which ran before the upgrade, with their first commit, so an operator reading it for the
 * versions skipped over sets what is needed before rolling out.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../lib/config.ts";

const DEPLOYMENT = new URL("../docs/operations/DEPLOYMENT.md", import.meta.url);

/** The text of a `### ` section, from its heading to the next heading of level 2 or 3. */
export function subsection(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n### ${heading}\n`);
  if (start < 0) throw new Error(`section "${heading}" missing`);
  const rest = markdown.slice(start + 1);
  const end = rest.slice(1).search(/\n#{2,3} /);
  return end < 0 ? rest : rest.slice(0, end + 1);
}

/** The section's entries: each `- **…**` item with its continuation lines. */
function entries(text: string): string[] {
  return text.split(/\n(?=- \*\*)/).filter((entry) => entry.startsWith("- **"));
}

const changes = async () =>
  subsection(await Deno.readTextFile(DEPLOYMENT), "Changes that need attention");

/** The environment of the image (Dockerfile) for a single container, before the upgrade. */
const IMAGE_ENV = {
  APP_ENV: "production",
  DATA_DIR: "/data",
  ANALYTICS_IP_SALT: "0123456789abcdef0123",
  PUBLIC_URL: "https://governance.example.org",
};

Deno.test("the refusal the entry is about: production on the embedded database without EMBEDDED_DATABASE", () => {
  assert.throws(() => loadConfig(IMAGE_ENV), /DATABASE_URL must be set in production/);
  assert.throws(
    () => loadConfig({ ...IMAGE_ENV, APP_ENV: "staging" }),
    /DATABASE_URL must be set in staging/,
  );
  assert.equal(loadConfig({ ...IMAGE_ENV, EMBEDDED_DATABASE: "true" }).databaseUrl, undefined);
});

Deno.test("Changes that need attention: an embedded-database container needs EMBEDDED_DATABASE=true (f035e1d, 173315e)", async () => {
  const entry = entries(await changes()).find((item) => item.includes("EMBEDDED_DATABASE"));
  assert.ok(entry, "no entry names EMBEDDED_DATABASE");
  assert.match(entry, /`f035e1d`/);
  assert.match(entry, /`173315e`/);
  assert.match(entry, /EMBEDDED_DATABASE=true/);
  assert.match(entry, /DATABASE_URL must be set in production/);
  assert.match(entry, /staging/);
});

Deno.test("Changes that need attention: a SENTRY_RELEASE or SENTRY_ENVIRONMENT the scrub refuses stops the start (a8d76b9)", async () => {
  const entry = entries(await changes()).find((item) => item.includes("SENTRY_RELEASE"));
  assert.ok(entry, "no entry names SENTRY_RELEASE");
  assert.match(entry, /`a8d76b9`/);
  assert.match(entry, /SENTRY_ENVIRONMENT/);
  // What the entry describes is what the start does.
  assert.throws(
    () => loadConfig({ ...IMAGE_ENV, EMBEDDED_DATABASE: "true", SENTRY_RELEASE: "app@1.0.0.beta" }),
    /SENTRY_RELEASE is read as/,
  );
});

Deno.test("Changes that need attention: every entry names its first commit", async () => {
  const all = entries(await changes());
  assert.ok(all.length >= 10);
  for (const entry of all) {
    assert.match(entry, /^- \*\*[^\n]+?\*\*[^\n]* \(`[0-9a-f]{7,40}`/, entry.slice(0, 80));
  }
});
