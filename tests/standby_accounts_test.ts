/**
 * In STANDBY an administrator can still take access away (deactivate, demote) but not add
 * or alter it (promote, reactivate, rename): checked against the locked row, in the API and
 * the /admin/users form, on PGlite and Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp, json } from "./helpers/app.ts";
import { createUser, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

for (const target of dbTargets()) {
  Deno.test({
    name: `[${target.name}] STANDBY allows deactivation and demotion only`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const app = await buildTestApp({
        testDb: await target.open(),
        env: { RATE_LIMIT_PER_MIN: "0" },
      });
      try {
        const admin = await signInAs(app, "ADMIN");
        const steward = await createUser(app, { role: "STEWARD" });
        const gone = await createUser(app, { role: "RESEARCHER" });
        await app.services.auth.updateUser(gone.id, { active: false }, { type: "system" });
        await app.services.mode.setMode("STANDBY", { type: "system" });

        const patch = (id: string, body: unknown) =>
          app.request(`/api/admin/users/${id}`, {
            method: "PATCH",
            headers: admin.headers({ "content-type": "application/json" }),
            body: JSON.stringify(body),
          });
        for (
          const [id, body] of [
            [steward.id, { role: "ADMIN" }],
            [gone.id, { active: true }],
            [steward.id, { displayName: "Renamed" }],
          ] as const
        ) {
          const response = await patch(id, body);
          assert.equal(response.status, 503, JSON.stringify(body));
          assert.equal((await json(response)).code, "MODE_STANDBY");
          assert.ok(response.headers.get("retry-after"));
        }
        const form = await app.request(`/admin/users/${steward.id}`, {
          method: "POST",
          headers: {
            cookie: admin.cookie,
            origin: "http://localhost",
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ csrf_token: admin.csrfToken, role: "ADMIN" }).toString(),
        });
        assert.equal(form.status, 503);
        assert.match(await form.text(), /only be deactivated or demoted/);
        const unchanged = await app.db.query<
          { role: string; active: boolean; display_name: string }
        >(
          "SELECT role, active, display_name FROM users WHERE id = ANY($1) ORDER BY role",
          [[steward.id, gone.id]],
        );
        assert.deepEqual(unchanged.map((u) => [u.role, u.active]), [
          ["RESEARCHER", false],
          ["STEWARD", true],
        ]);

        const demoted = await patch(steward.id, { role: "RESEARCHER" });
        assert.equal(demoted.status, 200);
        assert.equal((await json<{ user: { role: string } }>(demoted)).user.role, "RESEARCHER");
        const deactivated = await patch(steward.id, { active: false });
        assert.equal(deactivated.status, 200);
        assert.equal((await json<{ user: { active: boolean } }>(deactivated)).user.active, false);
      } finally {
        await app.dispose();
      }
    },
  });
}
