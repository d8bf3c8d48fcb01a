/**
 * A migration file whose name the runner does not take (`0010_add-x.sql`, `0011_AddJobY.sql`,
 * `10_short.sql`) stops readMigrations with its name, instead of being skipped while `deno task
 * migrate` and the start report success; every file the app ships is named as the runner takes.
 */
import assert from "node:assert/strict";
import {
  bundledMigrationsDir,
  migrationFailureLine,
  MigrationFileNameError,
  readMigrations,
} from "./migrate.ts";

async function dirWith(names: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "migrate_names_" });
  for (const name of names) await Deno.writeTextFile(`${dir}/${name}`, "SELECT 1;\n");
  return dir;
}

for (
  const bad of ["0010_add-x.sql", "0011_AddJobY.sql", "10_short.sql", "0012_x.SQL", "0014_x.sql "]
) {
  Deno.test(`readMigrations refuses ${bad}, naming it, instead of skipping it`, async () => {
    const dir = await dirWith(["0001_init.sql", bad, "0013_later.sql"]);
    try {
      const error = await readMigrations(dir).then(
        () => assert.fail("accepted"),
        (error: unknown) => error,
      );
      assert.ok(error instanceof MigrationFileNameError, String(error));
      assert.ok(error.message.includes(bad), error.message);
      assert.match(error.message, /NNNN_name\.sql/);
      assert.deepEqual(error.files, [bad]);
      // What the start and `deno task migrate` print for it (their fallback for any other error).
      assert.equal(migrationFailureLine(error), `Migrations failed: ${error.message}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("readMigrations names every misnamed file; other files and directories are not migrations", async () => {
  const dir = await dirWith(["0001_init.sql", "0002_b-c.sql", "1_a.sql", "README.md", "notes.txt"]);
  try {
    await Deno.mkdir(`${dir}/0003_archive.sql.d`);
    const error = await readMigrations(dir).catch((error: unknown) => error);
    assert.ok(error instanceof MigrationFileNameError, String(error));
    assert.deepEqual(error.files, ["0002_b-c.sql", "1_a.sql"]);
    await Deno.remove(`${dir}/0002_b-c.sql`);
    await Deno.remove(`${dir}/1_a.sql`);
    assert.deepEqual((await readMigrations(dir)).map((m) => m.name), ["0001_init.sql"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every *.sql the app ships is a migration the runner applies", async () => {
  const shipped: string[] = [];
  for await (const entry of Deno.readDir(bundledMigrationsDir())) {
    if (/\.sql$/i.test(entry.name)) shipped.push(entry.name);
  }
  assert.ok(shipped.length >= 8);
  for (const name of shipped) assert.match(name, /^\d{4}_[a-z0-9_]+\.sql$/);
  const read = await readMigrations(bundledMigrationsDir());
  assert.deepEqual(read.map((m) => m.name), shipped.sort());
});

Deno.test("a migration that is a symbolic link is read as the file it points to, not skipped", async () => {
  const dir = await dirWith(["0001_init.sql"]);
  const elsewhere = await Deno.makeTempDir({ prefix: "migrate_target_" });
  try {
    await Deno.writeTextFile(`${elsewhere}/linked.sql`, "SELECT 2;\n");
    await Deno.symlink(`${elsewhere}/linked.sql`, `${dir}/0002_linked.sql`);
    const files = await readMigrations(dir);
    assert.deepEqual(files.map((file) => [file.name, file.sql]), [
      ["0001_init.sql", "SELECT 1;\n"],
      ["0002_linked.sql", "SELECT 2;\n"],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});
