/**
 * An API token's name refuses control, text-direction and invisible characters, as a display name
 * does (lib/auth/display_name.ts): the admin page prints the name inside a sentence, and a
 * right-to-left override ("\u202Egpj.exe") made the rest of that sentence display reversed.
 * Refused by the API (400 VALIDATION_FAILED at `$.name`) and by the /admin/tokens form (400, the
 * name field marked, what was typed kept); nothing is created.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { postForm, postJson, signInAs } from "./helpers/auth.ts";

const HIDDEN_NAMES: [string, string][] = [
  ["right-to-left override", "\u202Erdr-ecivres"],
  ["zero-width space", "etl\u200Bsync"],
  ["control character", "etl\u0007sync"],
  ["line break", "etl\nsync"],
];

Deno.test("POST /api/admin/tokens: a name with hidden characters is 400 VALIDATION_FAILED at $.name", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    for (const [what, name] of HIDDEN_NAMES) {
      const response = await postJson(app, admin, "/api/admin/tokens", {
        name,
        scopes: ["jobs:read"],
      });
      assert.equal(response.status, 400, what);
      assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
      const body = await response.json() as { code: string; errors: { path: string }[] };
      assert.equal(body.code, "VALIDATION_FAILED", what);
      assert.deepEqual(body.errors.map((e) => e.path), ["$.name"], what);
    }
    assert.equal((await app.services.auth.listTokens()).length, 0);

    // A plain name, and one in another script, are still taken.
    for (const name of ["ofrep-web", "Служба ETL"]) {
      const ok = await postJson(app, admin, "/api/admin/tokens", { name, scopes: ["jobs:read"] });
      assert.equal(ok.status, 201, name);
      await ok.body?.cancel();
    }
  });
});

Deno.test("/admin/tokens form: a name with hidden characters is 400 with a field error, typed values kept", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    for (const [what, name] of HIDDEN_NAMES) {
      const response = await postForm(app, admin, "/admin/tokens", [
        ["name", `${name}gpj.exe`],
        ["scopes", "jobs:read"],
        ["scopes", "flags:read"],
      ]);
      assert.equal(response.status, 400, what);
      const page = await response.text();
      const summary = page.match(/data-testid="form-errors"[\s\S]*?<\/ul>/)?.[0] ?? "";
      assert.match(summary, /Name: .*control characters, text-direction marks or invisible/, what);
      // The name field is marked, and the scopes ticked are still ticked.
      assert.match(page, /<input[^>]*id="new-token-name"[^>]*aria-invalid="true"/, what);
      assert.match(page, /<input[^>]*value="jobs:read"[^>]*checked/, what);
      if (!name.includes("\n")) assert.ok(page.includes(`value="${name}gpj.exe"`), what);
    }
    assert.equal((await app.services.auth.listTokens()).length, 0);

    const ok = await postForm(app, admin, "/admin/tokens", [
      ["name", "ofrep-web"],
      ["scopes", "jobs:read"],
    ]);
    assert.equal(ok.status, 303);
    assert.equal((await app.services.auth.listTokens()).length, 1);
  });
});
