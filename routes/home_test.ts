/**
 * The home page's pointers fit the reader: researchers are told to ask their data steward or
 * administrator (they cannot reach the runbooks or the workers); stewards and administrators,
 * who operate the platform, get the health endpoints and the runbooks.
 */
import assert from "node:assert/strict";
import type { Role } from "../lib/auth/mod.ts";
import { buildTestApp } from "../tests/helpers/app.ts";
import { signInAs } from "../tests/helpers/auth.ts";

Deno.test("home: researchers are sent to their data steward or administrator, operators to the runbooks", async () => {
  const app = await buildTestApp();
  try {
    const home = async (role: Role | null) => {
      const headers = role ? (await signInAs(app, role)).headers() : {};
      const response = await app.request("/", { headers });
      assert.equal(response.status, 200);
      return await response.text();
    };
    const researcher = await home("RESEARCHER");
    assert.match(researcher, /contact your data steward or administrator/);
    assert.doesNotMatch(researcher, /runbooks|docs\//);
    for (const role of ["STEWARD", "ADMIN"] as const) {
      const html = await home(role);
      assert.match(html, /runbooks under <code>docs\/operations\/<\/code>/, role);
      assert.doesNotMatch(html, /For researchers/, role);
    }
    // Signed out, the reader may be either.
    const anonymous = await home(null);
    assert.match(anonymous, /contact your data steward or administrator/);
    assert.match(anonymous, /runbooks under/);
  } finally {
    await app.dispose();
  }
});
