/**
 * An unusable DATA_DIR (a file, a path under a file, a read-only mount, no permission, or a file
 * where the embedded database's `<DATA_DIR>/pglite` directory goes) stops the start, `deno task
 * user`, migrate and restore-prepare with one line naming the path and the reason and status 1:
 * not an uncaught AlreadyExists from mkdir with a stack trace. The path is the operator's setting.
 */
import assert from "node:assert/strict";
import { dataDirProblem, DataDirUnusableError } from "../lib/db/data_dir_lock.ts";
import { spawnApp } from "./helpers/process.ts";
import { runScript } from "./helpers/user_cli.ts";

const scriptPath = (name: string) => new URL(`../scripts/${name}`, import.meta.url).pathname;
import { withTimeout } from "../lib/timeout.ts";

/** Bounds a process that does not exit (the test fails instead of hanging; not a timing check). */
const LIMIT_MS = 60_000;

async function withFile(fn: (file: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "rf_datadir_" });
  const file = `${dir}/not-a-dir`;
  await Deno.writeTextFile(file, "");
  try {
    await fn(file);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the reasons an unusable DATA_DIR is named by", () => {
  for (
    const [code, reason] of [
      ["EEXIST", "not a directory"],
      ["ENOTDIR", "not a directory"],
      ["EACCES", "permission denied"],
      ["EPERM", "permission denied"],
      ["EROFS", "read-only file system"],
      ["ENOSPC", "no space left on the device"],
    ] as const
  ) {
    const error = Object.assign(new Error("mkdir '/somewhere'"), { code });
    assert.equal(dataDirProblem(error), reason, code);
  }
  assert.equal(dataDirProblem(new TypeError("x")), undefined, "not a file-system error");
  assert.equal(
    new DataDirUnusableError("/srv/data", "read-only file system").message,
    "Cannot use DATA_DIR=/srv/data: read-only file system",
  );
});

Deno.test("a DATA_DIR that is a file, or under a file: the start exits 1 with one line, no stack trace", async () => {
  await withFile(async (file) => {
    for (const dataDir of [file, `${file}/sub`]) {
      const app = spawnApp({ DATA_DIR: dataDir });
      const status = await withTimeout(app.status, LIMIT_MS, () => {
        app.child.kill("SIGKILL");
        return new Error("the process did not exit");
      });
      assert.equal(status.code, 1, dataDir);
      assert.deepEqual(app.stderr, [`Cannot use DATA_DIR=${dataDir}: not a directory`]);
      assert.ok(!JSON.stringify(app.records).includes("Uncaught"));
      assert.ok(!app.records.some((record) => record.msg === "listening"));
    }
  });
});

Deno.test("deno task user, migrate and restore-prepare with a DATA_DIR that is a file exit 1 with one line, no stack trace", async () => {
  await withFile(async (file) => {
    const scripts = [
      { path: scriptPath("user.ts"), args: ["list"] },
      { path: scriptPath("migrate.ts"), args: [] },
      { path: scriptPath("restore_prepare.ts"), args: [] },
    ];
    for (const script of scripts) {
      const result = await runScript(script.path, { DATA_DIR: file }, script.args);
      assert.equal(result.code, 1, script.path);
      assert.equal(result.stderr, `Cannot use DATA_DIR=${file}: not a directory\n`, script.path);
      assert.equal(result.stdout, "", script.path);
    }
  });
});

/** A DATA_DIR that is a directory, holding a file where the embedded database's directory goes. */
async function withPgliteFile(fn: (dataDir: string) => Promise<void>) {
  const dataDir = await Deno.makeTempDir({ prefix: "rf_datadir_" });
  await Deno.writeTextFile(`${dataDir}/pglite`, "");
  try {
    await fn(dataDir);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

const pgliteLine = (dataDir: string) =>
  `Cannot use DATA_DIR=${dataDir}: not a directory (${dataDir}/pglite)`;

Deno.test("a file at DATA_DIR/pglite: the start exits 1 with one line, no stack trace", async () => {
  await withPgliteFile(async (dataDir) => {
    const app = spawnApp({ DATA_DIR: dataDir });
    const status = await withTimeout(app.status, LIMIT_MS, () => {
      app.child.kill("SIGKILL");
      return new Error("the process did not exit");
    });
    assert.equal(status.code, 1);
    assert.deepEqual(app.stderr, [pgliteLine(dataDir)]);
    assert.ok(!JSON.stringify(app.records).includes("Uncaught"));
    assert.ok(!app.records.some((record) => record.msg === "listening"));
  });
});

Deno.test("deno task user, migrate and restore-prepare with a file at DATA_DIR/pglite exit 1 with one line", async () => {
  await withPgliteFile(async (dataDir) => {
    const scripts = [
      { path: scriptPath("user.ts"), args: ["list"] },
      { path: scriptPath("migrate.ts"), args: [] },
      { path: scriptPath("restore_prepare.ts"), args: [] },
    ];
    for (const script of scripts) {
      const result = await runScript(script.path, { DATA_DIR: dataDir }, script.args);
      assert.equal(result.code, 1, script.path);
      assert.equal(result.stderr, `${pgliteLine(dataDir)}\n`, script.path);
      assert.equal(result.stdout, "", script.path);
    }
  });
});
