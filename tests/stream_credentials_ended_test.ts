/**
 * Open event streams end with the credential that opened them, whether or not the database
 * answers: two app instances share the database and the Redis event stream; streams are open on
 * B, B loses its database, and a credential ends — on A (a deactivation, a token revocation: B
 * hears of it through the bus's internal channel) or on B itself (a sign-out). The stream opened
 * with it ends at once; the other streams on B stay open and keep receiving events. On PGlite
 * (one in-process database shared by both, B's view cut off) and the real Postgres (B behind a
 * TCP proxy, stopped), with the real Redis.
 */
import assert from "node:assert/strict";
import type { TestApp } from "./helpers/app.ts";
import { type Session, signIn, signInAs } from "./helpers/auth.ts";
import {
  type ClusterDb,
  type SplitCluster,
  withSplitCluster,
} from "./helpers/auth_invalidation_cluster.ts";
import { hasPostgres, hasRedis } from "./helpers/env.ts";
import { readSse, type SseReader } from "./realtime_sse_reader.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const targets: ClusterDb[] = hasPostgres() ? ["pglite", "postgres"] : ["pglite"];
const CLOSED = "event streams closed: their credentials ended";
/**
 * The streams re-check their credential every second, so the open ones are seen to survive
 * re-checks during the outage. The re-check cannot close an ended one then: without the database
 * it cannot tell, and such a stream used to be kept until the database was back.
 */
const ENV = { SSE_REVALIDATE_SECONDS: "1" };
/** Bounds the wait for a stream to end: it ends at once, a re-check could not end it at all. */
const END_WITHIN_MS = 5_000;

const withCluster = (kind: ClusterDb, fn: (cluster: SplitCluster) => Promise<void>) =>
  withSplitCluster(kind, ENV, fn);

/** Opens `GET /api/stream?topic=all` on `app` with `headers` and waits for the hello. */
async function openStream(app: TestApp, headers: Record<string, string>): Promise<SseReader> {
  const response = await app.request("/api/stream?topic=all", { headers });
  assert.equal(response.status, 200);
  const sse = readSse(response);
  await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
  return sse;
}

async function assertEnds(sse: SseReader, what: string): Promise<void> {
  await sse.until(() => sse.ended(), `${what} to end`, END_WITHIN_MS).catch(() => {});
  assert.equal(sse.ended(), true, `${what} ended`);
}

/**
 * Lets B's open streams go through at least two re-checks without the database, then asserts
 * each is still open and receives an event published on A afterwards.
 */
async function assertStayOpen(
  cluster: SplitCluster,
  streams: Array<[SseReader, string]>,
): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const before = streams.map(([sse]) => sse.events().length);
  await cluster.bHasReadUpToNow();
  for (const [i, [sse, what]] of streams.entries()) {
    await sse.until(
      () => sse.events().length > before[i]!,
      `${what} to receive the event published after the change`,
    );
    assert.equal(sse.ended(), false, `${what} is still open`);
  }
}

/** B's "streams closed" log lines, without time and level; asserts none holds any of `secrets`. */
function closedLines(app: TestApp, secrets: string[]): Array<Record<string, unknown>> {
  const lines = app.logs.filter((line) => line.includes(CLOSED));
  for (const line of lines) {
    for (const secret of secrets) assert.ok(!line.includes(secret), "counts only, no ids");
  }
  return lines.map((line) => {
    const { ts: _ts, level: _level, ...rest } = JSON.parse(line);
    return rest;
  });
}

async function closeAll(streams: SseReader[]): Promise<void> {
  for (const sse of streams) await sse.close();
}

