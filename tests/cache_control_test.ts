/** Personal data from the API is never left to caches: no-store for signed-in callers. */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";

Deno.test("API answers to signed-in callers carry Cache-Control: no-store unless the route sets its own", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    for (
      const path of [
        "/api/admin/users",
        "/api/admin/locks",
        "/api/admin/tokens",
        "/api/audit",
        "/api/consent/status",
        "/api/analytics/summary",
      ]
    ) {
      const response = await app.request(path, { headers: { cookie: admin.cookie } });
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get("cache-control"), "no-store", path);
      await response.body?.cancel();
    }
    // A token caller too; a problem answer as well.
    const token = await createToken(app, { scopes: ["jobs:read"] });
    const missing = await app.request("/api/jobs/nope", {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("cache-control"), "no-store");
    await missing.body?.cancel();
    // Anonymous answers (the public API description) are left to their routes.
    const spec = await app.request("/api/openapi.json");
    assert.equal(spec.status, 200);
    assert.notEqual(spec.headers.get("cache-control"), "no-store");
    await spec.body?.cancel();
  } finally {
    await app.dispose();
  }
});
