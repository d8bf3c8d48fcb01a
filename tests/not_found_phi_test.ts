/**
 * A page's address is repeated into a second URL only when it is one of the site's fixed pages:
 * the 404 page once offered "Sign in" as `/login?next=<the requested path>`, so a PHI-bearing
 * address (`/patients/<name>/mrn/<number>`) was copied into a link, and from there into browser
 * history and proxy logs. Unknown addresses, signed out or in, answer with a body that holds none
 * of the requested path; a known page still returns to itself after sign-in. PGlite.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { createUser, signInAs, TEST_PASSWORD } from "./helpers/auth.ts";

const CANARIES = ["Quenby", "Zarkowski", "7741293", "536-22-1234", "536221234", "patients"];
const PHI_PATHS = [
  "/patients/Quenby-Zarkowski/mrn/7741293?ssn=536-22-1234",
  "/patients/Quenby%20Zarkowski/7741293",
  "/Quenby-Zarkowski-536221234",
];
const HTML = { accept: "text/html" };

function assertNoCanary(body: string, label: string): void {
  const decoded = decodeURIComponent(body.replaceAll("%%", ""));
  for (const canary of CANARIES) {
    assert.ok(!body.includes(canary), `${label}: the body holds ${canary}`);
    assert.ok(!decoded.includes(canary), `${label}: the body holds ${canary}, URL-encoded`);
  }
}

Deno.test("the 404 page signed out repeats nothing of the requested path, and its Sign in link has no next", async () => {
  await withTestApp(async (app) => {
    for (const path of PHI_PATHS) {
      const response = await app.request(path, { headers: HTML });
      const body = await response.text();
      assert.equal(response.status, 404, path);
      assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
      assertNoCanary(body, path);
      assert.match(body, /<a class="button button--quiet" href="\/login">\s*Sign in\s*<\/a>/);
      assert.doesNotMatch(body, /next=/);
    }
  });
});

// Signed in, the page also holds the consent banner, whose forms return to the page they were on.
Deno.test("the 404 page signed in repeats nothing of the requested path either (the consent banner returns home)", async () => {
  await withTestApp(async (app) => {
    const steward = await signInAs(app, "STEWARD");
    for (const path of PHI_PATHS) {
      const response = await app.request(path, { headers: { ...HTML, cookie: steward.cookie } });
      const body = await response.text();
      assert.equal(response.status, 404, path);
      assertNoCanary(body, path);
    }
  });
});

Deno.test("a known page still offers sign-in returning to it: / links next=/, /flags redirects with next=/flags", async () => {
  await withTestApp(async (app) => {
    const home = await app.request("/", { headers: HTML });
    assert.equal(home.status, 200);
    assert.match(await home.text(), /href="\/login\?next=%2F"/);
    const flags = await app.request("/flags", { headers: HTML, redirect: "manual" });
    await flags.body?.cancel();
    assert.equal(flags.status, 303);
    assert.equal(flags.headers.get("location"), "/login?next=%2Fflags");
  });
});

Deno.test("/login returns only to a page of this site: another path in next is neither shown nor followed", async () => {
  await withTestApp(async (app) => {
    const user = await createUser(app, { role: "STEWARD" });
    const cases: [string, string][] = [
      ["/patients/Quenby-Zarkowski/mrn/7741293?ssn=536-22-1234", "/"],
      ["/Quenby-Zarkowski-536221234", "/"],
      ["//evil.example/x", "/"],
      ["/flags?tab=all", "/flags"],
      ["/flags/beta.search", "/flags/beta.search"],
      ["/settings/privacy", "/settings/privacy"],
    ];
    for (const [next, expected] of cases) {
      const page = await app.request(`/login?next=${encodeURIComponent(next)}`, { headers: HTML });
      const body = await page.text();
      assert.equal(page.status, 200, next);
      assert.match(body, new RegExp(`name="next" value="${expected}"`));
      if (expected === "/") assertNoCanary(body, next);
      const signedIn = await app.request("/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: user.email, password: TEST_PASSWORD, next }).toString(),
        redirect: "manual",
      });
      await signedIn.body?.cancel();
      assert.equal(signedIn.status, 303, next);
      assert.equal(signedIn.headers.get("location"), expected, next);
    }
  });
});
