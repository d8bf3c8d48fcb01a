import assert from "node:assert/strict";
import { DataDirInUseError, lockDataDir } from "./data_dir_lock.ts";
import { openDatabase } from "./open.ts";

Deno.test("[pglite] a second openDatabase() on the same DATA_DIR fails clearly until the first closes", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "rf_lock_" });
  try {
    const first = await openDatabase({ databaseUrl: undefined, dataDir });
    let firstOpen = true;
    try {
      await first.exec("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('one')");
      await assert.rejects(
        () => openDatabase({ databaseUrl: undefined, dataDir }),
        (error: unknown) => {
          assert.ok(error instanceof DataDirInUseError);
          assert.equal(
            error.message,
            `The embedded database in ${dataDir} is in use by another process (pid ${Deno.pid}); ` +
              "stop it or use DATABASE_URL",
          );
          return true;
        },
      );
      await first.close();
      firstOpen = false;
      const again = await openDatabase({ databaseUrl: undefined, dataDir });
      try {
        assert.deepEqual(await again.query("SELECT v FROM kept"), [{ v: "one" }]);
      } finally {
        await again.close();
      }
    } finally {
      if (firstOpen) await first.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("lockDataDir() releases once and can be taken again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rf_lock_" });
  try {
    const lock = await lockDataDir(dir);
    await assert.rejects(() => lockDataDir(dir), DataDirInUseError);
    lock.release();
    lock.release();
    (await lockDataDir(dir)).release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
