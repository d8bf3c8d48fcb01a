/**
 * The operator's commands that change state (`deno task migrate`, `deno task restore-prepare`,
 * `deno task user …`) run as real subprocesses against a fresh Postgres database, and the audit
 * log is read after each: a command that changed something wrote exactly one entry of its action,
 * as actor `system` (no actor id) on the thing it changed; a refused command or one that found
 * nothing to change wrote none; and no entry holds a password, a token secret, the account's
 * email or display name (the entries carry roles, states, scopes and dates; lib/audit redacts a
 * token's name by its key).
 *
 * The user commands run after restore-prepare, so in STANDBY: they are the operator's way in
 * during an incident and work in every mode (docs/operations/MODE_TOGGLE.md).
 */
import assert from "node:assert/strict";
import { createAuthStore, createLockKeys } from "../lib/auth/mod.ts";
import { openPostgres } from "../lib/db/mod.ts";
import { readStoredMode } from "../lib/governance/store.ts";
import { hasPostgres } from "./helpers/env.ts";
import { type CliResult, freshCliDatabase, runScript, runUserCli } from "./helpers/user_cli.ts";

const MIGRATE = new URL("../scripts/migrate.ts", import.meta.url).pathname;
const RESTORE_PREPARE = new URL("../scripts/restore_prepare.ts", import.meta.url).pathname;
const SALT = "cli-audit-test-salt-0123456789";

interface Entry {
  actor_id: string | null;
  actor_type: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: unknown;
  after: unknown;
}

