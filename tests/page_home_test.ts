/**
 * Reopening an address a form posted to (reload, new tab, history) leads to the nearest page
 * above it instead of a 405 page; the API keeps its 405 problem+json.
 */
import assert from "node:assert/strict";
import { signInAs } from "./helpers/auth.ts";
import { buildTestApp } from "./helpers/app.ts";
import { pageHome } from "../lib/http/page_home.ts";

Deno.test("pageHome() finds the nearest ancestor with a GET route", () => {
  const homeOf = pageHome(() => [
    { method: "GET", path: "/admin/users" },
    { method: "POST", path: "/admin/users/:id" },
    { method: "POST", path: "/admin/users/:id/password" },
    { method: "GET", path: "/flags/:key" },
    { method: "POST", path: "/flags/:key/archive" },
    { method: "GET", path: "/ofrep/*" },
    { method: "POST", path: "/logout" },
  ]);
  assert.equal(homeOf("/admin/users/42"), "/admin/users");
  assert.equal(homeOf("/admin/users/42/password"), "/admin/users");
  assert.equal(homeOf("/flags/new.dashboard/archive"), "/flags/new.dashboard");
  // No page above: the caller answers 405 as before (and wildcards are no page).
  assert.equal(homeOf("/logout"), null);
  assert.equal(homeOf("/ofrep/v1/evaluate"), null);
});

Deno.test("a browser reopening a form's address lands on the page above it", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    const page = { ...admin.headers(), accept: "text/html" };
    for (
      const [path, home] of <Array<[string, string]>> [
        [`/admin/users/${admin.user.id}`, "/admin/users"],
        [`/admin/users/${admin.user.id}/password`, "/admin/users"],
        ["/analytics/erase", "/analytics"],
        ["/governance/mode", "/governance"],
        ["/settings/privacy/grant", "/settings/privacy"],
        ["/flags/new.dashboard/archive", "/flags/new.dashboard"],
        ["/experiments/onboarding.copy", "/experiments"],
      ]
    ) {
      const response = await app.request(path, { headers: page });
      assert.equal(response.status, 303, path);
      assert.equal(response.headers.get("location"), home, path);
      await response.body?.cancel();
    }
    // An encoded CR/LF in the address stays encoded in Location (decoded, the header could not
    // be set and the answer was a 500).
    const crlf = await app.request("/flags/a%0d%0aSet-Cookie:%20x=1/archive", { headers: page });
    assert.equal(crlf.status, 303);
    assert.equal(crlf.headers.get("location"), "/flags/a%0d%0aSet-Cookie:%20x=1");
    assert.equal(crlf.headers.get("set-cookie"), null);
    await crlf.body?.cancel();
    // The API is no page: a wrong method there is still 405 problem+json.
    const api = await app.request("/api/health", { method: "DELETE" });
    assert.equal(api.status, 405);
    assert.equal(api.headers.get("content-type"), "application/problem+json");
  } finally {
    await app.dispose();
  }
});

Deno.test("a browser at a section's address or a page's address with a trailing slash lands on the page, not a 404", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    const page = { cookie: admin.cookie, accept: "text/html" };
    for (
      const [path, to] of <Array<[string, string]>> [
        ["/settings", "/settings/account"],
        ["/settings/", "/settings/account"],
        ["/admin", "/admin/users"],
        ["/admin/", "/admin/users"],
        ["/flags/", "/flags"],
        ["/flags/?q=beta", "/flags?q=beta"],
        ["/experiments/", "/experiments"],
        ["/settings/privacy/", "/settings/privacy"],
        ["/admin/users//", "/admin/users"],
      ]
    ) {
      const response = await app.request(path, { headers: page });
      assert.equal(response.status, 303, path);
      assert.equal(response.headers.get("location"), to, path);
      await response.body?.cancel();
    }
    // Nothing near: still the 404 page; never a redirect off the site.
    for (const path of ["/nope/", "//evil.example/", "/settings/nope"]) {
      const response = await app.request(path, { headers: page });
      assert.equal(response.status, 404, path);
      assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
      await response.body?.cancel();
    }
    // The API is no page: its 404 stays problem+json.
    const api = await app.request("/api/admin/users/", { headers: admin.headers() });
    assert.equal(api.status, 404);
    assert.equal(api.headers.get("content-type"), "application/problem+json");
    await api.body?.cancel();
  } finally {
    await app.dispose();
  }
});
