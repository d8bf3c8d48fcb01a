/**
 * /favicon.ico: browsers ask for it on pages without an icon link (a JSON answer, the API
 * reference); it is served (a small icon, public, no sign-in) so the console shows no 404.
 * The layout links the SVG icon.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";

Deno.test("/favicon.ico is a small public icon; the layout links /favicon.svg", async () => {
  await withTestApp(async (app) => {
    const icon = await app.request("/favicon.ico");
    assert.equal(icon.status, 200);
    assert.equal(icon.headers.get("content-type"), "image/x-icon");
    const bytes = new Uint8Array(await icon.arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 4)], [0, 0, 1, 0], "an ICO file");
    assert.ok(bytes.length < 5_000);

    const svg = await app.request("/favicon.svg");
    assert.equal(svg.status, 200);
    await svg.body?.cancel();
    const login = await (await app.request("/login")).text();
    assert.match(login, /<link rel="icon" href="\/favicon.svg" type="image\/svg\+xml"\/>/);
  });
});
