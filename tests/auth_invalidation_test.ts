/**
 * Credentials ended on one instance are not served from another instance's memory: two app
 * instances share the database and the Redis event stream; B verifies a session or API token
 * (and so remembers it for its database outages), A ends it (deactivation, sign-out, token
 * revocation, role change, password reset, a new sign-in replacing the session), then B loses the
 * database. B must refuse the ended credential (503: it can no longer be checked) while still
 * serving the ones nothing happened to. On PGlite (one in-process database shared by both, B's
 * view cut off) and the real Postgres (B behind a TCP proxy, stopped), with the real Redis.
 */
import assert from "node:assert/strict";
import { json, type TestApp } from "./helpers/app.ts";
import {
  createToken,
  flagClientStatus,
  type Session,
  sessionStatus,
  signIn,
  signInAs,
  TEST_PASSWORD,
} from "./helpers/auth.ts";
import {
  type ClusterDb,
  type SplitCluster,
  withSplitCluster,
} from "./helpers/auth_invalidation_cluster.ts";
import { hasPostgres, hasRedis } from "./helpers/env.ts";
import { readSse } from "./realtime_sse_reader.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const targets: ClusterDb[] = hasPostgres() ? ["pglite", "postgres"] : ["pglite"];
const RECEIVED = "credentials ended on another instance; dropped from memory";

const withCluster = (kind: ClusterDb, fn: (cluster: SplitCluster) => Promise<void>) =>
  withSplitCluster(kind, {}, fn);

/** Asserts B answers the session with 503 SERVICE_UNAVAILABLE (not from memory). */
async function assertSessionRefused(app: TestApp, cookie: string, what: string): Promise<void> {
  const response = await app.request("/api/auth/session", { headers: { cookie } });
  assert.equal(response.status, 503, `${what}: refused, not served from memory`);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal((await json<{ code: string }>(response)).code, "SERVICE_UNAVAILABLE");
}

