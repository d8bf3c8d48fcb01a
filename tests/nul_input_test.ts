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
        assert.deepEqual(app.logs.filter((line) => line.includes("unhandled error")), []);
      } finally {
        await app.dispose();
      }
    },
  });
}
