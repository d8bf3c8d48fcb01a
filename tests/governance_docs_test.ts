/**
 * Operator docs that must say what the code does:
 * - the mode table in docs/operations/MODE_TOGGLE.md is the one in code (MODE_POLICY);
 * - docs/configuration.md and .env.example name exactly the variables of lib/config.ts, with its
 *   ranges and defaults;
 * - docs/operations/TROUBLESHOOTING.md lists every ErrorCode with its status, and every readiness
 *   state.
 */
import assert from "node:assert/strict";
import { ConfigError, testConfig } from "../lib/config.ts";
import { type ErrorCode, statusOf } from "../lib/errors/mod.ts";
import { modePolicyTable } from "../lib/governance/policy_table.ts";
import { type CheckStatus, failureReason } from "../lib/health/readiness.ts";

const DOC = new URL("../docs/operations/MODE_TOGGLE.md", import.meta.url);

/** The cells of the markdown table between the mode-table markers (formatting ignored). */
export function docTable(markdown: string): string[][] {
  const start = markdown.indexOf("<!-- mode-table:start -->");
  const end = markdown.indexOf("<!-- mode-table:end -->");
  if (start < 0 || end < start) throw new Error("mode-table markers missing");
  return markdown.slice(start, end).split("\n")
    .filter((line) => line.trim().startsWith("|"))
    .map((line) => line.trim().slice(1, -1).split("|").map((cell) => cell.trim()))
    .filter((cells) => !cells.every((cell) => /^:?-+:?$/.test(cell)));
}

Deno.test("MODE_TOGGLE.md renders exactly the mode table of MODE_POLICY", async () => {
  const { header, rows } = modePolicyTable();
  assert.deepEqual(docTable(await Deno.readTextFile(DOC)), [header, ...rows]);
});

Deno.test("the doc check notices a drifted cell", () => {
  const { header, rows } = modePolicyTable();
  const drifted = rows.map((row) => [...row]);
  drifted[3]![1] = "yes";
  const markdown = [
    "<!-- mode-table:start -->",
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...drifted.map((row) => `| ${row.join(" | ")} |`),
    "<!-- mode-table:end -->",
  ].join("\n");
  assert.notDeepEqual(docTable(markdown), [header, ...rows]);
});

// --- docs/configuration.md and .env.example against the env schema of lib/config.ts -------------

const CONFIG_DOC = new URL("../docs/configuration.md", import.meta.url);
const CONFIG_SOURCE = new URL("../lib/config.ts", import.meta.url);
const ENV_EXAMPLE = new URL("../.env.example", import.meta.url);

/** One entry of `envSchema` as written in lib/config.ts. */
interface SchemaEntry {
  name: string;
  /** `int` / `millis`: [fallback, min, max]; `bool`: the fallback; else undefined. */
  kind: "int" | "millis" | "bool" | "other";
  numbers: number[];
  fallback?: boolean;
}

/**
 * The variables of `envSchema` (not exported, so read from the source). Cross-checked against
 * the `e.NAME` reads of `loadConfig`, so a variable the parser missed fails the test instead.
 */
export function schemaEntries(source: string): SchemaEntry[] {
  const start = source.indexOf("const envSchema = z.object({");
  const end = source.indexOf("\n});", start);
  if (start < 0 || end < 0) throw new Error("envSchema not found in lib/config.ts");
  const entries: SchemaEntry[] = [];
  for (const match of source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*): (.*)$/gm)) {
    const [, name, rest] = match as unknown as [string, string, string];
    const call = rest.match(/^(int|millis|bool)\(([^)]*)\)/);
    const kind = (call?.[1] ?? "other") as SchemaEntry["kind"];
    const args = (call?.[2] ?? "").split(",").map((arg) => arg.trim());
    entries.push({
      name,
      kind,
      numbers: kind === "int" || kind === "millis"
        ? args.map((arg) => Number(arg.replaceAll("_", "")))
        : [],
      ...(kind === "bool" ? { fallback: args[0] === "true" } : {}),
    });
  }
  const read = new Set([...source.matchAll(/\be\.([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]!));
  assert.deepEqual(
    [...read].sort(),
    entries.map((entry) => entry.name).sort(),
    "the schema entries parsed from lib/config.ts differ from the variables loadConfig reads",
  );
  return entries;
}

/** A row of a variable table: its variable names and cells by header. */
interface VariableRow {
  names: string[];
  cells: Record<string, string>;
}

/** The rows of every markdown table whose first header cell is `variable`. */
export function variableRows(markdown: string): VariableRow[] {
  const rows: VariableRow[] = [];
  let header: string[] | undefined;
  for (const line of markdown.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed.startsWith("|")) {
      header = undefined;
      continue;
    }
    const cells = trimmed.slice(1, -1).split("|").map((cell) => cell.trim());
    if (cells.every((cell) => /^:?-+:?$/.test(cell))) continue;
    if (header === undefined) {
      header = cells;
      continue;
    }
    if (header[0] !== "variable") continue;
    const names = [...cells[0]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    rows.push({ names, cells: Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""])) });
  }
  return rows;
}

