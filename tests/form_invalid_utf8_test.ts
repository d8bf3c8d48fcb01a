/**
 * Page forms refuse text the JSON API refuses: percent-escapes that are not UTF-8 (a lone
 * surrogate's bytes `%ED%A0%80`, a stray `%C3`) and NUL. The form reader decoded them loosely
 * into U+FFFD and the page stored the replacement characters (security review). Now the 400 page
 * that names a character that cannot be stored, and nothing stored; valid non-ASCII text
 * (`Zo%C3%AB`) is still taken. Both ways a page's form is read are covered: the CSRF check
 * reading the csrf_token field, and the page itself when the token comes in the header.
 */
import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

/** The 400 page's words for a field the app cannot store (it quotes no error message). */
const SAYS_WHY = /a field may hold a character that cannot be stored/;

/** Posts `raw` (already urlencoded, so bad escapes go as typed) to a page form. */
function postRaw(
  app: TestApp,
  session: Session,
  path: string,
  raw: string,
  csrf: "field" | "header",
  type = "application/x-www-form-urlencoded",
): Promise<Response> {
  const headers: Record<string, string> = {
    cookie: session.cookie,
    origin: "http://localhost",
    "content-type": type,
  };
  if (csrf === "header") headers["x-csrf-token"] = session.csrfToken;
  const body = csrf === "field"
    ? `csrf_token=${encodeURIComponent(session.csrfToken)}&${raw}`
    : raw;
  return app.request(path, { method: "POST", headers, body, redirect: "manual" });
}

const userFields = (name: string) =>
  `email=zoe%40example.org&display_name=${name}&role=STEWARD&password=${
    encodeURIComponent("a long enough password here")
  }`;

/** Asserts a 400 page (not a 500, not JSON) that says what was wrong. */
async function assertRefused(response: Response, label: string): Promise<void> {
  const html = await response.text();
  assert.equal(response.status, 400, label);
  assert.match(response.headers.get("content-type") ?? "", /text\/html/, label);
  assert.match(html, SAYS_WHY, `${label}: the page says why`);
}

Deno.test("/admin/users: a display name with bad percent-escapes or NUL is refused, 400, nothing stored", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const before = (await app.services.auth.listUsers()).length;
    for (const name of ["%ED%A0%80Ann", "Ann%C3", "%FFAnn", "Ann%00"]) {
      for (const csrf of ["field", "header"] as const) {
        const response = await postRaw(app, admin, "/admin/users", userFields(name), csrf);
        await assertRefused(response, `${name} (${csrf})`);
      }
    }
    const users = await app.services.auth.listUsers();
    assert.equal(users.length, before, "nothing was created");
    assert.ok(!users.some((u) => u.displayName.includes("\ufffd")));

    const ok = await postRaw(app, admin, "/admin/users", userFields("Zo%C3%AB+Roe"), "field");
    await ok.body?.cancel();
    assert.equal(ok.status, 303);
    const added = (await app.services.auth.listUsers()).find((u) => u.email === "zoe@example.org");
    assert.equal(added?.displayName, "Zoë Roe");
  });
});

Deno.test("/admin/tokens: a token name with bad percent-escapes is refused, 400, nothing stored", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    for (const csrf of ["field", "header"] as const) {
      const response = await postRaw(
        app,
        admin,
        "/admin/tokens",
        "name=%ED%A0%80etl&scopes=jobs%3Aread",
        csrf,
      );
      await assertRefused(response, csrf);
    }
    assert.equal((await app.services.auth.listTokens()).length, 0, "nothing was created");

    const ok = await postRaw(
      app,
      admin,
      "/admin/tokens",
      "name=caf%C3%A9+etl&scopes=jobs%3Aread",
      "field",
    );
    await ok.body?.cancel();
    assert.ok(ok.status < 400, `valid name accepted (${ok.status})`);
    const tokens = await app.services.auth.listTokens();
    assert.deepEqual(tokens.map((t) => t.name), ["café etl"]);
  });
});

Deno.test("a multipart form with text that is not UTF-8 is refused the same way", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const before = (await app.services.auth.listUsers()).length;
    const boundary = "rfBoundary";
    const enc = new TextEncoder();
    const part = (name: string, value: Uint8Array) => [
      enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      value,
      enc.encode("\r\n"),
    ];
    for (const bad of [new Uint8Array([0xed, 0xa0, 0x80, 0x41]), enc.encode("Ann\u0000")]) {
      const chunks = [
        ...part("csrf_token", enc.encode(admin.csrfToken)),
        ...part("email", enc.encode("zoe@example.org")),
        ...part("display_name", bad),
        ...part("role", enc.encode("STEWARD")),
        ...part("password", enc.encode("a long enough password here")),
        enc.encode(`--${boundary}--\r\n`),
      ];
      const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) body.set(c, (at += c.length) - c.length);
      const response = await app.request("/admin/users", {
        method: "POST",
        headers: {
          cookie: admin.cookie,
          origin: "http://localhost",
          "content-type": `multipart/form-data; boundary=${boundary}`,
        },
        body,
        redirect: "manual",
      });
      await assertRefused(response, "multipart");
    }
    assert.equal((await app.services.auth.listUsers()).length, before, "nothing was created");
  });
});
