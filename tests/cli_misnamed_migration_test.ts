/**
 * A migration file not named NNNN_name.sql stops `deno task migrate` and `deno task user` with one
 * line naming the file, exit 1, no stack trace (lib/db/migrate.ts MigrationFileNameError; the
 * user CLI showed a stack trace). Run on a copy of the code with such a file added, so the
 * repository's migrations stay as they are.
 */
import assert from "node:assert/strict";
import { ROOT } from "./helpers/app.ts";

const COPIED = ["lib", "scripts", "migrations", "deno.json", "deno.lock"];

async function copyTree(into: string): Promise<void> {
  for (const name of COPIED) {
    const status = await new Deno.Command("cp", {
      args: ["-r", new URL(name, ROOT).pathname, `${into}/${name}`],
    }).output();
    assert.ok(status.success, `copy ${name}`);
  }
}

Deno.test("CLI: a misnamed migration file stops migrate and user with one line naming it, exit 1", async () => {
  const tree = await Deno.makeTempDir({ prefix: "misnamed-migration-" });
  const dataDir = await Deno.makeTempDir({ prefix: "misnamed-migration-data-" });
  try {
    await copyTree(tree);
    await Deno.writeTextFile(`${tree}/migrations/0099_add-thing.sql`, "SELECT 1;\n");
    for (const script of ["scripts/migrate.ts", "scripts/user.ts"]) {
      const args = [
        "run",
        "-A",
        "--quiet",
        script,
        ...(script.endsWith("user.ts") ? ["list"] : []),
      ];
      const env: Record<string, string> = { DATA_DIR: dataDir, NO_COLOR: "1" };
      const output = await new Deno.Command(Deno.execPath(), {
        args,
        cwd: tree,
        env,
        clearEnv: false,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 1, `${script}: ${stderr}`);
      assert.match(stderr, /0099_add-thing\.sql is not named NNNN_name\.sql/, script);
      assert.doesNotMatch(stderr, /^\s+at /m, `${script}: no stack trace`);
      assert.doesNotMatch(stderr, /Uncaught/, script);
    }
  } finally {
    await Deno.remove(tree, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});
