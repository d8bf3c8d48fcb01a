/**
 * A client that asks a page's address for JSON (`Accept: application/json`, no text/html) is
 * refused in problem+json, as on the API: before, a 401 was a redirect to the sign-in page and a
 * 403 or a CSRF refusal the HTML error page, which a script cannot read. Browsers (Accept with
 * text/html, or none) still get the pages, and the API's paths problem+json whatever they ask.
 * The governance panel's own JSON read of /governance still answers its log. PGlite.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

const JSON_ACCEPT = { accept: "application/json" };
const BROWSER = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
const PROBLEM = /^application\/problem\+json/;
const HTML = /^text\/html/;

async function problemCode(response: Response): Promise<string> {
  assert.match(response.headers.get("content-type") ?? "", PROBLEM);
  return ((await response.json()) as { code: string }).code;
}

Deno.test("a page's address asked for JSON refuses in problem+json; a browser still gets the pages", async () => {
  await withTestApp(async (app) => {
    // Signed out: 401 problem+json instead of the redirect to sign-in.
    const signedOut = await app.request("/governance", {
      headers: JSON_ACCEPT,
      redirect: "manual",
    });
    assert.equal(signedOut.status, 401);
    assert.equal(await problemCode(signedOut), "UNAUTHENTICATED");
    const browser = await app.request("/governance", { headers: BROWSER, redirect: "manual" });
    await browser.body?.cancel();
    assert.equal(browser.status, 303);
    assert.equal(browser.headers.get("location"), "/login?next=%2Fgovernance");
    const noAccept = await app.request("/flags", { redirect: "manual" });
    await noAccept.body?.cancel();
    assert.equal(noAccept.status, 303);

    // A role below the page's: 403 problem+json; a browser gets the HTML page.
    const researcher = await signInAs(app, "RESEARCHER");
    const forbidden = await app.request("/governance", {
      headers: { ...JSON_ACCEPT, cookie: researcher.cookie },
    });
    assert.equal(forbidden.status, 403);
    assert.equal(await problemCode(forbidden), "FORBIDDEN");
    const forbiddenPage = await app.request("/governance", {
      headers: { ...BROWSER, cookie: researcher.cookie },
    });
    assert.equal(forbiddenPage.status, 403);
    assert.match(forbiddenPage.headers.get("content-type") ?? "", HTML);
    await forbiddenPage.body?.cancel();

    // A form post without its CSRF token.
    const admin = await signInAs(app, "ADMIN");
    const post = (accept: Record<string, string>) =>
      app.request("/flags", {
        method: "POST",
        headers: {
          ...accept,
          cookie: admin.cookie,
          origin: "http://localhost",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "key=json_accept",
      });
    const csrf = await post(JSON_ACCEPT);
    assert.equal(csrf.status, 403);
    assert.equal(await problemCode(csrf), "CSRF_FAILED");
    const csrfPage = await post(BROWSER);
    assert.equal(csrfPage.status, 403);
    assert.match(csrfPage.headers.get("content-type") ?? "", HTML);
    await csrfPage.body?.cancel();

    // No such page.
    const missing = await app.request("/no-such-page", { headers: JSON_ACCEPT });
    assert.equal(missing.status, 404);
    assert.equal(await problemCode(missing), "NOT_FOUND");

    // The governance panel's read of the log (lib/realtime/live_client.ts fetchState).
    const log = await app.request("/governance", {
      headers: { ...JSON_ACCEPT, "x-background-request": "1", cookie: admin.cookie },
    });
    assert.equal(log.status, 200);
    assert.ok(Array.isArray(((await log.json()) as { log: unknown }).log));
    // The route answers JSON exactly when the refusals would be JSON: an Accept naming JSON
    // and HTML alike is a browser's (the page), one ranking JSON higher is a script's (the log).
    const tie = await app.request("/governance", {
      headers: { accept: "application/json, text/html", cookie: admin.cookie },
    });
    assert.equal(tie.status, 200);
    assert.match(tie.headers.get("content-type") ?? "", HTML);
    await tie.body?.cancel();
    const ranked = await app.request("/governance", {
      headers: { accept: "text/html;q=0.5, application/json", cookie: admin.cookie },
    });
    assert.equal(ranked.status, 200);
    assert.ok(Array.isArray(((await ranked.json()) as { log: unknown }).log));

    // The API stays problem+json for a browser's Accept.
    const api = await app.request("/api/governance/state", { headers: BROWSER });
    assert.equal(api.status, 401);
    assert.equal(await problemCode(api), "UNAUTHENTICATED");
  });
});

/** Whether a response names Accept in its Vary header. */
function variesByAccept(response: Response): boolean {
  return (response.headers.get("vary") ?? "").split(",").some((name) =>
    name.trim().toLowerCase() === "accept"
  );
}

Deno.test("a page's refusals vary by Accept and are not stored, in problem+json and in HTML alike", async () => {
  await withTestApp(async (app) => {
    const check = async (
      what: string,
      response: Response,
      expected: { status: number; type: RegExp | null },
    ) => {
      await response.body?.cancel();
      assert.equal(response.status, expected.status, what);
      if (expected.type) assert.match(response.headers.get("content-type") ?? "", expected.type);
      // A shared cache must not hand one kind of client the other's answer, nor keep an error.
      assert.ok(variesByAccept(response), `${what}: Vary: Accept`);
      if (expected.status !== 303) {
        assert.equal(response.headers.get("cache-control"), "no-store", `${what}: no-store`);
      }
    };
    const get = (path: string, headers: Record<string, string>, method = "GET") =>
      app.request(path, { method, headers, redirect: "manual" });

    // 404.
    await check("404 JSON", await get("/no-such-page", JSON_ACCEPT), {
      status: 404,
      type: PROBLEM,
    });
    await check("404 HTML", await get("/no-such-page", BROWSER), { status: 404, type: HTML });

    // 405 on a POST-only page path: problem+json; a browser's GET is sent to the page above it,
    // another method gets the HTML page.
    await check("405 JSON", await get("/analytics/erase", JSON_ACCEPT), {
      status: 405,
      type: PROBLEM,
    });
    await check("405 browser GET", await get("/analytics/erase", BROWSER), {
      status: 303,
      type: null,
    });
    await check("405 HTML", await get("/analytics/erase", BROWSER, "PUT"), {
      status: 405,
      type: HTML,
    });

    // 401 signed out: problem+json; a browser is sent to sign in.
    await check("401 JSON", await get("/governance", JSON_ACCEPT), { status: 401, type: PROBLEM });
    await check("401 browser", await get("/governance", BROWSER), { status: 303, type: null });

    // The API answers problem+json whatever is asked; its errors are not stored either.
    const api = await get("/api/governance/state", BROWSER);
    await api.body?.cancel();
    assert.equal(api.status, 401);
    assert.equal(api.headers.get("cache-control"), "no-store");
  });
});
