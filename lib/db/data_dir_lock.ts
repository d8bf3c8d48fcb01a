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

/** A held lock; {@link DataDirLock.release} is idempotent. */
export interface DataDirLock {
  release(): void;
}

/** Takes the lock on `dir` (created when missing) without waiting, or throws {@link DataDirInUseError}. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir.replace(/\/$/, "")}/.lock`;
  const file = await Deno.open(path, { read: true, write: true, create: true });
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