Deno.test({
  name:
    "[postgres] each state-changing deno task writes one audit entry of its action as actor system on its target, none when refused or unchanged, and no secret or email",
  ignore: !hasPostgres(),
  async fn() {
    const database = await freshCliDatabase();
    const db = openPostgres(database.url, { max: 1 });
    const env = { DATABASE_URL: database.url, ANALYTICS_IP_SALT: SALT };
    const email = `steward-${crypto.randomUUID().slice(0, 8)}@example.org`;
    const displayName = "Annabel Whitcombe";
    const firstPassword = `first long passphrase ${crypto.randomUUID()}`;
    const secondPassword = `second long passphrase ${crypto.randomUUID()}`;
    /** Everything no entry may hold. */
    const secrets = [email, displayName, firstPassword, secondPassword];
    let newest = 0;

    /** Runs one command; returns its result and the entries it wrote (in order). */
    async function run(
      what: string,
      command: () => Promise<CliResult>,
      code: number,
    ): Promise<{ result: CliResult; entries: Entry[] }> {
      const result = await command();
      assert.equal(result.code, code, `${what}: exit status (${result.stderr})`);
      const rows = await db.query<Entry & { id: string | number }>(
        `SELECT id, actor_id, actor_type, action, target_type, target_id, before, after
         FROM audit_log WHERE id > $1 ORDER BY id`,
        [newest],
      );
      if (rows.length > 0) newest = Number(rows[rows.length - 1]!.id);
      return { result, entries: rows.map(({ id: _id, ...entry }) => entry) };
    }
    /** Asserts `what` wrote nothing. */
    async function none(what: string, command: () => Promise<CliResult>, code: number) {
      const { result, entries } = await run(what, command, code);
      assert.deepEqual(entries, [], `${what}: no audit entry`);
      return result;
    }
    /** Asserts `what` wrote exactly one entry, as actor system; returns it. */
    async function one(what: string, command: () => Promise<CliResult>) {
      const { result, entries } = await run(what, command, 0);
      assert.equal(entries.length, 1, `${what}: one entry, got ${JSON.stringify(entries)}`);
      const entry = entries[0]!;
      assert.equal(entry.actor_type, "system", `${what}: actor`);
      assert.equal(entry.actor_id, null, `${what}: no actor id`);
      const text = JSON.stringify(entry);
      for (const secret of secrets) {
        assert.ok(!text.toLowerCase().includes(secret.toLowerCase()), `${what}: no secret`);
      }
      return { result, entry };
    }
    const user = (args: string[], stdin?: string) => () => runUserCli(env, args, stdin);

    try {
      // Migrations are rows of schema_migrations, not audited changes.
      await none("migrate", () => runScript(MIGRATE, env, []), 0);

      // restore-prepare: a label that is not a file name or timestamp is refused first.
      const badLabel = await none(
        "restore-prepare with a bad label",
        () => runScript(RESTORE_PREPARE, env, ["--backup", email]),
        1,
      );
      assert.match(badLabel.stderr, /--backup must be/);
      assert.ok(!badLabel.stderr.includes(email), "the refused label is not echoed");
      const restored = await one(
        "restore-prepare",
        () => runScript(RESTORE_PREPARE, env, ["--backup", "governance.dump"]),
      );
      assert.equal(restored.entry.action, "system.restore_prepared");
      assert.equal(restored.entry.target_type, "database");
      assert.equal(restored.entry.target_id, null);
      assert.equal(await readStoredMode(db), "STANDBY");

      // create: the entry names the new account by id, with its role and state only.
      const created = await one(
        "create",
        user(
          ["create", email, "--role", "STEWARD", "--name", displayName, "--password-stdin"],
          `${firstPassword}\n`,
        ),
      );
      const userId = /, id (\S+)$/m.exec(created.result.stdout)?.[1];
      assert.ok(userId, created.result.stdout);
      assert.deepEqual(created.entry, {
        actor_id: null,
        actor_type: "system",
        action: "user.create",
        target_type: "user",
        target_id: userId,
        before: null,
        after: { role: "STEWARD", active: true },
      });
      const again = await none(
        "create an existing email",
        user(["create", email.toUpperCase(), "--role", "ADMIN"]),
        1,
      );
      assert.doesNotMatch(again.stdout, /Created|Password/);

      const promoted = await one("set-role", user(["set-role", email, "ADMIN"]));
      assert.deepEqual(promoted.entry, {
        actor_id: null,
        actor_type: "system",
        action: "user.role_change",
        target_type: "user",
        target_id: userId,
        before: { role: "STEWARD", active: true },
        after: { role: "ADMIN", active: true },
      });
      const same = await none("set-role to the role it has", user(["set-role", email, "ADMIN"]), 0);
      assert.match(same.stdout, /already is ADMIN/);
      await none("set-role to no role", user(["set-role", email, "ROOT"]), 1);
      await none("set-role of no account", user(["set-role", "nobody@example.org", "ADMIN"]), 1);

      // The only active ADMIN is not deactivated; with another one, it is.
      const lastAdmin = await none("deactivate the last admin", user(["deactivate", email]), 1);
      assert.match(lastAdmin.stderr, /admin/i);
      await createAuthStore(db).createUser({
        email: "other-admin@example.org",
        displayName: "",
        role: "ADMIN",
        passwordHash: null,
      });
      const deactivated = await one("deactivate", user(["deactivate", email]));
      assert.deepEqual(
        [deactivated.entry.action, deactivated.entry.target_type, deactivated.entry.target_id],
        ["user.deactivate", "user", userId],
      );
      assert.deepEqual(deactivated.entry.after, { role: "ADMIN", active: false });
      const activated = await one("activate", user(["activate", email]));
      assert.deepEqual(
        [activated.entry.action, activated.entry.target_type, activated.entry.target_id],
        ["user.update", "user", userId],
      );
      assert.deepEqual(activated.entry.before, { role: "ADMIN", active: false });
      assert.deepEqual(activated.entry.after, { role: "ADMIN", active: true });

      // reset-password: a password the account rules refuse changes nothing.
      await none(
        "reset-password with a short password",
        user(["reset-password", email, "--password-stdin"], "short\n"),
        1,
      );
      const reset = await one(
        "reset-password",
        user(["reset-password", email, "--password-stdin"], `${secondPassword}\n`),
      );
      assert.deepEqual(reset.entry, {
        actor_id: null,
        actor_type: "system",
        action: "user.password_reset",
        target_type: "user",
        target_id: userId,
        before: null,
        after: null,
      });

      // token-create: the secret is printed once and never written to the log.
      // An expiry already past is refused by the service, before its transaction.
      await none(
        "token-create expiring in the past",
        user(["token-create", "worker", "--scopes", "jobs:write", "--expires", "2001-01-01"]),
        1,
      );
      const expires = "2099-01-01T00:00:00.000Z";
      const token = await one(
        "token-create",
        user(["token-create", "worker", "--scopes", "jobs:write", "--expires", expires]),
      );
      const tokenId = /Created token (\S+)/.exec(token.result.stdout)?.[1];
      const secret = /Token \(shown once\): (\S+)/.exec(token.result.stdout)?.[1];
      assert.ok(tokenId && secret, token.result.stdout);
      assert.ok(!JSON.stringify(token.entry).includes(secret), "no token secret");
      assert.ok(!JSON.stringify(token.entry).includes(secret.slice(4, 20)), "no part of it");
      assert.deepEqual(token.entry, {
        actor_id: null,
        actor_type: "system",
        action: "token.create",
        target_type: "api_token",
        target_id: tokenId,
        before: null,
        after: { name: "[REDACTED]", scopes: ["jobs:write"], expiresAt: expires },
      });
      const revoked = await one("token-revoke", user(["token-revoke", tokenId]));
      assert.deepEqual(
        [revoked.entry.action, revoked.entry.target_type, revoked.entry.target_id],
        ["token.revoke", "api_token", tokenId],
      );
      // Repeated (as exit 3 asks): announced again, nothing more to record.
      await none("token-revoke again", user(["token-revoke", tokenId]), 0);
      await none("token-revoke of no token", user(["token-revoke", crypto.randomUUID()]), 1);

      // unlock: the entry names the lock by the start of its keyed digest, not by the email.
      const lockKey = createLockKeys(SALT).account(email);
      await db.query(
        `INSERT INTO login_throttle (key, kind, failures, locked_until)
         VALUES ($1, 'account', 5, now() + interval '1 hour')`,
        [lockKey],
      );
      const unlocked = await one("unlock", user(["unlock", email]));
      assert.deepEqual(
        [unlocked.entry.action, unlocked.entry.target_type, unlocked.entry.target_id],
        ["auth.lock_clear", "sign_in_lock", lockKey.slice(0, 12)],
      );
      const nothing = await none("unlock with no lock", user(["unlock", email]), 0);
      assert.match(nothing.stdout, /nothing to clear/);

      // Nothing anywhere in the log holds a secret of the account.
      const all = await db.query<{ row: string }>(
        "SELECT row_to_json(a)::text AS row FROM audit_log a",
      );
      for (const { row } of all) {
        for (const value of [...secrets, secret]) {
          assert.ok(!row.toLowerCase().includes(value.toLowerCase()), "no secret in the log");
        }
      }
    } finally {
      await db.close();
      await database.drop();
    }
  },
});
