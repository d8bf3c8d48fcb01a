/**
 * Reading the audit log: GET /api/audit pages through exactly the entries a filter matches
 * (newest first, none twice, none left out), the /audit page keeps the valid filters when one is
 * not valid (instead of listing the whole log under the filters typed), and neither offers a way
 * to change an entry.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { auditIdsWhere, walkAuditIds } from "./helpers/audit_pages.ts";

async function withApp(fn: (app: TestApp, admin: Session) => Promise<void>) {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    // A few kinds of entries: flag changes by the admin, accounts created by the system.
    for (let i = 0; i < 7; i++) {
      const r = await app.request(`/api/admin/feature-flags/filter_${i % 3}`, {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ enabled: i % 2 === 0, rolloutPercent: i * 10 }),
      });
      assert.equal(r.status, 200);
      await r.body?.cancel();
    }
    await fn(app, admin);
  } finally {
    await app.dispose();
  }
}

Deno.test("GET /api/audit pages through exactly the matching entries, newest first", async () => {
  await withApp(async (app, admin) => {
    const cases: [Record<string, string>, string, unknown[]][] = [
      [{}, "", []],
      [{ action: "flag." }, "WHERE action LIKE 'flag.%'", []],
      [{ action: "flag.update" }, "WHERE action = 'flag.update'", []],
      [{ actor: admin.user.id }, "WHERE actor_id = $1", [admin.user.id]],
      [
        { targetType: "feature_flag", targetId: "filter_1" },
        "WHERE target_type = 'feature_flag' AND target_id = 'filter_1'",
        [],
      ],
      [
        { actor: admin.user.id, action: "flag.", targetId: "filter_2" },
        "WHERE actor_id = $1 AND action LIKE 'flag.%' AND target_id = 'filter_2'",
        [admin.user.id],
      ],
    ];
    for (const [query, where, params] of cases) {
      const want = await auditIdsWhere(app, where, params);
      assert.ok(want.length > 0, JSON.stringify(query));
      for (const limit of ["1", "2", "200"]) {
        const got = await walkAuditIds(app, admin, { ...query, limit });
        assert.deepEqual(got, want, `${JSON.stringify(query)} limit ${limit}`);
      }
    }
  });
});

Deno.test("/audit keeps the valid filters when another one is not valid", async () => {
  await withApp(async (app, admin) => {
    const flagUpdates = (await auditIdsWhere(app, "WHERE action = 'flag.update'")).length;
    const all = (await auditIdsWhere(app, "")).length;
    assert.ok(flagUpdates > 0 && flagUpdates < all);
    const query = new URLSearchParams({ action: "flag.update", targetType: "Not Valid!" });
    const response = await app.request(`/audit?${query}`, { headers: { cookie: admin.cookie } });
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /Some filters were not valid and were ignored/);
    const shown = [...html.matchAll(/<td><code>([a-z_.]+)<\/code><\/td>/g)].map((m) => m[1]);
    assert.equal(shown.length, flagUpdates, "only the entries of the valid action filter");
    assert.ok(shown.every((action) => action === "flag.update"), shown.join(", "));
  });
});

Deno.test("the audit log has no write path: other methods on /api/audit and /audit change nothing", async () => {
  await withApp(async (app, admin) => {
    const before = await auditIdsWhere(app, "");
    for (const path of ["/api/audit", "/audit", `/api/audit/${before[0]}`, `/audit/${before[0]}`]) {
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        const response = await app.request(path, {
          method,
          headers: admin.headers({
            "content-type": "application/json",
            origin: "http://localhost",
          }),
          body: "{}",
        });
        await response.body?.cancel();
        assert.ok(
          response.status === 404 || response.status === 405,
          `${method} ${path}: ${response.status}`,
        );
      }
    }
    assert.deepEqual(await auditIdsWhere(app, ""), before);
  });
});