/** Words that look like environment variables but name something else in configuration.md. */
const NOT_VARIABLES = new Set([
  "ENVIRONMENT_GATED", // a flag evaluation reason
  "MODE_TOGGLE", // docs/operations/MODE_TOGGLE.md
]);

function rejects(env: Record<string, string>, variable: string): boolean {
  try {
    testConfig(env);
    return false;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.variable === variable;
  }
}

Deno.test("configuration.md has one row per env schema variable and no other", async () => {
  const schema = schemaEntries(await Deno.readTextFile(CONFIG_SOURCE)).map((e) => e.name);
  const documented = variableRows(await Deno.readTextFile(CONFIG_DOC)).flatMap((row) => row.names);
  const twice = documented.filter((name, i) => documented.indexOf(name) !== i);
  assert.deepEqual(twice, [], "variables in more than one row");
  assert.deepEqual(
    schema.filter((name) => !documented.includes(name)),
    [],
    "variables of lib/config.ts missing from configuration.md",
  );
  assert.deepEqual(
    documented.filter((name) => !schema.includes(name)),
    [],
    "variables in configuration.md that lib/config.ts does not read",
  );
});

Deno.test("configuration.md names no variable the schema lacks, in prose either", async () => {
  const schema = new Set(schemaEntries(await Deno.readTextFile(CONFIG_SOURCE)).map((e) => e.name));
  const words = new Set(
    [...(await Deno.readTextFile(CONFIG_DOC)).matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)]
      .map((m) => m[0]),
  );
  const unknown = [...words].filter((word) =>
    !schema.has(word) && !word.startsWith("FEATURE_") && !NOT_VARIABLES.has(word) &&
    statusOf(word as ErrorCode) === undefined
  );
  assert.deepEqual(unknown, [], "neither a variable, an error code nor a known other name");
});

Deno.test("configuration.md: every row says what it accepts; numeric ranges and defaults are the schema's", async () => {
  const schema = new Map(
    schemaEntries(await Deno.readTextFile(CONFIG_SOURCE)).map((e) => [e.name, e]),
  );
  for (const row of variableRows(await Deno.readTextFile(CONFIG_DOC))) {
    const accepts = row.cells["accepts"];
    assert.ok(accepts, `${row.names.join(", ")}: no accepts cell`);
    for (const name of row.names) {
      const entry = schema.get(name)!;
      if (entry.kind === "int" || entry.kind === "millis") {
        const [fallback, min, max] = entry.numbers;
        assert.equal(row.cells["default"], `\`${fallback}\``, `${name}: default`);
        const range = `\`${min}\`–\`${max}\``;
        assert.ok(accepts.includes(range), `${name}: accepts should name ${range}`);
        if (entry.kind === "millis") assert.ok(accepts.startsWith("`0` "), `${name}: 0 (off)`);
      }
      if (entry.kind === "bool") {
        assert.equal(row.cells["default"], `\`${entry.fallback}\``, `${name}: default`);
        assert.match(accepts, /boolean/, `${name}: accepts`);
      }
    }
  }
});

Deno.test("configuration.md: each documented number range is what the start accepts", async () => {
  const checked = new Set<string>();
  for (const row of variableRows(await Deno.readTextFile(CONFIG_DOC))) {
    const ranges = [...row.cells["accepts"]!.matchAll(/`(-?\d+)`–`(-?\d+)`/g)];
    const last = ranges.at(-1);
    if (!last) continue;
    const [min, max] = [Number(last[1]), Number(last[2])];
    for (const name of row.names) {
      for (const value of [min, max]) {
        assert.ok(!rejects({ [name]: String(value) }, name), `${name}=${value} should start`);
      }
      for (const value of [min - 1, max + 1]) {
        assert.ok(rejects({ [name]: String(value) }, name), `${name}=${value} should not start`);
      }
      if (row.cells["accepts"]!.startsWith("`0` ")) {
        assert.ok(!rejects({ [name]: "0" }, name), `${name}=0 should start`);
      }
      checked.add(name);
    }
  }
  const numeric = schemaEntries(await Deno.readTextFile(CONFIG_SOURCE))
    .filter((entry) => entry.kind === "int" || entry.kind === "millis")
    .map((entry) => entry.name);
  assert.deepEqual(numeric.filter((name) => !checked.has(name)), [], "ranges not documented");
  for (const name of ["TRUST_PROXY", "SENTRY_TRACES_SAMPLE_RATE"]) assert.ok(checked.has(name));
});

