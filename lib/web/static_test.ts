import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "../http/types.ts";
import { serveStatic } from "./static.ts";

/** A directory with one stylesheet, served as the app serves `static/`. */
async function withStaticApp(fn: (app: Hono<AppEnv>) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "static_test_" });
  try {
    await Deno.writeTextFile(`${dir}/app.css`, "body { margin: 0 }\n");
    const app = new Hono<AppEnv>();
    app.use(serveStatic({ root: new URL(`file://${dir}/`), cacheFiles: true }));
    app.get("*", (c) => c.text("not a file", 404));
    await fn(app);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function revalidate(app: Hono<AppEnv>, ifNoneMatch: string) {
  const response = await app.request("/app.css", { headers: { "if-none-match": ifNoneMatch } });
  await response.body?.cancel();
  return response.status;
}

Deno.test("a static file is 304 for an If-None-Match naming its ETag: exact, weak, or in a list", async () => {
  await withStaticApp(async (app) => {
    const first = await app.request("/app.css");
    assert.equal(first.status, 200);
    assert.equal(await first.text(), "body { margin: 0 }\n");
    const etag = first.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]+"$/);

    assert.equal(await revalidate(app, etag), 304);
    // What a proxy that weakened the tag (compression) or a cache holding several versions sends.
    assert.equal(await revalidate(app, `W/${etag}`), 304);
    assert.equal(await revalidate(app, `"zzz", ${etag}`), 304);
    assert.equal(await revalidate(app, `"zzz",W/${etag}`), 304);
    // Another version's tag is not this file's.
    assert.equal(await revalidate(app, `"zzz"`), 200);
    assert.equal(await revalidate(app, `W/"zzz", "yyy"`), 200);
  });
});

Deno.test("a path through a file, or with a name too long for the file system, is no static file (passed on, never 500)", async () => {
  await withStaticApp(async (app) => {
    // Deno.readFile failed with NotADirectory / 'File name too long (os error 36)': answered
    // 500, logged as an unhandled error and sent to Sentry, for anyone's request.
    for (
      const path of [
        "/app.css/x.js",
        `/${"a".repeat(256)}.css`,
        `/${"b".repeat(300)}/c.js`,
        // 128 characters, 256 bytes: the file system counts bytes.
        `/${encodeURIComponent("é".repeat(128))}.js`,
        `/${encodeURIComponent("😀".repeat(100))}.css`,
        // Segments each short enough, the whole path too long (PATH_MAX).
        `/${Array.from({ length: 20 }, () => "c".repeat(250)).join("/")}.js`,
      ]
    ) {
      const response = await app.request(path);
      assert.equal(response.status, 404, path.slice(0, 30));
      assert.equal(await response.text(), "not a file");
    }
  });
});
