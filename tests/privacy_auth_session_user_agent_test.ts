/**
 * A session row keeps no User-Agent: the header is whatever the client sends (a kiosk or a
 * malicious client can put a patient's name and MRN in it), nothing reads the column, and the
 * row reaches backups. Sign-in through the API and through the form store none, a renewed session
 * carries none over, and migration 0007 empties the column for rows written before. PGlite, and
 * the real Postgres when configured.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { createUser, TEST_PASSWORD } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";
import { bundledMigrationsDir, migrate, readMigrations } from "../lib/db/mod.ts";

const PHI_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " +
  "Chrome/131.0.0.0 Safari/537.36 Marisol Quintanilla MRN 77342291 DOB 07/19/1958";

for (const target of dbTargets()) {
  Deno.test(`${target.name}: sign-in through the API and the form stores no User-Agent`, async () => {
    const app = await buildTestApp({ testDb: await target.open() });
    try {
      const user = await createUser(app, { role: "RESEARCHER" });
      const api = await app.request("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": PHI_AGENT },
        body: JSON.stringify({ email: user.email, password: TEST_PASSWORD }),
      });
      assert.equal(api.status, 200);
      await api.body?.cancel();
      const form = await app.request("/login", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "user-agent": PHI_AGENT,
        },
        body: new URLSearchParams({ email: user.email, password: TEST_PASSWORD }).toString(),
      });
      assert.equal(form.status, 303);
      await form.body?.cancel();

      const rows = await app.db.query<{ user_agent: string | null }>(
        "SELECT user_agent FROM sessions WHERE user_id = $1",
        [user.id],
      );
      assert.equal(rows.length, 2);
      for (const row of rows) assert.equal(row.user_agent, null);
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`${target.name}: migration 0007 empties the User-Agent of sessions stored before`, async () => {
    const testDb = await target.open({ migrated: false });
    try {
      const all = await readMigrations(bundledMigrationsDir());
      const before = all.filter((file) => file.name < "0007");
      assert.ok(before.length < all.length, "a migration after 0006 exists");
      await migrate(testDb.db, before);
      const [user] = await testDb.db.query<{ id: string }>(
        "INSERT INTO users (email, display_name, role) VALUES ('ua@example.org', 'UA', 'RESEARCHER') RETURNING id",
      );
      await testDb.db.query(
        `INSERT INTO sessions (token_hash, user_id, expires_at, user_agent)
         VALUES ($1, $2, now() + interval '1 hour', $3)`,
        ["a".repeat(64), user!.id, PHI_AGENT.slice(0, 200)],
      );

      await migrate(testDb.db, all);

      const rows = await testDb.db.query<{ user_agent: string | null }>(
        "SELECT user_agent FROM sessions",
      );
      assert.deepEqual([...rows], [{ user_agent: null }]);
    } finally {
      await testDb.cleanup();
    }
  });
}
