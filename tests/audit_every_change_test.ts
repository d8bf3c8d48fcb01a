/**
 * Every state-changing API route, driven through the app: a change that succeeds leaves exactly
 * one audit entry of its action, naming its actor (the signed-in user, the API token) and its
 * target; a refused request (4xx) leaves none, except the attempts the audit log records by
 * design (a wrong password: `auth.sign_in_failed`, `auth.password_check_failed`). Writes the
 * design keeps out of the audit log (analytics events, browser error reports, job progress,
 * flag evaluation) leave none. No entry holds a password, a token's secret or an e-mail address.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { auditRefusal } from "./helpers/audit_refusal.ts";
import { dbTargets } from "./helpers/db.ts";
import {
  createToken,
  createUser,
  type Session,
  signIn,
  signInAs,
  TEST_PASSWORD,
} from "./helpers/auth.ts";

interface Entry {
  id: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  row: string;
}

interface Expected {
  action: string;
  actorType: "user" | "token" | "system" | "anonymous";
  actorId?: string | null;
  targetType?: string;
  targetId?: string;
}

async function lastId(app: TestApp): Promise<number> {
  const [row] = await app.db.query<{ id: number | null }>("SELECT max(id) AS id FROM audit_log");
  return Number(row?.id ?? 0);
}

async function entriesAfter(app: TestApp, id: number): Promise<Entry[]> {
  const rows = await app.db.query<Omit<Entry, "row">>(
    `SELECT id, actor_type, actor_id, action, target_type, target_id FROM audit_log
     WHERE id > $1 ORDER BY id`,
    [id],
  );
  const texts = await app.db.query<{ row: string }>(
    "SELECT row_to_json(a)::text AS row FROM audit_log a WHERE id > $1 ORDER BY id",
    [id],
  );
  return rows.map((r, i) => ({ ...r, id: Number(r.id), row: texts[i]!.row }));
}

/**
 * Sends `request`, asserts its status, and that the audit entries it added are exactly
 * `expected` (in order). Returns the response (body not read).
 */
async function expectAudit(
  app: TestApp,
  label: string,
  request: () => Promise<Response>,
  status: number,
  expected: Expected[],
): Promise<Response> {
  const before = await lastId(app);
  const response = await request();
  const text = await response.clone().text();
  assert.equal(response.status, status, `${label}: status (${text.slice(0, 300)})`);
  const added = await entriesAfter(app, before);
  assert.deepEqual(
    added.map((e) => e.action),
    expected.map((e) => e.action),
    `${label}: audit actions`,
  );
  expected.forEach((want, i) => {
    const got = added[i]!;
    assert.equal(got.actor_type, want.actorType, `${label}: actor type`);
    if (want.actorId !== undefined) assert.equal(got.actor_id, want.actorId, `${label}: actor id`);
    if (want.targetType !== undefined) {
      assert.equal(got.target_type, want.targetType, `${label}: target type`);
    }
    if (want.targetId !== undefined) {
      assert.equal(got.target_id, want.targetId, `${label}: target id`);
    }
  });
  return response;
}

