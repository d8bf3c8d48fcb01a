/**
 * The way back after sign-in keeps a page's path parameter only in the shape its route takes. A
 * signed-out visit to `/flags/<anything typed>` used to be sent to `/login?next=/flags/<it>`:
 * the route takes any segment, so a name or a record number typed into the address bar was
 * copied into the redirect, the sign-in form and the Location after sign-in. A flag key
 * (FlagKeySchema) is still carried; anything else goes back to the list, `/flags`. PGlite.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { createUser, TEST_PASSWORD } from "./helpers/auth.ts";

// Invented values, as in tests/sign_in_return_path_test.ts.
const CANARIES = ["Jane", "Doe", "Quenby", "Zarkowski", "7741293"];
const HTML = { accept: "text/html" };

const CASES: { visit: string; page: string }[] = [
  { visit: "/flags/new-checkout", page: "/flags/new-checkout" },
  { visit: "/flags/Jane%20Doe", page: "/flags" },
  { visit: "/flags/Quenby-Zarkowski?why=1", page: "/flags" },
  { visit: "/flags/7741293", page: "/flags" },
  { visit: "/flags/MRN%207741293", page: "/flags" },
];

function assertNoCanary(text: string, label: string): void {
  const decoded = decodeURIComponent(decodeURIComponent(text)).replaceAll("+", " ");
  for (const canary of CANARIES) {
    assert.ok(!decoded.includes(canary), `${label}: holds ${canary}`);
  }
}

Deno.test("a signed-out visit to a flag's address carries a flag key to sign-in, never typed text", async () => {
  await withTestApp(async (app) => {
    await app.services.flags.set("new-checkout", { enabled: true, description: "Checkout" }, {
      actor: { type: "system" },
    });
    const user = await createUser(app, { role: "ADMIN" });
    for (const { visit, page } of CASES) {
      const visited = await app.request(visit, { headers: HTML, redirect: "manual" });
      await visited.body?.cancel();
      assert.equal(visited.status, 303, visit);
      const location = visited.headers.get("location") ?? "";
      assert.equal(location, `/login?next=${encodeURIComponent(page)}`, visit);
      if (page === "/flags") assertNoCanary(location, `${visit}: Location`);

      const signInPage = await app.request(location, { headers: HTML });
      const body = await signInPage.text();
      assert.equal(signInPage.status, 200, visit);
      assert.match(body, new RegExp(`name="next" value="${page}"`), visit);
      assertNoCanary(body, `${visit}: sign-in page`);

      // An old link that still carries the typed text is not followed there either.
      const signedIn = await app.request("/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          email: user.email,
          password: TEST_PASSWORD,
          next: visit,
        }).toString(),
        redirect: "manual",
      });
      await signedIn.body?.cancel();
      assert.equal(signedIn.status, 303, visit);
      assert.equal(signedIn.headers.get("location"), page, visit);
    }
  });
});
