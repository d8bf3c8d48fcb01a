/**
 * Opening a lock's clear address (`/admin/locks/<key>/clear`, a form's action) with GET: the
 * browser lands on the users page, where the locks are shown and cleared, as every other
 * form-only address lands on its page (lib/http/page_home.ts), not on a 405 page.
 */
import assert from "node:assert/strict";
import { pageHome } from "../lib/http/page_home.ts";
import { withTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

Deno.test("GET of a lock's clear address lands on the users page, where the locks are shown", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const response = await app.request(`/admin/locks/${"a".repeat(64)}/clear`, {
      headers: { cookie: admin.cookie },
    });
    await response.body?.cancel();
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/admin/users");
  });
});

Deno.test("pageHome() ends the walk at an ancestor whose things are shown on another page", () => {
  const homeOf = pageHome(() => [
    { method: "GET", path: "/admin/users" },
    { method: "POST", path: "/admin/locks/:key/clear" },
    { method: "POST", path: "/logout" },
  ], { "/admin/locks": "/admin/users" });
  assert.equal(homeOf("/admin/locks/abc/clear"), "/admin/users");
  assert.equal(homeOf("/admin/locks/abc"), "/admin/users");
  assert.equal(homeOf("/logout"), null);
});
