/**
 * A copy of .env.example never overrides what the image sets. compose.yaml hands every variable of
 * .env to the app (env_file), and an assignment there, even an empty one, wins over the
 * Dockerfile's ENV: `LOG_FORMAT=` in a copy made the compose stack (APP_ENV=staging) log text
 * instead of the image's JSON, and `APP_BUILD=` dropped the image's build id. So .env.example
 * assigns none of the variables the image sets (they stay in it as comments), and compose.yaml
 * pins LOG_FORMAT=json as the image does.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** The names the final stage of a Dockerfile sets with ENV (`ENV A=1 \ B=2`, `ENV A 1`). */
export function imageEnvNames(dockerfile: string): string[] {
  const joined = dockerfile.replace(/\\\r?\n/g, " ");
  const lines = joined.split(/\r?\n/);
  const lastFrom = lines.findLastIndex((line) => /^\s*FROM\s/i.test(line));
  const names: string[] = [];
  for (const line of lines.slice(lastFrom + 1)) {
    const match = /^\s*ENV\s+(.*)$/i.exec(line);
    if (!match) continue;
    const rest = match[1]!.trim();
    if (!rest.includes("=")) {
      names.push(rest.split(/\s+/)[0]!);
      continue;
    }
    for (const pair of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)) names.push(pair[1]!);
  }
  return names;
}

/** The names a dotenv file assigns (`NAME=` or `NAME=value`; comments do not count). */
export function assignedNames(dotenv: string): string[] {
  return [...dotenv.matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/gm)].map((m) => m[1]!);
}

Deno.test("the parsers read a multi-line ENV of the last stage and dotenv assignments", () => {
  const dockerfile = [
    "FROM builder AS build",
    "ENV IGNORED=1",
    "FROM runtime",
    "ENV A=${A} \\",
    "    B=production \\",
    "    C=json",
    "ENV D 1",
  ].join("\n");
  assert.deepEqual(imageEnvNames(dockerfile), ["A", "B", "C", "D"]);
  assert.deepEqual(assignedNames("# A=1\nB=\nC=x\n  # D=\n"), ["B", "C"]);
});

Deno.test(".env.example assigns no variable the image sets with ENV, not even empty", async () => {
  const image = imageEnvNames(await Deno.readTextFile(new URL("Dockerfile", ROOT)));
  assert.ok(image.includes("LOG_FORMAT") && image.includes("APP_ENV"), image.join(", "));
  const example = await Deno.readTextFile(new URL(".env.example", ROOT));
  const assigned = new Set(assignedNames(example));
  assert.deepEqual(image.filter((name) => assigned.has(name)), []);
});

Deno.test("compose.yaml pins LOG_FORMAT=json, as the image does", async () => {
  const compose = await Deno.readTextFile(new URL("compose.yaml", ROOT));
  assert.match(compose, /^\s+LOG_FORMAT: json$/m);
});
