/**
 * Stored names are shown isolated (`<bdi>`), so a direction character in one cannot reorder the
 * sentence around it. Token names and display names refuse such characters now, but names stored
 * before those checks are not re-checked (SECURITY.md): a token named "\u202Egpj.exe" made the
 * rest of "Token “…” revoked; calls with it now get 401…" display reversed on /admin/tokens, and
 * a display name did the same on /admin/users, in /audit and in the page header.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { createToken, createUser, signIn, signInAs } from "./helpers/auth.ts";

const OVERRIDE = "\u202E";
const TOKEN_NAME = `${OVERRIDE}gpj.exe`;
const DISPLAY_NAME = `Ann ${OVERRIDE}Lee`;

/**
 * Whether every occurrence of `needle` in `html` lies inside a <bdi> element; also that there is
 * at least one (a page that no longer shows the name at all proves nothing).
 */
function isolatedEverywhere(html: string, needle: string): boolean {
  let seen = 0;
  for (let at = html.indexOf(needle); at !== -1; at = html.indexOf(needle, at + 1)) {
    seen++;
    const open = html.lastIndexOf("<bdi>", at);
    const close = html.lastIndexOf("</bdi>", at);
    if (open === -1 || close > open) return false;
  }
  return seen > 0;
}

Deno.test("a stored token name with a right-to-left override is isolated wherever /admin/tokens and /audit show it", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    await createToken(app, { scopes: ["flags:evaluate"], name: "placeholder" });
    // Stored as before the name check existed.
    const [token] = await app.db.query<{ id: string }>(
      "UPDATE api_tokens SET name = $1 WHERE name = 'placeholder' RETURNING id",
      [TOKEN_NAME],
    );
    assert.ok(token);

    const list = await (await app.request("/admin/tokens", { headers: admin.headers() })).text();
    assert.ok(isolatedEverywhere(list, TOKEN_NAME), "token list");
    const notice = await (await app.request(
      `/admin/tokens?notice=token_revoked&id=${token.id}`,
      { headers: admin.headers() },
    )).text();
    assert.match(notice, /Token “<bdi>\u202Egpj\.exe<\/bdi>” revoked/);
    assert.ok(isolatedEverywhere(notice, TOKEN_NAME), "revoke notice");
    const audit = await (await app.request(
      `/audit?actor=${token.id}`,
      { headers: admin.headers() },
    )).text();
    assert.ok(isolatedEverywhere(audit, TOKEN_NAME), "audit actor filter");
  });
});

Deno.test("a stored display name with a right-to-left override is isolated on /admin/users, /audit and in the header", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const user = await createUser(app, { role: "RESEARCHER" });
    await app.db.query("UPDATE users SET display_name = $1 WHERE id = $2", [DISPLAY_NAME, user.id]);
    await app.services.auth.updateUser(user.id, { role: "STEWARD" }, {
      type: "user",
      id: admin.user.id,
    });

    const users = await (await app.request(
      `/admin/users?notice=role_changed&id=${user.id}`,
      { headers: admin.headers() },
    )).text();
    assert.match(users, /<bdi>Ann \u202ELee<\/bdi> now has the role STEWARD/);
    assert.ok(isolatedEverywhere(users, DISPLAY_NAME), "users page");
    const audit = await (await app.request(`/audit?actor=${user.id}`, { headers: admin.headers() }))
      .text();
    assert.ok(isolatedEverywhere(audit, DISPLAY_NAME), "audit page");

    const own = await signIn(app, { ...user, displayName: DISPLAY_NAME });
    const home = await (await app.request("/settings/account", { headers: own.headers() })).text();
    assert.ok(isolatedEverywhere(home, DISPLAY_NAME), "header and account page");
  });
});