async function adminCall(
  app: TestApp,
  admin: Session,
  method: string,
  path: string,
  body?: unknown,
): Promise<number> {
  const response = await app.request(path, {
    method,
    headers: admin.headers(body === undefined ? {} : { "content-type": "application/json" }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await response.body?.cancel();
  return response.status;
}

/** B's log lines for received messages, parsed; asserts none holds any of `ids`. */
function receivedLines(app: TestApp, ids: string[]): Array<Record<string, unknown>> {
  const lines = app.logs.filter((line) => line.includes(RECEIVED));
  for (const line of lines) {
    for (const id of ids) assert.ok(!line.includes(id), "the log line holds counts, not ids");
  }
  return lines.map((line) => {
    const { ts: _ts, level: _level, ...rest } = JSON.parse(line);
    return rest;
  });
}

for (const kind of targets) {
  const t = `[${kind}]`;

  Deno.test({
    name: `${t} a user deactivated on A is refused by B during B's database outage`,
    ignore: !hasRedis(),
    ...opts,
    async fn() {
      await withCluster(kind, async (cluster) => {
        const { a, b } = cluster;
        const admin = await signInAs(a, "ADMIN");
        const target = await signInAs(a, "STEWARD");
        const bystander = await signInAs(a, "STEWARD");
        // B verifies both sessions while its database answers, and remembers them.
        assert.equal(await sessionStatus(b, target.cookie), 200);
        assert.equal(await sessionStatus(b, bystander.cookie), 200);

        assert.equal(
          await adminCall(a, admin, "PATCH", `/api/admin/users/${target.user.id}`, {
            active: false,
          }),
          200,
        );
        await cluster.bHasReadUpToNow();
        cluster.cutDbOfB();

        await assertSessionRefused(b, target.cookie, "the deactivated user");
        assert.equal(await sessionStatus(b, bystander.cookie), 200, "others still from memory");
        assert.deepEqual(receivedLines(b, [target.user.id, target.cookie]), [{
          msg: RECEIVED,
          scope: "user",
          idCount: 1,
          sessionCount: 1,
          tokenCount: 0,
        }]);
        assert.deepEqual(receivedLines(a, []), [], "A acted locally, not on its own message");
      });
    },
  });

  Deno.test({
    name: `${t} a session signed out on A is refused by B during B's database outage`,
    ignore: !hasRedis(),
    ...opts,
    async fn() {
      await withCluster(kind, async (cluster) => {
        const { a, b } = cluster;
        const target = await signInAs(a, "RESEARCHER");
        // The same user signed in twice: only the session that signed out ends.
        const otherSession = await signIn(a, target.user);
        assert.equal(await sessionStatus(b, target.cookie), 200);
        assert.equal(await sessionStatus(b, otherSession.cookie), 200);

        const out = await a.request("/api/auth/logout", {
          method: "POST",
          headers: target.headers(),
        });
        assert.equal(out.status, 204);
        await cluster.bHasReadUpToNow();
        cluster.cutDbOfB();

        await assertSessionRefused(b, target.cookie, "the signed-out session");
        assert.equal(
          await sessionStatus(b, otherSession.cookie),
          200,
          "the user's other session is still served from memory",
        );
        assert.deepEqual(receivedLines(b, [target.user.id]), [{
          msg: RECEIVED,
          scope: "session",
          idCount: 1,
          sessionCount: 1,
          tokenCount: 0,
        }]);
      });
    },
  });

  Deno.test({
    name:
      `${t} an API token revoked on A is refused by B during B's database outage, and no event stream sees the message`,
    ignore: !hasRedis(),
    ...opts,
    async fn() {
      await withCluster(kind, async (cluster) => {
        const { a, b } = cluster;
        const admin = await signInAs(a, "ADMIN");
        const { token, secret } = await a.services.auth.createToken(
          { name: "flag client", scopes: ["flags:evaluate"] },
          { type: "system" },
        );
        const kept = await createToken(a, { scopes: ["flags:evaluate"] });
        assert.equal(await flagClientStatus(b, secret), 200);
        assert.equal(await flagClientStatus(b, kept), 200);
        // A browser on B listening to every topic while the message passes through B's bus.
        const viewer = await signInAs(a, "RESEARCHER");
        const sse = readSse(
          await b.request("/api/stream?topic=all", { headers: viewer.headers() }),
        );
        await sse.until((m) => m.some((x) => x.event === "hello"), "hello");

        assert.equal(await adminCall(a, admin, "DELETE", `/api/admin/tokens/${token.id}`), 204);
        await cluster.bHasReadUpToNow();
        await sse.until(
          (m) => m.some((x) => x.data.includes("marker-1")),
          "the marker published after the revocation",
        );
        cluster.cutDbOfB();

        assert.equal(await flagClientStatus(b, secret), 503, "the revoked token is refused");
        assert.equal(await flagClientStatus(b, kept), 200, "other tokens still from memory");
        assert.deepEqual(receivedLines(b, [token.id, secret]), [{
          msg: RECEIVED,
          scope: "api_token",
          idCount: 1,
          sessionCount: 0,
          tokenCount: 1,
        }]);
        const wire = JSON.stringify(sse.messages);
        for (const needle of [token.id, "credentials_ended", "auth.", "api_token"]) {
          assert.ok(!wire.includes(needle), `no event stream message holds ${needle}`);
        }
        assert.deepEqual(sse.events().map((m) => m.event), ["job.progress"]);
        await sse.close();
      });
    },
  });

  Deno.test({
    name:
      `${t} a demotion, a password reset and a replaced session on A are refused by B during B's database outage`,
    ignore: !hasRedis(),
    ...opts,
    async fn() {
      await withCluster(kind, async (cluster) => {
        const { a, b } = cluster;
        const admin = await signInAs(a, "ADMIN");
        const demoted = await signInAs(a, "STEWARD");
        const reset = await signInAs(a, "STEWARD");
        const replaced = await signInAs(a, "STEWARD");
        const bystander = await signInAs(a, "STEWARD");
        for (const s of [demoted, reset, replaced, bystander]) {
          assert.equal(await sessionStatus(b, s.cookie), 200);
        }

        assert.equal(
          await adminCall(a, admin, "PATCH", `/api/admin/users/${demoted.user.id}`, {
            role: "RESEARCHER",
          }),
          200,
        );
        assert.equal(
          await adminCall(a, admin, "POST", `/api/admin/users/${reset.user.id}/password`, {
            password: "another long password",
            currentPassword: TEST_PASSWORD,
          }),
          204,
        );
        // Signing in again with the old cookie replaces (ends) the old session.
        const again = await a.request("/api/auth/login", {
          method: "POST",
          headers: { "content-type": "application/json", cookie: replaced.cookie },
          body: JSON.stringify({ email: replaced.user.email, password: TEST_PASSWORD }),
        });
        assert.equal(again.status, 200);
        await again.body?.cancel();
        await cluster.bHasReadUpToNow();
        cluster.cutDbOfB();

        await assertSessionRefused(b, demoted.cookie, "the demoted user's old role");
        await assertSessionRefused(b, reset.cookie, "the session ended by the password reset");
        await assertSessionRefused(b, replaced.cookie, "the replaced session");
        assert.equal(await sessionStatus(b, bystander.cookie), 200, "others still from memory");
        const scopes = receivedLines(b, [demoted.user.id, reset.user.id, replaced.user.id])
          .map((line) => line.scope);
        assert.deepEqual(scopes, ["user", "user", "session"]);
      });
    },
  });
}
