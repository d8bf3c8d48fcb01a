/**
 * The refusals of `secure()` on a bare app: where a page request without a session is sent,
 * and how a STANDBY refusal reaches a page (thrown, for the app's HTML error page) and the API
 * (problem+json).
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import type { Mode } from "../config.ts";
import { ModeStandbyError } from "../errors/mod.ts";
import { FlagKeySchema } from "../flags/flag.ts";
import {
  type Access,
  formPagePath,
  page,
  RouteRegistry,
  secure,
  signInPath,
  STANDBY_PAGE_MESSAGE,
} from "./access.ts";
import type { AppEnv } from "./types.ts";

const WRITE: Access = { role: "signed_in", class: "write" };
const READ: Access = { role: "signed_in", class: "read" };

function appWith(mode: Mode) {
  const app = new Hono<AppEnv>();
  const deps = { registry: new RouteRegistry(), currentMode: () => mode };
  const thrown: unknown[] = [];
  app.use(async (c, next) => {
    c.set("requestId", "req-1");
    // What the authentication middleware hands on: the session cookie's secret, if any.
    const secret = c.req.header("cookie")?.match(/(?:^|; )rf_session=([^;]+)/)?.[1];
    if (secret !== undefined) c.set("sessionSecret", secret);
    c.set(
      "principal",
      c.req.header("x-test-user")
        ? {
          kind: "user",
          id: "u1",
          email: "someone@example.org",
          displayName: "Someone",
          role: "RESEARCHER",
          csrfToken: "t",
          sessionId: "s1",
        } as unknown as AppEnv["Variables"]["principal"]
        : null,
    );
    await next();
  });
  app.onError((error, c) => {
    thrown.push(error);
    return c.text("error page", 503);
  });
  page(app, deps, "POST", "/things", WRITE, (c) => c.text("done"));
  page(app, deps, "GET", "/things", READ, (c) => c.text("done"));
  page(app, deps, "GET", "/things/list", READ, (c) => c.text("done"));
  // A thing's key has a shape (here the flag key's): only a key of that shape is ever carried
  // into a return path. The history page declares none, so its parameter is never carried.
  page(app, deps, "GET", "/things/:id", READ, (c) => c.text("done"), {
    params: { id: FlagKeySchema },
  });
  page(app, deps, "GET", "/things/:id/history", READ, (c) => c.text("done"));
  page(app, deps, "POST", "/things/:id/archive", WRITE, (c) => c.text("done"));
  page(app, deps, "POST", "/settle", WRITE, (c) => c.text("done"));
  const [authorizeApi, guardApi] = secure(deps, "POST", "/api/things", "api", WRITE);
  app.post("/api/things", authorizeApi!, guardApi!, (c) => c.text("done"));
  return { app, thrown, registry: deps.registry };
}

Deno.test("signInPath: next kept local, the reason by key, no next for the start page", () => {
  assert.equal(signInPath("/flags"), "/login?next=%2Fflags");
  assert.equal(signInPath("/flags", "unsaved"), "/login?next=%2Fflags&reason=unsaved");
  assert.equal(signInPath("/", "signed_out"), "/login?reason=signed_out");
  assert.equal(signInPath("//evil.example/x", "ended"), "/login?reason=ended");
  assert.equal(signInPath("/"), "/login?next=%2F");
});

// A query or fragment may hold what was typed (`/audit?actor=<a name>`, a flag's "why" with a
// user id): the return path is the page's path alone, so it is never copied into a second URL.
Deno.test("signInPath: the return path drops the query and the fragment", () => {
  assert.equal(signInPath("/flags?tab=all"), "/login?next=%2Fflags");
  assert.equal(
    signInPath("/audit?actor=Quenby%20Zarkowski%20536-22-1234", "ended"),
    "/login?next=%2Faudit&reason=ended",
  );
  assert.equal(
    signInPath("/flags/beta.search?why=&userId=7741293#why"),
    "/login?next=%2Fflags%2Fbeta.search",
  );
  assert.equal(signInPath("/flags#top"), "/login?next=%2Fflags");
  assert.equal(signInPath("/?q=536-22-1234", "unsaved"), "/login?reason=unsaved");
  assert.equal(signInPath("/?q=536-22-1234"), "/login?next=%2F");
});

Deno.test("RouteRegistry.returnPath: a registered page's path only, no query or fragment; else /", () => {
  const { registry } = appWith("DEMO");
  const cases: [string | undefined | null, string][] = [
    ["/things", "/things"],
    ["/things?actor=Quenby%20Zarkowski", "/things"],
    ["/things/list?tab=mine#row-3", "/things/list"],
    ["/things/beta.search?why=&userId=536-22-1234", "/things/beta.search"],
    ["/things#Quenby", "/things"],
    ["/?q=Quenby", "/"],
    ["/nowhere?x=1", "/"],
    ["//evil.example/things", "/"],
    [undefined, "/"],
    [null, "/"],
  ];
  for (const [next, expected] of cases) {
    assert.equal(registry.returnPath(next), expected, String(next));
  }
});

// A path parameter is what was typed into the address bar as much as a query is: a name or a
// record number put where a key goes (`/things/<a name>`) is not repeated into a return path.
Deno.test("RouteRegistry.returnPath: a path parameter only in its route's shape, else the page above", () => {
  const { registry } = appWith("DEMO");
  const cases: [string, string][] = [
    ["/things/new-checkout", "/things/new-checkout"],
    ["/things/beta.search#why", "/things/beta.search"],
    ["/things/list", "/things/list"],
    ["/things/Quenby Zarkowski", "/things"],
    ["/things/Quenby%20Zarkowski", "/things"],
    ["/things/536221234", "/things"],
    ["/things/Quenby", "/things"],
    ["/things/quenby%2Fzarkowski", "/things"],
    // A parameter whose route declares no shape is never carried: up to the nearest page.
    ["/things/new-checkout/history", "/things/new-checkout"],
    ["/things/Quenby%20Zarkowski/history", "/things"],
    ["/nowhere/Quenby%20Zarkowski", "/"],
  ];
  for (const [next, expected] of cases) {
    assert.equal(registry.returnPath(next), expected, next);
  }
});

Deno.test("a signed-out visit to a page keeps a key in the sign-in return path, never typed text", async () => {
  const { app } = appWith("DEMO");
  const visit = async (path: string) =>
    (await app.request(`http://rf.test${path}`)).headers.get("location");
  assert.equal(await visit("/things/new-checkout"), "/login?next=%2Fthings%2Fnew-checkout");
  assert.equal(await visit("/things/Quenby%20Zarkowski"), "/login?next=%2Fthings");
  assert.equal(await visit("/things/536-22-1234?x=1"), "/login?next=%2Fthings");
  const stale = await app.request("http://rf.test/things/Quenby%20Zarkowski", {
    headers: { cookie: "rf_session=gone" },
  });
  assert.equal(stale.headers.get("location"), "/login?next=%2Fthings&reason=ended");
});

Deno.test("a page form without a session: to sign-in with reason unsaved, back to the form's page", async () => {
  const { app } = appWith("DEMO");
  const post = (headers: Record<string, string>) =>
    app.request("http://rf.test/things", { method: "POST", headers, body: "x=secret" });

  const fromPage = await post({
    origin: "http://rf.test",
    referer: "http://rf.test/things/list?tab=mine&notice=saved&erased=3",
  });
  assert.equal(fromPage.status, 303);
  assert.equal(
    fromPage.headers.get("location"),
    "/login?next=%2Fthings%2Flist&reason=unsaved",
    "the Referer's page, without its query",
  );
  // A Referer from elsewhere (or none) is not followed: the form's own address.
  const elsewhere: Record<string, string>[] = [
    { referer: "http://other.test/x" },
    { referer: "not a url" },
    {},
  ];
  for (const headers of elsewhere) {
    const response = await post(headers);
    assert.equal(response.headers.get("location"), "/login?next=%2Fthings&reason=unsaved");
  }
  // The API keeps its 401.
  const api = await app.request("http://rf.test/api/things", { method: "POST" });
  assert.equal(api.status, 401);
});

Deno.test("the way back after a refused form is a page a browser can open (no 405), without a confirmation", async () => {
  const { app } = appWith("DEMO");
  const post = (path: string, headers: Record<string, string>) =>
    app.request(`http://rf.test${path}`, { method: "POST", headers, body: "x=secret" });
  const cases: [string, Record<string, string>, string][] = [
    // A page drawn as a POST's answer (its address answers GET with 405): up to /things.
    [
      "/things/beta/archive",
      { origin: "http://rf.test", referer: "http://rf.test/things/beta/archive" },
      "/things/beta",
    ],
    // No Referer: the action's own address, walked up to the nearest page.
    ["/things/beta/archive", {}, "/things/beta"],
    // A typed name in the address is not a key: the way back is the list, without it.
    ["/things/Quenby%20Zarkowski/archive", {}, "/things"],
    [
      "/things",
      { origin: "http://rf.test", referer: "http://rf.test/things/Quenby%20Zarkowski" },
      "/things",
    ],
    ["/settle", {}, "/"],
    // A confirmation named `changed` (the governance page's) is dropped like notice and erased.
    ["/things", {
      origin: "http://rf.test",
      referer: "http://rf.test/things/list?changed=LIVE&tab=a",
    }, "/things/list?tab=a"],
  ];
  for (const [path, headers, back] of cases) {
    const response = await post(path, headers);
    assert.equal(response.status, 303, path);
    assert.equal(response.headers.get("location"), signInPath(back, "unsaved"), path);
  }
});

Deno.test("a page opened with an ended session says so; without a session cookie nothing", async () => {
  const { app } = appWith("DEMO");
  const stale = await app.request("http://rf.test/things?x=1", {
    headers: { cookie: "rf_session=gone" },
  });
  assert.equal(stale.headers.get("location"), "/login?next=%2Fthings&reason=ended");
  const first = await app.request("http://rf.test/things?x=1");
  assert.equal(first.headers.get("location"), "/login?next=%2Fthings");
});

Deno.test("STANDBY: a page form's refusal is thrown for the HTML page; the API answers problem+json", async () => {
  const { app, thrown } = appWith("STANDBY");
  const form = await app.request("http://rf.test/things", {
    method: "POST",
    headers: { "x-test-user": "1" },
  });
  assert.equal(await form.text(), "error page");
  assert.equal(thrown.length, 1);
  const error = thrown[0];
  assert.ok(error instanceof ModeStandbyError);
  assert.equal(error.message, STANDBY_PAGE_MESSAGE);
  assert.equal(error.details.retryAfterSeconds, 60);

  const api = await app.request("http://rf.test/api/things", {
    method: "POST",
    headers: { "x-test-user": "1" },
  });
  assert.equal(api.status, 503);
  assert.match(api.headers.get("content-type") ?? "", /application\/problem\+json/);
  assert.equal(api.headers.get("retry-after"), "60");
  assert.equal((await api.json()).code, "MODE_STANDBY");

  const read = await app.request("http://rf.test/things", { headers: { "x-test-user": "1" } });
  assert.equal(read.status, 200, "reads are not refused");
  assert.equal(thrown.length, 1);
});

Deno.test("the way back after a refused form is the Referer's page without its query, and only from this site", async () => {
  const app = new Hono<AppEnv>();
  app.post("/things", (c) => c.text(formPagePath(c)));
  app.post("/public", (c) => c.text(formPagePath(c, undefined, "https://rf.example")));
  const back = async (path: string, headers: Record<string, string>) =>
    await (await app.request(`http://rf.test${path}`, { method: "POST", headers })).text();
  // A confirmation would claim a change that was not made; the rest may hold what was typed.
  assert.equal(
    await back("/things", {
      origin: "http://rf.test",
      referer: "http://rf.test/things/list?changed=LIVE&q=Jane%20Doe#top",
    }),
    "/things/list",
  );
  // Another site's Referer is not followed, even with a matching Origin header (a 413 or 429
  // answers before the CSRF check): the form's own address.
  assert.equal(
    await back("/things", {
      origin: "https://evil.example",
      referer: "https://evil.example/audit?actor=Jane%20Doe",
    }),
    "/things",
  );
  // Behind a proxy, this site is PUBLIC_URL's origin.
  assert.equal(await back("/public", { referer: "https://rf.example/flags?q=x" }), "/flags");
  assert.equal(await back("/public", { referer: "http://rf.test/flags" }), "/public");
});

Deno.test("the way back from a form under an address whose things another page lists is that page", async () => {
  const registry = new RouteRegistry({ "/admin/locks": "/admin/users" });
  registry.add({ method: "GET", path: "/admin/users", kind: "page", access: WRITE });
  const app = new Hono<AppEnv>();
  app.post("/admin/locks/:key/clear", (c) => c.text(formPagePath(c, registry)));
  const back = await app.request("http://rf.test/admin/locks/abc/clear", { method: "POST" });
  assert.equal(await back.text(), "/admin/users");
});
