/**
 * Bad input found by fuzzing every route: each answers a 4xx with a stable code, never a
 * 500, and no client text (here a made-up method) reaches logs or metric labels.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

async function status(app: TestApp, path: string, init?: RequestInit) {
  const response = await app.request(path, init);
  const type = response.headers.get("content-type") ?? "";
  const body = await response.text();
  return {
    status: response.status,
    type,
    code: type.includes("json") ? JSON.parse(body).code : "",
  };
}

Deno.test("malformed requests answer 4xx, not 500", async (t) => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");

    await t.step("a JSON route sent another content type: 415 UNSUPPORTED_MEDIA_TYPE", async () => {
      for (const type of ["text/plain", "application/x-www-form-urlencoded", ""]) {
        const headers: Record<string, string> = type ? { "content-type": type } : {};
        const login = await status(app, "/api/auth/login", {
          method: "POST",
          headers,
          body: '{"email":"a@example.org","password":"x"}',
        });
        assert.deepEqual([login.status, login.code], [415, "UNSUPPORTED_MEDIA_TYPE"], type);
        const mode = await status(app, "/api/governance/mode", {
          method: "POST",
          headers: admin.headers(headers),
          body: '{"mode":"DEMO"}',
        });
        assert.deepEqual([mode.status, mode.code], [415, "UNSUPPORTED_MEDIA_TYPE"], type);
      }
    });

    await t.step(
      "a multipart body without a boundary: 400, on pages and in the CSRF check",
      async () => {
        const broken = { "content-type": "multipart/form-data" };
        const login = await status(app, "/login", {
          method: "POST",
          headers: { ...broken, origin: "http://localhost" },
          body: "a=1",
        });
        assert.equal(login.status, 400);
        const flags = await status(app, "/flags", {
          method: "POST",
          headers: { ...broken, cookie: admin.cookie, "x-csrf-token": admin.csrfToken },
          body: "a=1",
        });
        assert.equal(flags.status, 400);
        // Without the header the CSRF check reads the form: still 400, not 500.
        const csrf = await status(app, "/flags", {
          method: "POST",
          headers: { ...broken, cookie: admin.cookie, origin: "http://localhost" },
          body: "a=1",
        });
        assert.equal(csrf.status, 400);
        // The API takes the CSRF token from the header only: a form body is refused, unread.
        for (const path of ["/api/consent/grant", "/api/errors"]) {
          const api = await status(app, path, {
            method: "POST",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              cookie: admin.cookie,
              origin: "http://localhost",
            },
            body: `csrf_token=${admin.csrfToken}`,
          });
          assert.deepEqual([api.status, api.code], [403, "CSRF_FAILED"], path);
        }
      },
    );

    await t.step("broken percent-encoding in a path: 404, not 500", async () => {
      for (const path of ["/%E0%A4%A", "/flags/%zz", "/api/jobs/x%"]) {
        const response = await status(app, path, { headers: { cookie: admin.cookie } });
        assert.ok(
          response.status === 404 || response.status === 400,
          `${path}: ${response.status}`,
        );
      }
    });

    await t.step("dates outside 0001-9999 UTC: 400 VALIDATION_FAILED", async () => {
      for (
        const query of [
          "from=0000-01-01T00:00:00Z",
          "to=9999-12-31T23:59:59-14:00",
          "from=0001-01-01T00:00:00%2B01:00",
        ]
      ) {
        const audit = await status(app, `/api/audit?${query}`, { headers: admin.headers() });
        assert.deepEqual([audit.status, audit.code], [400, "VALIDATION_FAILED"], query);
      }
      const token = await status(app, "/api/admin/tokens", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({
          name: "svc",
          scopes: ["jobs:read"],
          expiresAt: "9999-12-31T23:59:59-14:00",
        }),
      });
      assert.deepEqual([token.status, token.code], [400, "VALIDATION_FAILED"]);
      const form = await status(app, "/admin/tokens", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: admin.cookie,
          origin: "http://localhost",
        },
        body: new URLSearchParams({
          csrf_token: admin.csrfToken,
          name: "svc2",
          scopes: "jobs:read",
          expires_at: "+275760-09-13T00:00",
        }).toString(),
      });
      assert.equal(form.status, 400);
      const events = await status(app, "/api/analytics/events", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({
          events: [{
            eventId: crypto.randomUUID(),
            eventName: "ui.page_view",
            ts: "9999-12-31T23:59:59-05:00",
          }],
        }),
      });
      assert.deepEqual([events.status, events.code], [400, "VALIDATION_FAILED"]);
      const summary = await status(app, "/api/analytics/summary?to=0001-01-01", {
        headers: admin.headers(),
      });
      assert.deepEqual([summary.status, summary.code], [400, "VALIDATION_FAILED"]);
      const page = await status(app, "/audit?from=0000-01-01T00:00:00Z", {
        headers: { cookie: admin.cookie },
      });
      assert.equal(page.status, 200, "the audit page ignores an invalid filter and says so");
    });

    await t.step("a made-up method reaches neither logs nor metric labels", async () => {
      const response = await app.request("/api/x", { method: "CANARY-7d1f" });
      assert.ok(response.status >= 400 && response.status < 500);
      await response.body?.cancel();
      assert.ok(!app.logs.some((line) => line.includes("CANARY-7d1f")), "logs");
      const metrics = await app.services.metrics.registry.prometheus.metrics();
      assert.ok(!metrics.includes("CANARY-7d1f"), "metric labels");
      assert.match(metrics, /method="OTHER"/);
    });

    assert.deepEqual(app.logs.filter((line) => line.includes("unhandled error")), []);
  } finally {
    await app.dispose();
  }
});
