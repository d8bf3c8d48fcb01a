/**
 * `deno task user --help` is a request that succeeds (status 0, the usage on stdout); no command
 * or an unknown one is a mistake (status 1, the usage on stderr).
 */
import assert from "node:assert/strict";
import { runUserCli } from "./helpers/user_cli.ts";

Deno.test("user --help and -h print the usage and exit 0, without opening the database", async () => {
  for (const args of [["--help"], ["-h"], ["list", "--help"]]) {
    // A database that cannot be reached: help must not need one.
    const result = await runUserCli({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" }, args);
    assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stdout, /^Usage: deno task user <command>/, args.join(" "));
    assert.equal(result.stderr, "", args.join(" "));
  }
});

Deno.test("user without a command prints the usage on stderr and exits 1", async () => {
  const result = await runUserCli({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" }, []);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^Usage: deno task user <command>/);
  assert.equal(result.stdout, "");
});

Deno.test("user with an unknown command exits 1 naming it", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const result = await runUserCli({ DATA_DIR: dataDir }, ["no-such-command"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Unknown command\n/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("user with an unknown option, or an option without its value, gets one line and the usage, no stack trace", async () => {
  for (const args of [["--bogus"], ["list", "--role"], ["create", "a@b.org", "--x=1"]]) {
    const result = await runUserCli({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" }, args);
    assert.equal(result.code, 1, args.join(" "));
    assert.match(result.stderr, /^Unknown option, or an option without its value\n\nUsage:/);
    assert.doesNotMatch(result.stderr, /TypeError|at parseArgs|\.ts:\d+/, args.join(" "));
  }
});
