/**
 * When the audit log cannot be written, every action answers the same way: the change is not
 * made, and the answer is 503 problem+json with a stable code and Retry-After, never a 500. Real
 * database failures on Postgres: a trigger that makes the audit INSERT fail (as a revoked INSERT
 * or a full disk would), and a lock on audit_log held by another session (DB_TIMEOUT).
 */
import assert from "node:assert/strict";
import { json } from "./helpers/app.ts";
import { type AuditRefusal, auditRefusal } from "./helpers/audit_refusal.ts";
import { postForm, postJson, type Session, signInAs } from "./helpers/auth.ts";
import { type BoundedApp, boundedApp, holdTableLock } from "./helpers/db_bounds.ts";
import { hasPostgres } from "./helpers/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false, ignore: !hasPostgres() };

/** Asserts the answer to an action whose audit entry could not be written. */
async function assertAuditUnavailable(response: Response, what: string): Promise<void> {
  assert.equal(response.status, 503, what);
  assert.equal(response.headers.get("content-type"), "application/problem+json", what);
  assert.equal(response.headers.get("retry-after"), "5", what);
  const text = await response.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.equal(body.code, "SERVICE_UNAVAILABLE", what);
  assert.equal(
    body.detail,
    "The audit log cannot be written right now; try again shortly",
    what,
  );
  for (const leak of ["refused by the test", "INSERT", "audit_log"]) {
    assert.ok(!text.includes(leak), `${what}: the response does not mention ${leak}`);
  }
}

/**
 * Runs `test` against an app on a schema of its own, signed in as an ADMIN, with a refusal it can
 * aim at one audit action; the refusal trigger and the app are gone afterwards.
 */
async function withAuditRefusal(
  test: (t: BoundedApp, refusal: AuditRefusal, admin: Session) => Promise<void>,
): Promise<void> {
  const t = await boundedApp({});
  const refusal = auditRefusal(t.other);
  try {
    await test(t, refusal, await signInAs(t.app, "ADMIN"));
  } finally {
    await refusal.dropAny();
    await t.app.dispose();
  }
}

Deno.test({
  name:
    "[postgres] an audit insert that fails answers 503 SERVICE_UNAVAILABLE with Retry-After for a mode change, a flag change and a token, and changes nothing",
  ...opts,
  fn: () =>
    withAuditRefusal(async (t, refusal, admin) => {
      const post = (path: string, body: unknown) => postJson(t.app, admin, path, body);

      let allow = await refusal.refuse("governance.mode_change");
      await assertAuditUnavailable(
        await post("/api/governance/mode", { mode: "LIVE" }),
        "mode change",
      );
      assert.equal(t.app.services.mode.current(), "DEMO");
      await allow();

      allow = await refusal.refuse("flag.create");
      await assertAuditUnavailable(
        await post("/api/governance/flags/pilot", { enabled: true }),
        "flag change",
      );
      assert.equal(t.app.services.flags.get("pilot"), undefined);
      await allow();

      allow = await refusal.refuse("token.create");
      await assertAuditUnavailable(
        await post("/api/admin/tokens", { name: "worker", scopes: ["jobs:write"] }),
        "token",
      );
      await allow();

      // Once the audit log can be written again, the same changes go through.
      const mode = await post("/api/governance/mode", { mode: "LIVE" });
      assert.equal(mode.status, 200);
      await mode.body?.cancel();
      const flag = await post("/api/governance/flags/pilot", { enabled: true });
      assert.equal(flag.status, 200);
      await flag.body?.cancel();
    }),
});

Deno.test({
  name:
    "[postgres] a form post whose audit insert fails gets the 503 error page with Retry-After (not a 500), and the mode stays",
  ...opts,
  fn: () =>
    withAuditRefusal(async (t, refusal, admin) => {
      const allow = await refusal.refuse("governance.mode_change");
      const response = await postForm(t.app, admin, "/governance/mode", [
        ["mode", "LIVE"],
        ["confirm", "yes"],
      ]);
      assert.equal(response.status, 503);
      assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
      assert.equal(response.headers.get("retry-after"), "5");
      const html = await response.text();
      assert.match(html, /The audit log cannot be written right now; try again shortly/);
      assert.doesNotMatch(html, /refused by the test|INSERT|audit_log/);
      assert.equal(t.app.services.mode.current(), "DEMO");
      await allow();
    }),
});

Deno.test({
  name:
    "[postgres] with audit_log locked by another session, a mode change and a flag change both answer 503 DB_TIMEOUT with Retry-After",
  ...opts,
  async fn() {
    const t = await boundedApp({ DB_LOCK_TIMEOUT_MS: "200", DB_STATEMENT_TIMEOUT_MS: "10000" });
    let unlock: (() => Promise<void>) | undefined;
    try {
      const admin = await signInAs(t.app, "ADMIN");
      const post = (path: string, body: unknown) => postJson(t.app, admin, path, body);
      unlock = await holdTableLock(t.other, "audit_log", "EXCLUSIVE");
      for (
        const [path, body] of [
          ["/api/governance/mode", { mode: "LIVE" }],
          ["/api/governance/flags/pilot", { enabled: true }],
        ] as const
      ) {
        const response = await post(path, body);
        assert.equal(response.status, 503, path);
        assert.equal(response.headers.get("retry-after"), "5", path);
        assert.equal((await json<{ code: string }>(response)).code, "DB_TIMEOUT", path);
      }
      assert.equal(t.app.services.mode.current(), "DEMO");
      assert.equal(t.app.services.flags.get("pilot"), undefined);
    } finally {
      await unlock?.();
      await t.app.dispose();
    }
  },
});
