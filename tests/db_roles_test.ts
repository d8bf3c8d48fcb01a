/**
 * The app runs with the role deploy/postgres/app_role.sql sets up: rows only, no schema, no
 * owner's rights. Its everyday work succeeds (start-up migration check, sign-in, flags,
 * consent, analytics and its erasure and retention, job callbacks, the mode), and the audit
 * log and consent records cannot be changed through it, not even by switching their triggers
 * off (SECURITY.md, Database roles).
 */
import assert from "node:assert/strict";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { consentedUser, postEvents } from "./helpers/analytics.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";

const ROLE_SQL = new URL("../deploy/postgres/app_role.sql", import.meta.url);

Deno.test({
  name:
    "[postgres] the app works with the rows-only role, which cannot alter the audit log or consents",
  ignore: !hasPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    const database = uniqueName("rf_roles");
    const group = uniqueName("rf_app_role");
    const login = uniqueName("rf_app_login");
    await server.exec(`CREATE DATABASE ${database}`);
    const ownerUrl = new URL(TEST_DATABASE_URL!);
    ownerUrl.pathname = `/${database}`;
    const appUrl = new URL(ownerUrl.href);
    appUrl.username = login;
    appUrl.password = "";
    const owner = openPostgres(ownerUrl.href, { max: 1 });
    let app: TestApp | undefined;
    const db = openPostgres(appUrl.href, { max: 5 });
    try {
      const files = await readMigrations(bundledMigrationsDir());
      await migrate(owner, files);
      // The script is for psql: its meta-commands (\set ON_ERROR_STOP on) are not SQL.
      const sql = (await Deno.readTextFile(ROLE_SQL)).replace(/^\\.*$/gm, "")
        .replaceAll("researchflow_app", group);
      await owner.exec(sql);
      // Twice: the script is meant to be run again after each release.
      await owner.exec(sql);
      await owner.exec(`CREATE ROLE ${login} LOGIN IN ROLE ${group}`);

      // The start-up check needs no right to create anything when nothing is pending.
      const checked = await migrate(db, files);
      assert.deepEqual(checked.applied, []);
      assert.equal(checked.alreadyApplied.length, files.length);

      app = await buildTestApp({
        testDb: { db, cleanup: () => db.close() },
        env: { RATE_LIMIT_PER_MIN: "0" },
      });
      const admin = await signInAs(app, "ADMIN");
      const created = await app.request("/api/admin/feature-flags/roles.check", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ enabled: true, rolloutPercent: 50 }),
      });
      assert.equal(created.status, 200, await created.text());
      await app.services.mode.setMode("DEMO", { type: "system" });

      const researcher = await consentedUser(app);
      const ingested = await postEvents(app, researcher, [{
        eventId: crypto.randomUUID(),
        eventName: "ui.page_view",
        properties: { page: "home" },
      }]);
      assert.equal(ingested.accepted, 1);
      const revoked = await app.request("/api/consent/revoke", {
        method: "POST",
        headers: researcher.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ consentType: "analytics", eraseEvents: true, method: "settings" }),
      });
      assert.equal(revoked.status, 200, await revoked.text());
      await app.services.analytics.cleanup();

      const token = await createToken(app, { scopes: ["jobs:write"] });
      const job = await app.request("/api/jobs/run_000123/status", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ status: "started" }),
      });
      assert.equal(job.status, 200, await job.text());

      // What the credential cannot do: change or remove audit entries or consent records,
      // switch their triggers off, or change the schema.
      const refusals = [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "UPDATE user_consents SET state = 'granted'",
        "DELETE FROM user_consents",
        "ALTER TABLE user_consents DISABLE TRIGGER ALL",
        "DELETE FROM schema_migrations",
        "CREATE TABLE rf_roles_probe (id int)",
      ];
      for (const statement of refusals) {
        await assert.rejects(
          db.exec(statement),
          /permission denied|must be owner/,
          statement,
        );
      }
      const [audit] = await owner.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log",
      );
      assert.ok(audit!.n > 0, "the audit entries written through the role are all there");
    } finally {
      await app?.dispose();
      if (!app) await db.close();
      await owner.close();
      await server.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await server.exec(`DROP ROLE IF EXISTS ${login}`);
      await server.exec(`DROP ROLE IF EXISTS ${group}`);
      await server.close();
    }
  },
});
