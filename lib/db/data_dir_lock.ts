/**
 * An exclusive lock on an embedded database's data directory. PGlite assumes it is the only
 * process using its files: a second process opening the same directory writes into files the
 * first one keeps overwriting, so its changes are silently lost. The lock is an advisory
 * `flock` on `<dir>/.lock`, released by the operating system when the process exits (a crash
 * leaves no stale lock); the file holds the owner's pid for the error message.
 */

/** Thrown when another process holds the data directory. */
export class DataDirInUseError extends Error {
  constructor(readonly dir: string, readonly pid: number | undefined) {
    super(
      `The embedded database in ${dir} is in use by another process` +
        `${pid === undefined ? "" : ` (pid ${pid})`}; stop it or use DATABASE_URL`,
    );
    this.name = "DataDirInUseError";
  }
}

/**
 * Thrown when DATA_DIR cannot be created or written: a file, a path under a file, a read-only
 * mount, no permission. The message names the path (the operator's setting) and the reason only;
 * with `entry`, the path inside DATA_DIR that failed (a file where `<DATA_DIR>/pglite` goes).
 */
export class DataDirUnusableError extends Error {
  constructor(readonly dir: string, readonly reason: string, readonly entry?: string) {
    super(`Cannot use DATA_DIR=${dir}: ${reason}${entry === undefined ? "" : ` (${entry})`}`);
    this.name = "DataDirUnusableError";
  }
}

/** Reasons by the operating system's error code. */
const PROBLEMS: ReadonlyMap<string, string> = new Map([
  ["EEXIST", "not a directory"],
  ["ENOTDIR", "not a directory"],
  ["EACCES", "permission denied"],
  ["EPERM", "permission denied"],
  ["EROFS", "read-only file system"],
  ["ENOSPC", "no space left on the device"],
  ["EDQUOT", "disk quota exceeded"],
  ["ENAMETOOLONG", "the path is too long"],
  ["ELOOP", "too many symbolic links"],
  ["ENOENT", "no such file or directory"],
]);

/**
 * PGlite's file system (Emscripten's NODEFS over the real directory) throws `ErrnoError` with
 * Emscripten's own numbers, not the OS error's code: the ones that say the directory takes no
 * writes, by the name {@link PROBLEMS} knows. Others (a damaged data directory) are not the
 * operator's permissions and stay unmapped.
 */
const EMSCRIPTEN_ERRNO: ReadonlyMap<number, string> = new Map([
  [2, "EACCES"],
  [63, "EPERM"],
  [69, "EROFS"],
  [51, "ENOSPC"],
]);

/**
 * Why a file-system call on the data directory failed, in words; undefined for anything else.
 * Reads Deno's errors (`code`) and PGlite's (`ErrnoError`, `errno`).
 */
export function dataDirProblem(error: unknown): string | undefined {
  const { code, name, errno } = (error ?? {}) as {
    code?: unknown;
    name?: unknown;
    errno?: unknown;
  };
  if (typeof code === "string") return PROBLEMS.get(code);
  if (name === "ErrnoError" && typeof errno === "number") {
    const named = EMSCRIPTEN_ERRNO.get(errno);
    return named === undefined ? undefined : PROBLEMS.get(named);
  }
  return undefined;
}

/** A held lock; {@link DataDirLock.release} is idempotent. */
export interface DataDirLock {
  release(): void;
}

/**
 * Takes the lock on `dir` (created when missing) without waiting, or throws
 * {@link DataDirInUseError}; {@link DataDirUnusableError} when the directory cannot be created or
 * its lock file written.
 */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const path = `${dir.replace(/\/$/, "")}/.lock`;
  let file: Deno.FsFile;
  try {
    await Deno.mkdir(dir, { recursive: true });
    file = await Deno.open(path, { read: true, write: true, create: true });
  } catch (error) {
    const problem = dataDirProblem(error);
    if (problem) throw new DataDirUnusableError(dir, problem);
    throw error;
  }
  let locked: boolean;
  try {
    locked = await file.tryLock(true);
  } catch (error) {
    file.close();
    throw error;
  }
  if (!locked) {
    file.close();
    const owner = Number.parseInt(await Deno.readTextFile(path).catch(() => ""), 10);
    throw new DataDirInUseError(dir, Number.isSafeInteger(owner) ? owner : undefined);
  }
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      file.unlockSync();
      file.close();
    },
  };
}