function send(
  app: TestApp,
  session: Session | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return app.request(path, {
    method,
    headers: {
      ...(session ? session.headers() : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

for (const target of dbTargets()) {
  Deno.test(`every state-changing API route writes one audit entry per change and none per refusal (${target.name})`, async (t) => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    const secrets: string[] = [TEST_PASSWORD];
    const emails: string[] = [];
    try {
      const admin = await signInAs(app, "ADMIN");
      const adminId = admin.user.id;
      emails.push(admin.user.email);
      const asAdmin = { actorType: "user" as const, actorId: adminId };

      await t.step("auth: sign-in, failed sign-in, sign-out", async () => {
        const user = await createUser(app, { role: "RESEARCHER" });
        emails.push(user.email);
        const login = (password: string) => () =>
          send(app, null, "POST", "/api/auth/login", { email: user.email, password });
        const wrong = "not the password at all";
        secrets.push(wrong);
        await expectAudit(app, "login wrong password", login(wrong), 401, [
          { action: "auth.sign_in_failed", actorType: "anonymous", targetId: user.id },
        ]);
        await expectAudit(
          app,
          "login invalid body",
          () => send(app, null, "POST", "/api/auth/login", { email: user.email }),
          400,
          [],
        );
        const ok = await expectAudit(app, "login", login(TEST_PASSWORD), 200, [
          { action: "auth.sign_in", actorType: "user", actorId: user.id, targetId: user.id },
        ]);
        const csrf = (await ok.json() as { csrfToken: string }).csrfToken;
        const cookie = (ok.headers.get("set-cookie") ?? "").split(";")[0]!;
        await expectAudit(
          app,
          "logout without csrf",
          () => send(app, null, "POST", "/api/auth/logout", undefined, { cookie }),
          403,
          [],
        );
        await expectAudit(
          app,
          "logout",
          () =>
            send(app, null, "POST", "/api/auth/logout", undefined, {
              cookie,
              "x-csrf-token": csrf,
            }),
          204,
          [{ action: "auth.sign_out", actorType: "user", actorId: user.id }],
        );
      });

      await t.step("auth: own password change", async () => {
        const user = await createUser(app, { role: "STEWARD" });
        emails.push(user.email);
        const session = await signIn(app, user);
        const fresh = "a brand new passphrase 42";
        secrets.push(fresh);
        await expectAudit(
          app,
          "password change too short",
          () =>
            send(app, session, "POST", "/api/auth/password", {
              currentPassword: TEST_PASSWORD,
              newPassword: "short",
            }),
          400,
          [],
        );
        await expectAudit(
          app,
          "password change wrong current",
          () =>
            send(app, session, "POST", "/api/auth/password", {
              currentPassword: "not the password at all",
              newPassword: fresh,
            }),
          400,
          [{ action: "auth.password_check_failed", actorType: "user", actorId: user.id }],
        );
        await expectAudit(
          app,
          "password change",
          () =>
            send(app, session, "POST", "/api/auth/password", {
              currentPassword: TEST_PASSWORD,
              newPassword: fresh,
            }),
          204,
          [{ action: "user.password_change", actorType: "user", actorId: user.id }],
        );
      });

      await t.step("admin: accounts", async () => {
        const email = `audit-new-${crypto.randomUUID().slice(0, 8)}@example.org`;
        emails.push(email);
        const password = "another long password 77";
        secrets.push(password);
        const created = await expectAudit(
          app,
          "create user",
          () =>
            send(app, admin, "POST", "/api/admin/users", {
              email,
              displayName: "Grace Hopper",
              role: "RESEARCHER",
              password,
            }),
          201,
          [{ action: "user.create", ...asAdmin, targetType: "user" }],
        );
        const id = (await created.json() as { user: { id: string } }).user.id;
        await expectAudit(
          app,
          "create user again (conflict)",
          () => send(app, admin, "POST", "/api/admin/users", { email, role: "RESEARCHER" }),
          409,
          [],
        );
        await expectAudit(
          app,
          "create user invalid",
          () => send(app, admin, "POST", "/api/admin/users", { email: "x", role: "NOBODY" }),
          400,
          [],
        );
        const researcher = await signInAs(app, "RESEARCHER");
        emails.push(researcher.user.email);
        await expectAudit(
          app,
          "create user as researcher",
          () => send(app, researcher, "POST", "/api/admin/users", { email, role: "RESEARCHER" }),
          403,
          [],
        );
        await expectAudit(
          app,
          "promote",
          () => send(app, admin, "PATCH", `/api/admin/users/${id}`, { role: "STEWARD" }),
          200,
          [{ action: "user.role_change", ...asAdmin, targetId: id }],
        );
        await expectAudit(
          app,
          "promote again (no change)",
          () => send(app, admin, "PATCH", `/api/admin/users/${id}`, { role: "STEWARD" }),
          200,
          [],
        );
        await expectAudit(
          app,
          "rename",
          () => send(app, admin, "PATCH", `/api/admin/users/${id}`, { displayName: "Grace B. H." }),
          200,
          [{ action: "user.update", ...asAdmin, targetId: id }],
        );
        await expectAudit(
          app,
          "empty change",
          () => send(app, admin, "PATCH", `/api/admin/users/${id}`, {}),
          400,
          [],
        );
        await expectAudit(
          app,
          "change unknown user",
          () =>
            send(app, admin, "PATCH", `/api/admin/users/${crypto.randomUUID()}`, { role: "ADMIN" }),
          404,
          [],
        );
        const reset = "reset password for grace 1";
        secrets.push(reset);
        await expectAudit(
          app,
          "reset password, admin password wrong",
          () =>
            send(app, admin, "POST", `/api/admin/users/${id}/password`, {
              password: reset,
              currentPassword: "not the password at all",
            }),
          400,
          [{ action: "auth.password_check_failed", ...asAdmin }],
        );
        await expectAudit(
          app,
          "reset password",
          () =>
            send(app, admin, "POST", `/api/admin/users/${id}/password`, {
              password: reset,
              currentPassword: TEST_PASSWORD,
            }),
          204,
          [{ action: "user.password_reset", ...asAdmin, targetId: id }],
        );
        await expectAudit(
          app,
          "deactivate",
          () => send(app, admin, "PATCH", `/api/admin/users/${id}`, { active: false }),
          200,
          [{ action: "user.deactivate", ...asAdmin, targetId: id }],
        );
      });

      await t.step("admin: sign-in locks", async () => {
        const user = await createUser(app, { role: "RESEARCHER" });
        emails.push(user.email);
        for (let i = 0; i < 4; i++) {
          const r = await send(app, null, "POST", "/api/auth/login", {
            email: user.email,
            password: "not the password at all",
          });
          assert.equal(r.status, 401);
        }
        await expectAudit(
          app,
          "fifth wrong password locks the account",
          () =>
            send(app, null, "POST", "/api/auth/login", {
              email: user.email,
              password: "not the password at all",
            }),
          401,
          [
            { action: "auth.sign_in_failed", actorType: "anonymous", targetId: user.id },
            { action: "auth.sign_in_locked", actorType: "anonymous" },
          ],
        );
        const locks = await send(app, admin, "GET", "/api/admin/locks");
        const { locks: list } = await locks.json() as { locks: { key: string; userId: string }[] };
        const lock = list.find((l) => l.userId === user.id);
        assert.ok(lock, "the account is locked");
        await expectAudit(
          app,
          "clear lock with a malformed key",
          () => send(app, admin, "DELETE", "/api/admin/locks/not-a-key"),
          400,
          [],
        );
        // Nothing to clear (another administrator cleared it, or no such lock): no change, so no
        // entry, as for a token revoked twice; the answer stays 204 (DELETE is idempotent).
        await expectAudit(
          app,
          "clear a lock nobody has",
          () => send(app, admin, "DELETE", `/api/admin/locks/${"0".repeat(64)}`),
          204,
          [],
        );
        await expectAudit(
          app,
          "clear lock",
          () => send(app, admin, "DELETE", `/api/admin/locks/${lock.key}`),
          204,
          [{ action: "auth.lock_clear", ...asAdmin, targetType: "sign_in_lock" }],
        );
        await expectAudit(
          app,
          "clear the same lock again",
          () => send(app, admin, "DELETE", `/api/admin/locks/${lock.key}`),
          204,
          [],
        );
      });

      await t.step("admin: API tokens", async () => {
        const created = await expectAudit(
          app,
          "create token",
          () =>
            send(app, admin, "POST", "/api/admin/tokens", {
              name: "audit exporter",
              scopes: ["flags:evaluate"],
            }),
          201,
          [{ action: "token.create", ...asAdmin, targetType: "api_token" }],
        );
        const token = await created.json() as { id: string; token: string };
        secrets.push(token.token);
        await expectAudit(
          app,
          "create token without scopes",
          () => send(app, admin, "POST", "/api/admin/tokens", { name: "x", scopes: [] }),
          400,
          [],
        );
        await expectAudit(
          app,
          "revoke unknown token",
          () => send(app, admin, "DELETE", `/api/admin/tokens/${crypto.randomUUID()}`),
          404,
          [],
        );
        await expectAudit(
          app,
          "revoke token",
          () => send(app, admin, "DELETE", `/api/admin/tokens/${token.id}`),
          204,
          [{ action: "token.revoke", ...asAdmin, targetId: token.id }],
        );
      });

      await t.step("flags", async () => {
        await expectAudit(
          app,
          "create flag",
          () => send(app, admin, "POST", "/api/governance/flags/audit_flag", { enabled: false }),
          200,
          [{
            action: "flag.create",
            ...asAdmin,
            targetType: "feature_flag",
            targetId: "audit_flag",
          }],
        );
        await expectAudit(
          app,
          "same settings",
          () => send(app, admin, "POST", "/api/governance/flags/audit_flag", { enabled: false }),
          200,
          [],
        );
        await expectAudit(
          app,
          "update flag",
          () =>
            send(app, admin, "POST", "/api/admin/feature-flags/audit_flag", {
              enabled: true,
              rolloutPercent: 50,
            }),
          200,
          [{ action: "flag.update", ...asAdmin, targetId: "audit_flag" }],
        );
        await expectAudit(
          app,
          "stale version",
          () =>
            send(app, admin, "POST", "/api/admin/feature-flags/audit_flag", {
              enabled: false,
              version: 1,
            }),
          409,
          [],
        );
        await expectAudit(
          app,
          "invalid flag",
          () => send(app, admin, "POST", "/api/admin/feature-flags/audit_flag", { enabled: "yes" }),
          400,
          [],
        );
        await expectAudit(
          app,
          "archive unknown flag",
          () => send(app, admin, "DELETE", "/api/admin/feature-flags/no_such_flag"),
          404,
          [],
        );
        await expectAudit(
          app,
          "archive flag",
          () => send(app, admin, "DELETE", "/api/admin/feature-flags/audit_flag"),
          200,
          [{ action: "flag.archive", ...asAdmin, targetId: "audit_flag" }],
        );
        await expectAudit(
          app,
          "restore flag",
          () => send(app, admin, "POST", "/api/admin/feature-flags/audit_flag", { enabled: true }),
          200,
          [{ action: "flag.restore", ...asAdmin, targetId: "audit_flag" }],
        );
      });

      await t.step("experiments", async () => {
        const body = { key: "audit_exp", enabled: true, variants: { a: { weight: 1 } } };
        await expectAudit(
          app,
          "create experiment",
          () => send(app, admin, "POST", "/api/admin/experiments", body),
          200,
          [{ action: "experiment.create", ...asAdmin, targetId: "audit_exp" }],
        );
        await expectAudit(
          app,
          "same experiment",
          () => send(app, admin, "POST", "/api/admin/experiments", body),
          200,
          [],
        );
        await expectAudit(
          app,
          "update experiment",
          () =>
            send(app, admin, "POST", "/api/admin/experiments", {
              ...body,
              variants: { a: { weight: 1 }, b: { weight: 1 } },
            }),
          200,
          [{ action: "experiment.update", ...asAdmin, targetId: "audit_exp" }],
        );
        await expectAudit(
          app,
          "experiment over a flag's key",
          () => send(app, admin, "POST", "/api/admin/experiments", { ...body, key: "audit_flag" }),
          409,
          [],
        );
        await expectAudit(
          app,
          "experiment with no weight",
          () =>
            send(app, admin, "POST", "/api/admin/experiments", {
              ...body,
              variants: { a: { weight: 0 } },
            }),
          400,
          [],
        );
        // An assignment is data, not a governance change: recorded as analytics with consent.
        await expectAudit(
          app,
          "variant assignment",
          () => send(app, admin, "GET", "/api/experiments/audit_exp/variant"),
          200,
          [],
        );
      });

      await t.step("governance mode", async () => {
        await expectAudit(
          app,
          "mode invalid",
          () => send(app, admin, "POST", "/api/governance/mode", { mode: "PANIC" }),
          400,
          [],
        );
        await expectAudit(
          app,
          "mode to LIVE",
          () => send(app, admin, "POST", "/api/governance/mode", { mode: "LIVE" }),
          200,
          [{
            action: "governance.mode_change",
            ...asAdmin,
            targetType: "governance_config",
            targetId: "mode",
          }],
        );
        await expectAudit(
          app,
          "mode to LIVE again",
          () => send(app, admin, "POST", "/api/governance/mode", { mode: "LIVE" }),
          200,
          [],
        );
        const steward = await signInAs(app, "STEWARD");
        emails.push(steward.user.email);
        await expectAudit(
          app,
          "mode by a steward",
          () => send(app, steward, "POST", "/api/governance/mode", { mode: "DEMO" }),
          403,
          [],
        );
        await expectAudit(
          app,
          "mode back to DEMO",
          () => send(app, admin, "POST", "/api/governance/mode", { mode: "DEMO" }),
          200,
          [{ action: "governance.mode_change", ...asAdmin }],
        );
      });

      await t.step("consent and analytics", async () => {
        const researcher = await signInAs(app, "RESEARCHER");
        emails.push(researcher.user.email);
        const me = { actorType: "user" as const, actorId: researcher.user.id };
        await expectAudit(
          app,
          "grant invalid",
          () => send(app, researcher, "POST", "/api/consent/grant", { consentType: "everything" }),
          400,
          [],
        );
        await expectAudit(
          app,
          "grant",
          () => send(app, researcher, "POST", "/api/consent/grant", { consentType: "analytics" }),
          200,
          [{ action: "consent.grant", ...me }],
        );
        await expectAudit(
          app,
          "analytics event",
          () =>
            send(app, researcher, "POST", "/api/analytics/events", {
              events: [{ eventId: crypto.randomUUID(), eventName: "ui.page_view" }],
            }, { "x-analytics-consent": "true" }),
          200,
          [],
        );
        await expectAudit(
          app,
          "revoke",
          () => send(app, researcher, "POST", "/api/consent/revoke", { consentType: "analytics" }),
          200,
          [{ action: "consent.revoke", ...me }],
        );
        await expectAudit(
          app,
          "erase unknown user",
          () => send(app, admin, "DELETE", `/api/analytics/users/${crypto.randomUUID()}/events`),
          404,
          [],
        );
        await expectAudit(
          app,
          "erase",
          () => send(app, admin, "DELETE", `/api/analytics/users/${researcher.user.id}/events`),
          200,
          [{ action: "analytics.erase_user", ...asAdmin, targetId: researcher.user.id }],
        );
      });

      await t.step("jobs: a finished job is audited with the worker's token", async () => {
        const worker = await createToken(app, { scopes: ["jobs:write"], name: "audit worker" });
        secrets.push(worker);
        const [row] = await app.db.query<{ id: string }>(
          "SELECT id FROM api_tokens WHERE name = 'audit worker'",
        );
        const callback = (id: string, body: unknown) => () =>
          send(app, null, "POST", `/api/jobs/${id}/status`, body, bearer(worker));
        await expectAudit(app, "job started", callback("job-a1", { status: "started" }), 200, []);
        await expectAudit(
          app,
          "job progress",
          callback("job-a1", { status: "progress", progress: 40, researchId: "study-1" }),
          200,
          [],
        );
        await expectAudit(
          app,
          "job of another research",
          callback("job-a1", { status: "progress", progress: 50, researchId: "study-2" }),
          409,
          [],
        );
        await expectAudit(
          app,
          "job completed",
          callback("job-a1", { status: "completed" }),
          200,
          [{
            action: "job.complete",
            actorType: "token",
            actorId: row!.id,
            targetType: "job",
            targetId: "job-a1",
          }],
        );
        await expectAudit(
          app,
          "job completed again",
          callback("job-a1", { status: "completed" }),
          200,
          [],
        );
        await expectAudit(app, "job failed", callback("job-b1", { status: "failed" }), 200, [
          { action: "job.fail", actorType: "token", actorId: row!.id },
        ]);
      });

      await t.step("no entry holds a password, a token's secret or an e-mail address", async () => {
        const rows = await entriesAfter(app, 0);
        assert.ok(rows.length > 20);
        for (const entry of rows) {
          for (const secret of secrets) {
            assert.ok(!entry.row.includes(secret), `${entry.action} holds a secret`);
          }
          for (const email of emails) {
            assert.ok(!entry.row.includes(email), `${entry.action} holds an e-mail address`);
          }
          assert.doesNotMatch(entry.row, /@example\.org/, `${entry.action} holds an e-mail`);
        }
      });
    } finally {
      await app.dispose();
    }
  });
}

for (const target of dbTargets()) {
  Deno.test(`a change whose audit entry cannot be written is not made (${target.name})`, async (t) => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    const refusal = auditRefusal(app.db);
    /**
     * With the audit insert of `action` refused, `request` answers 503 and leaves no entry, and
     * `state()` reads the same before and after; then, allowed, the same request goes through.
     */
    async function atomic(
      action: string,
      request: () => Promise<Response>,
      state: () => Promise<unknown>,
      okStatus = 200,
    ): Promise<void> {
      const before = await state();
      const first = await lastId(app);
      const allow = await refusal.refuse(action);
      try {
        const refused = await request();
        await refused.body?.cancel();
        assert.equal(refused.status, 503, `${action}: refused`);
      } finally {
        await allow();
      }
      assert.deepEqual(await entriesAfter(app, first), [], `${action}: no entry`);
      assert.deepEqual(await state(), before, `${action}: nothing changed`);
      const done = await request();
      await done.body?.cancel();
      assert.equal(done.status, okStatus, `${action}: allowed`);
      assert.deepEqual(
        (await entriesAfter(app, first)).map((e) => e.action),
        [action],
        `${action}: one entry once allowed`,
      );
    }
    try {
      const admin = await signInAs(app, "ADMIN");
      const flagRow = (key: string) => () =>
        app.db.query("SELECT enabled, version, archived_at FROM feature_flags WHERE key = $1", [
          key,
        ]);
      await t.step("flags: update, archive, restore", async () => {
        const created = await send(app, admin, "POST", "/api/admin/feature-flags/atomic_flag", {
          enabled: false,
        });
        assert.equal(created.status, 200);
        await created.body?.cancel();
        await atomic(
          "flag.update",
          () => send(app, admin, "POST", "/api/admin/feature-flags/atomic_flag", { enabled: true }),
          flagRow("atomic_flag"),
        );
        await atomic(
          "flag.archive",
          () => send(app, admin, "DELETE", "/api/admin/feature-flags/atomic_flag"),
          flagRow("atomic_flag"),
        );
        await atomic(
          "flag.restore",
          () => send(app, admin, "POST", "/api/admin/feature-flags/atomic_flag", { enabled: true }),
          flagRow("atomic_flag"),
        );
      });
      await t.step("experiments: create, update", async () => {
        const body = { key: "atomic_exp", enabled: true, variants: { a: { weight: 1 } } };
        const row = () =>
          app.db.query("SELECT version, variants FROM experiments WHERE key = 'atomic_exp'");
        await atomic(
          "experiment.create",
          () => send(app, admin, "POST", "/api/admin/experiments", body),
          row,
        );
        await atomic(
          "experiment.update",
          () =>
            send(app, admin, "POST", "/api/admin/experiments", {
              ...body,
              variants: { a: { weight: 1 }, b: { weight: 3 } },
            }),
          row,
        );
      });
      await t.step("accounts: role, name, deactivation, own password", async () => {
        const user = await createUser(app, { role: "RESEARCHER" });
        const row = () =>
          app.db.query(
            "SELECT role, active, display_name, password_hash FROM users WHERE id = $1",
            [user.id],
          );
        const patch = (body: unknown) => () =>
          send(app, admin, "PATCH", `/api/admin/users/${user.id}`, body);
        await atomic("user.role_change", patch({ role: "STEWARD" }), row);
        await atomic("user.update", patch({ displayName: "Renamed Person" }), row);
        const session = await signIn(app, user);
        await atomic(
          "user.password_change",
          () =>
            send(app, session, "POST", "/api/auth/password", {
              currentPassword: TEST_PASSWORD,
              newPassword: "an atomic new passphrase 9",
            }),
          row,
          204,
        );
        await atomic("user.deactivate", patch({ active: false }), row);
      });
      await t.step("jobs: complete, fail", async () => {
        const worker = await createToken(app, { scopes: ["jobs:write"] });
        const callback = (id: string, status: string) => () =>
          send(app, null, "POST", `/api/jobs/${id}/status`, { status }, bearer(worker));
        const row = (id: string) => () =>
          app.db.query("SELECT status, progress FROM jobs WHERE id = $1", [id]);
        const started = await callback("atomic-1", "started")();
        assert.equal(started.status, 200);
        await started.body?.cancel();
        await atomic("job.complete", callback("atomic-1", "completed"), row("atomic-1"));
        await atomic("job.fail", callback("atomic-2", "failed"), row("atomic-2"));
      });
    } finally {
      await refusal.dropAny();
      await app.dispose();
    }
  });
}
