/**
 * `deno task migrate`, `deno task user` and `deno task restore-prepare` against a database that
 * refuses the connection or never answers, as real processes: each stops with status 1 and one
 * line naming the cause (the line main.ts prints), without the password or a stack trace, instead
 * of an uncaught ECONNREFUSED or a silent hang. The first round trip is bounded to 10 s (plus at
 * most 2 s to close the pool): the three scripts run at once, each killed after `LIMIT_MS`.
 *
 * A local listener that accepts and never answers meets postgres.js' own connect timeout (5 s);
 * an address whose connection attempt gets no answer at all (10.255.255.1 on most networks)
 * does not, and only the 10 s bound ends the wait. Where the network refuses that address at
 * once instead, the same one line still names the cause.
 */
import assert from "node:assert/strict";
import { type CliResult, runScript } from "./helpers/user_cli.ts";
import { blackhole } from "./helpers/blackhole.ts";

const LIMIT_MS = 40_000;
const PASSWORD = "planted-s3cret-pw";
const scriptPath = (name: string) => new URL(`../scripts/${name}`, import.meta.url).pathname;

/** Each script with arguments that reach the database. */
const SCRIPTS: ReadonlyArray<{ task: string; path: string; args: string[] }> = [
  { task: "migrate", path: scriptPath("migrate.ts"), args: [] },
  { task: "user list", path: scriptPath("user.ts"), args: ["list"] },
  { task: "restore-prepare", path: scriptPath("restore_prepare.ts"), args: [] },
];

/** A port nothing listens on (taken, then freed). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function assertOneLineExit(task: string, result: CliResult, reason: string | RegExp) {
  const output = `${result.stdout}${result.stderr}`;
  assert.ok(result.ms < LIMIT_MS, `${task}: still running after ${LIMIT_MS} ms (killed)`);
  assert.equal(result.code, 1, `${task}: exit status; output: ${output}`);
  const lines = output.split("\n").filter((line) => line.trim() !== "");
  assert.equal(lines.length, 1, `${task}: one line: ${JSON.stringify(lines)}`);
  assert.match(
    lines[0]!,
    new RegExp(
      `^Database at DATABASE_URL could not be reached at start: ${
        typeof reason === "string" ? reason : reason.source
      }; `,
    ),
    task,
  );
  assert.ok(!output.includes(PASSWORD), `${task}: the password is never echoed`);
  assert.ok(!/^\s+at |Uncaught/m.test(output), `${task}: no stack trace`);
}

async function expectEachScriptStops(databaseUrl: string, reason: string | RegExp) {
  const results = await Promise.all(
    SCRIPTS.map((script) =>
      runScript(script.path, { DATABASE_URL: databaseUrl }, script.args, undefined, LIMIT_MS)
    ),
  );
  SCRIPTS.forEach((script, i) => assertOneLineExit(script.task, results[i]!, reason));
}

Deno.test("scripts: DATABASE_URL on a closed port stops each with one line naming 'connection refused'", async () => {
  await expectEachScriptStops(
    `postgres://postgres:${PASSWORD}@127.0.0.1:${closedPort()}/db`,
    "connection refused",
  );
});

Deno.test("scripts: DATABASE_URL on a server that never answers stops each within the bound, naming 'timed out'", async () => {
  const hole = blackhole();
  try {
    await expectEachScriptStops(
      `postgres://postgres:${PASSWORD}@127.0.0.1:${hole.port}/db`,
      "timed out",
    );
  } finally {
    hole.close();
  }
});

Deno.test("scripts: DATABASE_URL on an address that never answers the connection attempt stops each within the bound", async () => {
  await expectEachScriptStops(
    `postgres://postgres:${PASSWORD}@10.255.255.1:5432/db`,
    /(timed out|connection failed|connection refused)/,
  );
});
