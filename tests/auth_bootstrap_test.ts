import assert from "node:assert/strict";
import { bootstrapAdmin, createAuthStore } from "../lib/auth/mod.ts";
import { DEV_ADMIN_EMAIL, NoAdminError } from "../lib/auth/bootstrap.ts";
import { testConfig } from "../lib/config.ts";
import { buildTestApp } from "./helpers/app.ts";
import { signIn } from "./helpers/auth.ts";
import { spawnApp } from "./helpers/process.ts";

Deno.test("bootstrapAdmin() creates the configured admin once and never undoes a later deactivation or demotion", async () => {
  const app = await buildTestApp();
  try {
    const config = testConfig({
      ADMIN_EMAIL: "Chief@Example.org",
      ADMIN_PASSWORD: "a very long admin password",
    });
    const deps = { auth: app.services.auth, store: createAuthStore(app.db) };
    assert.deepEqual(await bootstrapAdmin(config, deps), {
      kind: "configured",
      email: "chief@example.org",
      created: true,
      standing: "active_admin",
    });
    assert.deepEqual(await bootstrapAdmin(config, deps), {
      kind: "configured",
      email: "chief@example.org",
      created: false,
      standing: "active_admin",
    });
    const findChief = async () =>
      (await app.services.auth.listUsers()).find((u) => u.email === "chief@example.org")!;
    const user = await findChief();
    assert.equal(user.role, "ADMIN");
    const session = await signIn(app, user, "a very long admin password");
    assert.equal(session.user.id, user.id);

    // An incident response: a second admin deactivates the configured account. The next start
    // (same environment) must leave it deactivated, and write nothing to the audit log.
    const other = await app.services.auth.createUser(
      {
        email: "second@example.org",
        displayName: "Second",
        role: "ADMIN",
        password: "another long password",
      },
      { type: "system" },
    );
    await app.services.auth.updateUser(user.id, { active: false }, { type: "user", id: other.id });
    const auditRows = async () =>
      (await app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log"))[0]!.n;
    const auditBefore = await auditRows();
    assert.deepEqual(await bootstrapAdmin(config, deps), {
      kind: "configured",
      email: "chief@example.org",
      created: false,
      standing: "inactive",
    });
    assert.equal((await findChief()).active, false);
    assert.equal(await auditRows(), auditBefore);

    // Reactivated but demoted: still left as it is.
    await app.services.auth.updateUser(user.id, { active: true, role: "STEWARD" }, {
      type: "user",
      id: other.id,
    });
    assert.equal(
      (await bootstrapAdmin(config, deps) as { standing: string }).standing,
      "not_admin",
    );
    assert.equal((await findChief()).role, "STEWARD");
  } finally {
    await app.dispose();
  }
});

Deno.test("bootstrapAdmin() generates a development admin once, and refuses to start production without one", async () => {
  const app = await buildTestApp();
  try {
    const deps = { auth: app.services.auth, store: createAuthStore(app.db) };
    await assert.rejects(
      () =>
        bootstrapAdmin(
          testConfig({
            APP_ENV: "production",
            PUBLIC_URL: "https://governance.hospital.org",
            ANALYTICS_IP_SALT: "0123456789abcdef0",
            EMBEDDED_DATABASE: "true",
          }),
          deps,
        ),
      NoAdminError,
    );
    const generated = await bootstrapAdmin(testConfig(), deps);
    assert.equal(generated.kind, "generated");
    assert.equal(generated.kind === "generated" && generated.email, DEV_ADMIN_EMAIL);
    assert.deepEqual(await bootstrapAdmin(testConfig(), deps), { kind: "existing" });
  } finally {
    await app.dispose();
  }
});

Deno.test("production with no admin configured stops the start with one clear line", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const app = spawnApp({
      DATA_DIR: dataDir,
      APP_ENV: "production",
      PUBLIC_URL: "https://governance.hospital.org",
      ANALYTICS_IP_SALT: "0123456789abcdef0",
      EMBEDDED_DATABASE: "true",
    });
    const status = await app.status;
    assert.equal(status.code, 1);
    assert.deepEqual(app.stderr, [
      "No administrator exists: set ADMIN_EMAIL and ADMIN_PASSWORD for the first start",
    ]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("two instances bootstrapping at once: one creates the admin, the other finds it", async () => {
  const app = await buildTestApp();
  try {
    const deps = { auth: app.services.auth, store: createAuthStore(app.db) };
    const configured = testConfig({
      ADMIN_EMAIL: "race@example.org",
      ADMIN_PASSWORD: "a very long admin password",
    });
    const both = await Promise.all([
      bootstrapAdmin(configured, deps),
      bootstrapAdmin(configured, deps),
    ]);
    assert.deepEqual(both.map((r) => r.kind === "configured" && r.created).sort(), [false, true]);

    const fresh = await buildTestApp();
    try {
      const freshDeps = { auth: fresh.services.auth, store: createAuthStore(fresh.db) };
      const dev = await Promise.all([
        bootstrapAdmin(testConfig(), freshDeps),
        bootstrapAdmin(testConfig(), freshDeps),
      ]);
      assert.deepEqual(dev.map((r) => r.kind).sort(), ["existing", "generated"]);
    } finally {
      await fresh.dispose();
    }
  } finally {
    await app.dispose();
  }
});
