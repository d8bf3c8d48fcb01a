/**
 * A token id that is refused or names no token ends nothing anywhere: two app instances share the
 * database and the real Redis event stream; B has verified a session and two API tokens (and so
 * serves them from memory during its database outages). A is asked to revoke ids that cannot be a
 * token (a NUL, a word) or that no token has (a random UUID), through the API, the admin page and
 * the service itself. Nothing may be appended to the stream for them (in particular no "forget
 * everything" message) and B, cut from the database, still serves all three from memory. A real
 * revocation then is announced once and ends that token, and only that one, on B.
 */
import assert from "node:assert/strict";
import { CREDENTIALS_ENDED } from "../lib/auth/credentials_ended.ts";
import { json, type TestApp } from "./helpers/app.ts";
import {
  createToken,
  flagClientStatus,
  postForm,
  type Session,
  sessionStatus,
  signInAs,
} from "./helpers/auth.ts";
import {
  type ClusterDb,
  type SplitCluster,
  withSplitCluster,
} from "./helpers/auth_invalidation_cluster.ts";
import { hasPostgres, hasRedis } from "./helpers/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const targets: ClusterDb[] = hasPostgres() ? ["pglite", "postgres"] : ["pglite"];
const SYSTEM = { type: "system" as const };

/** The credentials-ended messages appended to the cluster's stream so far, as published. */
async function credentialsEndedEntries(cluster: SplitCluster): Promise<unknown[]> {
  const entries = await cluster.redisA.client.sendCommand([
    "XRANGE",
    cluster.streamKey,
    "-",
    "+",
  ]) as Array<[string, string[]]>;
  const found: unknown[] = [];
  for (const [, list] of entries) {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < list.length; i += 2) fields[list[i]!] = list[i + 1]!;
    if (fields.k === CREDENTIALS_ENDED) found.push(JSON.parse(fields.d ?? "null"));
  }
  return found;
}

async function revokeThroughApi(
  app: TestApp,
  admin: Session,
  id: string,
): Promise<{ status: number; type: string | null; code?: string }> {
  const response = await app.request(`/api/admin/tokens/${id}`, {
    method: "DELETE",
    headers: admin.headers(),
  });
  const type = response.headers.get("content-type");
  if (response.status === 204) return { status: 204, type };
  const body = await json<{ code: string }>(response);
  return { status: response.status, type, code: body.code };
}

for (const kind of targets) {
  const t = `[${kind}]`;

  Deno.test({
    name:
      `${t} revoking a refused or unknown token id announces nothing: the other instance keeps what it verified`,
    ignore: !hasRedis(),
    ...opts,
    async fn() {
      await withSplitCluster(kind, {}, async (cluster) => {
        const { a, b } = cluster;
        const admin = await signInAs(a, "ADMIN");
        const viewer = await signInAs(a, "RESEARCHER");
        const { token, secret } = await a.services.auth.createToken(
          { name: "flag client", scopes: ["flags:evaluate"] },
          SYSTEM,
        );
        const kept = await createToken(a, { scopes: ["flags:evaluate"] });
        // B verifies them now, so it may serve them from memory later.
        assert.equal(await sessionStatus(b, viewer.cookie), 200);
        assert.equal(await flagClientStatus(b, secret), 200);
        assert.equal(await flagClientStatus(b, kept), 200);

        for (const id of ["%00", "nonexistent", "..%2F", "a%00b"]) {
          const answer = await revokeThroughApi(a, admin, id);
          assert.deepEqual(answer, {
            status: 400,
            type: "application/problem+json",
            code: "VALIDATION_FAILED",
          }, `DELETE /api/admin/tokens/${id}`);
        }
        assert.deepEqual(await revokeThroughApi(a, admin, crypto.randomUUID()), {
          status: 404,
          type: "application/problem+json",
          code: "NOT_FOUND",
        });
        for (const id of ["%00", "nonexistent", crypto.randomUUID()]) {
          const page = await postForm(a, admin, `/admin/tokens/${id}/revoke`, []);
          await page.body?.cancel();
          assert.equal(page.status, 404, `POST /admin/tokens/${id}/revoke`);
        }
        // The service itself, called with ids no route lets through.
        await assert.rejects(() => a.services.auth.revokeToken("\u0000", SYSTEM));
        await assert.rejects(() => a.services.auth.revokeToken("nonexistent", SYSTEM));

        await cluster.bHasReadUpToNow();
        assert.deepEqual(await credentialsEndedEntries(cluster), [], "nothing announced");
        for (const line of [...a.logs, ...b.logs]) {
          assert.ok(!line.includes("forget all"), `no instance asked to forget all: ${line}`);
          assert.ok(!line.includes("\\u0000"), "the refused id is not logged");
        }

        // A real revocation is still announced, once, and ends that token on B.
        assert.equal((await revokeThroughApi(a, admin, token.id)).status, 204);
        await cluster.bHasReadUpToNow();
        assert.deepEqual(await credentialsEndedEntries(cluster), [
          { ended: "api_token", ids: [token.id] },
        ]);

        cluster.cutDbOfB();
        assert.equal(await flagClientStatus(b, secret), 503, "the revoked token is refused");
        assert.equal(await flagClientStatus(b, kept), 200, "the other token: from memory");
        assert.equal(await sessionStatus(b, viewer.cookie), 200, "the session: from memory");
      });
    },
  });
}