for (const kind of targets) {
  const t = `[${kind}]`;

  Deno.test({
    name:
      `${t} a user deactivated on A: the user's streams on B end at once during B's database outage; another user's stay open`,
    ignore: !hasRedis(),
    ...opts,
    async fn() {
      await withCluster(kind, async (cluster) => {
        const { a, b } = cluster;
        const admin = await signInAs(a, "ADMIN");
        const target = await signInAs(a, "STEWARD");
        const targetAgain = await signIn(a, target.user); // a second session of the same user
        const bystander = await signInAs(a, "STEWARD");
        const targetStreams = [
          await openStream(b, target.headers()),
          await openStream(b, targetAgain.headers()),
        ];
        const bystanderStream = await openStream(b, bystander.headers());
        cluster.cutDbOfB();

        const response = await a.request(`/api/admin/users/${target.user.id}`, {
          method: "PATCH",
          headers: admin.headers({ "content-type": "application/json" }),
          body: JSON.stringify({ active: false }),
        });
        assert.equal(response.status, 200);
        await response.body?.cancel();

        for (const sse of targetStreams) await assertEnds(sse, "the deactivated user's stream");
        await assertStayOpen(cluster, [[bystanderStream, "another user's stream"]]);
        assert.deepEqual(closedLines(b, [target.user.id, target.cookie]), [{
          msg: CLOSED,
          scope: "user",
          streams: 2,
        }]);
        await closeAll([...targetStreams, bystanderStream]);
      });
    },
  });

  Deno.test({
    name:
      `${t} an API token revoked on A: its stream on B ends at once during B's database outage; another token's and a user's stay open`,
    ignore: !hasRedis(),
    ...opts,
    async fn() {
      await withCluster(kind, async (cluster) => {
        const { a, b } = cluster;
        const admin = await signInAs(a, "ADMIN");
        const revoked = await a.services.auth.createToken(
          { name: "listener", scopes: ["events:read"] },
          { type: "system" },
        );
        const kept = await a.services.auth.createToken(
          { name: "other listener", scopes: ["events:read"] },
          { type: "system" },
        );
        const viewer = await signInAs(a, "RESEARCHER");
        const revokedStream = await openStream(b, { authorization: `Bearer ${revoked.secret}` });
        const keptStream = await openStream(b, { authorization: `Bearer ${kept.secret}` });
        const viewerStream = await openStream(b, viewer.headers());
        cluster.cutDbOfB();

        const response = await a.request(`/api/admin/tokens/${revoked.token.id}`, {
          method: "DELETE",
          headers: admin.headers(),
        });
        assert.equal(response.status, 204);
        await response.body?.cancel();

        await assertEnds(revokedStream, "the revoked token's stream");
        await assertStayOpen(cluster, [
          [keptStream, "another token's stream"],
          [viewerStream, "a user's stream"],
        ]);
        assert.deepEqual(closedLines(b, [revoked.token.id, revoked.secret]), [{
          msg: CLOSED,
          scope: "api_token",
          streams: 1,
        }]);
        await closeAll([revokedStream, keptStream, viewerStream]);
      });
    },
  });

  Deno.test({
    name:
      `${t} a sign-out on B during B's database outage ends that session's streams on B at once; the user's other session's stay open`,
    ignore: !hasRedis(),
    ...opts,
    async fn() {
      await withCluster(kind, async (cluster) => {
        const { a, b } = cluster;
        const user = await signInAs(a, "RESEARCHER");
        const otherSession: Session = await signIn(a, user.user);
        const signedOutStream = await openStream(b, user.headers());
        const otherStream = await openStream(b, otherSession.headers());
        cluster.cutDbOfB();

        // The session cannot be deleted without the database, but it ends anyway: no instance
        // accepts it from memory, and its streams end (the request itself reports the failure).
        const out = await b.request("/api/auth/logout", {
          method: "POST",
          headers: user.headers(),
        });
        assert.ok(out.status >= 500, `the sign-out reports the database failure (${out.status})`);
        await out.body?.cancel();

        await assertEnds(signedOutStream, "the signed-out session's stream");
        await assertStayOpen(cluster, [[otherStream, "the user's other session's stream"]]);
        assert.deepEqual(closedLines(b, [user.user.id, user.cookie]), [{
          msg: CLOSED,
          scope: "session",
          streams: 1,
        }]);
        assert.deepEqual(closedLines(a, []), [], "no stream was open on A");
        await closeAll([signedOutStream, otherStream]);
      });
    },
  });
}