Deno.test(".env.example lists every variable, assigns no other, and its numbers and booleans are the defaults", async () => {
  const entries = schemaEntries(await Deno.readTextFile(CONFIG_SOURCE));
  const example = await Deno.readTextFile(ENV_EXAMPLE);
  const assigned = new Map(
    [...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  const names = new Set(entries.map((e) => e.name));
  assert.deepEqual([...assigned.keys()].filter((name) => !names.has(name)), []);
  for (const entry of entries) {
    assert.match(example, new RegExp(`\\b${entry.name}\\b`), `${entry.name} missing`);
    const value = assigned.get(entry.name);
    if (value === undefined) continue;
    if (entry.kind === "int" || entry.kind === "millis") {
      assert.equal(value, String(entry.numbers[0]), `${entry.name} in .env.example`);
    }
    if (entry.kind === "bool") assert.equal(value, String(entry.fallback), entry.name);
  }
  // The copy a developer makes must start as it is.
  testConfig(Object.fromEntries(assigned));
});

Deno.test("the configuration doc checks notice a missing, an extra and a wrong variable", () => {
  const source = [
    "const envSchema = z.object({",
    "  PORT: int(8000, 0, 65535),",
    "  HOST: text(),",
    "});",
    "e.PORT; e.HOST;",
  ].join("\n");
  const entries = schemaEntries(source);
  assert.deepEqual(entries.map((e) => e.name), ["PORT", "HOST"]);
  assert.deepEqual(entries[0]!.numbers, [8000, 0, 65535]);
  assert.throws(() => schemaEntries(source.replace("e.HOST;", "e.HOST; e.EXTRA;")));
  const rows = variableRows([
    "| variable | default | accepts | meaning |",
    "| --- | --- | --- | --- |",
    "| `PORT` | `8000` | `0`–`65535` | port |",
    "| `ALLOW_IPS`, `DENY_IPS` | — | lists | filters |",
  ].join("\n"));
  assert.deepEqual(rows.map((row) => row.names), [["PORT"], ["ALLOW_IPS", "DENY_IPS"]]);
  assert.equal(rows[0]!.cells["accepts"], "`0`–`65535`");
  assert.ok(rejects({ PORT: "65536" }, "PORT"));
  assert.ok(!rejects({ PORT: "65535" }, "PORT"));
});

// --- docs/operations/TROUBLESHOOTING.md against lib/errors and lib/health -----------------------

const TROUBLESHOOTING = new URL("../docs/operations/TROUBLESHOOTING.md", import.meta.url);

/** Every ErrorCode; the type checker refuses this object when a code is added or removed. */
const ERROR_CODES = {
  VALIDATION_FAILED: true,
  UNAUTHENTICATED: true,
  FORBIDDEN: true,
  NOT_FOUND: true,
  METHOD_NOT_ALLOWED: true,
  CONFLICT: true,
  CONSENT_REQUIRED: true,
  MODE_STANDBY: true,
  MODE_PINNED: true,
  PAYLOAD_TOO_LARGE: true,
  UNSUPPORTED_MEDIA_TYPE: true,
  RATE_LIMITED: true,
  CSRF_FAILED: true,
  NETWORK_BLOCKED: true,
  SERVICE_UNAVAILABLE: true,
  DB_TIMEOUT: true,
  INTERNAL_ERROR: true,
} as const satisfies Record<ErrorCode, true>;

/** Every readiness state other than `failed: <reason>`; checked by the type checker too. */
const CHECK_STATES = {
  ok: true,
  skipped: true,
  blocked: true,
  degraded: true,
} as const satisfies Record<Exclude<CheckStatus, `failed: ${string}`>, true>;

/** The text of a `## ` section, from its heading to the next one. */
export function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`section "${heading}" missing`);
  const end = markdown.indexOf("\n## ", start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** `code (status)` pairs of the first column of a section's tables. */
export function documentedCodes(text: string): Array<[string, number]> {
  return [...text.matchAll(/^\| `([A-Z_]+)` \((\d{3})\) +\|/gm)].map((m) => [m[1]!, Number(m[2])]);
}

Deno.test("TROUBLESHOOTING.md 'API errors' lists every ErrorCode once, with its status", async () => {
  const documented = documentedCodes(
    section(await Deno.readTextFile(TROUBLESHOOTING), "API errors"),
  );
  assert.deepEqual(
    documented.map(([code]) => code).sort(),
    Object.keys(ERROR_CODES).sort(),
    "the table's codes differ from ErrorCode in lib/errors/mod.ts",
  );
  for (const [code, status] of documented) {
    assert.equal(status, statusOf(code as ErrorCode), `${code}: status`);
  }
});

Deno.test("TROUBLESHOOTING.md 'Readiness' names every check state and the fallback reason", async () => {
  const text = section(await Deno.readTextFile(TROUBLESHOOTING), "Readiness");
  for (const state of Object.keys(CHECK_STATES)) {
    assert.match(text, new RegExp(`^\\| \`${state}\` +\\|`, "m"), `${state} missing`);
  }
  assert.match(text, new RegExp(`^\\| \`${failureReason(new Error("?"))}\` +\\|`, "m"));
});

Deno.test("the error table check notices a missing code and a wrong status", () => {
  const table = [
    "| code | meaning |",
    "| --- | --- |",
    "| `NOT_FOUND` (404) | gone |",
    "| `DB_TIMEOUT` (500) | slow |",
  ].join("\n");
  const documented = documentedCodes(table);
  assert.deepEqual(documented, [["NOT_FOUND", 404], ["DB_TIMEOUT", 500]]);
  assert.notDeepEqual(documented.map(([code]) => code).sort(), Object.keys(ERROR_CODES).sort());
  assert.notEqual(documented[1]![1], statusOf("DB_TIMEOUT"));
});
