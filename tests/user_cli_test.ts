import assert from "node:assert/strict";
import { openDatabase, openPostgres } from "../lib/db/mod.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";
import { migrateForCli, runUserCli } from "./helpers/user_cli.ts";

/** The command as a subprocess, with only the given environment. */
const cli = runUserCli;

Deno.test({
  name: "[postgres] deno task user creates users, changes roles and manages tokens",
  ignore: !hasPostgres(),
  async fn() {
    const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    const database = uniqueName("rf_cli");
    await admin.exec(`CREATE DATABASE ${database}`);
    const url = new URL(TEST_DATABASE_URL!);
    url.pathname = `/${database}`;
    const env = { DATABASE_URL: url.href };
    try {
      await migrateForCli(env);
      const created = await cli(env, [
        "create",
        "Steward@Example.org",
        "--role",
        "STEWARD",
        "--password-stdin",
      ], "a long enough password\n");
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /Created steward@example\.org \(STEWARD\)/);
      assert.doesNotMatch(created.stdout, /Password/, "a password from stdin is never printed");

      const role = await cli(env, ["set-role", "steward@example.org", "ADMIN"]);
      assert.equal(role.code, 0, role.stderr);
      const list = await cli(env, ["list"]);
      assert.match(list.stdout, /steward@example\.org\tADMIN\tactive/);

      const badRole = await cli(env, ["set-role", "steward@example.org", "ROOT"]);
      assert.equal(badRole.code, 1);
      assert.match(badRole.stderr, /Role must be one of RESEARCHER, STEWARD, ADMIN/);

      const token = await cli(env, ["token-create", "worker", "--scopes", "jobs:write"]);
      assert.equal(token.code, 0, token.stderr);
      const id = /Created token (\S+)/.exec(token.stdout)![1]!;
      assert.match(token.stdout, /Token \(shown once\): rfg_/);
      const revoke = await cli(env, ["token-revoke", id]);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.match(
        (await cli(env, ["tokens"])).stdout,
        new RegExp(`${id}\\tworker\\tjobs:write\\trevoked`),
      );

      // The name rule of the API and /admin/tokens holds here too (the service checks it): no
      // PHI, no text-direction override; refused without echoing the name, nothing stored.
      const phiName = await cli(env, [
        "token-create",
        "export for MRN 4817263",
        "--scopes",
        "jobs:write",
      ]);
      assert.equal(phiName.code, 1, phiName.stdout);
      assert.match(phiName.stderr, /Token name: must not contain PHI \(found: [A-Z_, ]+\)/);
      assert.doesNotMatch(phiName.stderr, /4817263/);
      const reversed = await cli(env, [
        "token-create",
        "worker \u202Eetirw",
        "--scopes",
        "jobs:write",
      ]);
      assert.equal(reversed.code, 1, reversed.stdout);
      assert.match(reversed.stderr, /Token name: must be written without control characters/);
      const tokens = (await cli(env, ["tokens"])).stdout;
      assert.equal(tokens.trim().split("\n").length, 1, "only the worker token is stored");

      const reset = await cli(env, ["reset-password", "steward@example.org"]);
      assert.match(reset.stdout, /New password \(shown once\): \S{24}/);
    } finally {
      await admin.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.close();
    }
  },
});

Deno.test("[pglite] deno task user refuses a DATA_DIR another process holds, and works once it is free", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "rf_cli_lock_" });
  const env = { DATA_DIR: dataDir };
  const inUse =
    `The embedded database in ${dataDir} is in use by another process (pid ${Deno.pid}); ` +
    "stop it or use DATABASE_URL\n";
  try {
    await migrateForCli(env);
    // This test process stands in for the running app.
    const app = await openDatabase({ databaseUrl: undefined, dataDir });
    try {
      const refused = await cli(env, ["create", "a@example.org", "--role", "STEWARD"]);
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr, inUse);
      assert.doesNotMatch(refused.stdout, /Created/);
    } finally {
      await app.close();
    }
    const created = await cli(env, ["create", "a@example.org", "--role", "STEWARD"]);
    assert.equal(created.code, 0, created.stderr);
    const listed = await cli(env, ["list"]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^a@example\.org\tSTEWARD\tactive\t/m);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
