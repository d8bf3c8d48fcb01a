/**
 * A NUL (U+0000) character or an unpaired surrogate, which Postgres cannot store, is bad input
 * wherever it arrives: 400 VALIDATION_FAILED (the sign-in form: its page with a 400), never a
 * 500, a 503 or an error report — on PGlite and on real Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

for (const target of dbTargets()) {
  Deno.test({
    name: `[${target.name}] NUL characters in input answer 400, not 500`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const app = await buildTestApp({
        testDb: await target.open(),
        env: { RATE_LIMIT_PER_MIN: "0" },
      });
      try {
        const admin = await signInAs(app, "ADMIN");
        const json = (method: string, body: unknown) => ({
          method,
          headers: admin.headers({ "content-type": "application/json" }),
          body: JSON.stringify(body),
        });
        const cases: Array<[string, string, RequestInit]> = [
          ["sign-in", "/api/auth/login", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ email: "a\u0000b@example.org", password: "x" }),
          }],
          [
            "new user",
            "/api/admin/users",
            json("POST", { email: "n@example.org", displayName: "a\u0000b", role: "RESEARCHER" }),
          ],
          ["user id", "/api/admin/users/a%00b", json("PATCH", { role: "RESEARCHER" })],
          // An unpaired surrogate in plain text: the drivers would store U+FFFD instead, silently.
          [
            "new user, unpaired surrogate",
            "/api/admin/users",
            json("POST", { email: "a\ud800@example.org", displayName: "x", role: "RESEARCHER" }),
          ],
          [
            "display name, unpaired surrogate",
            "/api/admin/users",
            json("POST", { email: "s@example.org", displayName: "a\udc00b", role: "RESEARCHER" }),
          ],
          [
            "token name, unpaired surrogate",
            "/api/admin/tokens",
            json("POST", { name: "a\ud800", scopes: ["jobs:read"] }),
          ],
          ["audit filter", "/api/audit?actor=a%00b", { headers: { cookie: admin.cookie } }],
          [
            "token name",
            "/api/admin/tokens",
            json("POST", { name: "a\u0000b", scopes: ["jobs:read"] }),
          ],
          // The flag store maps its own failures to 503: bad text must still be a 400.
          [
            "flag description",
            "/api/admin/feature-flags/nul_flag",
            json("POST", { enabled: true, description: "a\u0000b" }),
          ],
          [
            "experiment config",
            "/api/admin/experiments",
            json("POST", {
              key: "nul_exp",
              enabled: true,
              variants: { a: { weight: 1, config: { x: "\ud800" } } },
            }),
          ],
        ];
        for (const [label, path, init] of cases) {
          const response = await app.request(path, init);
          const text = await response.text();
          assert.ok(
            response.status === 400 || response.status === 404,
            `${label}: ${response.status}`,
          );
          assert.match(
            response.headers.get("content-type") ?? "",
            /application\/problem\+json/,
            label,
          );
          assert.match(JSON.parse(text).code, /^(VALIDATION_FAILED|NOT_FOUND)$/, label);
        }
        const form = await app.request("/login", {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            origin: "http://localhost",
          },
          body: "email=a%00b%40example.org&password=x",
        });
        assert.notEqual(form.status, 500, "the sign-in form");
        await form.body?.cancel();

        // The same bad text sent by a browser's form: a page with the status and the way back
        // to the form's page, never problem+json and never the value sent.
        const formCases: Array<[string, string, string, string, string]> = [
          // label, action, urlencoded body, the value that must not come back, the back link
          [
            "sign-in form",
            "/login",
            "email=a%00b%40x.org&password=x",
            "a\u0000b@x.org",
            "/login",
          ],
          [
            "erase form",
            "/analytics/erase",
            `csrf_token=${admin.csrfToken}&email=a%00b%40x.org`,
            "a\u0000b@x.org",
            "/analytics",
          ],
          [
            "new account, email",
            "/admin/users",
            `csrf_token=${admin.csrfToken}&email=n%00ul%40x.org&display_name=Jane&role=RESEARCHER`,
            "n\u0000ul@x.org",
            "/admin/users",
          ],
          [
            "new account, name",
            "/admin/users",
            `csrf_token=${admin.csrfToken}&email=jane%40x.org&display_name=Ja%00ne&role=RESEARCHER`,
            "Ja\u0000ne",
            "/admin/users",
          ],
          [
            "new token",
            "/admin/tokens",
            `csrf_token=${admin.csrfToken}&name=sv%00c&scopes=jobs:read`,
            "sv\u0000c",
            "/admin/tokens",
          ],
        ];
        for (const [label, action, body, value, back] of formCases) {
          const response = await app.request(action, {
            method: "POST",
            headers: {
              ...(action === "/login" ? {} : { cookie: admin.cookie }),
              "content-type": "application/x-www-form-urlencoded",
              origin: "http://localhost",
            },
            body,
          });
          const html = await response.text();
          assert.equal(response.status, 400, `${label}: ${response.status} ${html.slice(0, 200)}`);
          assert.match(response.headers.get("content-type") ?? "", /^text\/html/, label);
          assert.ok(html.includes(`href="${back}"`), `${label}: a link back to ${back}`);
          assert.ok(!html.includes(value), `${label}: the value sent is not repeated`);
          assert.ok(!html.includes(value.replace("\u0000", "")), `${label}: nor without the NUL`);
        }
        assert.deepEqual(app.logs.filter((line) => line.includes("unhandled error")), []);
      } finally {
        await app.dispose();
      }
    },
  });
}
