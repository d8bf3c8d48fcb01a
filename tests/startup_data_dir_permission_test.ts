/**
 * An existing `<DATA_DIR>/pglite` the app's user may not write (mode 0500, or owned by another
 * user: a restore extracted as root), or a database in it whose files it may not write, stops the start, `deno task user`, migrate and
 * restore-prepare with the one line 'Cannot use DATA_DIR=<dir>: permission denied (<dir>/pglite)'
 * and status 1, as a file there does since b980e22: not an uncaught `ErrnoError { errno: 2 }`
 * from inside PGlite, nor 'Migrations failed: error'.
 *
 * The tests run as root, whom mode bits do not stop, so each process runs under `setpriv` without
 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: a root that the permission bits bind (the directories
 * stay root's, and mode 0500 leaves their owner no write). As another user the processes run
 * directly.
 */
import assert from "node:assert/strict";
import { dataDirProblem } from "../lib/db/data_dir_lock.ts";
import { requireInCi } from "./helpers/env.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const script = (name: string) => new URL(`../scripts/${name}`, import.meta.url).pathname;
/** The scripts that open the embedded database, with arguments that make them open it. */
const SCRIPTS = [
  [script("user.ts"), ["list"]],
  [script("migrate.ts"), []],
  [script("restore_prepare.ts"), []],
] as const;
/** Bounds a process that does not exit (the test fails instead of hanging; not a timing check). */
const LIMIT_MS = 60_000;

function hasSetpriv(): boolean {
  try {
    return new Deno.Command("setpriv", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** The command prefix under which mode bits bind this process's children. */
const UNPRIVILEGED = Deno.uid() === 0
  ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
  : [];
const canSimulate = Deno.uid() !== 0 ||
  requireInCi("setpriv (util-linux), to run as a root that mode bits bind", hasSetpriv());

/** Runs `deno run <file> <args>` without the permission override; stdout, stderr and status. */
async function run(
  file: string,
  env: Record<string, string>,
  args: string[] = [],
  { privileged = false } = {},
) {
  const [command, ...prefix] = [...(privileged ? [] : UNPRIVILEGED), Deno.execPath()];
  const output = await new Deno.Command(command!, {
    args: [
      ...prefix,
      "run",
      "--allow-env",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-sys",
      "--allow-run",
      file,
      ...args,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1", LOG_LEVEL: "error", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(LIMIT_MS),
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

/** A DATA_DIR whose `pglite` directory exists and takes no writes (mode 0500). */
async function withReadOnlyPglite(fn: (dataDir: string) => Promise<void>) {
  const dataDir = await Deno.makeTempDir({ prefix: "rf_datadir_" });
  await Deno.mkdir(`${dataDir}/pglite`);
  await Deno.chmod(`${dataDir}/pglite`, 0o500);
  try {
    await fn(dataDir);
  } finally {
    await Deno.chmod(`${dataDir}/pglite`, 0o700);
    await Deno.remove(dataDir, { recursive: true });
  }
}

const line = (dataDir: string) =>
  `Cannot use DATA_DIR=${dataDir}: permission denied (${dataDir}/pglite)\n`;

Deno.test({
  name: "an unwritable DATA_DIR/pglite: the start exits 1 with one line, no stack trace",
  ignore: !canSimulate,
  async fn() {
    await withReadOnlyPglite(async (dataDir) => {
      const result = await run(`${ROOT}main.ts`, {
        DATA_DIR: dataDir,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_FORMAT: "json",
        LOG_LEVEL: "info",
      });
      assert.equal(result.code, 1);
      assert.equal(result.stderr, line(dataDir));
      for (const leak of ["Uncaught", "ErrnoError", "listening"]) {
        assert.ok(!result.stdout.includes(leak), leak);
      }
    });
  },
});

Deno.test({
  name:
    "deno task user, migrate and restore-prepare with an unwritable DATA_DIR/pglite exit 1 with one line",
  ignore: !canSimulate,
  async fn() {
    await withReadOnlyPglite(async (dataDir) => {
      for (const [file, args] of SCRIPTS) {
        const result = await run(file, { DATA_DIR: dataDir }, [...args]);
        assert.equal(result.code, 1, file);
        assert.equal(result.stderr, line(dataDir), file);
        assert.equal(result.stdout, "", file);
      }
      // Nothing was left in it (the write check cleans up after itself when it can write).
      assert.deepEqual([...Deno.readDirSync(`${dataDir}/pglite`)], []);
    });
  },
});

/** Modes of a tree, to put back. */
async function chmodTree(dir: string, mode: (isDirectory: boolean) => number) {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) await chmodTree(path, mode);
    if (entry.isDirectory || entry.isFile) await Deno.chmod(path, mode(entry.isDirectory));
  }
}

Deno.test({
  name:
    "a database in DATA_DIR/pglite whose files may not be written: the start and the scripts exit 1 with the same line",
  ignore: !canSimulate,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "rf_datadir_" });
    try {
      const created = await run(script("migrate.ts"), { DATA_DIR: dataDir }, [], {
        privileged: true,
      });
      assert.equal(created.code, 0, created.stderr);
      // The directory itself still takes files; what is in it does not (PGlite aborts on it).
      for (const sub of ["base", "global"]) {
        await chmodTree(`${dataDir}/pglite/${sub}`, (isDirectory) => isDirectory ? 0o500 : 0o400);
        await Deno.chmod(`${dataDir}/pglite/${sub}`, 0o500);
      }
      const start = await run(`${ROOT}main.ts`, {
        DATA_DIR: dataDir,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_FORMAT: "json",
      });
      assert.equal(start.code, 1);
      assert.equal(start.stderr, line(dataDir));
      for (const [file, args] of SCRIPTS) {
        const result = await run(file, { DATA_DIR: dataDir }, [...args]);
        assert.equal(result.code, 1, file);
        assert.equal(result.stderr, line(dataDir), file);
      }
    } finally {
      await chmodTree(dataDir, (isDirectory) => isDirectory ? 0o700 : 0o600);
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test("PGlite's file-system errors (Emscripten numbers) are named like the OS's", () => {
  const errno = (n: number) => Object.assign(new Error(""), { name: "ErrnoError", errno: n });
  assert.equal(dataDirProblem(errno(2)), "permission denied"); // EACCES
  assert.equal(dataDirProblem(errno(63)), "permission denied"); // EPERM
  assert.equal(dataDirProblem(errno(69)), "read-only file system"); // EROFS
  assert.equal(dataDirProblem(errno(51)), "no space left on the device"); // ENOSPC
  // Others (a damaged database: ENOENT 44, EINVAL 28) are not the operator's permissions.
  assert.equal(dataDirProblem(errno(44)), undefined);
  assert.equal(dataDirProblem(errno(28)), undefined);
  assert.equal(dataDirProblem(Object.assign(new Error(""), { errno: 2 })), undefined);
});
