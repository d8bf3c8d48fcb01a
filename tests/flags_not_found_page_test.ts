/** /flags/:key for a key with no live flag (archived, say): 404 with links to the flags. */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

Deno.test("/flags/:key of an archived flag: 404 that links to the archived flags", async () => {
  await withTestApp(async (app) => {
    const actor = { actor: { type: "system" as const } };
    await app.services.flags.set("gone.flag", { enabled: true }, actor);
    await app.services.flags.archive("gone.flag", undefined, actor);
    const steward = await signInAs(app, "STEWARD");
    const response = await app.request("/flags/gone.flag", {
      headers: { cookie: steward.cookie },
    });
    assert.equal(response.status, 404);
    const main = (await response.text()).split('<main id="main"')[1] ?? "";
    assert.match(main, /<a href="\/flags#archived-heading">Archived flags<\/a>/);
    assert.match(main, /<a href="\/flags">Feature flags<\/a>/);
    assert.ok(!main.includes("is at /flags"), "no address as plain text");
    // The anchor it points at is on /flags.
    const list = await (await app.request("/flags", { headers: { cookie: steward.cookie } }))
      .text();
    assert.match(list, /id="archived-heading"/);
  });
});
