/**
 * The way back after sign-in is the page's path alone. A signed-out visit to a page whose query
 * holds what was typed (`/audit?actor=<a name>`, a flag's "why" with a user id) used to be sent
 * to `/login?next=<path with the query>`, so the typed text was copied into a second URL, the
 * sign-in page's form and the Location after sign-in (browser history, proxy and access logs).
 * PGlite.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { createUser, TEST_PASSWORD } from "./helpers/auth.ts";

// Invented values, as in tests/not_found_phi_test.ts.
const CANARIES = ["Quenby", "Zarkowski", "7741293", "536-22-1234", "536221234"];
const HTML = { accept: "text/html" };

const CASES: { visit: string; page: string }[] = [
  { visit: "/audit?actor=Quenby%20Zarkowski%20536-22-1234", page: "/audit" },
  { visit: "/audit?actor=Quenby+Zarkowski&action=flag.update#536221234", page: "/audit" },
  { visit: "/flags/beta.search?why=&userId=Quenby-Zarkowski-7741293", page: "/flags/beta.search" },
  { visit: "/analytics?user=Quenby%20Zarkowski", page: "/analytics" },
];

function assertNoCanary(text: string, label: string): void {
  const decoded = decodeURIComponent(text.replaceAll("%%", "")).replaceAll("+", " ");
  for (const canary of CANARIES) {
    assert.ok(!text.includes(canary), `${label}: holds ${canary}`);
    assert.ok(!decoded.includes(canary), `${label}: holds ${canary}, URL-encoded`);
  }
}

Deno.test("a signed-out visit to a page with a query returns to the bare page after sign-in", async () => {
  await withTestApp(async (app) => {
    await app.services.flags.set("beta.search", { enabled: true, description: "Search" }, {
      actor: { type: "system" },
    });
    const user = await createUser(app, { role: "ADMIN" });
    for (const { visit, page } of CASES) {
      const visited = await app.request(visit, { headers: HTML, redirect: "manual" });
      await visited.body?.cancel();
      assert.equal(visited.status, 303, visit);
      const location = visited.headers.get("location") ?? "";
      assert.equal(location, `/login?next=${encodeURIComponent(page)}`, visit);
      assertNoCanary(location, `${visit}: Location`);

      const signInPage = await app.request(location, { headers: HTML });
      const body = await signInPage.text();
      assert.equal(signInPage.status, 200, visit);
      assert.match(body, new RegExp(`name="next" value="${page.replaceAll(".", "\\.")}"`), visit);
      assertNoCanary(body, `${visit}: sign-in page`);

      const next = new URL(location, "http://localhost").searchParams.get("next") ?? "";
      const signedIn = await app.request("/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: user.email, password: TEST_PASSWORD, next }).toString(),
        redirect: "manual",
      });
      await signedIn.body?.cancel();
      assert.equal(signedIn.status, 303, visit);
      assert.equal(signedIn.headers.get("location"), page, visit);
    }
  });
});

Deno.test("a sign-in link or form still carrying a query (an old bookmark) returns to the bare page", async () => {
  await withTestApp(async (app) => {
    const user = await createUser(app, { role: "STEWARD" });
    const next = "/audit?actor=Quenby%20Zarkowski%20536-22-1234";
    const signInPage = await app.request(`/login?next=${encodeURIComponent(next)}`, {
      headers: HTML,
    });
    const body = await signInPage.text();
    assert.equal(signInPage.status, 200);
    assert.match(body, /name="next" value="\/audit"/);
    assertNoCanary(body, "sign-in page");
    const signedIn = await app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: user.email, password: TEST_PASSWORD, next }).toString(),
      redirect: "manual",
    });
    await signedIn.body?.cancel();
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get("location"), "/audit");
    // Signed in already: /login sends straight on, to the bare page too.
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";", 1)[0]!;
    const again = await app.request(`/login?next=${encodeURIComponent(next)}`, {
      headers: { ...HTML, cookie },
      redirect: "manual",
    });
    await again.body?.cancel();
    assert.equal(again.status, 303);
    assert.equal(again.headers.get("location"), "/audit");
  });
});

Deno.test("a sign-in form refused for an empty or too long field keeps the way back", async () => {
  await withTestApp(async (app) => {
    // The form's `next` was dropped ("/") whenever the form failed its schema, so the next try
    // landed on the home page instead of the page the visitor came for.
    for (
      const fields of [
        [["next", "/flags"], ["email", ""], ["password", ""]],
        [["next", "/flags"], ["email", "a@example.org"], ["password", "x".repeat(2000)]],
      ]
    ) {
      const refused = await app.request("/login", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: "http://localhost",
        },
        body: new URLSearchParams(fields).toString(),
      });
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /name="next" value="\/flags"/);
    }
  });
});
