/**
 * `deno task migrate` reads its arguments before it touches the database: --help prints the
 * usage and applies nothing; an option it does not know (--dry-run) is refused with exit 1 and
 * applies nothing either (it used to ignore every argument and migrate).
 */
import assert from "node:assert/strict";
import { runScript } from "./helpers/user_cli.ts";

const SCRIPT = new URL("../scripts/migrate.ts", import.meta.url).pathname;

async function isEmpty(dir: string): Promise<boolean> {
  for await (const _ of Deno.readDir(dir)) return false;
  return true;
}

Deno.test("migrate --help prints the usage and applies nothing", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const result = await runScript(SCRIPT, { DATA_DIR: dataDir }, ["--help"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: deno task migrate/);
    assert.ok(await isEmpty(dataDir), "no database was created");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

for (const args of [["--dry-run"], ["--bogus", "x"], ["extra"]]) {
  Deno.test(`migrate ${args.join(" ")} is refused with exit 1 and applies nothing`, async () => {
    const dataDir = await Deno.makeTempDir();
    try {
      const result = await runScript(SCRIPT, { DATA_DIR: dataDir }, args);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, new RegExp(`${args[0]}`));
      assert.match(result.stderr, /Usage: deno task migrate/);
      assert.ok(await isEmpty(dataDir), "no database was created");
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  });
}

Deno.test("migrate without arguments applies the migrations", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const result = await runScript(SCRIPT, { DATA_DIR: dataDir, LOG_LEVEL: "info" }, []);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout + result.stderr, /migrations done/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
