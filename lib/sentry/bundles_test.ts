import assert from "node:assert/strict";
import { bundleOfPath, inBundle, islandBundles, readIslandBundles } from "./bundles.ts";

Deno.test("readIslandBundles() reads the .js files of the directory, line by line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rf_bundles_" });
  try {
    await Deno.writeTextFile(`${dir}/ModeBadge-3f2a9c1b7d4e.js`, "abc\nde\n");
    await Deno.writeTextFile(`${dir}/chunk-3V4VRQZ6.js`, "x".repeat(40));
    await Deno.writeTextFile(`${dir}/manifest.json`, "{}");
    await Deno.mkdir(`${dir}/sub.js`);
    const bundles = readIslandBundles(new URL(`file://${dir}/`));
    assert.deepEqual(
      [...bundles].sort(),
      [["ModeBadge-3f2a9c1b7d4e.js", [3, 2]], ["chunk-3V4VRQZ6.js", [40]]],
    );
    assert.equal(readIslandBundles(new URL(`file://${dir}/missing/`)).size, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bundleOfPath() and inBundle() accept the bundle files and positions inside them", () => {
  const bundles = islandBundles({ "A-1.js": "abc\r\nde" });
  assert.equal(bundleOfPath("/_islands/A-1.js", bundles), "A-1.js");
  for (const path of ["/_islands/a-1.js", "/_islands/sub/A-1.js", "/A-1.js", "/_islands/"]) {
    assert.equal(bundleOfPath(path, bundles), undefined, path);
  }
  assert.equal(bundleOfPath("/_islands/A-1.js", undefined), undefined);
  for (const [line, column] of [[1, 1], [1, 4], [2, 3]]) {
    assert.equal(inBundle(bundles, "A-1.js", line, column), true, `${line}:${column}`);
  }
  for (
    const [line, column] of [[0, 1], [1, 0], [1, 5], [2, 4], [3, 1], [1.5, 1], ["1", 1], [1e9, 1]]
  ) {
    assert.equal(inBundle(bundles, "A-1.js", line, column), false, `${line}:${column}`);
  }
  assert.equal(inBundle(bundles, "B-2.js", 1, 1), false);
});
